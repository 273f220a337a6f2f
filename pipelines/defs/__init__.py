"""Dagster definitions by stage: ingest, staged tables, KPIs, outputs; partitions, jobs, schedules, sensors."""

import warnings

import dagster as dg

# Single-run backfill policies are marked beta; they are the point of this design, so no warning each load.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
