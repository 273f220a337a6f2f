"""Times the statutory-return adapters on national-size files, and liiatools' own cleaning of the same files.

    .venv/bin/python benchmarks/bench_returns.py [--episodes 100000] [--children 600000] [--seed 1]
        [--peer-children N] [--keep DIR]

Writes (seeded, deterministic) a national-size SSDA903 year, 2023/24, as the Header and Episodes CSVs
(about 100,000 episodes) and a CIN census 2023/24 XML of 600,000 children, in the formats the DfE
collections and liiatools' cleanfile read (903: DD/MM/YYYY dates, DfE item names as headers, the 2024 code
sets; CIN: Message/Header/Children/Child in the order of CIN_schema_2024.xsd). Then, each measurement in its
own process so peaks don't mix (peak RSS from os.wait4 of that process):

- ours: ``Ssda903CsvAdapter().adapt([header, episodes])`` and ``CinCensusAdapter().adapt([census])``;
  seconds of adapt() alone and of the whole process (interpreter start and imports included);
- liiatools 0.2.0 (when its virtualenv exists: $LIIATOOLS_VENV, default /work/peer-venv; see
  shared/notes/peers.md) ``python -m liiatools s903 cleanfile`` on each 903 file and
  ``python -m liiatools cin-census cleanfile`` on the census, on a copy (its 903 cleaner rewrites its input
  in place), wall seconds of the process.

The ratio is liiatools' wall seconds over ours (whole process, the conservative figure). liiatools reads
the whole census into a list of parse events and validates every element's subtree against the XSD, so a
600,000-child census does not fit in this machine's memory under it: by default it is timed on the first
``--peer-children`` children (the same generator and seed, so the same children) and on half that, and its
time and peak are extrapolated to the full census along the line through the two (a fixed start-up part plus
a part per child; both sizes and the marginal seconds per 1,000 children are printed and kept).
Results go to benchmarks/results/returns.json. Goal (issue): at least 3x faster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER_VENV = Path(os.environ.get("LIIATOOLS_VENV", "/work/peer-venv"))
PEER_LA = "BAR"  # liiatools only knows London codes; any will do for timing
PEER_MEMORY_CAP = 16 * 1024**3  # address-space limit for a peer run, so it cannot take the machine down

YEAR_START, YEAR_END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)  # collection year 2023/24

# ---- a national-size SSDA903 year ------------------------------------------------------------------------
HEADER_COLS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
ETHNIC = ("WBRI",) * 14 + ("WOTH", "WIRI", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
                           "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT", "WROM")
LEGAL = ("C2",) * 9 + ("C1",) * 5 + ("V2",) * 3 + ("E1", "D1", "J2", "L2")
NEED = ("N1",) * 12 + ("N2", "N3", "N4", "N4", "N5", "N6", "N7", "N8")
# (placement type, provider): mostly foster care, then children's homes, placed with parents, adoption
PLACES = ((("U1", "PR1"),) * 3 + (("U4", "PR1"),) * 4 + (("U6", "PR4"),) * 3 + (("U3", "PR1"),) * 2
          + (("K2", "PR4"), ("K2", "PR1"), ("P1", "PR0"), ("R1", "PR0"), ("H5", "PR4"), ("A4", "PR1"),
             ("A6", "PR1"), ("S1", "PR4"), ("Z1", "PR0")))
CHANGE_REASON = ("CARPL", "CHILD", "LAREQ", "PLACE", "ALLEG", "STAND", "APPRR", "OTHER")
CEASED = ("E4A",) * 4 + ("E8",) * 3 + ("E13",) * 2 + ("E11", "E12", "E41", "E45", "E46", "E17", "E3", "E2")
AREAS = ("NN", "MK", "LE", "B", "CV", "PE", "OX", "LU", "S", "M", "L", "LS", "BS", "NE", "SE", "E", "N")


def _postcode(r: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{r.choice(AREAS)}{r.randint(1, 29)} {r.randint(1, 9)}{r.choice(letters)}{r.choice(letters)}"


def _uk(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def write_903(folder: Path, episodes: int, seed: int) -> tuple[Path, Path, int]:
    """Header and Episodes CSVs of one 903 year with exactly ``episodes`` episodes; (header, episodes, children).

    A child's episodes chain (each ends X1 on the day the next starts; RNE P/T/B/U a new placement, L a new
    legal status in the same placement); the last is open at 31 March (60%) or ends with a reason in the
    year. 55% of children were already in care on 1 April (their first episode began before it)."""
    r = random.Random(f"{seed}:903")
    eps_lines, head_lines = [",".join(EPISODE_COLS)], [",".join(HEADER_COLS)]
    n_child, written = 0, 0
    while written < episodes:
        n_child += 1
        child = f"{1000000 + n_child}"
        continuing = r.random() < 0.55
        start = (YEAR_START - dt.timedelta(days=r.randint(1, 2200)) if continuing
                 else YEAR_START + dt.timedelta(days=r.randint(0, 350)))
        age_days = r.randint(0, 17 * 365 - 1)
        dob = max(start - dt.timedelta(days=age_days), dt.date(2006, 4, 2))
        want = min(r.choices((1, 2, 3, 4, 5), (55, 25, 12, 5, 3))[0], episodes - written)
        starts = [start]
        nxt = YEAR_START + dt.timedelta(days=r.randint(0, 200)) if continuing else start
        while len(starts) < want:
            nxt = nxt + dt.timedelta(days=r.randint(14, 160))
            if nxt > YEAR_END:
                break
            starts.append(nxt)
        place, provider = r.choice(PLACES)
        pl_post, urn = _postcode(r), (f"SC{r.randint(100000, 999999)}" if place == "K2" else "")
        legal, need, home = r.choice(LEGAL), r.choice(NEED), _postcode(r)
        rne = "S" if not continuing or r.random() < 0.5 else r.choice("PL")
        for k, decom in enumerate(starts):
            last = k == len(starts) - 1
            if last:
                open_ = r.random() < 0.6
                dec = None if open_ else min(YEAR_END, max(decom, YEAR_START) + dt.timedelta(days=r.randint(7, 300)))
                rec = "" if open_ else r.choice(CEASED)
                reason = "" if open_ else r.choice(CHANGE_REASON) if r.random() < 0.2 else ""
                nrne = ""
            else:
                dec, rec = starts[k + 1], "X1"
                nrne = r.choice("PPPPPLLLTBU")
                reason = r.choice(CHANGE_REASON) if nrne in "PTBU" else ""
            eps_lines.append(",".join((child, _uk(decom), rne, legal, need, place, provider, _uk(dec), rec, reason,
                                       home, pl_post, urn)))
            written += 1
            if nrne == "L":
                legal = r.choice(LEGAL)
            elif nrne:
                place, provider = r.choice(PLACES)
                pl_post, urn = _postcode(r), (f"SC{r.randint(100000, 999999)}" if place == "K2" else "")
            rne = nrne
        sex = r.choice("12")
        upn = f"{r.choice('ABHKN')}{r.randint(10**11, 10**12 - 1)}" if r.random() < 0.9 else r.choice(
            ("UN1", "UN2", "UN3", "UN4", "UN5"))
        mother = ("0" if r.random() < 0.97 else "1") if sex == "2" and (YEAR_END - dob).days > 12 * 365 else ""
        head_lines.append(",".join((child, sex, _uk(dob), r.choice(ETHNIC), upn, mother, "")))
    folder.mkdir(parents=True, exist_ok=True)
    # The year in liiatools' and our own file-name forms; both also read it from the dates.
    header, eps = folder / "SSDA903_2023-24_header.csv", folder / "SSDA903_2023-24_episodes.csv"
    header.write_text("\n".join(head_lines) + "\n", encoding="utf-8")
    eps.write_text("\n".join(eps_lines) + "\n", encoding="utf-8")
    return header, eps, n_child


# ---- a national-size CIN census ----------------------------------------------------------------------------
REFERRAL_SOURCE = ("1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B", "5C",
                   "5D", "6", "6", "6", "7", "8", "9", "10")
CIN_NEED = ("N1",) * 10 + ("N2", "N3", "N4", "N4", "N5", "N6", "N7", "N8", "N9", "N0")
CLOSURE = ("RC8",) * 4 + ("RC7",) * 3 + ("RC9",) * 2 + ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6")
DISABILITY = ("MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA")
FACTORS = ("1A", "1B", "2A", "2B", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "6A", "7A", "8B", "9A", "10A",
           "11A", "12A", "13A", "14A", "15A", "16A", "17A", "18B", "18C", "19B", "19C", "20", "21", "22A",
           "23A", "24A")
ABUSE = ("NEG",) * 5 + ("EMO",) * 4 + ("PHY", "SAB", "MUL")


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _child_xml(r: random.Random, n: int) -> str:
    """One Child element (about 1.5 referrals' worth of records), elements in the XSD's order."""
    child = f"CIN{n:07d}"
    dob = YEAR_START - dt.timedelta(days=r.randint(0, 17 * 365))
    out = ["<Child><ChildIdentifiers>", f"<LAchildID>{child}</LAchildID>"]
    if r.random() < 0.85:
        out.append(f"<UPN>{r.choice('ABHKN')}{r.randint(10**11, 10**12 - 1)}</UPN>")
    else:
        out.append(f"<UPNunknown>{r.choice(('UN1', 'UN2', 'UN3', 'UN5'))}</UPNunknown>")
    out.append(f"<PersonBirthDate>{_iso(dob)}</PersonBirthDate>"
               f"<GenderCurrent>{r.choice('1212121290')}</GenderCurrent></ChildIdentifiers>")
    out.append(f"<ChildCharacteristics><Ethnicity>{r.choice(ETHNIC)}</Ethnicity>")
    if r.random() < 0.12:
        out.append("<Disabilities>" + "".join(f"<Disability>{d}</Disability>"
                                              for d in r.sample(DISABILITY, r.randint(1, 2))) + "</Disabilities>")
    out.append("</ChildCharacteristics>")
    referrals = 1 if r.random() < 0.85 else 2
    ref = max(dob, YEAR_START - dt.timedelta(days=r.randint(0, 700)) if r.random() < 0.45
              else YEAR_START + dt.timedelta(days=r.randint(0, 300)))
    for k in range(referrals):
        if k:
            ref = min(YEAR_END, ref + dt.timedelta(days=r.randint(30, 200)))
        closed = r.random() < 0.5 and ref < YEAR_END - dt.timedelta(days=20)
        close = min(YEAR_END, ref + dt.timedelta(days=r.randint(10, 330))) if closed else None
        nfa = r.random() < 0.06
        out.append(f"<CINdetails><CINreferralDate>{_iso(ref)}</CINreferralDate>"
                   f"<ReferralSource>{r.choice(REFERRAL_SOURCE)}</ReferralSource>"
                   f"<PrimaryNeedCode>{'N0' if nfa else r.choice(CIN_NEED)}</PrimaryNeedCode>")
        if close:
            out.append(f"<CINclosureDate>{_iso(close)}</CINclosureDate>"
                       f"<ReasonForClosure>{r.choice(CLOSURE)}</ReasonForClosure>")
        end = close or YEAR_END
        s47 = not nfa and r.random() < 0.25
        s47_start = ref + dt.timedelta(days=r.randint(0, 10))
        icpc = s47 and r.random() < 0.4 and s47_start + dt.timedelta(days=15) <= end
        icpc_date = s47_start + dt.timedelta(days=r.randint(5, 15))
        if icpc:
            out.append(f"<DateOfInitialCPC>{_iso(icpc_date)}</DateOfInitialCPC>")
        if not nfa:
            a_start = ref + dt.timedelta(days=r.randint(0, 5))
            auth = a_start + dt.timedelta(days=r.randint(5, 45))
            out.append(f"<Assessments><AssessmentActualStartDate>{_iso(a_start)}</AssessmentActualStartDate>")
            if auth <= end:
                out.append(f"<AssessmentAuthorisationDate>{_iso(auth)}</AssessmentAuthorisationDate>"
                           "<FactorsIdentifiedAtAssessment>" + "".join(
                               f"<AssessmentFactors>{f}</AssessmentFactors>"
                               for f in r.sample(FACTORS, r.randint(1, 3))) + "</FactorsIdentifiedAtAssessment>")
            out.append("</Assessments>")
            if r.random() < 0.3 and auth <= end:
                out.append(f"<CINPlanDates><CINPlanStartDate>{_iso(auth)}</CINPlanStartDate>"
                           + (f"<CINPlanEndDate>{_iso(close)}</CINPlanEndDate>" if close else "")
                           + "</CINPlanDates>")
        if s47:
            out.append(f"<Section47><S47ActualStartDate>{_iso(s47_start)}</S47ActualStartDate>"
                       f"<InitialCPCtarget>{_iso(s47_start + dt.timedelta(days=15))}</InitialCPCtarget>"
                       + (f"<DateOfInitialCPC>{_iso(icpc_date)}</DateOfInitialCPC>" if icpc else "")
                       + f"<ICPCnotRequired>{'false' if icpc or r.random() < 0.5 else 'true'}</ICPCnotRequired>"
                       "</Section47>")
        out.append(f"<ReferralNFA>{'true' if nfa else 'false'}</ReferralNFA>")
        if icpc and r.random() < 0.85:
            cat = r.choice(ABUSE)
            out.append(f"<ChildProtectionPlans><CPPstartDate>{_iso(icpc_date)}</CPPstartDate>"
                       + (f"<CPPendDate>{_iso(close)}</CPPendDate>" if close else "")
                       + f"<InitialCategoryOfAbuse>{cat}</InitialCategoryOfAbuse>"
                       f"<LatestCategoryOfAbuse>{cat if r.random() < 0.9 else r.choice(ABUSE)}</LatestCategoryOfAbuse>"
                       f"<NumberOfPreviousCPP>{r.choice((1, 1, 1, 2, 3))}</NumberOfPreviousCPP>")
            reviews = [icpc_date + dt.timedelta(days=90 + 180 * i) for i in range(3)]
            reviews = [d for d in reviews if d <= end]
            if reviews:
                out.append("<Reviews>" + "".join(f"<CPPreviewDate>{_iso(d)}</CPPreviewDate>" for d in reviews)
                           + "</Reviews>")
            out.append("</ChildProtectionPlans>")
        out.append("</CINdetails>")
    out.append("</Child>\n")
    return "".join(out)


def write_cin(path: Path, children: int, seed: int) -> Path:
    """A CIN census 2023/24 of ``children`` children; the first N children are the same for any size."""
    r = random.Random(f"{seed}:cin")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails>'
                "<Collection>CIN</Collection><Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate>"
                "</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>928</LEA>"
                "<SoftwareCode>scorecard-bench</SoftwareCode></Source></Header>\n<Children>\n")
        batch: list[str] = []
        for n in range(1, children + 1):
            batch.append(_child_xml(r, n))
            if len(batch) == 10000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))
        f.write("</Children></Message>\n")
    return path


# ---- measuring -------------------------------------------------------------------------------------------
OURS = r"""
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from pipelines.lib.returns.{module} import {adapter}
paths = [Path(p) for p in {paths!r}]
t0 = time.perf_counter()
out = {adapter}().adapt(paths)
adapt = time.perf_counter() - t0
print("BENCH " + json.dumps({{"adapt_seconds": adapt, "rows": {{t: f.height for t, f in out.tables.items()}},
      "issues": len(out.issues)}}))
"""


def measure(cmd: list[str], env: dict | None = None, cap: int | None = None, cwd: Path = ROOT) -> dict:
    """Run one process; wall seconds and its own peak RSS (os.wait4 gives the rusage of that child alone)."""
    def limit() -> None:
        if cap:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, text=True, preexec_fn=limit)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {"seconds": wall, "peak_mb": usage.ru_maxrss / 1024, "returncode": proc.returncode,
            "stdout": stdout, "stderr": stderr[-3000:]}


def ours(module: str, adapter: str, paths: list[Path]) -> dict:
    m = measure([sys.executable, "-c", OURS.format(module=module, adapter=adapter, paths=[str(p) for p in paths])])
    if m["returncode"] != 0:
        raise SystemExit(f"{adapter} failed:\n{m['stderr']}")
    line = next(ln for ln in m["stdout"].splitlines() if ln.startswith("BENCH "))
    return {"seconds": m["seconds"], "peak_mb": m["peak_mb"], **json.loads(line[6:])}


def peer(command: str, path: Path, work: Path) -> dict:
    """liiatools cleanfile on a copy of one file (its 903 cleaner rewrites the input in place)."""
    run = work / f"peer-{command}-{path.stem}"
    shutil.rmtree(run, ignore_errors=True)
    (run / "log").mkdir(parents=True)
    (run / "out").mkdir()
    copy = run / path.name
    shutil.copyfile(path, copy)
    m = measure([str(PEER_VENV / "bin" / "python"), "-m", "liiatools", command, "cleanfile", "--i", str(copy),
                 "--la_code", PEER_LA, "--la_log_dir", str(run / "log"), "--o", str(run / "out")],
                env=dict(os.environ, PYTHONWARNINGS="ignore"), cap=PEER_MEMORY_CAP, cwd=run)
    outputs = sorted(p.name for p in (run / "out").iterdir())
    ok = m["returncode"] == 0 and bool(outputs)
    copy.unlink()
    return {"seconds": m["seconds"], "peak_mb": m["peak_mb"], "ok": ok, "outputs": outputs,
            "error": None if ok else m["stderr"][-1500:]}


def extrapolate(runs: list[dict], children: int) -> dict:
    """liiatools' census time and peak at ``children``: the line through the two measured sizes (a fixed
    start-up part plus a part per child), or the single measurement when it was the full census."""
    big = runs[-1]
    if big["children"] == children or len(runs) < 2:
        return {"seconds": big["seconds"] * children / big["children"],
                "peak_mb": big["peak_mb"] * children / big["children"], "seconds_per_1000": None}
    small = runs[0]
    dn = big["children"] - small["children"]
    per_s = max((big["seconds"] - small["seconds"]) / dn, small["seconds"] / small["children"] / 2)
    per_mb = max((big["peak_mb"] - small["peak_mb"]) / dn, 0.0)
    extra = children - big["children"]
    return {"seconds": big["seconds"] + per_s * extra, "peak_mb": big["peak_mb"] + per_mb * extra,
            "seconds_per_1000": 1000 * per_s, "mb_per_1000": 1000 * per_mb}


def show(name: str, figures: dict) -> None:
    print(f"{name:<58} {figures['seconds']:8.1f} s  {figures['peak_mb']:8.0f} MB peak", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=100_000)
    ap.add_argument("--children", type=int, default=600_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peer-children", type=int, default=10_000,
                    help="census size liiatools is timed on (scaled to --children); 0 = the full census")
    ap.add_argument("--keep", default=None, help="folder to keep the generated files in")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="scorecard-bench-returns-"))
    print(f"cores: {os.cpu_count()}  work: {work}", flush=True)

    t0 = time.perf_counter()
    header, episodes, n_903 = write_903(work / "903", args.episodes, args.seed)
    census = write_cin(work / "cin" / "cin_census_2023_24.xml", args.children, args.seed)
    print(f"generated: 903 {args.episodes} episodes of {n_903} children; CIN census {args.children} children "
          f"({census.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s", flush=True)

    results: dict = {"cores": os.cpu_count(), "seed": args.seed, "episodes": args.episodes,
                     "children_903": n_903, "children_cin": args.children,
                     "cin_mb": census.stat().st_size / 1e6}
    results["ours_903"] = ours("ssda903", "Ssda903CsvAdapter", [header, episodes])
    show(f"ours: Ssda903CsvAdapter, Header + Episodes ({args.episodes} episodes)", results["ours_903"])
    print(f"{'':<10}adapt() alone {results['ours_903']['adapt_seconds']:.1f} s", flush=True)
    results["ours_cin"] = ours("cin_census", "CinCensusAdapter", [census])
    show(f"ours: CinCensusAdapter ({args.children} children)", results["ours_cin"])
    print(f"{'':<10}adapt() alone {results['ours_cin']['adapt_seconds']:.1f} s", flush=True)

    if not (PEER_VENV / "bin" / "python").exists():
        print(f"liiatools: no virtualenv at {PEER_VENV} (set LIIATOOLS_VENV; see shared/notes/peers.md); "
              "peer not timed", flush=True)
    else:
        h, e = peer("s903", header, work), peer("s903", episodes, work)
        for name, m in (("Header", h), ("Episodes", e)):
            show(f"liiatools s903 cleanfile {name}", m)
            if not m["ok"]:
                print(f"  liiatools failed on {name}:\n{m['error']}", flush=True)
        results["peer_903"] = {"header": h, "episodes": e, "seconds": h["seconds"] + e["seconds"],
                               "peak_mb": max(h["peak_mb"], e["peak_mb"])}
        show("liiatools s903 cleanfile, both files", results["peer_903"])

        sizes = ([args.peer_children // 2, args.peer_children]
                 if 0 < args.peer_children < args.children else [args.children])
        runs = []
        for n in sizes:
            sample = census if n == args.children else write_cin(
                work / "cin-sample" / str(n) / "cin_census_2023_24.xml", n, args.seed)
            m = peer("cin-census", sample, work / f"n{n}")
            m["children"] = n
            show(f"liiatools cin-census cleanfile ({n} children)", m)
            if not m["ok"]:
                print(f"  liiatools failed:\n{m['error']}", flush=True)
            runs.append(m)
        results["peer_cin_runs"] = runs
        results["peer_cin"] = {**extrapolate(runs, args.children), "measured": runs[-1]["children"] == args.children}
        if not results["peer_cin"]["measured"]:
            small, big = runs[0], runs[-1]
            print(f"{'':<10}per 1,000 children: {1000 * small['seconds'] / small['children']:.1f} s at "
                  f"{small['children']}, {1000 * big['seconds'] / big['children']:.1f} s at {big['children']}; "
                  f"marginal {results['peer_cin']['seconds_per_1000']:.1f} s", flush=True)
            show(f"liiatools cin-census, extrapolated to {args.children} children", results["peer_cin"])

        print()
        print(f"{'file':<28}{'ours s':>10}{'ours MB':>10}{'liiatools s':>14}{'liiatools MB':>14}{'ratio':>8}")
        for key, label in (("903", f"903 ({args.episodes} episodes)"), ("cin", f"CIN ({args.children} children)")):
            o, p = results[f"ours_{key}"], results[f"peer_{key}"]
            ratio = p["seconds"] / o["seconds"]
            results[f"ratio_{key}"] = ratio
            results[f"ratio_{key}_adapt_only"] = p["seconds"] / o["adapt_seconds"]
            print(f"{label:<28}{o['seconds']:>10.1f}{o['peak_mb']:>10.0f}{p['seconds']:>14.1f}{p['peak_mb']:>14.0f}"
                  f"{ratio:>7.1f}x")
        print("ratio = liiatools wall seconds / ours (whole process); goal >= 3x", flush=True)

    for key in ("ours_903", "ours_cin"):
        results[key].pop("stdout", None)
    dest = ROOT / "benchmarks" / "results"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "returns.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
