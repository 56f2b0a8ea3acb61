"""The demo dataset: invented results for every domain, generated deterministically from a fixed seed.

Nothing here is an official figure. The data is stored in editions of kind `demo` under a demo methodology whose
maxima are labelled provisional, and every page that shows it says so.

Shape: each unit has a lasting "quality" (index around 76–93 %), a small yearly improvement and noise; each
domain deviates from the unit's level by a domain-specific amount. A few pairs of units are given identical
scores every year so that ties appear. Merged units of 2025 start from the mean quality of their predecessors.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SEED = 20250701
YEARS_63 = tuple(range(2018, 2025))
YEAR_34 = 2025
# The demo methodology: eight domains summing to 100 points (provisional, demo only).
DEMO_MAXIMA: tuple[Decimal, ...] = tuple(
    Decimal(v) for v in ("10", "10", "14.5", "11", "16", "7", "16", "15.5")
)
# Typical offsets of a domain from a unit's level, in percentage points (digital government and impact lag).
_DOMAIN_OFFSET = (3.0, 1.5, 2.0, 1.0, -0.5, -1.0, -3.5, -2.5)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoScore:
    unit: str  # the unit's code
    year: int
    domain: int  # 1..8
    points: Decimal


def _points(pct: float, maximum: Decimal) -> Decimal:
    pct = min(max(pct, 40.0), 100.0)
    return (maximum * Decimal(repr(pct)) / 100).quantize(_CENT, rounding=ROUND_HALF_UP)


def generate(
    units_63: Sequence[str], units_34: Sequence[str], predecessors: Mapping[str, Sequence[str]]
) -> list[DemoScore]:
    """Scores for the 63 units (2018–2024) and the 34 units (2025); same inputs, same output, always."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    quality = {code: rng.uniform(76.0, 92.5) for code in sorted(units_63)}
    trend = {code: rng.uniform(0.1, 0.9) for code in sorted(units_63)}
    scores: list[DemoScore] = []

    def unit_year(code: str, level: float, year: int) -> list[DemoScore]:
        return [
            DemoScore(code, year, n + 1, _points(level + _DOMAIN_OFFSET[n] + rng.gauss(0, 2.2), maximum))
            for n, maximum in enumerate(DEMO_MAXIMA)
        ]

    ordered_63 = sorted(units_63)
    for year in YEARS_63:
        year_scores: dict[str, list[DemoScore]] = {}
        for code in ordered_63:
            level = quality[code] + trend[code] * (year - YEARS_63[0]) + rng.gauss(0, 1.0)
            year_scores[code] = unit_year(code, level, year)
        _make_ties(year_scores, rng)
        for code in ordered_63:
            scores.extend(year_scores[code])

    year_scores = {}
    for code in sorted(units_34):
        olds = predecessors[code]
        base = sum(quality[o] + trend[o] * (YEAR_34 - YEARS_63[0]) for o in olds) / len(olds)
        year_scores[code] = unit_year(code, base + rng.gauss(0, 1.0), YEAR_34)
    _make_ties(year_scores, rng, pairs=1)
    for code in sorted(units_34):
        scores.extend(year_scores[code])
    return scores


def _make_ties(year_scores: dict[str, list[DemoScore]], rng: random.Random, pairs: int = 2) -> None:
    """Give `pairs` pairs of units identical points so that the ranking has ties to show."""
    codes = sorted(year_scores)
    chosen = rng.sample(codes, pairs * 2)
    for first, second in zip(chosen[::2], chosen[1::2], strict=True):
        year_scores[second] = [DemoScore(second, s.year, s.domain, s.points) for s in year_scores[first]]
