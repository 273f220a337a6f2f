"""The synthetic authority as a children's social work workforce census (CSWW) XML, one per 30 September.

    from scorecard_tools.generator.returns_csww import write_csww
    write_csww(Path("landing/2024-10-31"), Path("out"), dt.date(2024, 9, 30))

writes ``out/csww_2024.xml`` (or the file named by ``out_path`` when it ends in ``.xml``) from the drop's CSV
tables ``ssd_professionals``, ``ssd_involvements`` and ``workforce_establishment`` (or from a mapping of table
name -> polars frame of string cells, as the drops hold them). The drop must be dated on or after the
reference date, so it knows every allocation open on that day. ``write_csww_years`` writes several
censuses from one reading of the tables (the generator's drops hold every 30 September up to their date:
``census_dates``).

What the census carries (the DfE scope: registered child and family social workers and agency workers):

- ``LALevelVacancies`` from the ``workforce_establishment`` rows of the reference date's month with post type
  ``qualified_social_worker``, summed over teams: ``NumberOfVacancies`` = vacancy FTE, ``NoAgencyFTE`` =
  agency FTE (in the synthetic authority every agency worker fills a vacant post), ``NoAgencyHeadcount`` = the
  agency worker records written;
- one ``CSWWWorker`` per registered professional (``prof_social_worker_registration_no`` present) who holds
  an involvement open at the reference date (start on or before it, no end or an end after it): in post, with
  ``FTE`` (six decimals), ``AgencyWorker``, ``OrgRole`` from the job title (Social Worker → 5 case holder;
  Senior Social Worker, Advanced Practitioner → 4 senior practitioner; managers → 3 first line manager),
  ``RoleStartDate`` = their first involvement (the synthetic tables hold no hire dates) and ``Cases30`` = the
  distinct children of their open involvements;
- one leaver record (``RoleEndDate`` = the end of their last involvement) per registered professional whose
  involvements all ended in the census year (1 October to the reference date) with none open at it.

What it leaves out, as the SSD tables cannot say: managers and qualified workers without cases (they have no
involvements, so nothing dates them), dates of birth, sex, ethnicity, qualifications, absence. The census's
in-post FTE (sum over the workers written) is therefore close to, not equal to, the establishment's in-post
FTE; its vacancies are the establishment's exactly. Elements are written in the specification's order; empty
ones are omitted, as real exports do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from scorecard_tools.generator.returns_common import Tables, load_tables, text_renamed_into_place, xml_element
from scorecard_tools.generator.returns_common import cell_date as _date

TABLES = ("ssd_professionals", "ssd_involvements", "workforce_establishment")
NAMESPACE = "http://www.dfe.gov.uk/CSWW"  # real exports carry a default namespace; the adapter ignores it
ROLE_BY_TITLE = (  # (word in the job title, OrgRole code), first match wins
    ("manager", "3"),
    ("senior", "4"),
    ("advanced", "4"),
    ("social worker", "5"),
)


def write_csww(
    tables_or_drop_folder: Path | str | Mapping[str, pl.DataFrame],
    out_path: Path | str,
    reference_date: dt.date | str,
    *,
    lea: str | None = None,
) -> Path:
    """The census for ``reference_date`` (normally 30 September); returns the file written.

    ``lea`` goes into the header; by default 928 (Northamptonshire) before 2021 and 940 after, as North
    Northamptonshire files the joint return for both councils from 2021.
    """
    ref = reference_date if isinstance(reference_date, dt.date) else dt.date.fromisoformat(str(reference_date))
    tables = _load(tables_or_drop_folder)
    out = Path(out_path)
    if out.suffix.lower() != ".xml":
        out.mkdir(parents=True, exist_ok=True)
        out = out / file_name(ref)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    return _write(tables, _spans(tables["ssd_involvements"]), out, ref, lea)


def write_csww_years(
    tables_or_drop_folder: Path | str | Mapping[str, pl.DataFrame],
    out_dir: Path | str,
    reference_dates: list[dt.date],
    *,
    lea: str | None = None,
) -> list[Path]:
    """One census per reference date (``csww_<year>.xml`` in ``out_dir``), the tables read once."""
    tables = _load(tables_or_drop_folder)
    spans = _spans(tables["ssd_involvements"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_write(tables, spans, out_dir / file_name(ref), ref, lea) for ref in sorted(reference_dates)]


def census_dates(start: dt.date, drop: dt.date) -> list[dt.date]:
    """Every 30 September from ``start`` up to and including ``drop``: the censuses a drop can hold."""
    first = start.year if start <= dt.date(start.year, 9, 30) else start.year + 1
    return [dt.date(y, 9, 30) for y in range(first, drop.year + 1) if dt.date(y, 9, 30) <= drop]


def file_name(ref: dt.date) -> str:
    return f"csww_{ref.year}.xml"


def _write(tables: dict[str, list[dict]], spans: dict[str, list[tuple]], out: Path, ref: dt.date,
           lea: str | None) -> Path:
    vacancy, agency = _vacancies(tables["workforce_establishment"], ref)
    workers = _workers(tables["ssd_professionals"], spans, ref)
    agency_headcount = sum(1 for w in workers if w["agency"] and w["end"] is None)
    with text_renamed_into_place(out) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(f'<Message xmlns="{NAMESPACE}">\n')
        f.write("  <Header>\n    <CollectionDetails>\n")
        f.write(f"      <Collection>CSWW</Collection>\n      <Year>{ref.year}</Year>\n")
        f.write(f"      <ReferenceDate>{ref.isoformat()}</ReferenceDate>\n    </CollectionDetails>\n")
        f.write(f"    <Source>\n      <SourceLevel>L</SourceLevel>\n      <LEA>{lea or _lea(ref)}</LEA>\n")
        f.write("      <SoftwareCode>childrens-scorecard synthetic authority</SoftwareCode>\n")
        f.write(f"      <DateTime>{ref.isoformat()}T00:00:00</DateTime>\n    </Source>\n  </Header>\n")
        f.write("  <LALevelVacancies>\n")
        f.write(f"    <NumberOfVacancies>{vacancy:.2f}</NumberOfVacancies>\n")
        f.write(f"    <NoAgencyFTE>{agency:.2f}</NoAgencyFTE>\n")
        f.write(f"    <NoAgencyHeadcount>{agency_headcount}</NoAgencyHeadcount>\n  </LALevelVacancies>\n")
        for w in workers:
            f.write("  <CSWWWorker>\n")
            f.write(_el("AgencyWorker", "1" if w["agency"] else "0"))
            f.write(_el("SWENo", w["swe"]))
            f.write(_el("FTE", f"{w['fte']:.6f}" if w["fte"] is not None else None))
            f.write(_el("OrgRole", w["role"]))
            f.write(_el("RoleStartDate", w["start"].isoformat() if w["start"] else None))
            f.write(_el("RoleEndDate", w["end"].isoformat() if w["end"] else None))
            f.write(_el("Cases30", str(w["cases"]) if w["end"] is None else None))
            f.write("  </CSWWWorker>\n")
        f.write("</Message>\n")
    return out


def _lea(ref: dt.date) -> str:
    return "928" if ref.year < 2021 else "940"


def _load(src: Path | str | Mapping[str, pl.DataFrame]) -> Tables:
    return load_tables(src, TABLES, parquet=True)  # a drop of the SSD tables may hold them as parquet


def _number(text: str | None) -> Decimal | None:
    if text is None or not str(text).strip():
        return None
    try:
        d = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _vacancies(rows: list[dict], ref: dt.date) -> tuple[Decimal, Decimal]:
    """(vacancy FTE, agency FTE) over the qualified social worker rows of the reference date's month."""
    vacancy = agency = Decimal(0)
    found = 0
    for r in rows:
        d = _date(r.get("period_end"))
        if d is None or (d.year, d.month) != (ref.year, ref.month):
            continue
        if (r.get("post_type") or "").strip().lower() != "qualified_social_worker":
            continue
        found += 1
        vacancy += _number(r.get("vacancy_fte")) or 0
        agency += _number(r.get("agency_fte")) or 0
    if not found:
        raise ValueError(f"workforce_establishment has no qualified_social_worker rows for {ref:%B %Y}: the census "
                         "vacancies cannot be written (generate a span that covers the reference date)")
    return vacancy, agency


def _spans(involvements: list[dict]) -> dict[str, list[tuple[dt.date, dt.date | None, str | None]]]:
    """Each professional's involvements as (start, end, child), every dated one (a census takes those by then)."""
    spans: dict[str, list[tuple[dt.date, dt.date | None, str | None]]] = defaultdict(list)
    for r in involvements:
        pid, start = r.get("invo_professional_id"), _date(r.get("invo_involvement_start_date"))
        if pid and start:
            spans[pid].append((start, _date(r.get("invo_involvement_end_date")), r.get("invo_person_id")))
    return spans


def _workers(professionals: list[dict], spans: dict[str, list[tuple]], ref: dt.date) -> list[dict]:
    year_start = dt.date(ref.year - 1, 10, 1)
    out = []
    for p in sorted(professionals, key=lambda r: r.get("prof_professional_id") or ""):
        pid, swe = p.get("prof_professional_id"), (p.get("prof_social_worker_registration_no") or "").strip()
        mine = [span for span in spans.get(pid, ()) if span[0] <= ref] if pid else []
        if not swe or not mine:
            continue
        open_children = {c for s, e, c in mine if (e is None or e > ref) and c}
        ends = [e for _s, e, _c in mine]
        if open_children:
            end = None
        elif all(e is not None for e in ends) and year_start <= max(ends) <= ref:
            end = max(ends)
        else:
            continue  # not in post and did not leave in the census year
        title = (p.get("prof_professional_job_title") or "").lower()
        role = next((code for word, code in ROLE_BY_TITLE if word in title), None)
        out.append({
            "swe": swe,
            "agency": (p.get("prof_agency_worker_flag") or "").strip().upper() in ("Y", "1", "TRUE"),
            "fte": _number(p.get("prof_full_time_equivalency")),
            "role": role,
            "start": min(s for s, _e, _c in mine),
            "end": end,
            "cases": len(open_children),
        })
    return out


def _el(name: str, value: str | None, indent: str = "    ") -> str:
    return xml_element(name, value, indent)
