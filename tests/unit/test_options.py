"""Panel options: one declaration checks what the page, the CLI and the API receive."""

from __future__ import annotations

import pytest

from analysis.options import CONF_LEVEL, COUNT, DETECTION_LIMIT, TERMS
from analysis.panels import PANEL_OPTIONS, parse_options


@pytest.mark.parametrize(
    ("raw", "expected"), [("0.01", 0.01), ("5", 5.0), (0.001, 0.001), ("1e-2", 0.01)]
)
def test_opt001_numbers_inside_the_bounds_are_typed(raw, expected):
    assert DETECTION_LIMIT.parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "between 0.001 and 5"),
        ("5.5", "between 0.001 and 5"),
        ("nan", "between 0.001 and 5"),
        ("inf", "between 0.001 and 5"),
        ("-1", "between 0.001 and 5"),
        ("abc", "must be a number"),
        (None, "must be a number"),
        ("", "must be a number"),
    ],
)
def test_opt002_numbers_outside_or_not_numbers_are_refused_in_words(raw, message):
    with pytest.raises(ValueError, match=message):
        DETECTION_LIMIT.parse(raw)


def test_opt003_choices_are_checked_before_typing():
    assert COUNT.parse("PLT") == "PLT"
    with pytest.raises(ValueError, match="test must be one of ANC, PLT"):
        COUNT.parse("plt")
    assert CONF_LEVEL.parse("0.9") == 0.9
    with pytest.raises(ValueError, match="conf_level must lie between"):
        CONF_LEVEL.parse("95")


def test_opt004_page_items_follow_the_declaration():
    assert COUNT.items()[0] == ("ANC", "Neutrophils (ANC)")
    assert [value for value, _ in COUNT.items()] == list(COUNT.choices)
    assert [value for value, _ in TERMS.items()] == ["no", "yes"]


def test_opt005_query_strings_are_parsed_per_panel():
    assert parse_options("recovery", {"test": "PLT", "detection_limit": "0.1"}) == {
        "test": "PLT",
        "detection_limit": 0.1,
    }
    assert parse_options("safety", {"terms": "yes"}) == {"terms": "yes"}
    with pytest.raises(ValueError, match="unknown option"):
        parse_options("recovery", {"conf_type": "log"})
    with pytest.raises(ValueError, match="terms must be one of no, yes"):
        parse_options("safety", {"terms": "true"})


def test_opt006_every_option_has_a_default_its_own_check_accepts():
    for options in PANEL_OPTIONS.values():
        for option in options:
            if option.default is not None:
                assert option.parse(option.default) == option.default
