"""Times the pipeline on the default synthetic authority: generate, ingest, one month of KPIs, the full
backfill in one run. Each phase runs in its own process so its peak memory is its own.

    .venv/bin/python benchmarks/bench_pipeline.py [--size default] [--keep DIR]

Prints seconds and peak resident memory (MB) per phase and writes benchmarks/results/pipeline.json.
Goals (issues): backfill April 2017 - March 2025 <= 60 s, one month <= 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASE = r"""
import resource, sys, time, json
started = time.perf_counter()
{body}
print("BENCH " + json.dumps({{"seconds": time.perf_counter() - started,
      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

GENERATE = """
from datetime import date
from pathlib import Path
from scorecard_tools.generator import generate
generate(Path({landing!r}), seed=1, size={size!r})
"""

INGEST = """
from pathlib import Path
import duckdb
from pipelines.lib.archive import archive_drop, archived_drops, landing_drops
from pipelines.lib.pseudonymise import create_key, key_file, load_key
from pipelines.lib.staging import stage_drop
from pipelines.lib.returns import REGISTRY
state = Path({state!r})
if not key_file().exists():
    create_key()  # the benchmark's own throwaway key (SCORECARD_KEY_FILE points into its work folder)
for folder in landing_drops(Path({landing!r})):
    archive_drop(folder, state / "archive")
con = duckdb.connect(str(state / "warehouse.duckdb"))
for drop in archived_drops(state / "archive"):
    stage_drop(con, drop, load_key(), "928", registry=REGISTRY)
con.close()
"""

KPIS = """
from datetime import date
import duckdb
from pipelines.lib.kpi_engine import compute_kpis
from pipelines.lib.staging import use_current
con = duckdb.connect({warehouse!r})
use_current(con)
compute_kpis(con, date.fromisoformat({first!r}), date.fromisoformat({last!r}))
con.close()
"""

QUALITY = """
from datetime import date
import duckdb
from pipelines.lib.quality import check_kpi_values, run_quality
from pipelines.lib.staging import current_drop_id, use_current
con = duckdb.connect({warehouse!r})
use_current(con)
findings = run_quality(con, current_drop_id(con), date(2025, 3, 1), date(2025, 3, 31), include_kpi_values=False)
check_kpi_values(con, date(2025, 3, 1), date(2025, 3, 31))
con.close()
"""

CLI_RUN = """
import subprocess
subprocess.run([{scorecard!r}, "run", "--extracts", {landing!r}, "--period", "2025-03", "--out", {out!r}],
               check=True, stdout=subprocess.DEVNULL)
"""


def phase(name: str, body: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", PHASE.format(body=body)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("BENCH "))
    figures = json.loads(line[6:])
    print(f"{name:<44} {figures['seconds']:8.1f} s  {figures['peak_mb']:8.0f} MB peak", flush=True)
    return {"phase": name, **figures}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="default")
    ap.add_argument("--keep", default=None, help="folder to keep the generated drops and state in")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="scorecard-bench-"))
    landing, state, out = work / "landing", work / "state", work / "out"
    env = dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(work / "bench.key"),
               DAGSTER_HOME=str(state / "dagster_home"))
    (state / "dagster_home").mkdir(parents=True, exist_ok=True)
    (state / "dagster_home" / "dagster.yaml").write_text((ROOT / "data/config/dagster.yaml").read_text())
    print(f"cores: {os.cpu_count()}  size: {args.size}  work: {work}")
    results = [
        phase("generate (2017-04..2025-03, 3 drops)", GENERATE.format(landing=str(landing), size=args.size), env),
        phase("ingest: archive + stage 3 drops", INGEST.format(state=str(state), landing=str(landing)), env),
        phase("KPIs: all 21, one month (2025-03)",
              KPIS.format(warehouse=str(state / "warehouse.duckdb"), first="2025-03-31", last="2025-03-31"), env),
        phase("KPIs: backfill 2017-04..2025-03, one pass",
              KPIS.format(warehouse=str(state / "warehouse.duckdb"), first="2017-04-30", last="2025-03-31"), env),
        phase("checks: one month (2025-03), incl. GX import",
              QUALITY.format(warehouse=str(state / "warehouse.duckdb")), env),
    ]
    cli_state = work / "cli-state"
    cli_env = dict(env, SCORECARD_STATE=str(cli_state), DAGSTER_HOME=str(cli_state / "dagster_home"))
    results.append(phase("scorecard run --period 2025-03 (Dagster, fresh)",
                         CLI_RUN.format(scorecard=str(Path(sys.executable).with_name("scorecard")),
                                        landing=str(landing), out=str(out)), cli_env))
    dest = ROOT / "benchmarks" / "results"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "pipeline.json").write_text(json.dumps({"size": args.size, "cores": os.cpu_count(),
                                                    "phases": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
