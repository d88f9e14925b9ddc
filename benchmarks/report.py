"""Results: one row per figure measured, printed as a table and saved as JSON."""

from __future__ import annotations

import datetime as dt
import json
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    """One measured figure: ``value`` in ``unit``, met when ``value <= target``.

    ``target`` None means reported for information (no target at this scale).
    """

    benchmark: str
    name: str
    scale: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""
    details: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "pass" if self.value <= self.target else "MISS"


def _number(value: float, unit: str) -> str:
    if unit in ("B", "KB", "MB") and value >= 100:
        return f"{value:,.0f} {unit}"
    if unit in ("x", "") or value < 10:
        return f"{value:.2f} {unit}".rstrip()
    return f"{value:,.1f} {unit}"


def table(results: list[Result]) -> str:
    header = ("benchmark", "figure", "scale", "value", "target", "", "note")
    rows = [
        (
            r.benchmark,
            r.name,
            r.scale,
            _number(r.value, r.unit),
            "" if r.target is None else "≤ " + _number(r.target, r.unit),
            r.verdict,
            r.note,
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [
            str(c).ljust(w) if i != 3 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells) + "  " + row[-1])
        if row is header:
            lines.append("-" * (sum(widths) + 2 * len(widths) + 4))
    return "\n".join(line.rstrip() for line in lines)


def save(results: list[Result], settings: dict, folder: Path = RESULTS_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}.json"
    document = {
        "started": stamp,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "settings": settings,
        "results": [{**asdict(r), "verdict": r.verdict} for r in results],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def markdown(document: dict) -> str:
    """A saved run as a Markdown table: one row per figure, demo and 10k side by side."""
    rows: dict[tuple[str, str], dict] = {}
    for r in document["results"]:
        row = rows.setdefault((r["benchmark"], r["name"]), {"unit": r["unit"]})
        row[r["scale"]] = r
    lines = [
        "| benchmark | figure | demo | 10k | target | verdict |",
        "|---|---|---:|---:|---|---|",
    ]
    for (benchmark, name), row in rows.items():
        cells = [
            _number(row[s]["value"], row["unit"]) if s in row else "—" for s in ("demo", "10k")
        ]
        targets = {
            s: f"≤ {_number(row[s]['target'], row['unit'])}"
            for s in ("demo", "10k")
            if s in row and row[s]["target"] is not None
        }
        target = (
            " / ".join(f"{t} ({s})" for s, t in targets.items())
            if len(set(targets.values())) > 1
            else next(iter(targets.values()), "")
        )
        verdicts = " / ".join(
            f"{row[s]['verdict']} ({s})" for s in ("demo", "10k") if s in row and row[s]["verdict"]
        )
        lines.append(f"| {benchmark} | {name} | {cells[0]} | {cells[1]} | {target} | {verdicts} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
