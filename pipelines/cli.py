"""`scorecard`: the pipeline for people who don't open the Dagster UI.

  scorecard generate --out DIR [--seed N] [--size default|small|0.3] [--from YYYY-MM] [--to YYYY-MM]
                     [--drops YYYY-MM-DD,...] [--dirty RATE] [--ssd-only | --returns-only]
  scorecard run      --extracts DIR --period YYYY-MM --out DIR [--allow-revision] [--clinic]
  scorecard backfill --extracts DIR --from YYYY-MM --to YYYY-MM --out DIR [--allow-revision] [--clinic]
  scorecard withdraw --drop YYYY-MM-DD[rN] --reason TEXT
  scorecard drops
  scorecard ui       [--port 3000]
  scorecard key      create | show   [--file PATH]   (the pseudonymisation key: SCORECARD_KEY_FILE or ~/.config)

`run` and `backfill` materialise the Dagster assets in-process (no daemon), recorded in the project's
Dagster instance (state/dagster_home), and end by printing what they wrote.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.paths import PROJECT_ROOT, state_dir

if TYPE_CHECKING:
    import dagster as dg


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-")[:2])
        return date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM") from exc


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.lib.calendar import month_end
    from scorecard_tools.generator import generate

    started = time.perf_counter()
    drops = [_day(d) for d in args.drops.split(",")] if args.drops else None
    written = generate(Path(args.out), seed=args.seed, size=args.size, start=args.start,
                       end=month_end(args.end), drops=drops, dirty=args.dirty, returns=not args.ssd_only,
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
            if msg.startswith("Dependencies for step"):  # Dagster lists every upstream output: say it shortly
                msg = "not run: an earlier step failed"
            print(f"  [{step}] {msg}", flush=True)
        elif event is not None and event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
            print(f"  [{step}] FAILED: {msg}", flush=True)
        elif event is not None and event.event_type_value == "STEP_SUCCESS":
            print(f"  [{step}] done", flush=True)


def _materialise(args: argparse.Namespace, first: date, last: date) -> int:
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.defs.partitions import reporting_months
    from pipelines.defs.resources import Warehouse
    from pipelines.lib.archive import DropError
    from pipelines.lib.calendar import month_end

    extracts = Path(args.extracts).resolve()
    if not extracts.is_dir():
        raise DropError(f"landing folder {extracts} does not exist")
    from pipelines.lib.pseudonymise import load_key

    load_key()  # no key: refused here on one line, before anything is archived (creating one is explicit)
    out = Path(args.out).resolve()
    keys = reporting_months.get_partition_keys()
    start_key, end_key = first.isoformat(), last.isoformat()
    if start_key not in keys or end_key not in keys:
        print(f"error: reporting months run from {keys[0][:7]} to {keys[-1][:7]}; "
              f"{start_key[:7]}..{end_key[:7]} is outside them", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    state = state_dir()
    warehouse = Warehouse(landing_dir=str(extracts), out_dir=str(out), state_dir=str(state),
                          allow_revision=args.allow_revision, clinic_pack=args.clinic)

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
    with _state_in_use(state) as instance:
        print(f"scorecard: drops from {extracts}, reporting {span}, outputs to {out}", flush=True)
        started = time.perf_counter()
        result = defs.resolve_job_def("monthly_contract_job").execute_in_process(
            instance=instance, raise_on_error=False,
            # Naming the logger in run_config makes Dagster use ours instead of its default console logger.
            run_config={"loggers": {"console": {}}},
            tags={"dagster/asset_partition_range_start": start_key,
                  "dagster/asset_partition_range_end": end_key},
        )
    elapsed = time.perf_counter() - started
    if not result.success:
        from pipelines.lib.publish import discard

        discard(out, result.run_id)  # the run's own folder: nothing of it reaches --out
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        steps = "; ".join(_step_failure(e) for e in failures) or "see the run in the Dagster UI"
        # One line for a scheduler's log (steps skipped behind the failure are not repeated)
        print(f"error: the run failed after {elapsed:.1f} s in {steps}; nothing was published and earlier "
              f"outputs in {out} are unchanged", file=sys.stderr)
        return 1
    _summarise(warehouse, out, month_end(last), elapsed)
    return 0


def _summarise(warehouse, out: Path, last: date, elapsed: float) -> None:
    """The run worked: the console summary is a courtesy and must never turn a good month into a failure."""
    try:
        _report(warehouse, out, last, elapsed)
    except Exception as exc:  # noqa: BLE001 - reported on one line, the exit code stays 0
        if _debug():
            raise
        print(f"warning: the run succeeded and its outputs are in {out}, but the summary could not be printed: "
              f"{_one_line(exc)}", file=sys.stderr)


class StateError(RuntimeError):
    """The state folder (warehouse, archive, Dagster home) cannot be used."""


@contextmanager
def _state_in_use(state: Path) -> Iterator[dg.DagsterInstance]:
    """Hold the state folder's run lock for the run (a live run elsewhere: refused at once), report runs left
    unfinished by a dead process as failed and free their slots, and keep every state file owner-only."""
    import dagster as dg

    from pipelines.lib.config import dagster_home
    from pipelines.lib.run_guard import (
        RunInProgress,
        exclusive_run,
        owner_only_files,
        recover_dead_runs,
        secure_state,
    )

    with owner_only_files(), ExitStack() as stack:
        try:
            state.mkdir(parents=True, exist_ok=True)
            home = dagster_home()
            # DAGSTER_HOME may be set outside the state folder: its run history is kept owner-only too.
            private = [state] if home.resolve().is_relative_to(state) else [state, home]
            for folder in private:
                secure_state(folder)
            stack.enter_context(exclusive_run(state))
            for folder in private:
                stack.callback(secure_state, folder)  # what the run wrote, owner-only too
            instance = stack.enter_context(dg.DagsterInstance.get())
            recovered = recover_dead_runs(instance, state)
        except RunInProgress:
            raise
        except Exception as exc:
            raise StateError(f"the state folder {state} cannot be used: {_one_line(exc)}") from exc
        for run_id in recovered:
            print(f"run {run_id} was left unfinished by a process that died (killed, or the machine stopped): "
                  "marked failed and its warehouse slot freed", flush=True)
        yield instance


def _read_text_csv(path: Path, numbers: tuple[str, ...] = ()):
    """An output table with every column read as text and the named ones typed as numbers: inferring types from
    the first rows fails on a month whose first KPI rows have no value (a CSWW-only, CIN-only or small 903 drop)."""
    import polars as pl

    frame = pl.read_csv(path, infer_schema=False)
    return frame.with_columns(pl.col(c).cast(pl.Float64, strict=False) for c in numbers if c in frame.columns)


def _report(warehouse, out: Path, last: date, elapsed: float) -> None:
    import polars as pl

    from pipelines.lib.kpi_cards import load_cards

    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_hide_column_data_types(True)
    pl.Config.set_fmt_str_lengths(60)
    pl.Config.set_tbl_width_chars(170)
    summary = _read_text_csv(out / "staged_tables.csv")
    with warehouse.connect(read_only=True) as con:
        current = con.sql("SELECT drop_id FROM staged.current_drop").fetchall()[0][0]
    staged = summary.filter(pl.col("drop_id") == current).drop("drop_id")
    print(f"\nStaged tables (drop {current}):")
    print(staged)
    values = _read_text_csv(out / "restricted" / "kpi_values.csv", ("numerator", "denominator", "value"))
    cards = load_cards()
    headline = pl.DataFrame({"kpi_id": [c.id for c in cards], "title": [c.title for c in cards],
                             "basis": [c.headline_basis for c in cards]})
    month = values.filter((pl.col("period_end") == last.isoformat()) & (pl.col("area") == "all"))
    status = _read_text_csv(out / "kpi_status.csv")
    blocked = status.filter((pl.col("status") != "published") & (pl.col("period_end") == last.isoformat()))
    if blocked.height:
        print(f"\nNot published for {last:%B %Y} (blocked: a critical data-quality check failed; no data: its "
              "inputs are absent; see restricted/data_quality.html):")
        for row in blocked.iter_rows(named=True):
            print(f"  {row['kpi_id']} ({row['status']}): {row['reasons']}")
    else:
        print(f"\nEvery KPI passed its data-quality checks for {last:%B %Y}.")
    print(f"\nwrote in {elapsed:.1f} s:")
    for path in sorted(p for pattern in ("*.csv", "*.html", "*.xlsx", "restricted/*") for p in out.glob(pattern)):
        print(f"  {path}")
    # The KPI table comes last: it is what the person running the month looks at.
    print(f"\nKPI values for the month ending {last} (trust, headline basis):")
    status_now = status.filter(pl.col("period_end") == last.isoformat()).select("kpi_id", "status")
    latest = (headline.join(month, on=["kpi_id", "basis"], how="left")
              .join(status_now, on="kpi_id", how="left").sort("kpi_id"))
    print(latest.select("kpi_id", "title", "basis", "numerator", "denominator",
                        pl.col("value").round(1), "status"))


_debug_requested = False  # --debug on this command line


def _debug() -> bool:
    """`--debug` or SCORECARD_DEBUG=1: let exceptions through with their traceback."""
    return _debug_requested or os.environ.get("SCORECARD_DEBUG", "") not in ("", "0")


def _step_failure(event) -> str:
    """'step: the error's first line', without the exception's module path ('pkg.mod.SomeError: words')."""
    error = event.step_failure_data.error
    cause = error.cause if error and error.cause else error
    lines = (cause.message if cause else event.message or "").strip().splitlines()
    text = lines[0] if lines else "failed"
    head, sep, rest = text.partition(": ")
    if sep and cause is not None and head.rsplit(".", 1)[-1] == cause.cls_name:
        text = rest
    return f"{event.step_key}: {text}"


def _one_line(exc: BaseException) -> str:
    """An error as one readable line: the OS's words and the path for file errors, else the first line."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    cause = exc
    while cause.__cause__ is not None and not str(cause).strip():
        cause = cause.__cause__
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def cmd_run(args: argparse.Namespace) -> int:
    return _materialise(args, args.period, args.period)


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    return _materialise(args, args.start, args.end)


def cmd_drops(args: argparse.Namespace) -> int:
    from pipelines.lib.archive import archived_drops

    archive = state_dir() / "archive"
    drops = archived_drops(archive, include_withdrawn=True)
    if not drops:
        print(f"no drop archived in {archive}")
        return 0
    current = next((d.drop_id for d in reversed(drops) if d.withdrawn is None), None)
    print(f"drops archived in {archive} (the current drop is the latest not withdrawn):")
    for d in drops:
        if d.withdrawn:
            status = f"withdrawn {d.withdrawn['withdrawn_at']}: {d.withdrawn['reason']}"
        else:
            status = "current" if d.drop_id == current else "kept"
        print(f"  {d.drop_id:<14} {len(d.files):>3} files  {status}")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from pipelines.lib.archive import archived_drops, withdraw_drop
    from pipelines.lib.run_guard import exclusive_run, owner_only_files

    state = state_dir()
    # Not while a run is reading the archive: it would publish from a drop the operator has just withdrawn.
    with owner_only_files(), exclusive_run(state):
        drop = withdraw_drop(state / "archive", args.drop, args.reason)
    remaining = archived_drops(state / "archive")
    now = remaining[-1].drop_id if remaining else None
    print(f"drop {drop.drop_id} withdrawn ({drop.withdrawn['reason']}); it is kept in {drop.path} and will not be "
          "used again, even if its folder stays in the landing folder.")
    print(f"the current drop is now {now}: re-run the month to publish from it." if now
          else "no drop is left in force: deliver a new drop before the next run.")
    return 0


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
    p.add_argument("--debug", action="store_true", help="show the traceback of an error (or SCORECARD_DEBUG=1)")
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

    w = sub.add_parser("withdraw", help="withdraw an archived drop: kept, marked withdrawn, never used again")
    w.add_argument("--drop", required=True, help="the drop to withdraw, YYYY-MM-DD or YYYY-MM-DDrN (see `drops`)")
    w.add_argument("--reason", required=True, help="why, recorded beside the drop")
    w.set_defaults(func=cmd_withdraw)

    d = sub.add_parser("drops", help="list the archived drops with their status (current, kept, withdrawn)")
    d.set_defaults(func=cmd_drops)

    u = sub.add_parser("ui", help="open the Dagster UI on 127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=cmd_ui)
    _add_key_parser(sub)
    return p


# Exit codes: 0 the command did what was asked; 1 it failed (a failed run, an unusable state or landing
# folder, a refused drop); 2 a usage error; 3 another run holds the state folder (retry later).
EXIT_FAILED, EXIT_BUSY = 1, 3


def main(argv: list[str] | None = None) -> int:
    global _debug_requested
    args = parser().parse_args(argv)
    _debug_requested = args.debug
    from pipelines.lib.run_guard import RunInProgress

    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # One clear line for whoever reads the scheduler's log; --debug (or SCORECARD_DEBUG=1) keeps the traceback.
        if _debug():
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BUSY if isinstance(exc, RunInProgress) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
