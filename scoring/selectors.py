"""Reads for the pages, each in a fixed number of queries whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F, Prefetch

from parindex.register.models import PAR_INDEX, Criterion, Edition, EditionKind, Methodology
from scoring.models import EditionSummary, YearResult


@dataclass(frozen=True)
class Ranking:
    edition: Edition
    summary: EditionSummary | None
    rows: list[YearResult]

    @property
    def is_demo(self) -> bool:
        return self.edition.is_demo


GENERATION_KEY = "scoring:results-generation"


def results_generation() -> int:
    """A number that changes with every recompute (scoring.services bumps it after each commit): part of every
    cache key of results, so a recompute makes every cached ranking stale at once. 0 when the cache is empty or
    unreachable."""
    value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else 0


def public_editions(index_code: str = PAR_INDEX) -> list[Edition]:
    """Published editions of one index (the PAR INDEX unless named) the public may see (official, and demo
    labelled as such), newest first, official before demo within a year. One query."""
    kind_order = {EditionKind.OFFICIAL: 0, EditionKind.DEMO: 1}
    editions = list(Edition.objects.public().filter(index__code=index_code).select_related("methodology"))
    return sorted(editions, key=lambda e: (-e.year, kind_order.get(EditionKind(e.kind), 9)))


PUBLIC_EDITIONS_SECONDS = 60  # an edition's status changed in the admin (no recompute) shows within a minute


def public_editions_cached(generation: int) -> list[Edition]:
    """public_editions through the cache, keyed by the results `generation` (publishing and reopening
    recompute, which bumps it); the database when the cache is unreachable."""
    key = f"scoring:public-editions:{generation}"
    editions: list[Edition] | None = cache.get(key)
    if editions is None:
        editions = public_editions()
        cache.set(key, editions, PUBLIC_EDITIONS_SECONDS)
    return editions


def pick_edition(editions: list[Edition], year: str | None, kind: str | None) -> Edition | None:
    """The edition asked for by year (and kind), else the newest; None when there is none."""
    candidates = editions
    if year and year.isdigit():
        candidates = [e for e in editions if e.year == int(year)] or editions
    if kind:
        candidates = [e for e in candidates if e.kind == kind] or candidates
    return candidates[0] if candidates else None


def ranking_for_edition(edition: Edition) -> Ranking:
    """The ranking of an edition: results with their units and regions (two queries)."""
    summary = EditionSummary.objects.filter(edition=edition).first()
    complete = bool(summary and summary.complete)
    rows = list(
        YearResult.objects.filter(edition=edition)
        .select_related("unit", "unit__region")
        .order_by(F("published_rank").asc(nulls_last=True) if not complete else "rank", "rank", "unit__name")
    )
    return Ranking(edition=edition, summary=summary, rows=rows)


def methodologies_with_domains() -> list[Methodology]:
    """Every criteria set with its domains, real ones first then demo (two queries)."""
    return list(
        Methodology.objects.select_related("index")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.domains(), to_attr="domain_list"))
        .order_by("index__order", "is_demo", F("year_from").asc(nulls_first=True), "code")
    )
