"""The SSDA903 CSV adapter (pipelines/lib/returns/ssda903/), the returns registry and staging of 903 files.

Every 903 history below is written by hand; the rows it should become are worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import db
from pipelines.lib.archive import archive_drop
from pipelines.lib.returns import REGISTRY, UnknownShapeError, adapt_drop, recognise
from pipelines.lib.returns.ssda903 import TABLES, Ssda903CsvAdapter, collection_year
from pipelines.lib.staging import stage_drop

KEY = bytes(range(32))
EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def write(root: Path, files: dict[str, str | bytes]) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for name, content in files.items():
        p = root / name
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        out.append(p)
    return out


def adapt(root: Path, files: dict[str, str | bytes]):
    return Ssda903CsvAdapter().adapt(write(root, files))


def rows(frame: pl.DataFrame, *cols: str) -> list[tuple]:
    return [tuple(r) for r in frame.select(cols).iter_rows()]


def issues(adapted, severity: str | None = None) -> list[tuple]:
    return [(i.file, i.table, i.column, i.row, i.message) for i in adapted.issues
            if severity is None or i.severity == severity]


# ---------------------------------------------------------------- recognition

@pytest.mark.parametrize("table", list(TABLES))
def test_each_table_is_recognised_by_its_header_not_its_name(tmp_path, table):
    cols = TABLES[table]
    # lower case, padded, with a byte-order mark and the LA/YEAR columns some tools add: still that table
    text = "\ufeff" + ",".join(f" {c.lower()} " for c in cols) + ",LA,YEAR\n"
    (path,) = write(tmp_path, {"export_17.csv": text})
    from pipelines.lib.returns.ssda903 import header_columns, table_of

    assert table_of(header_columns(path)) == table
    assert isinstance(recognise(path), Ssda903CsvAdapter)


def test_episodes_header_is_not_taken_for_another_table(tmp_path):
    # Header and UASC share CHILD, SEX, DOB: the table is the one all of whose items are present
    a, b, c = write(tmp_path, {"a.csv": HEADER_HEAD, "b.csv": "CHILD,SEX,DOB,DUC\n", "c.csv": "CHILD,SEX,DOB\n"})
    from pipelines.lib.returns.ssda903 import header_columns, table_of

    assert (table_of(header_columns(a)), table_of(header_columns(b)), table_of(header_columns(c))) == (
        "Header", "UASC", None)
    assert recognise(c) is None


def test_social_worker_episodes_before_2023_24_are_noted(tmp_path):
    # SWEpisodes is collected from 2023/24; a file whose dates fall in 2022/23 is read but flagged
    out = adapt(tmp_path, {"sw.csv": "CHILD,SW_ID,SW_DECOM,SW_DEC,SW_REASON\nA,SW1,01/05/2022,,\n"})
    assert ("sw.csv", "SWEpisodes", None, None,
            "SWEpisodes is collected from 2023/24, but this file's dates are in 2022/23") in issues(out, "warning")


def test_collection_year_rules(tmp_path):
    assert (collection_year(dt.date(2019, 3, 31)), collection_year(dt.date(2019, 4, 1))) == (2019, 2020)
    out = adapt(tmp_path, {
        # dated: the latest episode start (DECOM 2019-06-01) is in 2019/20, whatever the name says
        "episodes_2018-19.csv": EP_HEAD + "A,01/01/2019,S,C2,N1,U4,PR1,01/06/2019,X1,,,,\n"
                                          "A,01/06/2019,L,C2,N1,U4,PR1,10/10/2019,E13,,,,\n",
        # undated: the year in the name
        "header 2019_20.csv": HEADER_HEAD + "A,1,01/01/2010,WBRI,,,\n",
    })
    assert ("episodes_2018-19.csv", "Episodes", None, None,
            "the file name says 2018/19 but its latest episode start (DECOM) is in 2019/20; 2019/20 is used"
            ) in issues(out)
    assert rows(out.tables["ssd_person"], "pers_person_id", "pers_sex", "pers_dob") == [("A", "M", "2010-01-01")]


def test_collection_year_is_not_moved_by_a_stray_end_or_review_date(tmp_path):
    # issue 12: the year was the latest date of any table, so an episode ending on 1 April (or one review
    # mistyped into 2028) moved a year's return into the next year. The episodes' starts decide; the stray
    # dates are reported as outside the year, by row, and used as recorded.
    out = adapt(tmp_path, {
        "e.csv": EP_HEAD + "A,01/05/2017,S,C2,N1,U4,PR1,,,,,,\nB,01/06/2017,S,C2,N1,U4,PR1,01/04/2018,E13,,,,\n"
                           "C,01/07/2017,S,C2,N1,U4,PR1,01/02/2018,E13,,,,\nD,01/08/2017,S,C2,N1,U4,PR1,01/03/2018,E13,,,,\n",
        "h.csv": HEADER_HEAD + "A,1,01/01/2010,WBRI,,,\nB,2,01/01/2011,WBRI,,,\nC,1,01/01/2010,WBRI,,,\n"
                               "D,1,01/01/2010,WBRI,,,\n",
        "r.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\nA,01/01/2010,20/06/2017,PN1\nA,01/01/2010,01/09/2017,PN1\n"
                 "A,01/01/2010,01/12/2028,PN1\n",
    })
    assert ("e.csv", "Episodes", "DEC", 2, "1 DEC date(s) fall after 31 March 2018, outside 2017/18 (the collection "
            "year its latest episode start (DECOM) gives; first at row 2): the year is kept, the dates are used as "
            "recorded") in issues(out, "warning")
    assert ("r.csv", "Reviews", "REVIEW", 3, "1 REVIEW date(s) fall after 31 March 2018, outside 2017/18 (the "
            "collection year most of its dates gives; first at row 3): the year is kept, the dates are used as "
            "recorded") in issues(out, "warning")
    # the Header is dated by the children it shares with the Episodes: 2017/18, so SEX 1/2 is valid
    assert not [i for i in issues(out, "warning") if i[2] == "SEX"]
    assert sorted(rows(out.tables["ssd_person"], "pers_person_id", "pers_sex")) == [("A", "M"), ("B", "F"),
                                                                                     ("C", "M"), ("D", "M")]


def test_undated_table_takes_the_year_whose_children_it_shares(tmp_path):
    # two Episodes years; the Header (no year in its name) holds B and C, the 2019/20 children exactly
    out = adapt(tmp_path, {
        "e1.csv": EP_HEAD + "A,01/05/2018,S,C2,N1,U4,PR1,01/06/2018,E13,,,,\n",
        "e2.csv": EP_HEAD + "B,01/05/2019,S,C2,N1,U4,PR1,,,,,,\nC,01/06/2019,S,C2,N1,U4,PR1,,,,,,\n",
        "h.csv": HEADER_HEAD + "B,1,01/01/2010,WBRI,,,\nC,2,01/01/2011,WBRI,,,\n",
        "oc2.csv": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
                   "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
                   "B,01/01/2010,12,,0,1,1,0,,0,,\n",
    })
    assert sorted(rows(out.tables["ssd_person"], "pers_person_id", "pers_sex")) == [("B", "M"), ("C", "F")]
    # OC2 (undated) shares B with the 2019/20 Header: year ending 31 March 2020
    assert rows(out.tables["cla_oc2_outcomes"], "oc2_person_id", "oc2_year_ending", "oc2_sdq_score",
                "oc2_health_check", "oc2_teeth_check") == [("B", "2020-03-31", "12", "1", "0")]


def test_undated_table_with_no_clue_is_refused(tmp_path):
    out = adapt(tmp_path, {"e1.csv": EP_HEAD + "A,01/05/2018,S,C2,N1,U4,PR1,,,,,,\n",
                           "e2.csv": EP_HEAD + "A,01/05/2018,S,C2,N1,U4,PR1,01/06/2019,E13,,,,\n",
                           "h.csv": HEADER_HEAD + "A,1,01/01/2010,WBRI,,,\n"})
    # A is in both years' Episodes: a tie, so the Header is not used, and says why
    (msg,) = [m for f, t, c, r, m in issues(out, "error") if f == "h.csv"]
    assert msg.startswith("Header carries no dates and the collection year cannot be told")
    assert "ssd_person" not in out.tables


# ---------------------------------------------------------------- mapping a hand-made history

HISTORY = {
    # 2018/19 return: care began 1 June 2018 (L1), legal change 5 June (C2), move 1 January 2019, open at year end
    "903_episodes_2018-19.csv": EP_HEAD
    + "C1,01/06/2018,S,L1,N1,U4,PR1,05/06/2018,X1,,NN1 1AA,NN2 2BB,\n"
    + "C1,05/06/2018,L,C2,N1,U4,PR1,01/01/2019,X1,CARPL,NN1 1AA,NN2 2BB,\n"
    + "C1,01/01/2019,P,C2,N1,U6,PR4,,,,NN1 1AA,NN3 3CC,\n",
    # 2019/20 return: the open episode continues and ends 10 October 2019 (E13); care again from 1 February 2020
    "903_episodes_2019-20.csv": EP_HEAD
    + "C1,01/01/2019,P,C2,N1,U6,PR4,10/10/2019,E13,,NN1 1AA,NN3 3CC,\n"
    + "C1,01/02/2020,S,V2,N1,K2,PR4,,,,NN4 4DD,NN5 5EE,SC123456\n",
    "903_header_2019-20.csv": HEADER_HEAD + "C1,2,15/03/2008,WBRI,UN3,,\n",
    "903_reviews_2018-19.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\n"
    "C1,15/03/2008,20/06/2018,PN1\nC1,15/03/2008,01/09/2018,PN3\n",
}


def test_hand_made_history_maps_to_ssd_rows(tmp_path):
    out = adapt(tmp_path, HISTORY)
    ep = out.tables["ssd_cla_episodes"]
    # one row per 903 episode (4: the continued episode once); periods of care: 1 June 2018 - 10 October 2019
    # (three episodes chained by X1) and 1 February 2020 - open
    assert rows(ep, "clae_cla_episode_id", "clae_cla_id", "clae_cla_episode_start_date",
                "clae_cla_episode_start_reason", "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason",
                "clae_entered_care_date", "clae_cla_placement_id", "clae_referral_id", "source_file",
                "source_row") == [
        ("C1|E20180601", "C1|C20180601", "2018-06-01", "S", "2018-06-05", "X1", "2018-06-01", "C1|P20180601", None,
         "903_episodes_2018-19.csv", 1),
        ("C1|E20180605", "C1|C20180601", "2018-06-05", "L", "2019-01-01", "X1", "2018-06-01", "C1|P20180601", None,
         "903_episodes_2018-19.csv", 2),
        # the 2019/20 version wins (it has the end)
        ("C1|E20190101", "C1|C20180601", "2019-01-01", "P", "2019-10-10", "E13", "2018-06-01", "C1|P20190101", None,
         "903_episodes_2019-20.csv", 1),
        ("C1|E20200201", "C1|C20200201", "2020-02-01", "S", None, None, "2020-02-01", "C1|P20200201", None,
         "903_episodes_2019-20.csv", 2),
    ]
    # placements: the L episode stays in the first placement (1 June 2018 - 1 January 2019, reason CARPL from
    # the episode that ended it); P starts the second; the new period the third
    assert rows(out.tables["ssd_cla_placement"], "clap_cla_placement_id", "clap_cla_id",
                "clap_cla_placement_start_date", "clap_cla_placement_end_date", "clap_cla_placement_type",
                "clap_cla_placement_provider", "clap_cla_placement_postcode", "clap_cla_placement_urn",
                "clap_cla_placement_distance", "clap_cla_placement_change_reason") == [
        ("C1|P20180601", "C1|C20180601", "2018-06-01", "2019-01-01", "U4", "PR1", "NN2 2BB", None, None, "CARPL"),
        ("C1|P20190101", "C1|C20180601", "2019-01-01", "2019-10-10", "U6", "PR4", "NN3 3CC", None, None, None),
        ("C1|P20200201", "C1|C20200201", "2020-02-01", None, "K2", "PR4", "NN5 5EE", "SC123456", None, None),
    ]
    # legal statuses: runs of LS within a period: L1 (5 days), C2 to the end of the period, V2 open
    assert rows(out.tables["ssd_legal_status"], "lega_legal_status_id", "lega_legal_status",
                "lega_legal_status_start_date", "lega_legal_status_end_date") == [
        ("C1|L20180601", "L1", "2018-06-01", "2018-06-05"),
        ("C1|L20180605", "C2", "2018-06-05", "2019-10-10"),
        ("C1|L20200201", "V2", "2020-02-01", None),
    ]
    # HOME_POST runs: NN1 1AA from 1 June 2018 until the next home postcode, 1 February 2020
    assert rows(out.tables["ssd_address"], "addr_address_type", "addr_address_start_date", "addr_address_end_date",
                "addr_address_postcode") == [("HOME", "2018-06-01", "2020-02-01", "NN1 1AA"),
                                             ("HOME", "2020-02-01", None, "NN4 4DD")]
    # Header: SEX 2 -> F, UPN UN3 is an unknown-UPN code and is kept
    assert rows(out.tables["ssd_person"], "pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob",
                "pers_death_date", "pers_upn_unknown") == [("C1", "F", "WBRI", "2008-03-15", None, "UN3")]
    # reviews in the first period: first due 20 working days after 1 June 2018 = 29 June 2018 (June 2018 has no
    # bank holiday: 4-8, 11-15, 18-22, 25-29 June), the second 3 months after the first held (20 June ->
    # 20 September 2018)
    assert rows(out.tables["ssd_cla_reviews"], "clar_cla_id", "clar_cla_review_due_date", "clar_cla_review_date",
                "clar_cla_review_participation") == [("C1|C20180601", "2018-06-29", "2018-06-20", "PN1"),
                                                     ("C1|C20180601", "2018-09-20", "2018-09-01", "PN3")]
    # the one continuation is summarised, not one issue per row; nothing else to report
    assert issues(out) == [("903_episodes_2018-19.csv, 903_episodes_2019-20.csv", "Episodes", None, None,
                            "1 episode(s) open at a year end continue in the next year's return; the later "
                            "return's version is used (V1)")]
    assert {"ssd_cla_episodes": ["clae_cla_episode_id", "clae_cla_id", "clae_cla_placement_id"]}.items() \
        <= out.derived_ids.items()
    assert any(lack.startswith("ssd_cla_episodes.clae_referral_id") for lack in out.lacks)


def test_permanence_oc2_oc3_and_missing(tmp_path):
    out = adapt(tmp_path, {
        # care from 1 May 2018; placement order (E1) 1 March 2019; placed for adoption (A5) 1 June 2019;
        # adopted (E11) 10 January 2020
        "ep.csv": EP_HEAD + "K,01/05/2018,S,C2,N1,U4,PR1,01/03/2019,X1,,NN1 1AA,NN2 2BB,\n"
                            "K,01/03/2019,L,E1,N1,U4,PR1,01/06/2019,X1,PLACE,NN1 1AA,NN2 2BB,\n"
                            "K,01/06/2019,T,E1,N1,A5,PR1,10/01/2020,E11,,NN1 1AA,NN2 2BB,\n",
        "ad1_2019-20.csv": "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
                           "K,01/01/2017,15/12/2018,20/04/2019,1,2,MF,L0\n",
        "pa.csv": "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
                  "K,01/01/2017,15/12/2018,10/01/2020,E11\n",
        "oc3_2019-20.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nL,01/06/2001,YES,F2,D1\n",
        "mis.csv": "CHILD,DOB,MISSING,MIS_START,MIS_END\nK,01/01/2017,M,02/02/2019,03/02/2019\n"
                   "K,01/01/2017,A,05/05/2019,\n",
    })
    # the placement order is the first E1 episode, placed for adoption the first A3-A6 episode, the order the
    # E11 ending; AD1 gives the decision and the match
    assert rows(out.tables["ssd_permanence"], "perm_person_id", "perm_cla_id", "perm_adm_decision_date",
                "perm_placement_order_date", "perm_matched_date", "perm_placed_for_adoption_date",
                "perm_decision_reversed_date", "perm_permanence_order_date", "perm_permanence_order_type") == [
        ("K", "K|C20180501", "2018-12-15", "2019-03-01", "2019-04-20", "2019-06-01", None, "2020-01-10", "ADOPTION")]
    # S then L share a placement; the T move (same carers) is a new placement: two placements
    assert rows(out.tables["ssd_cla_placement"], "clap_cla_placement_start_date", "clap_cla_placement_type",
                "clap_cla_placement_change_reason") == [("2018-05-01", "U4", "PLACE"), ("2019-06-01", "A5", None)]
    assert rows(out.tables["ssd_care_leavers"], "clea_person_id", "clea_care_leaver_eligibility",
                "clea_care_leaver_in_touch", "clea_care_leaver_activity", "clea_care_leaver_accommodation") == [
        ("L", None, "YES", "F2", "D1")]
    assert rows(out.tables["ssd_missing"], "miss_missing_episode_type", "miss_missing_episode_start_date",
                "miss_missing_episode_end_date") == [("MISSING", "2019-02-02", "2019-02-03"),
                                                     ("ABSENT", "2019-05-05", None)]


def test_uasc_table_gives_immigration_status_from_first_care_to_duc(tmp_path):
    # U: in care from 1 May 2019 (two periods: the second from 1 Feb 2020), UASC ceased 10 Dec 2020 (DUC).
    # V: still UASC (no DUC), in care from 3 Mar 2020. W: in the UASC table but no episode: start unknown.
    out = adapt(tmp_path, {
        "e_2019-20.csv": EP_HEAD + "U,01/05/2019,S,V2,N1,U4,PR1,01/09/2019,E13,,,,\n"
                                   "U,01/02/2020,S,V2,N1,U4,PR1,,,,,,\n"
                                   "V,03/03/2020,S,V2,N1,U4,PR1,,,,,,\n",
        "uasc_2019-20.csv": "CHILD,SEX,DOB,DUC\nU,1,01/01/2004,10/12/2020\nV,2,01/01/2005,\nW,1,01/01/2006,\n",
    })
    assert rows(out.tables["ssd_immigration_status"], "immi_person_id", "immi_immigration_status",
                "immi_immigration_status_start_date", "immi_immigration_status_end_date") == [
        ("U", "UASC", "2019-05-01", "2020-12-10"), ("V", "UASC", "2020-03-03", None), ("W", "UASC", None, None)]
    assert not any("received, not used" in m for *_, m in issues(out))
    assert any(line.startswith("ssd_immigration_status: only UASC") for line in out.lacks)


def test_died_in_care_gives_the_death_date(tmp_path):
    out = adapt(tmp_path, {"e.csv": EP_HEAD + "D,01/05/2019,S,C2,N1,U4,PR1,07/07/2019,E2,,,,\n",
                           "h_2019-20.csv": HEADER_HEAD + "D,1,01/01/2012,WBRI,,,\n"})
    assert rows(out.tables["ssd_person"], "pers_death_date", "pers_upn_unknown") == [("2019-07-07", None)]


# ---------------------------------------------------------------- repair rules

def test_d1_exact_duplicate_and_d2_same_episode_twice_in_one_file(tmp_path):
    out = adapt(tmp_path, {"e.csv": EP_HEAD
                           + "A,01/05/2019,S,C2,N1,U4,PR1,,,,,,\n"     # row 1 kept
                           + "A,01/05/2019,S,C2,N1,U4,PR1,,,,,,\n"     # row 2: exact duplicate (D1)
                           + "A,01/05/2019,S,C2,N1,U6,PR1,,,,,,\n"})   # row 3: same CHILD and DECOM (D2)
    assert issues(out, "repair") == [
        ("e.csv", "Episodes", None, 2, "exact duplicate of row 1; dropped (D1)"),
        ("e.csv", "Episodes", None, 3, "same CHILD and DECOM as row 1 of the same file; row 1 kept (D2)")]
    assert rows(out.tables["ssd_cla_placement"], "clap_cla_placement_type") == [("U4",)]


def test_v1_later_return_wins_and_differences_are_reported(tmp_path):
    out = adapt(tmp_path, {
        "a.csv": EP_HEAD + "A,01/05/2018,S,C2,N1,U4,PR1,,,,,,\n",
        # 2019/20 corrects the placement type of the same episode (same CHILD, DECOM) and ends it
        "b.csv": EP_HEAD + "A,01/05/2018,S,C2,N1,U6,PR1,01/06/2019,E13,,,,\n",
    })
    assert issues(out, "repair") == [("a.csv", "Episodes", None, 1, "episode replaced by the 2019/20 return's "
                                      "version (PLACE differ); the later return wins (V1)")]
    assert rows(out.tables["ssd_cla_placement"], "clap_cla_placement_type", "clap_cla_placement_end_date",
                "source_file") == [("U6", "2019-06-01", "b.csv")]


def test_v2_open_episode_replaced_in_the_later_return(tmp_path):
    out = adapt(tmp_path, {
        "a.csv": EP_HEAD + "A,01/03/2019,S,C2,N1,U4,PR1,,,,,,\n",            # open at 31 March 2019
        "b.csv": EP_HEAD + "A,03/03/2019,S,C2,N1,U4,PR1,01/06/2019,E13,,,,\n",  # the start corrected to 3 March
    })
    assert issues(out, "repair") == [("a.csv", "Episodes", None, 1, "open at 31 March 2019 but not in the 2019/20 "
                                      "return, which holds the child's episodes: replaced there; dropped (V2)")]
    assert rows(out.tables["ssd_cla_episodes"], "clae_cla_episode_start_date", "clae_cla_episode_ceased_date") == [
        ("2019-03-03", "2019-06-01")]


def test_v2_child_missing_from_the_later_return_is_kept_with_a_warning(tmp_path):
    out = adapt(tmp_path, {"a.csv": EP_HEAD + "A,01/03/2019,S,C2,N1,U4,PR1,,,,,,\n",
                           "b.csv": EP_HEAD + "B,01/05/2019,S,C2,N1,U4,PR1,01/06/2019,E13,,,,\n"})
    assert issues(out, "warning") == [("a.csv", "Episodes", None, 1, "open at 31 March 2019 but the child is not in "
                                       "the 2019/20 return; kept open as recorded")]
    assert out.tables["ssd_cla_episodes"].height == 2


def test_o1_overlaps_are_trimmed_to_the_next_decom(tmp_path):
    out = adapt(tmp_path, {"e.csv": EP_HEAD
                           + "A,01/05/2019,S,C2,N1,U4,PR1,,,,,,\n"               # row 1: open, but row 2 follows
                           + "A,01/07/2019,P,C2,N1,U6,PR1,20/08/2019,X1,,,,\n"   # row 2: ends after row 3 starts
                           + "A,10/08/2019,P,C2,N1,U4,PR4,,,,,,\n"})
    assert issues(out, "repair") == [
        ("e.csv", "Episodes", "DEC", 1, "overlaps the next episode (still open): DEC trimmed to the next DECOM, "
                                        "REC set to X1 (O1)"),
        ("e.csv", "Episodes", "DEC", 2, "overlaps the next episode (ends 10 day(s) after it): DEC trimmed to the "
                                        "next DECOM (O1)"),
    ]
    assert rows(out.tables["ssd_cla_episodes"], "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason",
                "clae_cla_id") == [("2019-07-01", "X1", "A|C20190501"), ("2019-08-10", "X1", "A|C20190501"),
                                   (None, None, "A|C20190501")]


def test_g1_short_x1_gap_closed_long_gap_left(tmp_path):
    out = adapt(tmp_path, {"e.csv": EP_HEAD
                           + "A,01/05/2019,S,C2,N1,U4,PR1,01/06/2019,X1,,,,\n"   # next starts 3 days later: closed
                           + "A,04/06/2019,P,C2,N1,U6,PR1,01/07/2019,X1,,,,\n"   # next starts 30 days later: left
                           + "A,31/07/2019,P,C2,N1,U4,PR4,,,,,,\n"})
    assert issues(out, "repair") == [("e.csv", "Episodes", "DEC", 1, "ends X1 but the next episode starts 3 day(s) "
                                      "later: DEC extended to the next DECOM (G1)")]
    assert ("e.csv", "Episodes", "REC", 2, "ends X1 but the next episode starts 30 days later; left as recorded "
            "(care taken to have ended)") in issues(out, "warning")
    # two periods of care: 1 May - 1 July (rows 1-2), 31 July - open
    assert rows(out.tables["ssd_cla_episodes"], "clae_cla_episode_ceased_date", "clae_cla_id") == [
        ("2019-06-04", "A|C20190501"), ("2019-07-01", "A|C20190501"), (None, "A|C20190731")]


# ---------------------------------------------------------------- faults and real-export shapes

def test_bad_date_in_episodes_row_3_is_located(tmp_path):
    out = adapt(tmp_path, {"903_episodes.csv": EP_HEAD
                           + "A,01/05/2019,S,C2,N1,U4,PR1,01/06/2019,E13,,,,\n"
                           + "B,01/05/2019,S,C2,N1,U4,PR1,31/06/2019,E13,,,,\n"   # row 2: no 31 June: DEC unused
                           + "C,2019-13-01,S,C2,N1,U4,PR1,,,,,,\n"})              # row 3: DECOM no date: row unused
    assert issues(out, "error") == [
        ("903_episodes.csv", "Episodes", "DEC", 2, "not a valid date (expected DD/MM/YYYY or YYYY-MM-DD); value not "
                                                   "used"),
        ("903_episodes.csv", "Episodes", "DECOM", 3, "not a valid date (expected DD/MM/YYYY or YYYY-MM-DD); row not "
                                                     "used (DECOM places the row in the history)"),
    ]
    assert rows(out.tables["ssd_cla_episodes"], "clae_person_id", "clae_cla_episode_ceased_date") == [
        ("A", "2019-06-01"), ("B", None)]


def test_real_export_shape_parses_with_every_fault_reported_and_no_row_lost(tmp_path):
    # a BOM, CRLF line ends, padded values, DD/MM/YYYY dates, a bad flag, an unreadable score, blank trailing rows
    oc2 = ("\ufeffCHILD ,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
           "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\r\n"
           " A1 ,01/02/2008 ,14 ,,0,1,1,1,,0,,\r\n"        # row 1: clean once trimmed
           "B2,03/04/2009,x,SDQ4,Y,1,0,1,,0,,\r\n"        # row 2: SDQ_SCORE not a number, CONVICTED not 0/1
           ",,,,,,,,,,,\r\n"                               # row 3: blank
           ",,,,,,,,,,,\r\n")                              # row 4: blank
    out = adapt(tmp_path, {"903_oc2_2019-20.csv": oc2})
    assert issues(out) == [
        ("903_oc2_2019-20.csv", "OC2", "CONVICTED", 2, "not a 0/1 flag; value not used"),
        ("903_oc2_2019-20.csv", "OC2", "SDQ_SCORE", 2, "not a whole number; value not used"),
        ("903_oc2_2019-20.csv", "OC2", None, 3, "blank row; not used"),
        ("903_oc2_2019-20.csv", "OC2", None, 4, "blank row; not used"),
    ]
    assert rows(out.tables["cla_oc2_outcomes"], "oc2_person_id", "oc2_year_ending", "oc2_sdq_score",
                "oc2_convicted", "oc2_health_check", "source_row") == [
        ("A1", "2020-03-31", "14", "0", "1", 1), ("B2", "2020-03-31", None, None, "1", 2)]
    # no row lost: 4 data rows = 2 used + 2 reported as not used
    used = out.tables["cla_oc2_outcomes"].height
    unused = sum(1 for i in out.issues if "not used" in i.message and i.column is None)
    assert used + unused == 4


def test_unreadable_903_file_is_refused_with_its_reason(tmp_path):
    out = adapt(tmp_path, {"e.csv": (EP_HEAD + "A,01/05/2019,S\n")})
    (err,) = issues(out, "error")
    assert err[:4] == ("e.csv", "Episodes", None, None)
    assert "row 1 (line 2) has 3 fields" in err[4]


def test_unknown_shape_is_refused_saying_what_was_expected(tmp_path):
    paths = write(tmp_path, {"e.csv": EP_HEAD, "mystery.csv": "A,B,C\n1,2,3\n"})
    with pytest.raises(UnknownShapeError) as refused:
        adapt_drop(paths)
    msg = str(refused.value)
    assert msg.startswith("mystery.csv: not a contract table and no statutory-return adapter recognises it; "
                          "expected a file named after a contract table (ssd_person, ssd_address,")
    assert "SSDA903 CSV (a header row of one of Header, Episodes, Reviews, UASC, OC2, OC3, AD1, PlacedAdoption, " \
           "PrevPerm, Missing, SWEpisodes, DoLo)" in msg
    assert "e.csv" not in msg


# ---------------------------------------------------------------- staging

def test_staging_a_drop_with_903_files_beside_ssd_tables(tmp_path):
    folder = tmp_path / "landing" / "2020-03-31"
    files = dict(HISTORY)
    files["903_episodes_2019-20.csv"] += "C9,01/02/2020,S,C2,N1,U4,PR1,30/02/2020,E13,,,,\n"  # row 3: no 30 Feb
    files["903_oc2_2019-20.csv"] = ("CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,"
                                    "TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,"
                                    "INTERVENTION_OFFERED\nC1,15/03/2008,9,,0,1,0,1,,0,,\n")
    # an SSD person table with a row: it wins over the 903 Header; an empty SSD OC2 table yields to the 903's
    files["ssd_person.csv"] = "pers_person_id,pers_sex,pers_ethnicity,pers_dob\nS1,F,WBRI,2010-01-01\n"
    files["cla_oc2_outcomes.csv"] = "oc2_person_id,oc2_year_ending\n"
    write(folder, files)
    con = duckdb.connect()
    summary = stage_drop(con, archive_drop(folder, tmp_path / "archive").drop, KEY, "941", registry=REGISTRY)
    assert "ssd_person.csv: table ssd_person is staged from this SSD file; the SSDA903 CSV rows for it are not " \
           "staged (the SSD table wins)" in summary.messages
    assert "cla_oc2_outcomes.csv: table cla_oc2_outcomes has a header but no data rows; the SSDA903 CSV rows for " \
           "it are staged instead" in summary.messages
    assert db.rows(con, "SELECT count(*), min(source_file) FROM staged.ssd_person") == [(1, "ssd_person.csv")]
    assert db.rows(con, "SELECT oc2_year_ending, oc2_sdq_score, oc2_health_check, oc2_immunisations, source_file, "
                        "source_row FROM staged.cla_oc2_outcomes") == [
        (dt.date(2020, 3, 31), 9, True, False, "903_oc2_2019-20.csv", 1)]
    # episodes staged with the return's file and row; C1's 4 + C9's 1
    assert db.rows(con, "SELECT source_file, source_row FROM staged.ssd_cla_episodes ORDER BY 1, 2") == [
        ("903_episodes_2018-19.csv", 1), ("903_episodes_2018-19.csv", 2), ("903_episodes_2019-20.csv", 1),
        ("903_episodes_2019-20.csv", 2), ("903_episodes_2019-20.csv", 3)]
    # the bad DEC is a rejection naming the return's file, table, column and row
    assert db.rows(con, "SELECT source_file, table_name, column_name, source_row, reason FROM staged.rejections "
                        "WHERE table_name = 'Episodes'") == [
        ("903_episodes_2019-20.csv", "Episodes", "DEC", 3,
         "SSDA903 CSV Episodes: not a valid date (expected DD/MM/YYYY or YYYY-MM-DD); value not used")]
    assert db.scalar(con, "SELECT count(*) FROM staged.return_issues WHERE severity = 'repair'") == 1
    # ids built from the child carry the child's pseudonym, never the child's id
    person = db.scalar(con, "SELECT DISTINCT clae_person_id FROM staged.ssd_cla_episodes "
                            "WHERE source_row = 1 AND source_file = '903_episodes_2018-19.csv'")
    ids = db.rows(con, "SELECT clae_cla_episode_id, clae_cla_id, clae_cla_placement_id FROM staged.ssd_cla_episodes")
    for row in ids:
        for value in row:
            assert not re.search(r"\bC[19]\b", value) and value.startswith("X"), value
    assert db.scalar(con, "SELECT count(*) FROM staged.ssd_cla_episodes WHERE starts_with(clae_cla_id, $p)",
                     {"p": person.upper() + "-C"}) == 4
    # reviews link to the period of care by the same derived id
    assert db.scalar(con, "SELECT count(*) FROM staged.ssd_cla_reviews r JOIN staged.ssd_cla_episodes e "
                          "ON e.clae_cla_id = r.clar_cla_id AND e.clae_cla_episode_start_reason = 'S'") == 2
    for message in summary.messages:
        assert not re.search(r"\bC[19]\b", message), message


def test_several_local_feed_files_are_staged_together(tmp_path):
    folder = tmp_path / "landing" / "2020-03-31"
    head = "period_end,measure_id,numerator,denominator,value,source_note\n"
    write(folder, {"feed_virtual_school.csv": head + "2020-03-31,EDU01,5,10,,termly return\n",
                   "feed_health.csv": head + "2020-03-31,HLT02,,,42,\n2020-03-31,HLT02,,,43,\n"})
    con = duckdb.connect()
    stage_drop(con, archive_drop(folder, tmp_path / "archive").drop, KEY, "941", registry=REGISTRY)
    assert db.rows(con, "SELECT measure_id, value, source_file, source_row FROM staged.local_feeds ORDER BY 3, 4") == [
        ("HLT02", 42.0, "feed_health.csv", 1), ("EDU01", None, "feed_virtual_school.csv", 1)]
    # the repeated key in feed_health.csv row 2 is quarantined naming its own file's row
    assert db.rows(con, "SELECT source_file, source_row, reason FROM staged.quarantine") == [
        ("feed_health.csv", 2, "duplicate measure_id, period_end (row 1 kept)")]


# ---------------------------------------------------------------- the generator's 903 files

def test_generated_903_sets_read_back_cleanly(tmp_path):
    from scorecard_tools.generator import generate

    start, end = dt.date(2018, 4, 1), dt.date(2020, 3, 31)
    # returns_903 is the former name of the returns flag: it still writes the whole statutory set
    with_903 = generate(tmp_path / "a", seed=3, size=0.03, start=start, end=end, drops=[end], returns_903=True)[0]
    ssd_only = generate(tmp_path / "b", seed=3, size=0.03, start=start, end=end, drops=[end])[0]
    names = sorted(p.name for p in with_903.iterdir())
    extra = sorted(set(names) - {p.name for p in ssd_only.iterdir()})
    census = ["cin_census_2018-19.xml", "cin_census_2019-20.xml"]
    assert set(census) <= set(extra)
    # the 903 set of each year (the other returns the generator writes are tested with their adapters)
    extra = [n for n in extra if n.startswith("903_")]
    assert extra == sorted(f"903_{s}_{y}.csv" for y in ("2018-19", "2019-20") for s in (
        "header", "episodes", "reviews", "uasc", "oc2", "oc3", "ad1", "placed_for_adoption", "prev_perm",
        "missing"))
    for p in ssd_only.iterdir():  # the SSD files are byte-identical with or without the returns
        assert (with_903 / p.name).read_bytes() == p.read_bytes(), p.name
    out = adapt_drop([with_903 / n for n in extra])[0]
    assert [i for i in out.issues if i.severity == "error"] == []
    ssd_eps = pl.read_csv(with_903 / "ssd_cla_episodes.csv", infer_schema=False)
    # every SSD episode open during the two years is in the stitched 903 history, with its start and end
    window = ssd_eps.filter((pl.col("clae_cla_episode_start_date") <= "2020-03-31") & (
        pl.col("clae_cla_episode_ceased_date").is_null() | (pl.col("clae_cla_episode_ceased_date") >= "2018-04-01")))
    got = set(rows(out.tables["ssd_cla_episodes"], "clae_person_id", "clae_cla_episode_start_date",
                   "clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason"))
    want = set(rows(window, "clae_person_id", "clae_cla_episode_start_date", "clae_cla_episode_ceased_date",
                    "clae_cla_episode_ceased_reason"))
    assert want == got
    oc2 = out.tables["cla_oc2_outcomes"]
    assert oc2.height > 0 and set(oc2["oc2_year_ending"].to_list()) == {"2019-03-31", "2020-03-31"}
