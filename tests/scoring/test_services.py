"""results_recompute on the real data in PostgreSQL (loaded and computed once per session by tests/conftest.py).

Expected values are read from the database rows themselves, never by calling the engine: these tests check the
service's reading, writing and bookkeeping, the engine has its own tests.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Max
from django.test.utils import CaptureQueriesContext

from parindex.register.models import Assessment, Criterion, Edition, EditionKind, Score, Unit
from scoring import services
from scoring.models import DomainResult, EditionSummary, RegionResult, YearResult
from scoring.services import RecomputeError, is_rank_only, results_recompute

pytestmark = pytest.mark.django_db


def demo(year: int) -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=year, kind=EditionKind.DEMO)


def official(year: int) -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=year, kind=EditionKind.OFFICIAL)


def snapshot(edition: Edition) -> dict[str, Any]:
    """Every column of the edition's results, keyed by natural keys (ids change with every recompute)."""
    year_rows = {
        row.pop("unit_id"): row
        for row in YearResult.objects.filter(edition=edition).values(
            *[f.attname for f in YearResult._meta.concrete_fields if f.attname not in {"id", "edition_id"}]
        )
    }
    domain_rows = {
        (row.pop("year_result__unit_id"), row.pop("domain_id")): row
        for row in DomainResult.objects.filter(year_result__edition=edition).values(
            "year_result__unit_id", "domain_id", "points", "max_points", "percent", "rank"
        )
    }
    region_rows = {
        row.pop("region_id"): row
        for row in RegionResult.objects.filter(edition=edition).values("region_id", "average", "unit_count")
    }
    summary = EditionSummary.objects.filter(edition=edition).values().get()
    summary.pop("id")
    return {"years": year_rows, "domains": domain_rows, "regions": region_rows, "summary": summary}


def result_of(edition: Edition, slug: str) -> YearResult:
    return YearResult.objects.get(edition=edition, unit__slug=slug)


def round2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------- idempotence


@pytest.mark.parametrize(
    ("year", "kind"), [(2024, EditionKind.DEMO), (2025, EditionKind.DEMO), (2024, EditionKind.OFFICIAL)]
)
def test_recomputing_twice_gives_identical_rows(year: int, kind: str) -> None:
    edition = Edition.objects.get(index__code="PAR_INDEX", year=year, kind=kind)
    results_recompute(edition=edition, cascade=False)
    first = snapshot(edition)
    results_recompute(edition=edition, cascade=False)
    second = snapshot(edition)

    assert first["years"] and first["regions"]
    assert first["summary"].pop("computed_at") <= second["summary"].pop("computed_at")
    assert second == first
    if kind == EditionKind.DEMO:
        assert len(first["domains"]) == 8 * len(first["years"])


def test_session_results_match_a_fresh_recompute() -> None:
    """The session's results_recompute_all and a later single recompute agree (no order dependence)."""
    edition = demo(2025)
    before = snapshot(edition)
    results_recompute(edition=edition, cascade=False)
    after = snapshot(edition)
    before["summary"].pop("computed_at")
    after["summary"].pop("computed_at")
    assert after == before


# --------------------------------------------------------------------------------------------- bad data


def test_score_above_its_maximum_names_unit_and_domain_and_leaves_results_untouched() -> None:
    edition = demo(2024)
    domain = Criterion.objects.get(methodology=edition.methodology, number=3)
    scores = Score.objects.filter(assessment__edition=edition, criterion=domain)
    highest = scores.aggregate(top=Max("points"))["top"]
    offenders = set(scores.filter(points=highest).values_list("assessment__unit__name", flat=True))
    before = snapshot(edition)
    # The trigger checks a score when the score is written, not when a maximum is lowered later.
    Criterion.objects.filter(pk=domain.pk).update(max_points=highest - Decimal("0.01"))

    with pytest.raises(RecomputeError) as caught:
        results_recompute(edition=edition)

    messages = caught.value.messages
    assert caught.value.edition == edition
    assert len(messages) == len(offenders)
    for name in offenders:
        assert any(name in m and "lĩnh vực 3" in m and "vượt quá điểm tối đa" in m for m in messages)
    assert snapshot(edition) == before


def test_score_of_another_methodologys_domain_is_refused_by_name() -> None:
    edition = demo(2024)
    assessment = Assessment.objects.select_related("unit").filter(edition=edition).first()
    assert assessment is not None
    foreign = (
        Criterion.objects.filter(max_points__isnull=False).exclude(methodology=edition.methodology).first()
    )
    assert foreign is not None
    Score.objects.create(assessment=assessment, criterion=foreign, points=Decimal(0))
    before = snapshot(edition)

    with pytest.raises(RecomputeError) as caught:
        results_recompute(edition=edition)

    assert caught.value.messages == [
        f"{assessment.unit.name}: Lĩnh vực {foreign.number} thuộc bộ tiêu chí khác với bộ tiêu chí "
        "của kỳ đánh giá."
    ]
    assert snapshot(edition) == before


# --------------------------------------------------------------------------------------------- official data


def test_rank_only_official_rows_appear_with_their_rank_and_no_index() -> None:
    rank_only = Assessment.objects.filter(
        edition__kind=EditionKind.OFFICIAL, published_index__isnull=True, published_rank__isnull=False
    ).select_related("edition")
    assert rank_only.exists()
    for assessment in rank_only:
        assert is_rank_only(assessment)
        row = YearResult.objects.get(edition=assessment.edition, unit=assessment.unit)
        assert row.index is None
        assert row.index_source == "rank_only"
        assert row.rank == row.published_rank == assessment.published_rank
        assert row.rank_change is None
        assert not row.domains.exists()


def test_rank_only_row_added_to_a_year_shows_after_recompute() -> None:
    edition = official(2024)
    present = Assessment.objects.filter(edition=edition).values_list("unit_id", flat=True)
    newcomer = Unit.objects.valid_in_year(2024).exclude(pk__in=present).first()
    assert newcomer is not None
    Assessment.objects.create(edition=edition, unit=newcomer, published_rank=40)

    results_recompute(edition=edition)

    row = result_of(edition, newcomer.slug)
    assert (row.index, row.rank, row.published_rank, row.index_source) == (None, 40, 40, "rank_only")
    summary = EditionSummary.objects.get(edition=edition)
    assert summary.unit_count == Assessment.objects.filter(edition=edition).count()
    assert summary.complete is False


# --------------------------------------------------------------------------------------------- the merger


def predecessors_mean_2024(successor_slug: str) -> Decimal:
    predecessors = Unit.objects.filter(successions_out__successor__slug=successor_slug)
    indices = list(
        YearResult.objects.filter(edition=demo(2024), unit__in=predecessors).values_list("index", flat=True)
    )
    assert len(indices) >= 2
    return round2(sum(indices, Decimal(0)) / len(indices))


def test_merged_unit_2025_compares_with_the_mean_of_its_predecessors() -> None:
    assert set(
        Unit.objects.filter(successions_out__successor__slug="tuyen-quang-2025").values_list(
            "slug", flat=True
        )
    ) == {"tuyen-quang", "ha-giang"}
    merged = result_of(demo(2025), "tuyen-quang-2025")

    assert merged.change_basis == "predecessors_mean"
    assert merged.index_change == merged.index - predecessors_mean_2024("tuyen-quang-2025")
    assert merged.rank_change is not None
    assert EditionSummary.objects.get(edition=demo(2025)).merger_rule == "predecessors_mean"


def test_unchanged_unit_2025_compares_with_itself() -> None:
    unchanged = result_of(demo(2025), "cao-bang-2025")
    previous = result_of(demo(2024), "cao-bang")

    assert unchanged.change_basis == "same_unit"
    assert unchanged.index_change == unchanged.index - previous.index


def test_merger_rule_none_shows_no_change_for_merged_units(settings: Any) -> None:
    settings.PARINDEX_MERGER_RULE = "none"
    edition = demo(2025)

    results_recompute(edition=edition)

    merged = result_of(edition, "tuyen-quang-2025")
    assert (merged.change_basis, merged.rank_change, merged.index_change) == ("none", None, None)
    assert result_of(edition, "cao-bang-2025").change_basis == "same_unit"
    assert not YearResult.objects.filter(edition=edition, change_basis="predecessors_mean").exists()
    assert EditionSummary.objects.get(edition=edition).merger_rule == "none"


def test_changing_2024_scores_then_recomputing_2024_updates_2025_changes() -> None:
    ha_giang = Assessment.objects.get(edition=demo(2024), unit__slug="ha-giang")
    before_2024 = result_of(demo(2024), "ha-giang").index
    before_2025 = result_of(demo(2025), "tuyen-quang-2025").index_change
    # Down by one point per domain: within the maxima, so the trigger accepts it.
    assert not Score.objects.filter(assessment=ha_giang, points__lt=1).exists()
    Score.objects.filter(assessment=ha_giang).update(points=F("points") - 1)

    results_recompute(edition=demo(2024))

    assert result_of(demo(2024), "ha-giang").index < before_2024
    merged = result_of(demo(2025), "tuyen-quang-2025")
    assert merged.index_change == merged.index - predecessors_mean_2024("tuyen-quang-2025")
    assert merged.index_change > before_2025


def test_recompute_without_cascade_leaves_the_next_year_alone() -> None:
    after = snapshot(demo(2025))
    Score.objects.filter(assessment__edition=demo(2024), assessment__unit__slug="ha-giang").update(
        points=F("points") - 1
    )
    results_recompute(edition=demo(2024), cascade=False)
    assert snapshot(demo(2025)) == after


# --------------------------------------------------------------------------------------------- queries


def test_query_count_does_not_grow_with_the_number_of_units(django_assert_max_num_queries: Any) -> None:
    counts = {}
    for edition in (demo(2025), demo(2024)):  # 34 and 63 units
        with CaptureQueriesContext(connection) as queries:
            results_recompute(edition=edition, cascade=False)
        counts[YearResult.objects.filter(edition=edition).count()] = len(queries)
    assert set(counts) == {34, 63}
    assert counts[34] == counts[63]
    partial = official(2024)  # a few units with published indices, a different shape of data
    with django_assert_max_num_queries(counts[63]):
        results_recompute(edition=partial, cascade=False)


@pytest.mark.parametrize(("year", "kind"), [(2025, EditionKind.DEMO), (2012, EditionKind.OFFICIAL)])
def test_portable_writes_give_the_same_rows_as_copy(
    year: int, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without COPY (the SQLite quick start) the results are written by bulk_create and executemany."""
    edition = Edition.objects.get(index__code="PAR_INDEX", year=year, kind=kind)
    monkeypatch.setattr(services, "USE_COPY", True)
    results_recompute(edition=edition, cascade=False)
    by_copy = snapshot(edition)
    monkeypatch.setattr(services, "USE_COPY", False)
    results_recompute(edition=edition, cascade=False)
    portable = snapshot(edition)

    by_copy["summary"].pop("computed_at")
    portable["summary"].pop("computed_at")
    assert portable == by_copy
    assert by_copy["years"]


# --------------------------------------------------------------------------------------------- the command


def test_command_recomputes_one_year_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    edition = demo(2024)
    before = EditionSummary.objects.get(edition=edition).computed_at

    call_command("recompute_results", "--year", "2024", "--kind", "demo")

    out = capsys.readouterr().out
    assert str(edition) in out
    assert "63/63 đơn vị" in out
    assert "Đã tính lại 1 kỳ đánh giá." in out
    assert EditionSummary.objects.get(edition=edition).computed_at > before
    # the 2025 changes depend on 2024: recomputed too
    assert EditionSummary.objects.get(edition=demo(2025)).computed_at > before


def test_command_all_recomputes_every_edition(capsys: pytest.CaptureFixture[str]) -> None:
    count = Edition.objects.count()
    EditionSummary.objects.all().delete()

    call_command("recompute_results", "--all")

    assert EditionSummary.objects.count() == count
    assert f"Đã tính lại {count} kỳ đánh giá." in capsys.readouterr().out


def test_command_all_of_one_kind(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("recompute_results", "--all", "--kind", "demo")
    demo_count = Edition.objects.filter(kind=EditionKind.DEMO).count()
    assert f"Đã tính lại {demo_count} kỳ đánh giá." in capsys.readouterr().out


def test_command_without_a_selection_is_an_error() -> None:
    with pytest.raises(CommandError, match="Chưa chọn kỳ nào"):
        call_command("recompute_results")


def test_command_with_an_unknown_year_lists_the_known_years() -> None:
    with pytest.raises(CommandError, match=r"năm 1999.*2024, 2025"):
        call_command("recompute_results", "--year", "1999")


def test_command_with_no_edition_of_that_kind_is_an_error() -> None:
    with pytest.raises(CommandError, match=r"năm 2025 \(official\)"):
        call_command("recompute_results", "--year", "2025", "--kind", "official")


def test_command_refuses_year_and_all_together() -> None:
    with pytest.raises(CommandError):
        call_command("recompute_results", "--year", "2024", "--all")


def test_command_reports_bad_data_and_keeps_results() -> None:
    edition = demo(2024)
    before = snapshot(edition)
    Criterion.objects.filter(methodology=edition.methodology, number=1).update(max_points=Decimal("0.5"))

    with pytest.raises(CommandError) as caught:
        call_command("recompute_results", "--year", "2024", "--kind", "demo")

    assert str(edition) in str(caught.value)
    assert "kết quả cũ được giữ nguyên" in str(caught.value)
    assert "lĩnh vực 1" in str(caught.value)
    assert snapshot(edition) == before
