"""Figures of the unit pages, tested on the figure dict: the right series with the right values for fixture units
(the demo dataset and the published official figures loaded once per session), read back independently
through the ORM."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db.models import Max, Min
from django.utils import translation

from dashboards import charts
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    Index,
    Methodology,
    Score,
    Target,
    Unit,
)
from scoring import calculation as calc
from scoring import unit_reads as reads
from scoring.models import DomainResult, EditionSummary, RegionResult, YearResult
from scoring.services import edition_input, results_recompute

pytestmark = pytest.mark.django_db


def _trace(figure: dict, name: str) -> dict:
    [trace] = [t for t in figure["data"] if t.get("name") == name]
    return trace


def _history(slug: str, *, drafts: bool = False) -> tuple[reads.Lineage, reads.History]:
    unit = reads.unit_by_slug(slug)
    assert unit is not None
    lineage = reads.lineage_of(unit)
    return lineage, reads.history(lineage.ids, [unit.region_id], drafts=drafts)


def _editions(history: reads.History, series: str) -> list[reads.EditionInfo]:
    return [e for e in history.editions_of("PAR_INDEX") if e.series == series]


def _index_chart(slug: str, kind: str) -> tuple[Unit, charts.Chart]:
    lineage, history = _history(slug)
    unit = lineage.unit
    chart = charts.index_history_chart(
        charts.unit_lines(history, lineage, "PAR_INDEX", kind),
        _editions(history, kind),
        region_id=unit.region_id,
        region_name=unit.region.name,
        index_name="PAR INDEX",
    )
    return unit, chart


def test_index_history_shows_the_unit_the_nation_its_region_and_the_best_worst_band():
    unit, chart = _index_chart("quang-nam", EditionKind.DEMO)
    figure = chart.figure
    demo = YearResult.objects.filter(unit=unit, edition__kind="demo", edition__index__code="PAR_INDEX")
    own = _trace(figure, "Quảng Nam")
    assert own["x"] == list(range(2018, 2025))
    assert own["y"] == [float(r.index) for r in demo.order_by("edition__year")]

    summaries = EditionSummary.objects.filter(edition__kind="demo", edition__index__code="PAR_INDEX")
    national = _trace(figure, "Trung bình cả nước")
    assert national["x"] == list(range(2018, 2026))
    assert national["y"] == [float(s.national_average) for s in summaries.order_by("edition__year")]

    regions = RegionResult.objects.filter(edition__kind="demo", region=unit.region).order_by("edition__year")
    region = _trace(figure, f"Trung bình vùng {unit.region.name}")
    assert region["y"] == [float(r.average) for r in regions]

    extremes = (
        YearResult.objects.filter(edition__kind="demo", edition__index__code="PAR_INDEX")
        .values("edition__year")
        .annotate(best=Max("index"), worst=Min("index"))
        .order_by("edition__year")
    )
    assert _trace(figure, "Cao nhất – thấp nhất")["y"] == [float(e["best"]) for e in extremes]
    assert _trace(figure, "Cao nhất – thấp nhất")["fill"] == "tonexty"
    assert _trace(figure, "Thấp nhất")["y"] == [float(e["worst"]) for e in extremes]
    # The 63 → 34 reorganisation is a break between 2024 and 2025.
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [2024.5]
    assert "63 → 34" in figure["layout"]["annotations"][0]["text"]


def test_official_and_demo_results_are_never_one_line():
    unit, official = _index_chart("quang-nam", EditionKind.OFFICIAL)
    published = YearResult.objects.filter(
        unit=unit, edition__kind="official", edition__index__code="PAR_INDEX"
    )
    own = _trace(official.figure, "Quảng Nam")
    assert own["x"] == sorted(published.values_list("edition__year", flat=True))
    assert own["y"] == [
        float(r.index) if r.index is not None else None for r in published.order_by("edition__year")
    ]
    demo_values = {
        float(v)
        for v in YearResult.objects.filter(unit=unit, edition__kind="demo").values_list("index", flat=True)
    }
    assert not demo_values & set(own["y"])
    # No band in partial official years (their best and worst are unknown); the published national average only.
    names = [t["name"] for t in official.figure["data"]]
    assert "Cao nhất – thấp nhất" not in names


def test_a_partial_official_year_shows_the_published_national_average_not_the_mean_of_a_few_units():
    _unit, chart = _index_chart("quang-nam", EditionKind.OFFICIAL)
    national = _trace(chart.figure, "Trung bình cả nước")
    assert dict(zip(national["x"], national["y"], strict=True))[2024] == 88.37  # published, with its source
    summary = EditionSummary.objects.get(
        edition__year=2024, edition__kind="official", edition__index__code="PAR_INDEX"
    )
    assert summary.national_average != Decimal("88.37")  # what the ten units we hold average


def test_a_criteria_set_change_is_marked_as_a_break_with_its_name():
    _unit, chart = _index_chart("quang-nam", EditionKind.OFFICIAL)
    marks = {
        s["x0"]: a["text"]
        for s, a in zip(chart.figure["layout"]["shapes"], chart.figure["layout"]["annotations"], strict=True)
    }
    assert marks[2021.5] == "Bộ tiêu chí: QĐ 876/QĐ-BNV"
    assert any("QĐ 876/QĐ-BNV" in note for note in chart.notes)


def test_a_merged_unit_shows_its_predecessors_side_by_side_with_the_comparison_rule():
    lineage, history = _history("da-nang-2025")
    lines = charts.unit_lines(history, lineage, "PAR_INDEX", EditionKind.DEMO)
    assert [line.name for line in lines] == [
        "Đà Nẵng (đơn vị tiền thân)",
        "Quảng Nam (đơn vị tiền thân)",
        "Đà Nẵng",
    ]
    assert [line.role for line in lines] == ["predecessor", "predecessor", "unit"]
    old = Unit.objects.get(slug="da-nang")
    assert {y: r.index for y, r in lines[0].rows.items()} == dict(
        YearResult.objects.filter(unit=old, edition__kind="demo").values_list("edition__year", "index")
    )
    assert list(lines[2].rows) == [2025]


def test_a_unit_continuing_one_old_unit_is_one_line():
    lineage, history = _history("ha-noi-2025")
    assert lineage.continues_one
    [line] = charts.unit_lines(history, lineage, "PAR_INDEX", EditionKind.DEMO)
    assert list(line.rows) == list(range(2018, 2026))


def test_rank_history_puts_rank_one_on_top_and_draws_the_target_rank_as_a_line():
    lineage, history = _history("da-nang-2025")
    target = Target.objects.create(
        unit=lineage.unit, index_id=history.editions[0].edition.index_id, year=2026, target_rank=10
    )
    lines = charts.unit_lines(history, lineage, "PAR_INDEX", EditionKind.DEMO)
    chart = charts.rank_history_chart(lines, _editions(history, "demo"), [target], index_name="PAR INDEX")
    figure = chart.figure
    low, high = figure["layout"]["yaxis"]["range"]
    assert low > high  # reversed: rank 1 at the top
    own = _trace(figure, "Đà Nẵng")
    assert own["y"] == [YearResult.objects.get(unit=lineage.unit, edition__kind="demo").rank]
    line = _trace(figure, "Mục tiêu thứ hạng")
    assert line["x"] == [2018, 2026, None] and line["y"] == [10, 10, None]
    assert ("2026", "10") in {(row[0], row[-2]) for row in chart.table.rows}


def _demo_2024() -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=2024, kind="demo")


def test_domains_this_year_against_the_nation_and_the_best_sorted_by_gap():
    edition = _demo_2024()
    unit = Unit.objects.get(slug="quang-nam")
    rows = reads.domains_of_year(edition.pk, edition.methodology_id, unit.pk)
    chart = charts.domains_chart(rows, unit_name="Quảng Nam", year=2024)
    results = DomainResult.objects.filter(year_result__edition=edition)
    mine = {d.domain.number: d for d in results.filter(year_result__unit=unit).select_related("domain")}
    own = _trace(chart.figure, "Quảng Nam")
    national = _trace(chart.figure, "Trung bình cả nước")
    best = _trace(chart.figure, "Đơn vị cao nhất")
    order = [int(label.split(".")[0]) for label in own["y"]]
    assert sorted(order) == list(range(1, 9))
    averages = {}
    for number in order:
        percents = list(results.filter(domain__number=number).values_list("percent", flat=True))
        averages[number] = calc.round_half_up(sum(percents) / len(percents))
        assert f"hạng {mine[number].rank}/63" in own["y"][order.index(number)]
    assert own["x"] == [float(mine[n].percent) for n in order]
    assert national["x"] == [float(averages[n]) for n in order]
    assert best["x"] == [
        float(results.filter(domain__number=n).aggregate(m=Max("percent"))["m"]) for n in order
    ]
    gaps = [mine[n].percent - averages[n] for n in order]
    assert gaps == sorted(gaps)  # the widest shortfall first


def test_points_left_per_domain_ranked_by_the_places_they_would_gain():
    edition = _demo_2024()
    unit = Unit.objects.get(slug="quang-nam")
    rows = reads.domains_of_year(edition.pk, edition.methodology_id, unit.pk)
    data = edition_input(edition)
    gains = reads.rank_if_full(data, unit.pk, {str(r.number): (r.number, r.left) for r in rows})
    rank = YearResult.objects.get(edition=edition, unit=unit).rank
    items = [charts.LeftItem(str(r.number), r.name, r.left, gains[str(r.number)]) for r in rows]
    chart = charts.points_left_chart(items, rank=rank, year=2024)
    [trace] = chart.figure["data"]
    by_number = {r.number: r for r in rows}
    numbers = [int(label.split(".")[0]) for label in trace["y"]]
    assert trace["x"] == [float(by_number[n].max_points - by_number[n].points) for n in numbers]
    for n in numbers:
        expected = calc.what_if(data, str(unit.pk), {n: by_number[n].max_points}).rank
        assert gains[str(n)] == expected
    places = [rank - gains[str(n)] for n in numbers]
    assert places == sorted(places, reverse=True)


def test_domain_ranks_over_the_years_in_bands():
    unit = Unit.objects.get(slug="quang-nam")
    editions = list(Edition.objects.filter(index__code="PAR_INDEX", kind="demo").values_list("pk", flat=True))
    rows = reads.domain_ranks(editions, [unit.pk])
    chart = charts.domain_ranks_chart(rows)
    cells = {}
    for trace in chart.figure["data"]:
        assert trace["marker"]["symbol"] == "square"
        for x, y, text in zip(trace["x"], trace["y"], trace["text"], strict=True):
            cells[(x, int(y.split(".")[0]))] = (int(text), trace["marker"]["color"])
    expected = DomainResult.objects.filter(year_result__unit=unit, year_result__edition__kind="demo")
    assert len(cells) == expected.count() == 7 * 8
    for result in expected.select_related("domain", "year_result__edition"):
        rank, colour = cells[(result.year_result.edition.year, result.domain.number)]
        assert rank == result.rank
        band = "top" if rank <= 20 else "middle" if rank <= 40 else "bottom"
        assert colour == charts.BAND_COLOURS[band]


def test_distribution_highlights_the_unit_and_gives_the_index_needed_to_pass_its_neighbours():
    edition = _demo_2024()
    unit = Unit.objects.get(slug="quang-nam")
    rows = reads.distribution(edition.pk, True)
    chart = charts.distribution_chart(rows, unit.pk, unit_name="Quảng Nam", year=2024)
    [trace] = chart.figure["data"]
    ordered = list(
        YearResult.objects.filter(edition=edition)
        .order_by("rank", "unit__name")
        .values_list("unit__name", "index")
    )
    assert trace["y"] == [float(i) for _n, i in ordered]
    position = trace["x"].index("Quảng Nam")
    assert trace["marker"]["color"][position] == charts.UNIT
    above = ordered[position - 1]
    mine = ordered[position][1]
    needed_row = next(r for r in chart.table.rows if r[0] == above[0])
    needed = above[1] + Decimal("0.01")
    assert needed_row[3].endswith(f"{needed:.2f}".replace(".", ","))
    assert needed_row[4] == f"{needed - mine:.2f}".replace(".", ",")


def test_figures_carry_no_template_and_numbers_follow_the_language():
    with translation.override("vi"):
        _unit, chart = _index_chart("quang-nam", EditionKind.DEMO)
    assert "template" not in chart.figure["layout"]
    assert chart.figure["layout"]["separators"] == ",."
    first = chart.table.rows[0]
    assert "," in first[1] and "." not in first[1]
    with translation.override("en"):
        _unit, english = _index_chart("quang-nam", EditionKind.DEMO)
    assert english.figure["layout"]["separators"] == ".,"
    assert "." in english.table.rows[0][1]
    assert len(json.dumps(chart.figure)) < 12_000


def test_the_table_holds_the_same_numbers_as_the_figure():
    _unit, chart = _index_chart("quang-nam", EditionKind.DEMO)
    own = _trace(chart.figure, "Quảng Nam")
    column = chart.table.columns.index("Quảng Nam")
    table = {int(row[0]): row[column] for row in chart.table.rows}
    for year, value in zip(own["x"], own["y"], strict=True):
        assert table[year] == f"{value:.2f}".replace(".", ",")


def test_the_tile_maps_place_every_unit_once():
    for count, tiles in ((63, charts.TILES_63), (34, charts.TILES_34)):
        year = 2024 if count == 63 else 2025
        codes = set(Unit.objects.valid_in_year(year).filter(level="province").values_list("code", flat=True))
        assert set(tiles) == codes
        assert len(set(tiles.values())) == count  # no two units on one tile
        assert charts.tiles_for(count) is tiles


def test_the_tile_map_colours_by_group_or_by_index():
    edition = _demo_2024()
    rows = reads.distribution(edition.pk, True)
    tiles = [charts.Tile(r.code, r.name, r.slug, r.index, r.rank, r.group) for r in rows]
    by_group = charts.tile_map_chart(tiles, colour_by="group", year=2024, unit_count=63)
    groups = {t["name"]: len(t["x"]) for t in by_group.figure["data"]}
    counted = {f"Nhóm {g}": n for g, n in _group_counts(edition).items()}
    assert groups == counted
    by_index = charts.tile_map_chart(tiles, colour_by="index", year=2024, unit_count=63)
    [trace] = by_index.figure["data"]
    hanoi = trace["customdata"].index("ha-noi")
    assert (trace["y"][hanoi], trace["x"][hanoi]) == charts.TILES_63["01"]
    assert trace["marker"]["color"][hanoi] == float(
        YearResult.objects.get(edition=edition, unit__slug="ha-noi").index
    )


def _group_counts(edition: Edition) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group in YearResult.objects.filter(edition=edition).values_list("group", flat=True):
        counts[group] = counts.get(group, 0) + 1
    return counts


def _criteria_edition() -> tuple[Edition, dict[str, Unit]]:
    """A self-assessment of three 2025 units under a criteria set whose domain 1 has two criteria (1.1 of 6
    points, 1.2 of 4) and domain 2 is entered whole (10 points)."""
    methodology = Methodology.objects.create(
        index=Index.objects.get(code="PAR_INDEX"),
        code="TEST-CRITERIA",
        title="Thử",
        year_from=2025,
        year_until=2025,
    )
    one = Criterion.objects.create(methodology=methodology, number=1, name_vi="Lĩnh vực một", max_points=10)
    Criterion.objects.create(methodology=methodology, number=2, name_vi="Lĩnh vực hai", max_points=10)
    Criterion.objects.create(
        methodology=methodology, parent=one, number=1, name_vi="Tiêu chí một", max_points=6
    )
    Criterion.objects.create(
        methodology=methodology, parent=one, number=2, name_vi="Tiêu chí hai", max_points=4
    )
    criteria = {c.code: c for c in Criterion.objects.filter(methodology=methodology)}
    edition = Edition.objects.create(
        index=methodology.index, year=2025, kind="self", status="draft", methodology=methodology
    )
    units = {slug: Unit.objects.get(slug=slug) for slug in ("da-nang-2025", "hue-2025", "can-tho-2025")}
    points = {"da-nang-2025": ("1", "4", "8"), "hue-2025": ("6", "4", "9"), "can-tho-2025": ("5", "2", "7")}
    for slug, values in points.items():
        assessment = Assessment.objects.create(edition=edition, unit=units[slug])
        for code, value in zip(("1.1", "1.2", "2"), values, strict=True):
            Score.objects.create(assessment=assessment, criterion=criteria[code], points=Decimal(value))
    results_recompute(edition=edition)
    return edition, units


def test_points_left_per_criterion_where_criteria_are_known():
    edition, units = _criteria_edition()
    da_nang = units["da-nang-2025"]
    assert YearResult.objects.get(edition=edition, unit=da_nang).rank == 3  # 13 of 20 points: 65 %
    left = reads.criteria_left(edition.pk, edition.methodology_id, da_nang.pk)
    assert [(c.code, c.domain, c.left) for c in left] == [("1.1", 1, Decimal(5)), ("1.2", 1, Decimal(0))]
    gains = reads.rank_if_full(edition_input(edition), da_nang.pk, {c.code: (c.domain, c.left) for c in left})
    assert gains == {"1.1": 2, "1.2": 3}  # 1.1 at its maximum: 18 of 20, 90 %, second
    domains = reads.domains_of_year(edition.pk, edition.methodology_id, da_nang.pk)
    items = [charts.LeftItem(str(d.number), d.name, d.left, None) for d in domains]
    items += [charts.LeftItem(c.code, c.name, c.left, gains[c.code]) for c in left]
    chart = charts.points_left_chart(items, rank=3, year=2025)
    [trace] = chart.figure["data"]
    assert trace["y"][0] == "1.1. Tiêu chí một"  # the criterion that moves the rank most comes first
    assert trace["x"][0] == 5.0
    assert trace["marker"]["color"][0] == charts.DRAFT  # criteria drawn apart from domains
    assert ("1.1. Tiêu chí một", "5,00", "2", "1") in chart.table.rows


def test_self_assessments_and_drafts_are_separate_lines_for_leaders_only():
    edition, _units = _criteria_edition()
    lineage, public = _history("da-nang-2025")
    assert all(r.series != "self-draft" for r in public.rows)
    _lineage, leader = _history("da-nang-2025", drafts=True)
    lines = charts.unit_lines(leader, lineage, "PAR_INDEX", EditionKind.OFFICIAL)
    [own_self] = [line for line in lines if line.role == "self"]
    assert own_self.name == "Đà Nẵng (tự đánh giá, bản nháp)"
    assert {y: r.index for y, r in own_self.rows.items()} == {2025: Decimal("65.00")}
    # Never with the demo results: the demo page has no self-assessment line.
    demo_lines = charts.unit_lines(leader, lineage, "PAR_INDEX", EditionKind.DEMO)
    assert [line.role for line in demo_lines] == ["predecessor", "predecessor", "unit"]
    assert edition.kind == "self"
