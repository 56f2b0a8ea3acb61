"""The one writer of computed results: reads an edition, runs `scoring.calculation`, replaces its results.

`results_recompute` is idempotent (running it twice leaves identical values) and atomic: when the calculation
refuses the input, nothing is written and the error names the unit and the domain. It also marks the edition's
recompute state "done" with the results it writes (the rest of that state: `recompute_requested`, `_started`,
`_failed`, called by scoring.tasks). `ranks_after` runs the same loading and engine on stored data merged with
changes not written yet, for the import preview, and writes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.register import rules
from parindex.register.models import Assessment, Criterion, Edition, Region, Score, Succession, Unit
from parindex.register.selectors import as_nodes, criteria_of, units_of
from scoring import calculation as calc
from scoring.models import (
    DomainResult,
    EditionSummary,
    RecomputeState,
    RecomputeStatus,
    RegionResult,
    YearResult,
)
from scoring.selectors import GENERATION_KEY

logger = logging.getLogger(__name__)


class RecomputeError(Exception):
    """The edition's data cannot be computed; `messages` say why, in the interface language."""

    def __init__(self, messages: list[str], edition: Edition | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.edition = edition  # which edition could not be computed, when known


def is_rank_only(assessment: Assessment) -> bool:
    """Known only by its published rank: nothing to compute, shown with that rank and no index."""
    return _rank_only(assessment.published_index, assessment.published_rank, bool(assessment.scores.all()))


def _rank_only(published_index: Decimal | None, published_rank: int | None, has_scores: bool) -> bool:
    return published_index is None and published_rank is not None and not has_scores


@dataclass(frozen=True)
class _Loaded:
    edition_input: calc.EditionInput
    unit_ids: list[int]
    domains: dict[int, Criterion]  # the top level of the criteria set, by number
    published_ranks: dict[str, int | None]
    rank_only: list[tuple[int, int]]  # (unit id, published rank)
    expected_units: int
    previous_published: dict[str, int]


def public_pages_invalidate() -> None:
    """Once the current transaction commits, make every cached public page stale (a new results generation).

    A recompute does it for the results it writes when the public may read them; a change of an edition's
    status calls it too, so that a published or reopened edition shows (or disappears) at once, not when a
    worker gets to the recompute."""
    transaction.on_commit(_bump_generation)


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates the old keys
        cache.set(GENERATION_KEY, int(timezone.now().timestamp()), None)


def _merger_rule() -> calc.MergerRule:
    return calc.MergerRule(getattr(settings, "PARINDEX_MERGER_RULE", calc.MergerRule.PREDECESSORS_MEAN))


def _previous_values(edition: Edition) -> tuple[list[calc.PreviousResult], dict[str, int]]:
    """Last year's results of the same kind, keyed like this year's units (unit ids as text).

    For an incomplete previous edition the published rank stands for the rank where there is one, since the
    computed rank only ranks the units we hold.
    """
    previous = Edition.objects.filter(
        index_id=edition.index_id, year=edition.year - 1, kind=edition.kind
    ).first()
    if previous is None:
        return [], {}
    summary = EditionSummary.objects.filter(edition=previous).first()
    complete = bool(summary and summary.complete)
    values: list[calc.PreviousResult] = []
    published: dict[str, int] = {}
    for unit_id, index, computed_rank, published_rank in YearResult.objects.filter(
        edition=previous
    ).values_list("unit_id", "index", "rank", "published_rank"):
        if index is not None:
            rank = computed_rank if complete or published_rank is None else published_rank
            values.append(calc.PreviousResult(key=str(unit_id), index=index, rank=rank))
        if published_rank is not None:
            published[str(unit_id)] = published_rank
    return values, published


@dataclass(frozen=True)
class UnitChange:
    """A unit's values as a write not made yet would leave them (the import preview asks what the ranks would
    be). `published_index` and `published_rank` replace the stored ones; `points` (criterion code → points,
    None = emptied) replace the stored points of those criteria, the others keep theirs, as in
    `parindex.entry.services.scores_save`."""

    unit_id: int
    published_index: Decimal | None
    published_rank: int | None
    points: Mapping[str, Decimal | None] = field(default_factory=dict)


def _load(edition: Edition, changes: Mapping[int, UnitChange] | None = None) -> _Loaded:
    """Everything the calculation needs, in a fixed number of queries. Rows are read as tuples, not model
    instances: at 10,000 units × 8 domains building model objects costs more than the calculation.

    Scores are entered on the leaves of the criteria set; ``parindex.register.rules.roll_up`` adds them up to
    the domains the engine ranks (a criterion not applicable to a unit drops its maximum). With `changes` (by
    unit id), the stored data as those changes would leave it: one more query when they add units."""
    criteria = criteria_of(edition.methodology_id)
    nodes = as_nodes(criteria)
    code_of = {c.pk: c.code for c in criteria}
    domains = {c.number: c for c in criteria if c.parent_id is None}
    domain_maxima = {
        node.code: rules.maximum_of(node.code, {n.code: n for n in nodes}, rules.children_of(nodes))
        for node in nodes
        if node.parent is None
    }
    assessments = list(
        Assessment.objects.filter(edition=edition)
        .order_by("unit__code", "unit_id")
        .values_list("id", "unit_id", "published_index", "published_rank", "unit__region__name")
    )
    entries: dict[int, list[rules.Entry]] = defaultdict(list)
    foreign: list[tuple[int, int]] = []  # (assessment id, criterion id) of another criteria set's criterion
    for assessment_id, criterion_id, points, not_applicable in Score.objects.filter(
        assessment__edition=edition
    ).values_list("assessment_id", "criterion_id", "points", "not_applicable"):
        code = code_of.get(criterion_id)
        if code is None:
            foreign.append((assessment_id, criterion_id))
            continue
        entries[assessment_id].append(rules.Entry(code, points, not_applicable))
    if foreign:
        raise RecomputeError(_foreign_domain_messages(foreign, assessments), edition)
    if changes:
        assessments = _apply_changes(assessments, entries, changes, set(code_of.values()))
    scores: dict[int, list[calc.DomainPoints]] = {
        assessment_id: [
            calc.DomainPoints(int(total.code), total.points, total.not_applicable)
            for total in rules.roll_up(nodes, unit_entries)
        ]
        for assessment_id, unit_entries in entries.items()
    }

    units = []
    rank_only: list[tuple[int, int]] = []
    for assessment_id, unit_id, published_index, published_rank, region in assessments:
        unit_points = scores.get(assessment_id, [])
        if published_rank is not None and _rank_only(published_index, published_rank, bool(unit_points)):
            rank_only.append((unit_id, published_rank))
            continue
        units.append(
            calc.UnitInput(
                key=str(unit_id),
                region=region,
                domains=tuple(sorted(unit_points, key=lambda p: p.number)),
                published_index=published_index,
                published_rank=published_rank,
            )
        )
    expected = units_of(edition).count()
    previous, previous_published = _previous_values(edition)
    current_ids = [row[1] for row in assessments]
    predecessors: dict[str, list[str]] = {}
    for successor_id, predecessor_id in Succession.objects.filter(
        successor_id__in=current_ids, date__year=edition.year
    ).values_list("successor_id", "predecessor_id"):
        predecessors.setdefault(str(successor_id), []).append(str(predecessor_id))
    edition_input = calc.EditionInput(
        domains=tuple(
            calc.DomainSpec(number=n, max_points=domain_maxima[d.code]) for n, d in sorted(domains.items())
        ),
        units=tuple(units),
        previous=tuple(previous),
        predecessors=tuple((k, tuple(sorted(v))) for k, v in sorted(predecessors.items())),
        merger_rule=_merger_rule(),
        complete=len(assessments) == expected and not rank_only,
    )
    return _Loaded(
        edition_input=edition_input,
        unit_ids=current_ids,
        domains=domains,
        published_ranks={str(row[1]): row[3] for row in assessments},
        rank_only=rank_only,
        expected_units=expected,
        previous_published=previous_published,
    )


def _apply_changes(
    assessments: list[tuple[Any, ...]],
    entries: dict[int, list[rules.Entry]],
    changes: Mapping[int, UnitChange],
    codes: set[str],
) -> list[tuple[Any, ...]]:
    """The assessment rows (id, unit id, published index, published rank, region) and the entries as `changes`
    would leave them; `entries` is changed in place. A unit new to the edition gets the id −(unit id): ids only
    join rows to their entries here. A unit left with nothing at all is dropped, as the grid removes it."""
    present = {row[1] for row in assessments}
    added = [unit_id for unit_id in changes if unit_id not in present]
    regions = dict(Unit.objects.filter(pk__in=added).values_list("pk", "region__name")) if added else {}
    merged: list[tuple[Any, ...]] = []
    for row in [
        *assessments,
        *((-uid, uid, None, None, regions.get(uid)) for uid in added if uid in regions),
    ]:
        assessment_id, unit_id = row[0], row[1]
        change = changes.get(unit_id)
        if change is None:
            merged.append(row)
            continue
        current = {entry.code: entry for entry in entries.pop(assessment_id, [])}
        for code, points in change.points.items():
            if code not in codes:
                continue  # the write's own checks refuse it; nothing to compute
            if points is not None:
                current[code] = rules.Entry(code, points)
            elif code in current and not current[code].not_applicable:
                del current[code]
        if current:
            entries[assessment_id] = list(current.values())
        elif change.published_index is None and change.published_rank is None:
            continue
        merged.append((assessment_id, unit_id, change.published_index, change.published_rank, row[4]))
    return merged


def _foreign_domain_messages(foreign: list[tuple[int, int]], assessments: list[tuple[Any, ...]]) -> list[str]:
    """Messages for scores entered against a domain of another criteria set (only read when there are)."""
    unit_of = {row[0]: row[1] for row in assessments}
    units = Unit.objects.in_bulk([unit_of[a] for a, _d in foreign])
    criteria = Criterion.objects.in_bulk([d for _a, d in foreign])
    return [
        _("%(unit)s: %(criterion)s thuộc bộ tiêu chí khác với bộ tiêu chí của kỳ đánh giá.")
        % {"unit": units[unit_of[a]].name, "criterion": criteria[d].label}
        for a, d in foreign
    ]


def problem_message(problem: calc.Problem, units: Mapping[str, Unit]) -> str:
    """A calculation problem in the interface language, naming the unit and the domain."""
    named = units.get(problem.unit)
    params = {
        "unit": named.name if named else problem.unit,
        "domain": problem.domain,
        "detail": problem.detail,
    }
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


# Bulk writes: COPY on PostgreSQL; None chooses by database, tests set False to exercise the portable path.
USE_COPY: bool | None = None

_YEAR_COLUMNS = (
    "edition_id",
    "unit_id",
    "index",
    "index_source",
    "points",
    "max_points",
    "rank",
    "published_rank",
    "region_rank",
    "group",
    "rank_change",
    "index_change",
    "change_basis",
    "rank_mismatch",
)
# region rank, group, rank change, index change, basis, mismatch of a row known only by its published rank
_NO_CHANGE = (None, "", None, None, calc.ChangeBasis.NEW_UNIT.value, False)
_DOMAIN_COLUMNS = ("year_result_id", "domain_id", "points", "max_points", "percent", "rank")


def _use_copy() -> bool:
    return USE_COPY if USE_COPY is not None else connection.vendor == "postgresql"


def _insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, use_copy: bool | None = None
) -> None:
    """Insert plain tuples without building model instances: PostgreSQL's COPY (tens of thousands of rows in
    a fraction of a second), or executemany on other databases (the SQLite quick start). COPY does not show
    in Django's query log."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if _use_copy() if use_copy is None else use_copy:
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            # Table and column names come from the models, never from input; values go as parameters.
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, list(rows))


def _write_year_results(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert year results (tuples in `_YEAR_COLUMNS` order) and return their ids, in order: the domain
    results point to them. On PostgreSQL the ids are drawn from the table's sequence, then COPYed."""
    if not _use_copy():
        created = YearResult.objects.bulk_create(
            [YearResult(**dict(zip(_YEAR_COLUMNS, row, strict=True))) for row in rows], batch_size=5000
        )
        return [result.pk for result in created]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [YearResult._meta.db_table, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    _insert_rows(
        YearResult._meta.db_table,
        ("id", *_YEAR_COLUMNS),
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
        use_copy=True,
    )
    return ids


def _delete_results(edition: Edition) -> None:
    """Delete the edition's results in two statements (the ORM's cascade would first load every row)."""
    quote = connection.ops.quote_name
    year_table = quote(YearResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(DomainResult._meta.db_table)} WHERE year_result_id IN "  # noqa: S608
            f"(SELECT id FROM {year_table} WHERE edition_id = %s)",
            [edition.pk],
        )
        cursor.execute(f"DELETE FROM {year_table} WHERE edition_id = %s", [edition.pk])  # noqa: S608
    RegionResult.objects.filter(edition=edition).delete()


def _compute(edition: Edition, loaded: _Loaded) -> calc.EditionResult:
    """Run the engine; its problems become a RecomputeError naming the units, in the interface language."""
    try:
        return calc.compute_edition(loaded.edition_input)
    except calc.CalculationError as error:
        named = Unit.objects.in_bulk([int(p.unit) for p in error.problems if p.unit.isdigit()])
        units = {str(pk): unit for pk, unit in named.items()}
        raise RecomputeError([problem_message(p, units) for p in error.problems], edition) from error


@transaction.atomic
def results_recompute(*, edition: Edition, cascade: bool = True) -> EditionSummary:
    """Replace the edition's results with freshly computed ones; then the next year's (whose changes depend on
    this year) when `cascade`. Raises RecomputeError, writing nothing, when the data cannot be computed.

    Queries: a fixed number whatever the number of units (about 20, plus the next year's when cascading)."""
    # The row lock serialises two recomputes of one edition (two workers, or the task and the command).
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    # The requests this run answers: read before the data, so that a write committed later asks again.
    answered = RecomputeState.objects.filter(edition=edition).values_list("requests", flat=True).first()
    loaded = _load(edition)
    result = _compute(edition, loaded)

    complete = loaded.edition_input.complete
    _delete_results(edition)
    year_rows: list[tuple[Any, ...]] = []
    for unit in result.units:
        published_rank = loaded.published_ranks.get(unit.key)
        rank_change = unit.rank_change
        if not complete:
            rank_change = _published_rank_change(unit, published_rank, loaded.previous_published)
        year_rows.append(
            (
                edition.pk,
                int(unit.key),
                unit.index,
                unit.index_source.value,
                unit.points,
                unit.max_points,
                unit.rank,
                published_rank,
                unit.region_rank,
                unit.group.value,
                rank_change,
                unit.index_change,
                unit.change_basis.value,
                unit.rank_mismatch,
            )
        )
    year_rows.extend(
        # known only by the published rank: no index, no group, no change
        (edition.pk, unit_id, None, "rank_only", None, None, published_rank, published_rank, *_NO_CHANGE)
        for unit_id, published_rank in loaded.rank_only
    )
    year_ids = _write_year_results(year_rows)
    domain_ids = {number: domain.pk for number, domain in loaded.domains.items()}
    _insert_rows(
        DomainResult._meta.db_table,
        _DOMAIN_COLUMNS,
        (
            (year_id, domain_ids[d.number], d.points, d.max_points, d.percent, d.rank)
            # rank-only rows come last and have no domains: zip stops before them
            for year_id, unit in zip(year_ids, result.units, strict=False)
            for d in unit.domains
        ),
    )
    regions = dict(Region.objects.values_list("name", "pk"))
    RegionResult.objects.bulk_create(
        RegionResult(edition=edition, region_id=regions[r.region], average=r.average, unit_count=r.count)
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
            "unit_count": len(year_rows),
            "expected_units": loaded.expected_units,
            "complete": complete,
            "merger_rule": loaded.edition_input.merger_rule.value,
            "computed_at": timezone.now(),
        },
    )
    if answered is not None:
        # Current, unless a write asked for another recompute meanwhile (its task will answer it).
        RecomputeState.objects.filter(edition=edition, requests=answered).update(
            status=RecomputeStatus.DONE, finished_at=timezone.now(), messages=[]
        )
    if edition.is_public:
        # Only public pages are cached under the generation: a draft's recompute (every grid save) leaves them
        # alone. Publishing and reopening invalidate them on their own; a public next year is recomputed below.
        public_pages_invalidate()
    logger.info("recomputed %s: %d units", edition, len(result.units))
    if cascade:
        following = Edition.objects.filter(
            index_id=edition.index_id, year=edition.year + 1, kind=edition.kind
        ).first()
        if following is not None and EditionSummary.objects.filter(edition=following).exists():
            results_recompute(edition=following, cascade=False)
    return summary


def results_recompute_all(editions: Iterable[Edition] | None = None) -> int:
    """Recompute editions oldest first (each year's changes read the year before). Returns how many."""
    chosen = list(editions) if editions is not None else list(Edition.objects.order_by("year", "kind"))
    for edition in sorted(chosen, key=lambda e: (e.index_id, e.year, e.kind)):
        results_recompute(edition=edition, cascade=False)
    return len(chosen)


# --- What a write would do to the ranks (the import preview) ---------------------------------------------------


@dataclass(frozen=True)
class RankDifference:
    """A unit whose published rank differs from the rank the engine computes."""

    unit_id: int
    published_rank: int
    rank: int


@dataclass(frozen=True)
class RankCheck:
    """The ranks an edition would have after some changes. `complete`: every unit expected that year would
    be there, which is when computed and published ranks compare (``calculation.compute_edition``); only then
    are there `differences`."""

    complete: bool
    unit_count: int
    expected_units: int
    differences: tuple[RankDifference, ...]


def ranks_after(*, edition: Edition, changes: Iterable[UnitChange]) -> RankCheck:
    """The computed ranks of `edition` if `changes` were written, against its published ranks. Writes nothing:
    the stored data is read by the recompute's own loading (`_load`) and merged with the changes in memory.

    Raises RecomputeError when the merged data cannot be computed. Queries: the recompute's reads, fixed."""
    loaded = _load(edition, {change.unit_id: change for change in changes})
    result = _compute(edition, loaded)
    differences = tuple(
        RankDifference(int(unit.key), published, unit.rank)
        for unit in result.units
        if unit.rank_mismatch and (published := loaded.published_ranks.get(unit.key)) is not None
    )
    return RankCheck(
        complete=loaded.edition_input.complete,
        unit_count=len(loaded.unit_ids),
        expected_units=loaded.expected_units,
        differences=differences,
    )


# --- Where a recompute stands (scoring.models.RecomputeState) -----------------------------------------------------


def recompute_requested(*, edition_id: int) -> None:
    """Mark the edition's results as waiting for a recompute, in the caller's transaction (so the mark commits,
    or rolls back, with the write that asked for it). One statement; three more the first time."""
    now = timezone.now()
    pending = {"status": RecomputeStatus.PENDING, "requested_at": now, "requested_by": None}
    if RecomputeState.objects.filter(edition_id=edition_id).update(requests=F("requests") + 1, **pending):
        return
    if Edition.objects.filter(pk=edition_id).exists():
        # Two first requests at once: the loser of the unique edition id waits for the winner, then counts.
        state, created = RecomputeState.objects.get_or_create(
            edition_id=edition_id, defaults={**pending, "requests": 1}
        )
        if not created:
            RecomputeState.objects.filter(pk=state.pk).update(requests=F("requests") + 1, **pending)


def recompute_started(*, edition_id: int) -> int:
    """Mark a recompute as running (committed at once, for the edition page); returns the number of requests
    it answers, for `recompute_failed`."""
    now = timezone.now()
    with transaction.atomic():
        state, created = RecomputeState.objects.select_for_update().get_or_create(
            edition_id=edition_id,
            defaults={"status": RecomputeStatus.RUNNING, "requested_at": now, "started_at": now},
        )
        if not created:
            state.status = RecomputeStatus.RUNNING
            state.started_at = now
            state.save(update_fields=["status", "started_at"])
    return state.requests


def recompute_failed(*, edition_id: int, answered: int, messages: list[str]) -> None:
    """Record why the recompute that answered `answered` requests failed (unless a newer request is waiting:
    its run will tell). `results_recompute` marks success itself, with the results it writes."""
    RecomputeState.objects.filter(edition_id=edition_id, requests=answered).update(
        status=RecomputeStatus.FAILED, finished_at=timezone.now(), messages=messages
    )


def recompute_will_retry(*, edition_id: int, answered: int) -> None:
    """A passing fault (database or Redis away): the task runs again by itself, so the results wait again."""
    RecomputeState.objects.filter(edition_id=edition_id, requests=answered).update(
        status=RecomputeStatus.PENDING
    )


def results_sweep(*, older_than: timedelta) -> list[int]:
    """Recompute every edition whose results have waited ("pending") or run ("running") longer than
    `older_than`: a task the broker never took (Redis frozen or restarted), a worker killed mid-run. Idempotent:
    a recompute replaces results as a whole, and one that finished meanwhile leaves nothing to sweep. Returns the
    ids of the editions recomputed, oldest year first (each year's changes read the year before); one whose data
    cannot be computed is marked failed with its messages and the others go on.
    Twins: the beat task `scoring.results_sweep` and `manage.py sweep_results`."""
    cutoff = timezone.now() - older_than
    waiting = Q(status=RecomputeStatus.PENDING, requested_at__lt=cutoff) | Q(
        status=RecomputeStatus.RUNNING, started_at__lt=cutoff
    )
    editions = list(
        Edition.objects.filter(pk__in=RecomputeState.objects.filter(waiting).values("edition_id")).order_by(
            "index_id", "year", "kind"
        )
    )
    swept: list[int] = []
    for edition in editions:
        answered = recompute_started(edition_id=edition.pk)
        try:
            results_recompute(edition=edition)
        except RecomputeError as error:
            logger.error("results_sweep: %s not recomputed: %s", edition, " | ".join(error.messages))
            recompute_failed(
                edition_id=edition.pk, answered=answered, messages=failure_messages(edition, error)
            )
            continue
        swept.append(edition.pk)
    if editions:
        logger.warning("results_sweep: recomputed %d stale editions: %s", len(swept), swept)
    return swept


def failure_messages(edition: Edition, error: RecomputeError) -> list[str]:
    """The messages of a failed recompute of `edition`, naming the edition when another one failed (the next
    year's, recomputed with it because its changes depend on this year)."""
    if error.edition is None or error.edition.pk == edition.pk:
        return list(error.messages)
    return [f"{error.edition}: {message}" for message in error.messages]


def edition_input(edition: Edition) -> calc.EditionInput:
    """The engine's input for `edition` as stored (for the what-if of the unit pages: nothing is written)."""
    return _load(edition).edition_input
