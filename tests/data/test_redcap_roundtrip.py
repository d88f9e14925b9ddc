"""Moving a trial into REDCap and back: demo data -> ``export --format redcap`` ->
``import --format redcap`` gives the same tables and the same numbers on every panel,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from analysis.panels import STATS_PANELS
from dashboard.store import at_data_cut
from data_access.demo import generate
from data_access.engine import make_engine
from data_access.importing import CdiscOptions, import_folder
from data_access.loader import replace_trial_data
from data_access.queries import load_snapshot
from data_access.redcap.write import export_redcap


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order: a REDCap project keeps a patient's rows by instrument and a
    blood count sample's results together, so only tables with a key keep their order."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def test_rcrt001_demo_through_redcap_gives_the_same_tables_and_panels(trial_db_url, tmp_path):
    engine = make_engine(trial_db_url)
    replace_trial_data(engine, generate(), source="demo", source_kind="demo")
    before = load_snapshot(engine)
    written = export_redcap(engine, tmp_path / "redcap")
    assert sorted(p.name for p in written) == [
        "data_dictionary.csv",
        "mapping.toml",
        "records.csv",
        "sites.csv",
    ]
    folder = tmp_path / "redcap"
    options = CdiscOptions(folder / "mapping.toml", folder / "sites.csv")
    report = import_folder(engine, folder, "redcap", options)
    assert (report.version, report.source_kind) == (2, "redcap")
    after = load_snapshot(engine)
    for name, frame in before.tables.items():
        assert len(frame) == len(after.tables[name]), name
        assert_frame_equal(
            canonical(after.tables[name]), canonical(frame), check_exact=True, obj=name
        )
    assert after.tables["lab_results"].shape[0] == 1867  # the demo's lab results, all back
    old, new = at_data_cut(before), at_data_cut(after)
    for panel, compute in STATS_PANELS.items():
        assert compute(new.tables, new.data_cut) == compute(old.tables, old.data_cut), panel
    engine.dispose()
