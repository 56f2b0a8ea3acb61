"""The one writer of computed results: reads an edition, runs `scoring.calculation`, replaces its results.

`results_recompute` is idempotent (running it twice leaves identical values) and atomic: when the calculation
refuses the input, nothing is written and the error names the unit and the domain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.models import Assessment, Domain, DomainScore, Edition, Province, Region, Succession
from scoring import calculation as calc
from scoring.models import DomainResult, EditionSummary, RegionResult, YearResult

logger = logging.getLogger(__name__)

GENERATION_KEY = "scoring:results-generation"


class RecomputeError(Exception):
    """The edition's data cannot be computed; `messages` say why, in the interface language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def is_rank_only(assessment: Assessment) -> bool:
    """Known only by its published rank: nothing to compute, shown with that rank and no index."""
    return (
        assessment.published_index is None
        and assessment.published_rank is not None
        and not assessment.scores.all()
    )


@dataclass(frozen=True)
class _Loaded:
    edition_input: calc.EditionInput
    provinces: dict[str, Province]
    domains: dict[int, Domain]
    published_ranks: dict[str, int | None]
    rank_only: list[Assessment]
    expected_units: int
    previous_published: dict[str, int]


def results_generation() -> int:
    """A number that changes with every recompute: part of every cache key of a results page."""
    value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else 0


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates the old keys
        cache.set(GENERATION_KEY, int(timezone.now().timestamp()), None)


def _merger_rule() -> calc.MergerRule:
    return calc.MergerRule(getattr(settings, "PARINDEX_MERGER_RULE", calc.MergerRule.PREDECESSORS_MEAN))


def _previous_values(edition: Edition) -> tuple[list[calc.PreviousResult], dict[str, int]]:
    """Last year's results of the same kind, keyed like this year's units (province ids as text).

    For an incomplete previous edition the published rank stands for the rank where there is one, since the
    computed rank only ranks the units we hold.
    """
    previous = Edition.objects.filter(year=edition.year - 1, kind=edition.kind).first()
    if previous is None:
        return [], {}
    summary = EditionSummary.objects.filter(edition=previous).first()
    complete = bool(summary and summary.complete)
    values: list[calc.PreviousResult] = []
    published: dict[str, int] = {}
    for result in YearResult.objects.filter(edition=previous).only(
        "province_id", "index", "rank", "published_rank"
    ):
        if result.index is not None:
            rank = result.rank if complete or result.published_rank is None else result.published_rank
            values.append(calc.PreviousResult(key=str(result.province_id), index=result.index, rank=rank))
        if result.published_rank is not None:
            published[str(result.province_id)] = result.published_rank
    return values, published


def _load(edition: Edition) -> _Loaded:
    domains = (
        {d.number: d for d in Domain.objects.filter(methodology_id=edition.methodology_id)}
        if edition.methodology_id
        else {}
    )
    assessments = list(
        Assessment.objects.filter(edition=edition)
        .select_related("province__region")
        .prefetch_related(Prefetch("scores", queryset=DomainScore.objects.select_related("domain")))
    )
    provinces = {str(a.province_id): a.province for a in assessments}
    rank_only = [a for a in assessments if is_rank_only(a)]
    units = []
    problems: list[str] = []
    for a in assessments:
        if is_rank_only(a):
            continue
        points = []
        for score in a.scores.all():
            if score.domain.methodology_id != edition.methodology_id:
                problems.append(
                    _("%(unit)s: lĩnh vực %(domain)s thuộc bộ tiêu chí khác với bộ tiêu chí của kỳ đánh giá.")
                    % {"unit": a.province.name, "domain": score.domain.number}
                )
                continue
            points.append(
                calc.DomainPoints(
                    number=score.domain.number, points=score.points, not_applicable=score.not_applicable
                )
            )
        units.append(
            calc.UnitInput(
                key=str(a.province_id),
                region=a.province.region.name,
                domains=tuple(sorted(points, key=lambda p: p.number)),
                published_index=a.published_index,
                published_rank=a.published_rank,
            )
        )
    if problems:
        raise RecomputeError(problems)
    expected = Province.objects.valid_in_year(edition.year).count()
    previous, previous_published = _previous_values(edition)
    current_ids = [int(k) for k in provinces]
    predecessors: dict[str, list[str]] = {}
    for succession in Succession.objects.filter(successor_id__in=current_ids, date__year=edition.year):
        predecessors.setdefault(str(succession.successor_id), []).append(str(succession.predecessor_id))
    edition_input = calc.EditionInput(
        domains=tuple(calc.DomainSpec(number=n, max_points=d.max_points) for n, d in sorted(domains.items())),
        units=tuple(units),
        previous=tuple(previous),
        predecessors=tuple((k, tuple(sorted(v))) for k, v in sorted(predecessors.items())),
        merger_rule=_merger_rule(),
        complete=len(assessments) == expected and not rank_only,
    )
    return _Loaded(
        edition_input=edition_input,
        provinces=provinces,
        domains=domains,
        published_ranks={str(a.province_id): a.published_rank for a in assessments},
        rank_only=rank_only,
        expected_units=expected,
        previous_published=previous_published,
    )


def problem_message(problem: calc.Problem, provinces: dict[str, Province]) -> str:
    """A calculation problem in the interface language, naming the unit and the domain."""
    province = provinces.get(problem.unit)
    unit = province.name if province else problem.unit
    params = {"unit": unit, "domain": problem.domain, "detail": problem.detail}
    messages = {
        calc.ProblemCode.UNKNOWN_MAXIMUM: _(
            "%(unit)s: lĩnh vực %(domain)s chưa có điểm tối đa trong bộ tiêu chí; quản trị viên cần nhập trước."
        ),
        calc.ProblemCode.ABOVE_MAXIMUM: _(
            "%(unit)s: điểm lĩnh vực %(domain)s vượt quá điểm tối đa %(detail)s."
        ),
        calc.ProblemCode.NEGATIVE: _("%(unit)s: điểm lĩnh vực %(domain)s không được âm."),
        calc.ProblemCode.UNKNOWN_DOMAIN: _("%(unit)s: lĩnh vực %(domain)s không có trong bộ tiêu chí."),
        calc.ProblemCode.MISSING_DOMAINS: _(
            "%(unit)s: thiếu điểm các lĩnh vực %(detail)s và không có chỉ số công bố."
        ),
        calc.ProblemCode.NO_DATA: _("%(unit)s: không có điểm lĩnh vực nào và không có chỉ số công bố."),
        calc.ProblemCode.DUPLICATE_UNIT: _("%(unit)s xuất hiện hai lần."),
        calc.ProblemCode.DUPLICATE_DOMAIN: _("%(unit)s: lĩnh vực %(domain)s được nhập hai lần."),
        calc.ProblemCode.BAD_NOT_APPLICABLE: _(
            "%(unit)s: phần điểm không áp dụng của lĩnh vực %(domain)s không hợp lệ."
        ),
        calc.ProblemCode.INDEX_OUT_OF_RANGE: _("%(unit)s: chỉ số công bố phải từ 0 đến 100."),
    }
    return messages[problem.code] % params


def _published_rank_change(
    unit: calc.UnitResult, published_rank: int | None, previous_published: dict[str, int]
) -> int | None:
    """In an incomplete edition the computed rank only ranks the units we hold, so a rank change is shown only
    where both years' published ranks are known (previous published rank − this year's, positive = up)."""
    if published_rank is None or unit.change_basis != calc.ChangeBasis.SAME_UNIT:
        return None
    previous = previous_published.get(unit.key)
    return None if previous is None else previous - published_rank


@transaction.atomic
def results_recompute(*, edition: Edition, cascade: bool = True) -> EditionSummary:
    """Replace the edition's results with freshly computed ones; then the next year's (whose changes depend on
    this year) when `cascade`. Raises RecomputeError, writing nothing, when the data cannot be computed."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    loaded = _load(edition)
    try:
        result = calc.compute_edition(loaded.edition_input)
    except calc.CalculationError as error:
        raise RecomputeError([problem_message(p, loaded.provinces) for p in error.problems]) from error

    complete = loaded.edition_input.complete
    YearResult.objects.filter(edition=edition).delete()
    RegionResult.objects.filter(edition=edition).delete()
    year_results = []
    for unit in result.units:
        published_rank = loaded.published_ranks.get(unit.key)
        rank_change = unit.rank_change
        if not complete:
            rank_change = _published_rank_change(unit, published_rank, loaded.previous_published)
        year_results.append(
            YearResult(
                edition=edition,
                province_id=int(unit.key),
                index=unit.index,
                index_source=unit.index_source.value,
                points=unit.points,
                max_points=unit.max_points,
                rank=unit.rank,
                published_rank=published_rank,
                region_rank=unit.region_rank,
                group=unit.group.value,
                rank_change=rank_change,
                index_change=unit.index_change,
                change_basis=unit.change_basis.value,
                rank_mismatch=unit.rank_mismatch,
            )
        )
    year_results.extend(
        YearResult(
            edition=edition,
            province_id=a.province_id,
            index=None,
            index_source="rank_only",
            rank=a.published_rank,
            published_rank=a.published_rank,
            group="",
            change_basis=calc.ChangeBasis.NEW_UNIT.value,
        )
        for a in loaded.rank_only
    )
    YearResult.objects.bulk_create(year_results, batch_size=5000)
    DomainResult.objects.bulk_create(
        (
            DomainResult(
                year_result=year_result,
                domain=loaded.domains[d.number],
                points=d.points,
                max_points=d.max_points,
                percent=d.percent,
                rank=d.rank,
            )
            for year_result, unit in zip(year_results, result.units, strict=False)
            for d in unit.domains
        ),
        batch_size=5000,
    )
    regions = {r.name: r for r in Region.objects.all()}
    RegionResult.objects.bulk_create(
        RegionResult(edition=edition, region=regions[r.region], average=r.average, unit_count=r.count)
        for r in result.regions
    )
    summary, _created = EditionSummary.objects.update_or_create(
        edition=edition,
        defaults={
            "national_average": result.national_average,
            "above_average": result.above_average,
            "moved_up": result.moved_up,
            "moved_down": result.moved_down,
            "unchanged": result.unchanged,
            "unit_count": len(year_results),
            "expected_units": loaded.expected_units,
            "complete": complete,
            "merger_rule": loaded.edition_input.merger_rule.value,
            "computed_at": timezone.now(),
        },
    )
    transaction.on_commit(_bump_generation)
    logger.info("recomputed %s: %d units", edition, len(result.units))
    if cascade:
        following = Edition.objects.filter(year=edition.year + 1, kind=edition.kind).first()
        if following is not None and EditionSummary.objects.filter(edition=following).exists():
            results_recompute(edition=following, cascade=False)
    return summary


def results_recompute_all(editions: Iterable[Edition] | None = None) -> int:
    """Recompute editions oldest first (each year's changes read the year before). Returns how many."""
    chosen = list(editions) if editions is not None else list(Edition.objects.order_by("year", "kind"))
    for edition in sorted(chosen, key=lambda e: (e.year, e.kind)):
        results_recompute(edition=edition, cascade=False)
    return len(chosen)
