"""The public CDISC pilot study (CDISCPILOT01) imported as a user would, checked against
the study's published outputs, not against this code.

Sources (cited at each test):
- CSR: Clinical Study Report CDISCPILOT01 (27 June 2006), Table 14-5.01 "Incidence of
  Treatment Emergent Adverse Events by Treatment Group" (safety population, ADAE
  TRTEMFL = 'Y', cells n (%) [events]) and Table 14-1.01 (populations), as transcribed
  in jwildfire/open.csr@0d7bd4bf quality/data/reference-report-agreement.json and
  reproduced cell for cell in atorus-research/CDISC_pilot_replication@73c17810
  outputs/14-5.01.rtf and 14-1.01.rtf.
- Figure 14-1 (time to first dermatologic event, ADTTE PARAMCD TTDE), numbers at risk
  as published by the R Consortium submission pilot 1
  (RConsortium/submissions-pilot1@ba1d3e7a output/tlf-kmplot.pdf: ADSL SAFFL = 'Y',
  strata TRT01A; identical in RConsortium/submissions-pilot3-adam@780d4957).
"""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from analysis.panels import STATS_PANELS
from analysis.study_content import not_recorded
from dashboard.store import at_data_cut
from data_access.cdisc import TrialSettings
from data_access.engine import make_engine
from data_access.importing import CdiscOptions, import_folder
from data_access.queries import load_snapshot
from tests.conftest import REPO

PILOT = REPO / "tests" / "fixtures" / "cdiscpilot01"
ARMS = ("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")
OPTIONS = CdiscOptions(settings=TrialSettings(target=300))  # the pilot has no TS domain

# CSR Table 14-5.01: n (%) [events] by arm (Placebo N=86, Low N=84, High N=84).
ANY_TEAE = {"Placebo": (65, 75.6, 281), "Xanomeline Low Dose": (77, 91.7, 412),
            "Xanomeline High Dose": (76, 90.5, 433)}  # fmt: skip
SOC_TEAE = {
    "CARDIAC DISORDERS": ((12, 26), (13, 30), (15, 30)),
    "CONGENITAL, FAMILIAL AND GENETIC DISORDERS": ((0, 0), (1, 1), (2, 2)),
    "EAR AND LABYRINTH DISORDERS": ((1, 2), (2, 2), (1, 1)),
    "EYE DISORDERS": ((2, 5), (2, 2), (1, 2)),
    "GASTROINTESTINAL DISORDERS": ((17, 26), (14, 22), (20, 36)),
    "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS": ((21, 46), (47, 118), (40, 124)),
    "HEPATOBILIARY DISORDERS": ((1, 1), (0, 0), (0, 0)),
    "IMMUNE SYSTEM DISORDERS": ((0, 0), (1, 2), (0, 0)),
    "INFECTIONS AND INFESTATIONS": ((16, 35), (9, 16), (13, 20)),
    "INJURY, POISONING AND PROCEDURAL COMPLICATIONS": ((4, 9), (5, 12), (5, 8)),
    "INVESTIGATIONS": ((10, 19), (6, 7), (6, 8)),
    "METABOLISM AND NUTRITION DISORDERS": ((6, 8), (1, 1), (2, 4)),
    "MUSCULOSKELETAL AND CONNECTIVE TISSUE DISORDERS": ((4, 6), (7, 10), (7, 10)),
    "NEOPLASMS BENIGN, MALIGNANT AND UNSPECIFIED (INCL CYSTS AND POLYPS)": (
        (0, 0),
        (2, 3),
        (1, 1),
    ),
    "NERVOUS SYSTEM DISORDERS": ((8, 11), (20, 40), (25, 41)),
    "PSYCHIATRIC DISORDERS": ((10, 12), (10, 14), (8, 11)),
    "RENAL AND URINARY DISORDERS": ((4, 5), (3, 3), (3, 4)),
    "REPRODUCTIVE SYSTEM AND BREAST DISORDERS": ((2, 4), (0, 0), (1, 1)),
    "RESPIRATORY, THORACIC AND MEDIASTINAL DISORDERS": ((8, 12), (9, 14), (10, 22)),
    "SKIN AND SUBCUTANEOUS TISSUE DISORDERS": ((20, 45), (39, 111), (40, 104)),
    "SOCIAL CIRCUMSTANCES": ((0, 0), (0, 0), (1, 1)),
    "SURGICAL AND MEDICAL PROCEDURES": ((2, 2), (1, 1), (2, 2)),
    "VASCULAR DISORDERS": ((3, 7), (3, 3), (1, 1)),
}
N_BY_ARM = {"Placebo": 86, "Xanomeline Low Dose": 84, "Xanomeline High Dose": 84}
# Figure 14-1 as reproduced by R Consortium pilot 1: numbers at risk on days 0..200.
AT_RISK_DAYS = range(0, 201, 20)
AT_RISK = {
    "Placebo": (86, 75, 65, 59, 50, 47, 45, 42, 40, 35, 0),
    "Xanomeline Low Dose": (84, 58, 31, 20, 14, 12, 8, 6, 6, 5, 0),
    "Xanomeline High Dose": (84, 48, 31, 14, 7, 4, 4, 4, 4, 3, 0),
}


@pytest.fixture(scope="module")
def pilot_tables(tmp_path_factory):
    """The pilot imported once into SQLite, as the panels see it (at its data cut)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pilot') / 'trial.db'}"
    report = import_folder(make_engine(url), PILOT, None, OPTIONS)
    snapshot = at_data_cut(load_snapshot(make_engine(url, read_only=True)))
    return report, snapshot.tables, snapshot.data_cut


def stats(pilot_tables, panel: str, **options) -> dict:
    _report, tables, cut = pilot_tables
    return STATS_PANELS[panel](tables, cut, **options)


def test_cdiscpilot001_recognised_and_loaded_with_its_populations(pilot_tables):
    report, tables, _cut = pilot_tables
    assert (report.source_kind, report.version) == ("sdtm+adam", 1)
    assert report.rows["patients"] == 306 and report.rows["adverse_events"] == 1191
    enrollment = stats(pilot_tables, "enrollment")
    # CSR Table 14-1.01: ITT 254 (86/84/84); DM holds 52 more, ARM "Screen Failure".
    assert (enrollment["screened"], enrollment["enrolled"]) == (306, 254)
    assert enrollment["screen_failures"] == 52
    enrolled = tables["patients"].dropna(subset=["enrolled_on"])
    assert enrolled["arm"].value_counts().to_dict() == N_BY_ARM


def test_cdiscpilot002_teae_by_body_system_and_arm_match_table_14_5_01(pilot_tables):
    data = stats(pilot_tables, "safety", by="arm")
    assert data["safety_population"] == 254
    assert (data["events_counted"], data["grades_from_severity"]) == ("study flag", True)
    rows = {(r["arm"], r["soc"]): r for r in data["by_arm"]}
    for arm, (patients, percent, events) in ANY_TEAE.items():
        row = rows[(arm, None)]
        assert (row["n"], row["patients"], round(row["percent"], 1), row["events"]) == (
            N_BY_ARM[arm], patients, percent, events)  # fmt: skip
    for soc, by_arm in SOC_TEAE.items():
        for arm, (patients, events) in zip(ARMS, by_arm, strict=True):
            row = rows.get((arm, soc), {"patients": 0, "events": 0})
            assert (row["patients"], row["events"]) == (patients, events), (arm, soc)
    assert {soc for _arm, soc in rows if soc is not None} == set(SOC_TEAE)


def _at_risk(steps: list[dict], day: float) -> int:
    """Patients still at risk at ``day``: those whose time is ``day`` or later."""
    later = [s for s in steps if s["time"] >= day]
    return later[0]["n_at_risk"] if later else 0


def test_cdiscpilot003_time_to_dermatologic_event_at_risk_match_figure_14_1(pilot_tables):
    data = stats(pilot_tables, "survival", endpoint="TTDE", by="arm")
    assert data["label"] == "Time to First Dermatologic Event"
    groups = {g["group"]: g for g in data["groups"]}
    for arm, expected in AT_RISK.items():
        steps = groups[arm]["steps"]
        assert tuple(_at_risk(steps, day) for day in AT_RISK_DAYS) == expected, arm


def test_cdiscpilot004_ttde_medians_and_log_rank(pilot_tables):
    # The CSR reports median limits of 27-48 days (low dose) and 24-46 (high dose), as
    # cited by jwildfire/open.csr@0d7bd4bf library/tfl/f-derm-time-to-event/custom.R,
    # with SAS's linear ("plain") interval, and says only that the arms differ
    # significantly (proc lifetest, log-rank test across the three arms).
    data = stats(pilot_tables, "survival", endpoint="TTDE", by="arm", conf_type="plain")
    groups = {g["group"]: g for g in data["groups"]}
    assert groups["Placebo"]["median"] is None
    assert groups["Xanomeline Low Dose"]["median_ci"] == [27, 48]
    assert groups["Xanomeline High Dose"]["median_ci"] == [24, 46]
    assert data["logrank"]["df"] == 2 and data["logrank"]["p"] < 0.0001


def test_cdiscpilot005_deaths_with_the_fatal_events_as_causes(pilot_tables):
    data = stats(pilot_tables, "safety")
    # DM DTHDTC of the three subjects with DTHFL = 'Y'; AE with AEOUT = 'FATAL'.
    deaths = {d["patient_id"]: (d["died_on"], d["cause"]) for d in data["deaths"]}
    assert deaths == {
        "01-701-1211": ("2013-01-14", "SUDDEN DEATH"),
        "01-704-1445": ("2014-11-01", "COMPLETED SUICIDE"),
        "01-710-1083": ("2013-08-02", "MYOCARDIAL INFARCTION"),
    }


def test_cdiscpilot006_partial_onsets_imputed_and_marked(pilot_tables):
    _report, tables, _cut = pilot_tables
    ae = tables["adverse_events"]
    raw, _meta = pyreadstat.read_xport(str(PILOT / "ae.xpt"))
    partial = raw["AESTDTC"].str.len() < 10
    assert (ae["imputed"] == "onset_on").sum() == int(partial.sum()) == 26
    # 01-701-1118 began "2003", years before treatment: 1 January 2003.
    row = ae[ae["patient_id"] == "01-701-1118"].iloc[0]
    assert (row["onset_on"], row["imputed"]) == (pd.Timestamp("2003-01-01"), "onset_on")


def test_cdiscpilot007_records_before_enrollment_are_kept_and_counted(pilot_tables):
    report, _tables, _cut = pilot_tables
    raw, _meta = pyreadstat.read_xport(str(PILOT / "ae.xpt"))
    dm, _meta = pyreadstat.read_xport(str(PILOT / "dm.xpt"))
    start = raw["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"])
    # ISO text compares as dates; a partial onset ("2012-02") sorts before its month.
    before = (raw["AESTDTC"] < start).sum()
    assert report.before_enrollment == {"adverse_events": int(before)}


def test_cdiscpilot008_what_the_pilot_does_not_record(pilot_tables):
    _report, tables, _cut = pilot_tables
    assert not_recorded(tables) == {
        "transplant",
        "gvhd",
        "blood_counts",
        "chimerism",
        "responses",
        "transfusions",
    }
    sites = tables["sites"]
    assert len(sites) == 17 and set(sites["status"]) == {"unknown"}


def test_cdiscpilot009_same_numbers_on_postgresql(pilot_tables, postgres_url):
    engine = make_engine(postgres_url)
    try:
        import_folder(engine, PILOT, "cdisc", OPTIONS)
        snapshot = at_data_cut(load_snapshot(make_engine(postgres_url, read_only=True)))
        for panel, options in (("safety", {"by": "arm"}), ("survival", {"endpoint": "TTDE"})):
            on_postgres = STATS_PANELS[panel](snapshot.tables, snapshot.data_cut, **options)
            assert on_postgres == stats(pilot_tables, panel, **options), panel
    finally:
        from data_access.schema import Base

        Base.metadata.drop_all(engine)
        engine.dispose()
