"""Scorecard rules: targets, RAG, direction of travel, persistent breach, projection, disclosure control."""
