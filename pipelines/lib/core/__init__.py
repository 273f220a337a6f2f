"""The departmental core data set: helpers for measures not computed by the KPI engine (published values)."""
