"""`scorecard`: the pipeline for people who don't open the Dagster UI.

  scorecard generate --out DIR [--seed N] [--size default|small|0.3] [--from YYYY-MM] [--to YYYY-MM]
                     [--drops YYYY-MM-DD,...] [--dirty RATE] [--ssd-only | --returns-only]
  scorecard run      --extracts DIR --period YYYY-MM --out DIR [--allow-revision] [--clinic]
  scorecard backfill --extracts DIR --from YYYY-MM --to YYYY-MM --out DIR [--allow-revision] [--clinic]
  scorecard ui       [--port 3000]
  scorecard key      create | show   [--file PATH]   (the pseudonymisation key: SCORECARD_KEY_FILE or ~/.config)

`run` and `backfill` materialise the Dagster assets in-process (no daemon), recorded in the project's
Dagster instance (state/dagster_home), and end by printing what they wrote.
"""

from __future__ import annotations

import argparse
import calendar
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from pipelines.lib.paths import PROJECT_ROOT, state_dir


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-")[:2])
        return date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM") from exc


def _month_end(first: date) -> date:
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.lib.generator import generate

    started = time.perf_counter()
    drops = [_day(d) for d in args.drops.split(",")] if args.drops else None
    written = generate(Path(args.out), seed=args.seed, size=args.size, start=args.start,
                       end=_month_end(args.end), drops=drops, dirty=args.dirty, returns=not args.ssd_only,
                       returns_only=args.returns_only)
    print(f"generated {len(written)} drop(s) in {time.perf_counter() - started:.1f} s:")
    for folder in written:
        files = sorted(folder.iterdir())
        print(f"  {folder}  ({len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    return 0


class _Progress(logging.Handler):
    """Prints the pipeline's own progress lines (asset logs) and step outcomes, not Dagster's chatter."""

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if meta is None:
            return
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        msg = meta.get("orig_message") or record.getMessage()
        if event is None and record.levelno >= logging.INFO:
            print(f"  [{step}] {msg}", flush=True)
        elif event is not None and event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
            print(f"  [{step}] FAILED: {msg}", flush=True)
        elif event is not None and event.event_type_value == "STEP_SUCCESS":
            print(f"  [{step}] done", flush=True)


def _materialise(args: argparse.Namespace, first: date, last: date) -> int:
    import dagster as dg

    from pipelines.lib.config import dagster_home

    dagster_home()
    from pipelines.definitions import build_definitions
    from pipelines.defs.partitions import reporting_months
    from pipelines.defs.resources import Warehouse

    extracts = Path(args.extracts).resolve()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    warehouse = Warehouse(landing_dir=str(extracts), out_dir=str(out), state_dir=str(state_dir()),
                          allow_revision=args.allow_revision, clinic_pack=args.clinic)
    keys = reporting_months.get_partition_keys()
    start_key, end_key = first.isoformat(), last.isoformat()
    if start_key not in keys or end_key not in keys:
        print(f"error: reporting months run from {keys[0][:7]} to {keys[-1][:7]}; "
              f"{start_key[:7]}..{end_key[:7]} is outside them", file=sys.stderr)
        return 2

    @dg.logger(description="progress lines for the terminal")
    def progress(_init_context) -> logging.Logger:
        log = logging.getLogger("scorecard.progress")
        log.setLevel(logging.INFO)
        log.propagate = False
        if not log.handlers:
            log.addHandler(_Progress())
        return log

    defs = build_definitions(warehouse, loggers={"console": progress})
    span = start_key[:7] if start_key == end_key else f"{start_key[:7]} to {end_key[:7]}"
    print(f"scorecard: drops from {extracts}, reporting {span}, outputs to {out}", flush=True)
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("monthly_contract_job").execute_in_process(
            instance=instance, raise_on_error=False,
            # Naming the logger in run_config makes Dagster use ours instead of its default console logger.
            run_config={"loggers": {"console": {}}},
            tags={"dagster/asset_partition_range_start": start_key,
                  "dagster/asset_partition_range_end": end_key},
        )
    elapsed = time.perf_counter() - started
    if not result.success:
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        for event in failures:
            error = event.step_failure_data.error
            cause = error.cause if error and error.cause else error
            print(f"error in {event.step_key}: {cause.message.strip() if cause else event.message}",
                  file=sys.stderr)
        print(f"the run failed after {elapsed:.1f} s; nothing was published and earlier outputs in {out} "
              "are unchanged", file=sys.stderr)
        return 1
    _report(warehouse, out, _month_end(last), elapsed)
    return 0


def _report(warehouse, out: Path, last: date, elapsed: float) -> None:
    import polars as pl

    from pipelines.lib.kpi_cards import load_cards

    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_hide_column_data_types(True)
    pl.Config.set_fmt_str_lengths(60)
    pl.Config.set_tbl_width_chars(170)
    summary = pl.read_csv(out / "staged_tables.csv")
    with warehouse.connect(read_only=True) as con:
        current = con.sql("SELECT drop_id FROM staged.current_drop").fetchall()[0][0]
    staged = summary.filter(pl.col("drop_id") == current).drop("drop_id")
    print(f"\nStaged tables (drop {current}):")
    print(staged)
    # figures typed whatever the first rows hold ("no data" months leave them empty)
    values = pl.read_csv(out / "kpi_values.csv", schema_overrides={
        "area": pl.String, "numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64})
    cards = load_cards()
    headline = pl.DataFrame({"kpi_id": [c.id for c in cards], "title": [c.title for c in cards],
                             "basis": [c.headline_basis for c in cards]})
    month = values.filter((pl.col("period_end") == last.isoformat()) & (pl.col("area") == "all"))
    status = pl.read_csv(out / "kpi_status.csv")
    blocked = status.filter((pl.col("status") != "published") & (pl.col("period_end") == last.isoformat()))
    if blocked.height:
        print(f"\nNot published for {last:%B %Y} (blocked: a critical data-quality check failed; no data: its "
              "inputs are absent; see data_quality.html):")
        for row in blocked.iter_rows(named=True):
            print(f"  {row['kpi_id']} ({row['status']}): {row['reasons']}")
    else:
        print(f"\nEvery KPI passed its data-quality checks for {last:%B %Y}.")
    print(f"\nwrote in {elapsed:.1f} s:")
    for path in sorted([*out.glob("*.csv"), *out.glob("*.html"), *out.glob("*.xlsx")]):
        print(f"  {path}")
    # The KPI table comes last: it is what the person running the month looks at.
    print(f"\nKPI values for the month ending {last} (trust, headline basis):")
    status_now = status.filter(pl.col("period_end") == last.isoformat()).select("kpi_id", "status")
    latest = (headline.join(month, on=["kpi_id", "basis"], how="left")
              .join(status_now, on="kpi_id", how="left").sort("kpi_id"))
    print(latest.select("kpi_id", "title", "basis", "numerator", "denominator",
                        pl.col("value").round(1), "status"))


def cmd_run(args: argparse.Namespace) -> int:
    return _materialise(args, args.period, args.period)


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    return _materialise(args, args.start, args.end)


def cmd_ui(args: argparse.Namespace) -> int:
    from pipelines.lib.config import dagster_home

    home = dagster_home()
    print(f"Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={home})", flush=True)
    exe = Path(sys.executable).with_name("dagster")
    os.chdir(PROJECT_ROOT)
    os.execv(str(exe), [str(exe), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
                        "-h", "127.0.0.1", "-p", str(args.port)])
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    """Create the pseudonymisation key (an explicit step: never done silently by a run), or show which key is
    in use by its fingerprint (which does not reveal the key)."""
    from pipelines.lib.pseudonymise import KEY_KEEPING, PseudonymKeyError, create_key, fingerprint, load_key

    path = Path(args.file).expanduser() if args.file else None
    try:
        if args.action == "create":
            path = create_key(path)
            print(f"created a new pseudonymisation key at {path} (fingerprint {fingerprint(load_key(path))}); "
                  f"{KEY_KEEPING}")
        else:
            key = load_key(path)
            from pipelines.lib.pseudonymise import key_file

            print(f"pseudonymisation key {path or key_file()}: fingerprint {fingerprint(key)}")
    except PseudonymKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _add_key_parser(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("key", help="create the pseudonymisation key, or show its fingerprint")
    k.add_argument("action", choices=("create", "show"))
    k.add_argument("--file", default=None,
                   help="the key file (default: SCORECARD_KEY_FILE, else ~/.config/childrens-scorecard/)")
    k.set_defaults(func=cmd_key)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scorecard", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write a synthetic authority's monthly drops")
    g.add_argument("--out", required=True, help="landing folder to write drop folders into")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--size", default="default", help="default (a Northamptonshire-sized trust), small, or a scale")
    g.add_argument("--from", dest="start", type=_month, default=date(2017, 4, 1), help="first month YYYY-MM")
    g.add_argument("--to", dest="end", type=_month, default=date(2025, 3, 1), help="last month YYYY-MM")
    g.add_argument("--drops", default=None, help="extract dates YYYY-MM-DD,... (default: the last three month ends)")
    g.add_argument("--dirty", type=float, default=0.0, help="rate of injected data faults (0 = clean)")
    kind = g.add_mutually_exclusive_group()
    kind.add_argument("--ssd-only", action="store_true",
                      help="SSD tables only: no statutory returns (by default each drop also holds the CSWW census "
                           "of every 30 September to its date, a 31 March drop the SSDA903 and CIN census of every "
                           "completed year, the latest drop an Ofsted Annex A workbook)")
    kind.add_argument("--returns-only", action="store_true",
                      help="statutory returns (SSDA903, CIN census, CSWW, Annex A) instead of the SSD tables and "
                           "workforce_establishment, in every drop")
    g.set_defaults(func=cmd_generate)

    for name, helptext in (("run", "ingest drops and compute one reporting month"),
                           ("backfill", "ingest drops and compute a range of months in one run")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("--extracts", required=True, help="landing folder: one YYYY-MM-DD sub-folder per drop")
        r.add_argument("--out", required=True, help="folder for the run's outputs")
        r.add_argument("--allow-revision", action="store_true",
                       help="keep a different file set for an already-ingested extract date as a revision")
        r.add_argument("--clinic", action="store_true",
                       help="also write the restricted performance-clinic pack (pseudonymised record lists)")
        if name == "run":
            r.add_argument("--period", required=True, type=_month, help="reporting month YYYY-MM")
            r.set_defaults(func=cmd_run)
        else:
            r.add_argument("--from", dest="start", required=True, type=_month, help="first month YYYY-MM")
            r.add_argument("--to", dest="end", required=True, type=_month, help="last month YYYY-MM")
            r.set_defaults(func=cmd_backfill)

    u = sub.add_parser("ui", help="open the Dagster UI on 127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_ui)
    _add_key_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
