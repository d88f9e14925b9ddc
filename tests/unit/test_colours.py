"""Colours that carry meaning stay apart for readers with colour-vision deficiency.

Each palette is simulated for protanopia, deuteranopia and tritanopia (Machado,
Oliveira & Fernandes 2009, severity 1.0, the matrices used by Chromium's DevTools
"emulate vision deficiencies") and every pair must stay at least ``MIN_DELTA_E``
apart in CIELAB (CIE76): a difference a reader tells at a glance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dashboard.figures.safety import GRADE_COLORS
from dashboard.figures.survival import CAUSE_COLORS
from dashboard.figures.theme import SITE_STATUS_COLORS

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip
MIN_DELTA_E = 10.0


def _linear(hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ) @ np.clip(linear, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _closest_pair(colours: dict, vision: str | None) -> tuple[float, tuple]:
    seen = {}
    for name, colour in colours.items():
        linear = _linear(colour)
        if vision is not None:
            linear = np.array(MACHADO[vision]) @ linear
        seen[name] = _lab(linear)
    return min(
        (float(np.linalg.norm(seen[a] - seen[b])), (a, b))
        for a, b in itertools.combinations(seen, 2)
    )


PALETTES = {
    "adverse-event grades": GRADE_COLORS,
    "relapse / non-relapse mortality": CAUSE_COLORS,
    "site statuses": SITE_STATUS_COLORS,
}


@pytest.mark.parametrize("palette", list(PALETTES))
@pytest.mark.parametrize("vision", [None, *MACHADO])
def test_colours001_palettes_stay_apart_in_colour_blindness(palette, vision):
    distance, pair = _closest_pair(PALETTES[palette], vision)
    assert distance >= MIN_DELTA_E, f"{palette}, {vision}: {pair} only ΔE {distance:.1f} apart"


def test_colours002_the_check_tells_confusable_colours():
    # Red and green of equal lightness: the textbook deuteranope confusion.
    distance, _ = _closest_pair({"red": "#c0392b", "green": "#5d8c1f"}, "deuteranopia")
    assert distance < MIN_DELTA_E
    assert _closest_pair({"red": "#c0392b", "green": "#5d8c1f"}, None)[0] > 40
