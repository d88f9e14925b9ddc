"""The role table of docs/roles.md, checked cell by cell."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import Forbidden

from dashboard.auth import roles
from dashboard.auth.state import SignedInUser

# docs/roles.md, transcribed by hand: panel -> (investigator, dsmb, sponsor, admin).
TABLE = {
    "overview": (True, True, True, True),
    "sites": (True, True, True, True),
    "recovery": (True, True, False, False),
    "survival": (True, True, False, False),
    "safety": (True, True, False, False),
    "patients": (True, True, False, False),
    "admin": (False, False, False, True),
}


def user(role: str, site: str | None = None) -> SignedInUser:
    return SignedInUser(1, f"a-{role}", role, site)


@pytest.mark.parametrize("panel", sorted(TABLE))
def test_auth010_can_view_matches_the_architecture_table(panel):
    allowed = tuple(roles.can_view(user(role), panel) for role in roles.ROLES)
    assert roles.ROLES == ("investigator", "dsmb", "sponsor", "admin")
    assert allowed == TABLE[panel]


def test_auth011_patient_level_rows_only_for_investigators_and_dsmb():
    assert [roles.can_view_patients(user(r)) for r in roles.ROLES] == [True, True, False, False]
    assert roles.can_view_patients(None) is False


def test_auth012_site_scope_restricts_only_site_investigators():
    assert roles.site_scope(user("investigator", "STE")) == "STE"
    assert roles.site_scope(user("investigator")) is None
    assert roles.site_scope(user("dsmb")) is None


def test_auth013_unknown_panel_is_an_error_not_a_silent_answer():
    with pytest.raises(ValueError, match="unknown panel"):
        roles.can_view(user("admin"), "safty")


def test_auth014_every_stats_panel_and_page_maps_to_a_known_panel():
    assert set(roles.STATS_PANELS.values()) <= set(roles.PANEL_ROLES)
    assert set(roles.PAGE_PANELS.values()) == set(roles.PANEL_ROLES)
    # the Data quality page shows the sponsor its counts per site, never a patient id
    assert roles.visible_pages(user("sponsor")) == ["/", "/sites", "/quality"]
    assert roles.visible_pages(user("admin")) == ["/", "/sites", "/admin"]


def test_auth015_require_panel_aborts_with_403(monkeypatch):
    monkeypatch.setattr(roles, "current_user", user("sponsor"))
    with Flask(__name__).test_request_context("/"):
        roles.require_panel("sites")
        with pytest.raises(Forbidden):
            roles.require_panel("safety")
