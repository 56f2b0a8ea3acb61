"""Reads for the pages, each in a fixed number of queries whatever the number of units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import F, Prefetch
from django.utils import timezone

from parindex.register.models import PAR_INDEX, Assessment, Criterion, Edition, EditionKind, Methodology, Unit
from scoring.models import EditionSummary, RecomputeState, RecomputeStatus, YearResult


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


# --- The state of an edition's results, for staff -----------------------------------------------------------------

# A recompute waiting or running longer than this is taken as lost (Redis without persistence dropped the task,
# or a worker died past its time limit): it may be asked for again. Well above the recompute's time limit (55 s)
# and the results sweep (every 30 s, after a minute: scoring.tasks.SWEEP_AFTER), which normally recompute such
# an edition long before, and above Celery's redelivery of a dead worker's task (visibility timeout, 400 s).
RECOMPUTE_STALE_AFTER = timedelta(minutes=20)
NOT_COMPUTED = "none"  # no recompute recorded and no results: the status of ResultsState then


@dataclass(frozen=True)
class ResultsState:
    """Where an edition's results stand. `status`: a RecomputeStatus value, or NOT_COMPUTED. `computed_at`: when
    the results shown were computed (None: never). `complete`: every unit expected that year has a result, which
    is when computed ranks compare with published ones."""

    status: str
    computed_at: datetime | None
    requested_at: datetime | None
    started_at: datetime | None
    messages: tuple[str, ...]
    complete: bool
    unit_count: int
    expected_units: int
    stale: bool

    @property
    def waiting(self) -> bool:
        """A recompute is pending or running, and not lost: asking again would only queue a duplicate."""
        return self.status in (RecomputeStatus.PENDING, RecomputeStatus.RUNNING) and not self.stale

    @property
    def current(self) -> bool:
        return self.status == RecomputeStatus.DONE or (
            self.status == NOT_COMPUTED and self.computed_at is not None
        )


def results_state(edition: Edition) -> ResultsState:
    """The state of `edition`'s results: its recompute and its summary (two queries)."""
    state = RecomputeState.objects.filter(edition=edition).first()
    summary = EditionSummary.objects.filter(edition=edition).first()
    status = state.status if state else NOT_COMPUTED
    since = (state.started_at if status == RecomputeStatus.RUNNING else state.requested_at) if state else None
    return ResultsState(
        status=status,
        computed_at=summary.computed_at if summary else None,
        requested_at=state.requested_at if state else None,
        started_at=state.started_at if state else None,
        messages=tuple(state.messages) if state else (),
        complete=bool(summary and summary.complete),
        unit_count=summary.unit_count if summary else 0,
        expected_units=summary.expected_units if summary else 0,
        stale=since is not None
        and status in (RecomputeStatus.PENDING, RecomputeStatus.RUNNING)
        and timezone.now() - since > RECOMPUTE_STALE_AFTER,
    )


def explanation_holds(
    explanation: str,
    explained_for: tuple[int | None, int | None],
    published_rank: int | None,
    rank: int | None,
) -> bool:
    """Does a reason given for a rank difference still explain it? Only for the two ranks it was given for
    (published, computed): when new figures change either, the difference is to be explained again."""
    return bool(explanation) and explained_for == (published_rank, rank)


@dataclass(frozen=True)
class RankDifferenceRow:
    """A unit whose computed rank differs from its published rank, with the reason staff gave, if any."""

    unit: Unit
    published_rank: int
    rank: int
    explanation: str = ""
    explained_for: tuple[int | None, int | None] = (None, None)  # (published, computed) ranks explained
    explained_by: str = ""
    explained_at: datetime | None = None

    @property
    def explained(self) -> bool:
        return explanation_holds(self.explanation, self.explained_for, self.published_rank, self.rank)

    @property
    def explained_before(self) -> bool:
        """A reason was given for other figures: shown as the earlier reason, the difference unexplained."""
        return bool(self.explanation) and not self.explained


def rank_differences(edition: Edition) -> list[RankDifferenceRow]:
    """Units whose computed rank differs from the published one (YearResult.rank_mismatch: only in a complete
    edition), by published rank, with the reasons given (two queries)."""
    results = list(
        YearResult.objects.filter(edition=edition, rank_mismatch=True)
        .select_related("unit")
        .order_by("published_rank", "unit__name")
    )
    assessments = {
        a.unit_id: a
        for a in Assessment.objects.filter(edition=edition, unit_id__in=[r.unit_id for r in results])
        .exclude(rank_explanation="")
        .select_related("rank_explained_by")
    }
    return [_difference_row(result, assessments.get(result.unit_id)) for result in results]


def _difference_row(result: YearResult, assessment: Assessment | None) -> RankDifferenceRow:
    assert result.published_rank is not None  # a mismatch needs a published rank
    if assessment is None:
        return RankDifferenceRow(unit=result.unit, published_rank=result.published_rank, rank=result.rank)
    user = assessment.rank_explained_by
    return RankDifferenceRow(
        unit=result.unit,
        published_rank=result.published_rank,
        rank=result.rank,
        explanation=assessment.rank_explanation,
        explained_for=(assessment.rank_explained_published, assessment.rank_explained_computed),
        explained_by=user.get_username() if user else "",
        explained_at=assessment.rank_explained_at,
    )


@dataclass(frozen=True)
class ComputedRank:
    rank: int
    published_rank: int | None
    mismatch: bool


def computed_ranks(edition: Edition) -> dict[int, ComputedRank]:
    """Each unit's computed rank by unit id, when the edition's results are complete (otherwise the computed
    ranks only rank the units held, and say nothing against the published ones): one query."""
    rows = YearResult.objects.filter(edition=edition, edition__summary__complete=True).values_list(
        "unit_id", "rank", "published_rank", "rank_mismatch"
    )
    return {unit_id: ComputedRank(rank, published, mismatch) for unit_id, rank, published, mismatch in rows}
