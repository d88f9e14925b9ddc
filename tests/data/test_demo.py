"""The demo generator and feed: determinism, the bundle rules, plausibility, truncation."""

from __future__ import annotations

import csv
import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data_access import demo
from data_access.demo import full_trial, generate, truncate_at
from data_access.demo_feed import feed_step, run_feed
from data_access.engine import make_engine
from data_access.frames import bundle_columns
from data_access.loader import replace_trial_data
from data_access.queries import load_snapshot
from data_access.schema import BUNDLE_TABLES, LAB_UNITS, is_bundle_column
from tests.conftest import REGISTRY_SITES

TABLES = [t.name for t in BUNDLE_TABLES.values()]
CHILD_DATES = {
    "responses": ["assessed_on"],
    "lab_results": ["sampled_on"],
    "transfusions": ["given_on"],
    "adverse_events": ["onset_on", "resolved_on"],
    "chimerism": ["sampled_on"],
    "follow_up": ["last_contact_on", "progressed_on", "died_on"],
}


def _sorted(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows in an order that does not depend on where the frame came from."""
    columns = bundle_columns(BUNDLE_TABLES[f"{name}.csv"])
    return frame.sort_values(columns, kind="stable").reset_index(drop=True)


def check_bundle_rules(tables: dict[str, pd.DataFrame]) -> None:
    """The bundle rules of docs/data-bundle.md, written out: values, references, order, data cut,
    units."""
    for table in BUNDLE_TABLES.values():
        frame = tables[table.name]
        for column in table.columns:
            if not is_bundle_column(column):
                continue
            values = frame[column.name]
            if not column.nullable:
                assert values.notna().all(), f"{table.name}.{column.name} has missing values"
            if "allowed" in column.info:
                bad = set(values.dropna()) - set(column.info["allowed"])
                assert not bad, f"{table.name}.{column.name}: {bad}"
    trial, sites, patients = tables["trial"], tables["sites"], tables["patients"]
    assert len(trial) == 1
    cut = trial["data_cut"].iloc[0]
    for name, frame in tables.items():
        for column in frame.columns:
            if frame[column].dtype == "datetime64[ns]" and column != "planned_accrual_end":
                assert (frame[column].dropna() <= cut).all(), f"{name}.{column} after the cut"

    assert sites["site_id"].is_unique and patients["patient_id"].is_unique
    assert patients["site_id"].isin(sites["site_id"]).all()
    milestones = ["ethics_approved_on", "contract_signed_on", "initiation_visit_on"]
    milestones += ["activated_on", "closed_on"]
    for earlier, later in itertools.pairwise(milestones):
        both = sites[[earlier, later]].dropna()
        assert (both[earlier] <= both[later]).all(), f"sites: {earlier} after {later}"
    activated = patients["site_id"].map(sites.set_index("site_id")["activated_on"])
    assert (patients["screened_on"] >= activated).all(), "screened before site activation"

    is_enrolled = patients["enrolled_on"].notna()
    assert (
        patients.loc[is_enrolled, "enrolled_on"] >= patients.loc[is_enrolled, "screened_on"]
    ).all()
    assert patients.loc[is_enrolled, "screen_failure_reason"].isna().all()
    assert patients.loc[~is_enrolled, ["transplant_on", "withdrawn_on"]].isna().all().all()
    transplanted = patients.dropna(subset=["transplant_on"])
    assert (transplanted["transplant_on"] > transplanted["enrolled_on"]).all()
    withdrawn = patients.dropna(subset=["withdrawn_on"])
    assert (withdrawn["withdrawn_on"] >= withdrawn["enrolled_on"]).all()
    assert (patients["withdrawal_reason"].notna() == patients["withdrawn_on"].notna()).all()

    enrolled = patients.loc[is_enrolled].set_index("patient_id")
    follow_up = tables["follow_up"]
    assert follow_up["patient_id"].is_unique
    assert set(follow_up["patient_id"]) == set(enrolled.index), "one follow_up row per enrolled"
    assert (follow_up["death_cause"].notna() == follow_up["died_on"].notna()).all()
    died = follow_up.set_index("patient_id")["died_on"]
    for name, columns in CHILD_DATES.items():
        frame = tables[name]
        assert frame["patient_id"].isin(enrolled.index).all(), f"{name}: not an enrolled patient"
        start = frame["patient_id"].map(enrolled["enrolled_on"])
        death = frame["patient_id"].map(died)
        for column in columns:
            dates = frame[column]
            assert (dates.isna() | (dates >= start)).all(), f"{name}.{column} before enrollment"
            after_death = dates.notna() & death.notna() & (dates > death)
            assert not after_death.any(), f"{name}.{column} after death"
    events = tables["adverse_events"]
    assert (events["resolved_on"].isna() | (events["resolved_on"] >= events["onset_on"])).all()
    assert (events["gvhd_type"].notna() == events["gvhd_grade"].notna()).all()
    assert not tables["responses"].duplicated(["patient_id", "assessed_on"]).any()
    labs = tables["lab_results"]
    assert (labs["unit"] == labs["test"].map(LAB_UNITS)).all(), "unit does not match test"
    assert (labs["value"] >= 0).all()


def _recovery_days(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per transplanted patient: ANC nadir after day 0 and the recovery day (>= 0.5)."""
    day0 = tables["patients"].dropna(subset=["transplant_on"]).set_index("patient_id")
    anc = tables["lab_results"].query("test == 'ANC'")
    anc = anc[anc["patient_id"].isin(day0.index)].copy()
    anc["day"] = (anc["sampled_on"] - anc["patient_id"].map(day0["transplant_on"])).dt.days
    daily = anc[anc["day"] >= 0].groupby(["patient_id", "day"])["value"].min().reset_index()
    rows = []
    for patient, counts in daily.groupby("patient_id"):
        values, days = counts["value"].to_numpy(), counts["day"].to_numpy()
        below = np.flatnonzero(values < 0.5)
        recovered = None
        if len(below):
            for i in range(below[0] + 1, len(values) - 2):
                if (values[i : i + 3] >= 0.5).all():
                    recovered = days[i]
                    break
        rows.append((patient, values.min(), recovered))
    return pd.DataFrame(rows, columns=["patient_id", "nadir", "recovery_day"])


def test_demo001_same_seed_gives_same_frames():
    first = generate(patients=30, seed=7)
    demo._cached.cache_clear()  # build the trial again rather than reuse the cached one
    second = generate(patients=30, seed=7)
    for name in TABLES:
        assert_frame_equal(first[name], second[name])


def test_demo001_other_seed_gives_other_frames():
    one, other = generate(patients=30, seed=7), generate(patients=30, seed=8)
    assert not one["patients"].equals(other["patients"])
    assert not one["lab_results"].equals(other["lab_results"])


@pytest.mark.parametrize(
    "settings", [{}, {"patients": 60, "sites": 9, "seed": 3}, {"patients": 5, "sites": 2}]
)
def test_demo002_generated_data_obey_bundle_rules(settings):
    check_bundle_rules(generate(**settings))


def test_demo002_full_trial_obeys_bundle_rules():
    trial = full_trial(patients=40, seed=11)
    check_bundle_rules(trial.tables)
    assert trial.mid_cut < trial.end
    assert (trial.tables["sites"]["status"].isin(["completed", "withdrawn"])).all()


def test_demo003_registry_sites_with_registry_statuses():
    with open(REGISTRY_SITES, encoding="utf-8") as handle:
        registry = pd.DataFrame(list(csv.DictReader(handle)))
    sites = generate()["sites"].set_index("site_id").sort_index()
    registry = registry.set_index("site_id").sort_index()
    assert list(sites.index) == list(registry.index)
    for column in ("name", "city", "status"):
        assert list(sites[column]) == list(registry[column]), column
    assert np.allclose(sites["latitude"], registry["latitude"].astype(float))
    assert np.allclose(sites["longitude"], registry["longitude"].astype(float))
    recruiting = sites["status"] == "recruiting"
    assert sites.loc[recruiting, "activated_on"].notna().all()
    assert sites.loc[~recruiting, "activated_on"].isna().all()
    assert sites.loc[~recruiting, "ethics_approved_on"].notna().all()
    assert sites.loc["STE", "activated_on"] == pd.Timestamp("2019-01-08")


def test_demo004_about_two_thirds_enrolled_at_default_cut():
    tables = generate()
    trial = tables["trial"].iloc[0]
    assert trial["nct_id"] == "NCT03439371"
    assert trial["title"].endswith("(MTSA)")
    assert trial["target_enrollment"] == 21
    assert trial["start_date"] == pd.Timestamp("2019-01-08")
    assert trial["planned_accrual_end"] == pd.Timestamp("2022-05-31")
    enrolled = tables["patients"]["enrolled_on"].notna().sum()
    assert 12 <= enrolled <= 16
    failures = tables["patients"]["screen_failure_reason"].notna().sum()
    assert failures >= 1
    assert tables["follow_up"]["died_on"].notna().any()


def test_demo005_scales_to_more_patients_and_sites():
    tables = generate(patients=90, sites=12, seed=5)
    assert len(tables["sites"]) == 12
    assert tables["trial"]["target_enrollment"].iloc[0] == 90
    enrolled = tables["patients"]["enrolled_on"].notna().sum()
    assert 54 <= enrolled <= 66
    assert {"LIL", "NCY", "PSL", "STE", "BDX"} <= set(tables["sites"]["site_id"])


def test_demo006_counts_and_microchimerism_plausible():
    tables = full_trial(patients=150, seed=2).tables
    recovery = _recovery_days(tables)
    assert (recovery["nadir"] < 0.5).mean() > 0.95
    within = recovery["recovery_day"].between(8, 30).mean()
    assert within > 0.85, f"only {within:.0%} recover neutrophils on days 8-30"
    assert 9 <= recovery["recovery_day"].median() <= 14
    chimerism = tables["chimerism"]
    assert (chimerism["donor_percent"] < 1).all()
    assert 0.2 < chimerism["detected"].mean() < 0.8
    labs = tables["lab_results"]
    assert labs.duplicated(["patient_id", "sampled_on", "test"]).any(), "no same-day repeats"


def test_demo007_outcomes_plausible():
    tables = full_trial(patients=400, seed=4).tables
    follow_up = tables["follow_up"].set_index("patient_id")
    enrolled = tables["patients"].set_index("patient_id")["enrolled_on"]
    two_years = enrolled[follow_up.index] + pd.Timedelta(days=730)
    dead_by_2y = (follow_up["died_on"] <= two_years).mean()
    assert 0.42 <= 1 - dead_by_2y <= 0.62  # 2-year OS about 46%, censoring ignored
    assert 0.35 <= follow_up["progressed_on"].notna().mean() <= 0.65
    events = tables["adverse_events"]
    infected = events.loc[events["soc"] == "Infections and infestations", "patient_id"].nunique()
    assert 0.65 <= infected / len(follow_up) <= 0.85
    assert events["gvhd_type"].notna().sum() <= 4
    assert generate()["adverse_events"]["gvhd_type"].notna().sum() <= 1


def test_demo008_truncation_only_adds_records():
    trial = full_trial(patients=30, seed=9)
    early = truncate_at(trial.tables, trial.mid_cut)
    later = truncate_at(trial.tables, trial.mid_cut + dt.timedelta(days=365))
    enrolled_early = early["patients"]["enrolled_on"].notna().sum()
    assert later["patients"]["enrolled_on"].notna().sum() > enrolled_early
    assert len(later["lab_results"]) > len(early["lab_results"])
    before = early["patients"].set_index("patient_id")
    after = later["patients"].set_index("patient_id").loc[before.index]
    known = before["enrolled_on"].notna()
    assert (after.loc[known, "enrolled_on"] == before.loc[known, "enrolled_on"]).all()
    for name in ("responses", "lab_results", "transfusions", "chimerism"):
        merged = early[name].merge(later[name], how="left", indicator=True)
        assert (merged["_merge"] == "both").all(), f"{name}: an earlier record disappeared"
    events = ["patient_id", "term", "onset_on", "grade"]
    merged = early["adverse_events"][events].merge(
        later["adverse_events"][events], how="left", indicator=True
    )
    assert (merged["_merge"] == "both").all()
    assert (
        later["follow_up"]["died_on"].notna().sum() >= early["follow_up"]["died_on"].notna().sum()
    )


def test_demo008_truncating_twice_equals_truncating_once():
    trial = full_trial(patients=30, seed=9)
    later = truncate_at(trial.tables, trial.end - dt.timedelta(days=400))
    twice = truncate_at(later, trial.mid_cut)
    once = truncate_at(trial.tables, trial.mid_cut)
    for name in TABLES:
        assert_frame_equal(twice[name], once[name], check_dtype=True)
    assert_frame_equal(
        truncate_at(trial.tables, trial.mid_cut)["lab_results"],
        generate(patients=30, seed=9)["lab_results"],
    )


def test_demo009_feed_continues_the_demo_and_ends(sqlite_url):
    engine = make_engine(sqlite_url)
    assert feed_step(engine, seed=9) == 1  # empty database: the demo at the mid-trial cut
    first = load_snapshot(engine)
    demo = generate(seed=9)
    assert first.data_cut == demo["trial"]["data_cut"].iloc[0].date()
    assert len(first["lab_results"]) == len(demo["lab_results"])

    assert feed_step(engine, days=30) == 2
    second = load_snapshot(engine)
    assert second.data_cut == first.data_cut + dt.timedelta(days=30)
    merged = first["lab_results"].merge(second["lab_results"], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert len(second["lab_results"]) > len(first["lab_results"])

    assert feed_step(engine, days=100_000) == 3
    assert load_snapshot(engine).data_cut == full_trial(seed=9).end
    assert feed_step(engine) is None


def test_demo009_feed_refuses_imported_data(sqlite_url):
    engine = make_engine(sqlite_url)
    replace_trial_data(engine, generate(patients=5), source="import /some/bundle")
    with pytest.raises(ValueError, match="not demo data"):
        feed_step(engine)


def test_demo009_run_feed_reports_each_step(sqlite_url):
    engine = make_engine(sqlite_url)
    replace_trial_data(engine, generate(patients=12, seed=4), source="demo-db seed 4")
    seen, pauses = [], []
    written = run_feed(
        engine, interval_seconds=5, steps=2, on_step=seen.append, sleep=pauses.append
    )
    assert written == 2 and pauses == [5]
    assert [step.version for step in seen] == [2, 3]
    assert seen[0].target == 12
    assert seen[1].data_cut == seen[0].data_cut + dt.timedelta(days=30)
    assert str(seen[1]).startswith("data version 3: data cut ")


def test_demo010_load_and_read_back(trial_db_url):
    engine = make_engine(trial_db_url)
    tables = generate(patients=30, sites=8, seed=12)
    version = replace_trial_data(engine, tables, source="demo-db seed=12")
    snapshot = load_snapshot(engine)
    engine.dispose()
    assert snapshot.version.version == version
    for name in TABLES:
        assert len(snapshot[name]) == len(tables[name]), name
        assert_frame_equal(_sorted(snapshot[name], name), _sorted(tables[name], name))
