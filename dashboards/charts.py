"""Plotly figures of the unit pages, built from the rows of ``scoring.unit_reads`` with the plotly package.

Pure presentation: rows in, a ``Chart`` out (the figure as a plain dict for ``json_script``, and a table with
the same numbers as the chart's accessible alternative). Tested on the figure dict, not on HTML.

Rules of every figure:
- no Plotly template (``template=None``): the default template would make each figure's JSON about seven times
  larger; colours and fonts are set here and in static/css/charts.css;
- numbers in the interface language: ``layout.separators`` gives "87,33" in Vietnamese and "87.33" in English
  on axes and hovers, and the tables use the one formatter (``parindex.register.numbers.format_number``);
- official and demo results are never one line: every trace holds the results of one kind and status;
- Decimal values become floats only here, at the edge, for drawing (the tables show the Decimals themselves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parindex.register.models import EditionKind, Target
from parindex.register.numbers import format_number
from scoring.public import Band, band_for, band_limits
from scoring.unit_reads import (
    DistributionRow,
    DomainRankRow,
    DomainRow,
    EditionInfo,
    History,
    Lineage,
    ResultRow,
)

# Colours (the brand red of app.css for the unit, greys and blues for the context).
UNIT = "#a3161a"
NATIONAL = "#1d2430"
REGION = "#1a5fb4"
BAND = "rgba(91,100,115,0.18)"
TARGET = "#1b7a3a"
DRAFT = "#c4661f"
SELF = "#7a4fb4"
NEIGHBOUR = "#e0a800"
OTHERS = "#b8c0cc"
PEERS = ("#a3161a", "#1a5fb4", "#1b7a3a", "#7a4fb4")
PREDECESSORS = ("#5b6473", "#8a6d3b", "#3b7a8a", "#8a3b6d", "#6d8a3b")
BAND_COLOURS = {Band.TOP.value: "#1b7a3a", Band.MIDDLE.value: "#e0a800", Band.BOTTOM.value: "#b42318"}

NAME_LENGTH = 30  # characters of a domain's name on an axis (the full name is in the hover and the table)


@dataclass(frozen=True)
class Table:
    """A chart's numbers as a table: formatted cells, the first cell of each row its header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str  # unique on the page: "index-history"
    title: str
    figure: dict[str, Any]
    table: Table
    notes: tuple[str, ...] = ()
    link: str = ""  # a URL with "__slug__": clicking a unit's mark opens it (the tile map)

    @property
    def dom_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def empty(self) -> bool:
        return not self.table.rows


# --------------------------------------------------------------------------------------------- helpers


def separators() -> str:
    """Plotly's decimal and thousands separators for the interface language."""
    return ".," if get_language() == "en" else ",."


def _float(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _num(value: Decimal | int | None) -> str:
    return format_number(value, empty="—")


def _layout(**extra: Any) -> dict[str, Any]:
    """The layout every figure shares: small margins, legend below (readable at 375 px), no template."""
    layout: dict[str, Any] = {
        "separators": separators(),
        "font": {"family": "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif", "size": 12},
        "margin": {"l": 48, "r": 12, "t": 28, "b": 40},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "hovermode": "closest",
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "height": 380,
    }
    layout.update(extra)
    return layout


def _axis(**extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {"gridcolor": "#e6e9ee", "zeroline": False, "automargin": True}
    axis.update(extra)
    return axis


def figure(traces: Sequence[go.BaseTraceType], layout: Mapping[str, Any]) -> dict[str, Any]:
    """The figure as a plain dict, traces and layout validated by plotly, without any template. Built part by
    part: a ``go.Figure`` would apply the default template, and removing it again costs about 20 ms a figure."""
    built_layout: dict[str, Any] = go.Layout(dict(layout)).to_plotly_json()
    return {"data": [trace.to_plotly_json() for trace in traces], "layout": built_layout}


def _floor_ten(value: float) -> int:
    """The multiple of ten at or below `value`, at least 0: where a percent axis starts."""
    return max(0, int(value // 10) * 10)


def _short(name: str, length: int = NAME_LENGTH) -> str:
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def _table(
    caption: str,
    key_label: str,
    keys: Sequence[Any],
    columns: Sequence[tuple[str, Mapping[Any, Decimal | int | str | None]]],
    key_text: Mapping[Any, str] | None = None,
) -> Table:
    """A table with one row per key and one column per series (name, key → value); numbers formatted once."""
    rows = []
    for key in keys:
        cells = [key_text[key] if key_text and key in key_text else str(key)]
        for _name, values in columns:
            value = values.get(key)
            cells.append(value if isinstance(value, str) else _num(value))
        rows.append(tuple(cells))
    return Table(caption, (key_label, *(name for name, _values in columns)), tuple(rows))


# --------------------------------------------------------------------------------------------- series


def series_label(series: str) -> str:
    labels = {
        "official-draft": _("bản nháp"),
        "demo-draft": _("bản nháp minh họa"),
        "self": _("tự đánh giá"),
        "self-draft": _("tự đánh giá, bản nháp"),
    }
    return labels.get(series, "")


@dataclass(frozen=True)
class Line:
    """One line of a unit's history: its name, style and (year → row)."""

    name: str
    role: str  # "unit" | "draft" | "self" | "predecessor" | "peer"
    rows: Mapping[int, ResultRow]
    colour: str


def unit_lines(history: History, lineage: Lineage, index_code: str, kind: str) -> list[Line]:
    """The lines of a unit's page: the unit (with the one unit it continues, when it continues one), each of
    several merged predecessors side by side, and for leaders its drafts and self-assessments. One kind of
    published results per line: official and demo never share one."""
    unit = lineage.unit
    own = {unit.pk, *(p.pk for p in lineage.predecessors)} if lineage.continues_one else {unit.pk}
    rows = history.rows_of(index_code)

    def pick(series: str, unit_ids: set[int]) -> dict[int, ResultRow]:
        return {r.year: r for r in rows if r.series == series and r.unit_id in unit_ids}

    lines = []
    if not lineage.continues_one:
        for n, predecessor in enumerate(lineage.predecessors):
            picked = pick(kind, {predecessor.pk})
            if picked:
                name = _("%(name)s (đơn vị tiền thân)") % {"name": predecessor.name}
                lines.append(Line(name, "predecessor", picked, PREDECESSORS[n % len(PREDECESSORS)]))
    lines.append(Line(unit.name, "unit", pick(kind, own), UNIT))
    extra = [f"{kind}-draft"]
    if kind == EditionKind.OFFICIAL:
        extra += ["self", "self-draft"]
    for series in extra:
        picked = pick(series, own)
        if picked:
            role = "self" if series.startswith("self") else "draft"
            lines.append(
                Line(f"{unit.name} ({series_label(series)})", role, picked, SELF if role == "self" else DRAFT)
            )
    return lines


def peer_lines(history: History, lineages: Sequence[Lineage], index_code: str, kind: str) -> list[Line]:
    """One line per compared unit (with the one unit it continues, when it continues one), published results
    of one kind only."""
    rows = history.rows_of(index_code)
    lines = []
    for n, lineage in enumerate(lineages):
        ids = set(lineage.ids) if lineage.continues_one else {lineage.unit.pk}
        picked = {r.year: r for r in rows if r.series == kind and r.unit_id in ids}
        lines.append(Line(lineage.unit.name, "peer", picked, PEERS[n % len(PEERS)]))
    return lines


@dataclass(frozen=True)
class Break:
    """A vertical mark between two years: a new criteria set, or a new number of units."""

    x: float
    label: str


def breaks(editions: Sequence[EditionInfo]) -> list[Break]:
    """Where the criteria set changes between consecutive years (both known), and where the number of units
    changes (63 → 34 in 2025): ranks and indices on either side are not measured alike."""
    marks: list[Break] = []
    ordered = sorted({e.year: e for e in editions}.values(), key=lambda e: e.year)
    for before, after in pairwise(ordered):
        labels = []
        if before.methodology and after.methodology and before.methodology != after.methodology:
            labels.append(_("Bộ tiêu chí: %(code)s") % {"code": after.methodology})
        if before.expected_units and after.expected_units and before.expected_units != after.expected_units:
            labels.append(
                _("%(before)s → %(after)s đơn vị")
                % {"before": before.expected_units, "after": after.expected_units}
            )
        if labels:
            marks.append(Break(after.year - 0.5, "; ".join(labels)))
    return marks


def _break_layout(marks: Sequence[Break]) -> dict[str, Any]:
    return {
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": m.x,
                "x1": m.x,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#5b6473", "width": 1, "dash": "dot"},
            }
            for m in marks
        ],
        "annotations": [
            {
                "x": m.x,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": m.label,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 10, "color": "#5b6473"},
            }
            for m in marks
        ],
    }


def _line_style(line: Line) -> dict[str, Any]:
    dash = {"unit": "solid", "peer": "solid", "predecessor": "dash", "draft": "dot", "self": "dashdot"}
    return {"color": line.colour, "width": 3 if line.role == "unit" else 2, "dash": dash[line.role]}


# --------------------------------------------------------------------------------------------- 1. index


def index_history_chart(
    lines: Sequence[Line],
    editions: Sequence[EditionInfo],
    *,
    region_id: int | None,
    region_name: str,
    index_name: str,
    comparison_rule: str = "",
) -> Chart:
    """1. The index over the years: each line of `lines`, the national and the regional average, and the best
    and worst units as a band (complete years only); criteria-set and unit-count changes as breaks.
    `editions` are those of the page's kind (published, one kind): the context lines come from them."""
    context = sorted(editions, key=lambda e: e.year)
    years = sorted({e.year for e in context} | {y for line in lines for y in line.rows})
    national = {e.year: e.national_average for e in context if e.national_average is not None}
    region = {
        e.year: e.region_averages[region_id]
        for e in context
        if region_id is not None and region_id in e.region_averages
    }
    best = {e.year: e.best for e in context if e.best is not None}
    worst = {e.year: e.worst for e in context if e.worst is not None}

    traces: list[go.BaseTraceType] = []
    if best:
        band_years = [y for y in years if y in best]
        traces.append(
            go.Scatter(
                x=band_years,
                y=[_float(worst[y]) for y in band_years],
                name=_("Thấp nhất"),
                mode="lines",
                line={"width": 0, "color": BAND},
                showlegend=False,
                hovertemplate="%{y:.2f}<extra>" + _("Thấp nhất") + "</extra>",
            )
        )
        traces.append(
            go.Scatter(
                x=band_years,
                y=[_float(best[y]) for y in band_years],
                name=_("Cao nhất – thấp nhất"),
                mode="lines",
                fill="tonexty",
                fillcolor=BAND,
                line={"width": 0, "color": BAND},
                hovertemplate="%{y:.2f}<extra>" + _("Cao nhất") + "</extra>",
            )
        )
    columns: list[tuple[str, Mapping[int, Decimal | None]]] = []
    for name, values, colour, dash in (
        (_("Trung bình cả nước"), national, NATIONAL, "dash"),
        (_("Trung bình vùng %(region)s") % {"region": region_name}, region, REGION, "dot"),
    ):
        if values:
            xs = [y for y in years if y in values]
            traces.append(
                go.Scatter(
                    x=xs,
                    y=[_float(values[y]) for y in xs],
                    name=name,
                    mode="lines+markers",
                    line={"color": colour, "width": 1.5, "dash": dash},
                    marker={"size": 5},
                    hovertemplate="%{x}: %{y:.2f}<extra>" + name + "</extra>",
                )
            )
            columns.append((name, values))
    for line in lines:
        xs = [y for y in years if y in line.rows]
        traces.append(
            go.Scatter(
                x=xs,
                y=[_float(line.rows[y].index) for y in xs],
                name=line.name,
                mode="lines+markers",
                connectgaps=False,
                line=_line_style(line),
                marker={"size": 8 if line.role == "unit" else 6},
                hovertemplate="%{x}: %{y:.2f}<extra>" + line.name + "</extra>",
            )
        )
    line_columns = [(line.name, {y: r.index for y, r in line.rows.items()}) for line in lines]
    band_columns = [(_("Cao nhất"), best), (_("Thấp nhất"), worst)] if best else []
    notes = [comparison_rule] if comparison_rule else []
    marks = breaks(context)
    notes += [_("%(year)s: %(label)s") % {"year": int(m.x + 0.5), "label": m.label} for m in marks]
    layout = _layout(
        xaxis=_axis(dtick=1, tickformat="d"),
        yaxis=_axis(title={"text": _("Chỉ số (%)")}, ticksuffix=""),
        **_break_layout(marks),
    )
    return Chart(
        key="index-history",
        title=_("%(index)s qua các năm") % {"index": index_name},
        figure=figure(traces, layout),
        table=_table(_("Chỉ số (%) qua các năm"), _("Năm"), years, [*line_columns, *columns, *band_columns]),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------- 2. rank


def rank_history_chart(
    lines: Sequence[Line], editions: Sequence[EditionInfo], targets: Sequence[Target], *, index_name: str
) -> Chart:
    """2. The rank over the years, rank 1 at the top, with the unit's target ranks as a dashed line: each
    target is a segment at its rank from the year before it (or the first year shown) to its year."""
    context = sorted(editions, key=lambda e: e.year)
    rank_targets = sorted((t for t in targets if t.target_rank), key=lambda t: t.year)
    years = sorted(
        {e.year for e in context} | {y for line in lines for y in line.rows} | {t.year for t in rank_targets}
    )
    traces: list[go.BaseTraceType] = []
    for line in lines:
        xs = [y for y in years if y in line.rows]
        traces.append(
            go.Scatter(
                x=xs,
                y=[line.rows[y].rank for y in xs],
                name=line.name,
                mode="lines+markers",
                line=_line_style(line),
                marker={"size": 8 if line.role == "unit" else 6},
                hovertemplate="%{x}: " + _("hạng") + " %{y}<extra>" + line.name + "</extra>",
            )
        )
    target_x: list[int | None] = []
    target_y: list[int | None] = []
    start = years[0] if years else None
    for target in rank_targets:
        begin = start if start is not None and start < target.year else target.year - 1
        target_x += [begin, target.year, None]
        target_y += [target.target_rank, target.target_rank, None]
        start = target.year
    if rank_targets:
        traces.append(
            go.Scatter(
                x=target_x,
                y=target_y,
                name=_("Mục tiêu thứ hạng"),
                mode="lines+markers",
                line={"color": TARGET, "width": 2, "dash": "dash"},
                marker={"size": 7, "symbol": "diamond"},
                hovertemplate="%{x}: " + _("mục tiêu hạng ≤ %{y}") + "<extra></extra>",
            )
        )
    counts = [e.expected_units for e in context if e.expected_units]
    top = max([*counts, *(y for y in target_y if y is not None), 1])
    marks = breaks(context)
    layout = _layout(
        xaxis=_axis(dtick=1, tickformat="d"),
        yaxis=_axis(title={"text": _("Thứ hạng (1 = cao nhất)")}, range=[top + 1, 0], tick0=1),
        **_break_layout(marks),
    )
    columns: list[tuple[str, Mapping[int, Decimal | int | str | None]]] = [
        (line.name, {y: r.rank for y, r in line.rows.items()}) for line in lines
    ]
    if rank_targets:
        columns.append((_("Mục tiêu thứ hạng"), {t.year: t.target_rank for t in rank_targets}))
    columns.append((_("Số đơn vị"), {e.year: e.expected_units or None for e in context}))
    published = any(r.rank_source == "published" for line in lines for r in line.rows.values())
    notes = [_("Thứ hạng trong năm chưa đủ số liệu là thứ hạng công bố.")] if published else []
    notes += [_("%(year)s: %(label)s") % {"year": int(m.x + 0.5), "label": m.label} for m in marks]
    return Chart(
        key="rank-history",
        title=_("Thứ hạng %(index)s qua các năm") % {"index": index_name},
        figure=figure(traces, layout),
        table=_table(_("Thứ hạng qua các năm"), _("Năm"), years, columns),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------- 3. domains


def domain_label(row: DomainRow) -> str:
    return f"{row.number}. {_short(row.name)}"


def domains_chart(rows: Sequence[DomainRow], *, unit_name: str, year: int) -> Chart:
    """3. This year's domains: % of each domain maximum for the unit, the national average and the best unit,
    sorted by the gap to the national average (the widest shortfall first, at the top); the unit's domain rank
    beside each domain's name."""
    ordered = sorted(rows, key=lambda r: (r.gap, r.number))
    labels = [
        _("%(domain)s · hạng %(rank)s/%(count)s")
        % {"domain": domain_label(r), "rank": r.rank, "count": r.unit_count}
        for r in ordered
    ]
    series = (
        (unit_name, [r.percent for r in ordered], UNIT),
        (_("Trung bình cả nước"), [r.national_average for r in ordered], NATIONAL),
        (_("Đơn vị cao nhất"), [r.best for r in ordered], REGION),
    )
    traces = [
        go.Bar(
            y=labels,
            x=[_float(v) for v in values],
            name=name,
            orientation="h",
            marker={"color": colour},
            customdata=[r.best_unit for r in ordered] if n == 2 else None,
            hovertemplate="%{x:.2f}%"
            + (" (%{customdata})" if n == 2 else "")
            + "<extra>"
            + name
            + "</extra>",
        )
        for n, (name, values, colour) in enumerate(series)
    ]
    lowest = min((float(v) for _name, values, _colour in series for v in values), default=0.0)
    layout = _layout(
        barmode="group",
        height=max(320, 90 + 64 * len(ordered)),
        margin={"l": 12, "r": 12, "t": 28, "b": 40},
        xaxis=_axis(title={"text": _("% điểm tối đa của lĩnh vực")}, range=[_floor_ten(lowest - 5), 100]),
        yaxis=_axis(autorange="reversed"),
    )
    table = Table(
        _("Lĩnh vực năm %(year)s: %% điểm tối đa") % {"year": year},
        (
            _("Lĩnh vực"),
            unit_name,
            _("Trung bình cả nước"),
            _("Chênh lệch"),
            _("Đơn vị cao nhất"),
            _("Hạng lĩnh vực"),
            _("Điểm / tối đa"),
        ),
        tuple(
            (
                f"{r.number}. {r.name}",
                _num(r.percent),
                _num(r.national_average),
                _num(r.gap),
                f"{_num(r.best)} ({r.best_unit})",
                f"{r.rank}/{r.unit_count}",
                f"{_num(r.points)} / {_num(r.max_points)}",
            )
            for r in ordered
        ),
    )
    return Chart(
        key="domains",
        title=_("Các lĩnh vực năm %(year)s so với cả nước và đơn vị cao nhất") % {"year": year},
        figure=figure(traces, layout),
        table=table,
    )


@dataclass(frozen=True)
class LeftItem:
    """Points left on the table in a domain or a criterion, and the rank the unit would have with them."""

    key: str  # "3" for a domain, "3.2" for a criterion
    name: str
    left: Decimal
    rank_if_full: int | None


def points_left_chart(items: Sequence[LeftItem], *, rank: int, year: int) -> Chart:
    """3. Points left on the table (maximum minus points) per domain and, where criteria are known, per
    criterion, ranked by how many places each would gain at its maximum (then by the points left)."""

    def gain(item: LeftItem) -> int:
        return rank - item.rank_if_full if item.rank_if_full is not None else 0

    ordered = sorted(items, key=lambda i: (-gain(i), -i.left, i.key))
    labels = [f"{i.key}. {_short(i.name)}" for i in ordered]
    texts = [
        _("→ hạng %(rank)s (+%(gain)s)") % {"rank": i.rank_if_full, "gain": gain(i)}
        if i.rank_if_full is not None
        else ""
        for i in ordered
    ]
    trace = go.Bar(
        y=labels,
        x=[_float(i.left) for i in ordered],
        orientation="h",
        name=_("Điểm còn thiếu"),
        marker={"color": [DRAFT if "." in i.key else UNIT for i in ordered]},
        text=texts,
        textposition="auto",
        hovertemplate="%{x:.2f} " + _("điểm") + " %{text}<extra></extra>",
    )
    layout = _layout(
        height=max(300, 80 + 34 * len(ordered)),
        margin={"l": 12, "r": 12, "t": 28, "b": 40},
        showlegend=False,
        xaxis=_axis(title={"text": _("Điểm còn thiếu (tối đa − đạt được)")}, rangemode="tozero"),
        yaxis=_axis(autorange="reversed"),
    )
    table = Table(
        _("Điểm còn thiếu năm %(year)s") % {"year": year},
        (_("Lĩnh vực, tiêu chí"), _("Điểm còn thiếu"), _("Hạng nếu đạt tối đa"), _("Số bậc tăng")),
        tuple(
            (
                f"{i.key}. {i.name}",
                _num(i.left),
                str(i.rank_if_full) if i.rank_if_full is not None else "—",
                str(gain(i)) if i.rank_if_full is not None else "—",
            )
            for i in ordered
        ),
    )
    return Chart(
        key="points-left",
        title=_("Điểm còn thiếu theo lĩnh vực năm %(year)s") % {"year": year},
        figure=figure([trace], layout),
        table=table,
        notes=(_("Hạng nếu đạt tối đa: chỉ thay đổi lĩnh vực (tiêu chí) đó, các đơn vị khác giữ nguyên."),),
    )


# --------------------------------------------------------------------------------------------- 4. heatmap


def band_label(band: str, unit_count: int) -> str:
    top, middle = band_limits(unit_count)
    labels = {
        Band.TOP.value: _("1–%(top)s") % {"top": top},
        Band.MIDDLE.value: _("%(start)s–%(end)s") % {"start": top + 1, "end": middle},
        Band.BOTTOM.value: _("%(start)s trở xuống") % {"start": middle + 1},
    }
    return labels[band]


def domain_ranks_chart(rows: Sequence[DomainRankRow]) -> Chart:
    """4. The unit's domain ranks over the years as a heatmap in bands (top 20, 21–40, 41 and below for 63
    units, scaled for 34): one square per year and domain, coloured by band, the rank written in it. Drawn
    with square markers, which the basic plotly.js bundle has (it has no heatmap trace)."""
    years = sorted({r.year for r in rows})
    numbers = sorted({r.number for r in rows})
    names = {r.number: r.name for r in sorted(rows, key=lambda r: r.year)}  # the latest name of a domain
    labels = {n: f"{n}. {_short(names[n], 24)}" for n in numbers}
    traces = []
    for band in (Band.TOP.value, Band.MIDDLE.value, Band.BOTTOM.value):
        cells = [r for r in rows if _band(r) == band]
        if not cells:
            continue
        traces.append(
            go.Scatter(
                x=[r.year for r in cells],
                y=[labels[r.number] for r in cells],
                text=[str(r.rank) for r in cells],
                mode="markers+text",
                name={
                    Band.TOP.value: _("Nhóm đầu"),
                    Band.MIDDLE.value: _("Nhóm giữa"),
                    Band.BOTTOM.value: _("Nhóm cuối"),
                }[band],
                marker={"symbol": "square", "size": 30, "color": BAND_COLOURS[band]},
                textfont={"color": "#fff", "size": 11},
                hovertemplate="%{x} · %{y}: " + _("hạng") + " %{text}<extra></extra>",
            )
        )
    layout = _layout(
        height=max(300, 80 + 40 * len(numbers)),
        margin={"l": 12, "r": 12, "t": 28, "b": 40},
        xaxis=_axis(dtick=1, tickformat="d", showgrid=False),
        yaxis=_axis(
            autorange="reversed",
            showgrid=False,
            categoryorder="array",
            categoryarray=[labels[n] for n in numbers],
        ),
    )
    by_cell = {(r.number, r.year): r for r in rows}
    table = Table(
        _("Thứ hạng từng lĩnh vực qua các năm"),
        (_("Lĩnh vực"), *(str(y) for y in years)),
        tuple(
            (
                f"{n}. {names[n]}",
                *(
                    f"{by_cell[(n, y)].rank} ({band_label(_band(by_cell[(n, y)]), by_cell[(n, y)].unit_count)})"
                    if (n, y) in by_cell
                    else "—"
                    for y in years
                ),
            )
            for n in numbers
        ),
    )
    return Chart(
        key="domain-ranks",
        title=_("Thứ hạng từng lĩnh vực qua các năm"),
        figure=figure(traces, layout),
        table=table,
        notes=(_("Nhóm theo thứ hạng: 1–20, 21–40, từ 41 với 63 đơn vị; theo tỷ lệ với 34 đơn vị."),),
    )


def _band(row: DomainRankRow) -> str:
    return band_for(row.rank, row.unit_count).value


# --------------------------------------------------------------------------------------------- 5. spread

STEP = Decimal("0.01")  # indices are published with two decimals: passing a unit means beating it by 0,01


@dataclass(frozen=True)
class Neighbour:
    """A unit just above or below: the index the unit needs to pass it (above) or to stay ahead of it
    (below), and the distance from the unit's index (positive: still to gain; negative: the margin kept)."""

    name: str
    rank: int
    index: Decimal
    above: bool
    needed: Decimal
    gap: Decimal


def neighbours(rows: Sequence[DistributionRow], unit_id: int, count: int = 2) -> list[Neighbour]:
    """The `count` units just above and just below the unit (by index), each with the index needed to pass
    it: its index + 0,01 (under competition ranking a tie shares the rank, it does not pass)."""
    ranked = sorted((r for r in rows if r.index is not None), key=lambda r: (-(r.index or 0), r.name))
    position = next((n for n, r in enumerate(ranked) if r.unit_id == unit_id), None)
    if position is None:
        return []
    own = ranked[position].index or Decimal(0)
    above = ranked[max(0, position - count) : position]
    below = ranked[position + 1 : position + 1 + count]
    return [
        Neighbour(row.name, row.rank, index, is_above, index + STEP, index + STEP - own)
        for is_above, group in ((True, above), (False, below))
        for row in group
        if (index := row.index) is not None
    ]


def distribution_chart(rows: Sequence[DistributionRow], unit_id: int, *, unit_name: str, year: int) -> Chart:
    """5. This year's indices of every unit, best first, the unit highlighted and its neighbours marked with
    the index needed to pass each."""
    ranked = sorted((r for r in rows if r.index is not None), key=lambda r: (r.rank, r.name))
    close = neighbours(rows, unit_id)
    close_names = {n.name for n in close}
    colours = [
        UNIT if r.unit_id == unit_id else NEIGHBOUR if r.name in close_names else OTHERS for r in ranked
    ]
    trace = go.Bar(
        x=[r.name for r in ranked],
        y=[_float(r.index) for r in ranked],
        customdata=[r.rank for r in ranked],
        marker={"color": colours},
        name=_("Chỉ số"),
        hovertemplate="%{x}: %{y:.2f} (" + _("hạng") + " %{customdata})<extra></extra>",
    )
    # On the chart only the nearest unit above and below (the bars are narrow); the table lists them all.
    nearest = [n for n in close if n.above][-1:] + [n for n in close if not n.above][:1]
    annotations = [
        {
            "x": n.name,
            "y": float(n.index),
            "text": (_("cần %(needed)s") if n.above else _("giữ trên %(index)s"))
            % {"needed": _num(n.needed), "index": _num(n.index)},
            "showarrow": True,
            "arrowhead": 0,
            "ax": -40 if n.above else 40,
            "ay": -36,
            "font": {"size": 10},
            "bgcolor": "rgba(255,255,255,0.85)",
        }
        for n in nearest
    ]
    values = [r.index for r in ranked if r.index is not None]
    low = float(min(values)) - 2 if values else 0
    layout = _layout(
        showlegend=False,
        annotations=annotations,
        xaxis=_axis(showticklabels=False, title={"text": _("Các đơn vị theo thứ hạng")}),
        yaxis=_axis(title={"text": _("Chỉ số (%)")}, range=[max(0, low), 100]),
    )
    own = next((r for r in ranked if r.unit_id == unit_id), None)
    table_rows = [
        (
            n.name,
            str(n.rank),
            _num(n.index),
            (_("vượt: cần %(needed)s") if n.above else _("giữ trên %(index)s"))
            % {"needed": _num(n.needed), "index": _num(n.index)},
            _num(n.gap),
        )
        for n in close
    ]
    if own is not None:
        table_rows.append((unit_name, str(own.rank), _num(own.index), "", ""))
    table_rows.sort(key=lambda r: int(r[1]))
    return Chart(
        key="distribution",
        title=_("Phân bố chỉ số năm %(year)s") % {"year": year},
        figure=figure([trace], layout),
        table=Table(
            _("Các đơn vị liền trên và liền dưới năm %(year)s") % {"year": year},
            (_("Đơn vị"), _("Hạng"), _("Chỉ số (%)"), _("Chỉ số cần"), _("Khoảng cách")),
            tuple(table_rows),
        ),
        notes=(
            _("Vượt một đơn vị cần cao hơn chỉ số của đơn vị đó ít nhất %(step)s (bằng nhau thì đồng hạng).")
            % {"step": _num(STEP)},
            _("%(count)s đơn vị có chỉ số.") % {"count": len(ranked)},
        ),
    )


# --------------------------------------------------------------------------------------------- 8. compare


def compare_index_chart(lines: Sequence[Line], *, index_name: str, editions: Sequence[EditionInfo]) -> Chart:
    """8. Two to four units on one index chart (one published kind), with the national average."""
    context = sorted(editions, key=lambda e: e.year)
    national = {e.year: e.national_average for e in context if e.national_average is not None}
    years = sorted({e.year for e in context} | {y for line in lines for y in line.rows})
    traces: list[go.BaseTraceType] = []
    if national:
        xs = [y for y in years if y in national]
        traces.append(
            go.Scatter(
                x=xs,
                y=[_float(national[y]) for y in xs],
                name=_("Trung bình cả nước"),
                mode="lines",
                line={"color": NATIONAL, "width": 1.5, "dash": "dash"},
                hovertemplate="%{x}: %{y:.2f}<extra>" + _("Trung bình cả nước") + "</extra>",
            )
        )
    for line in lines:
        xs = [y for y in years if y in line.rows]
        traces.append(
            go.Scatter(
                x=xs,
                y=[_float(line.rows[y].index) for y in xs],
                name=line.name,
                mode="lines+markers",
                line=_line_style(line),
                hovertemplate="%{x}: %{y:.2f}<extra>" + line.name + "</extra>",
            )
        )
    marks = breaks(context)
    layout = _layout(
        xaxis=_axis(dtick=1, tickformat="d"),
        yaxis=_axis(title={"text": _("Chỉ số (%)")}),
        **_break_layout(marks),
    )
    columns: list[tuple[str, Mapping[int, Decimal | int | str | None]]] = [
        (line.name, {y: r.index for y, r in line.rows.items()}) for line in lines
    ]
    if national:
        columns.append((_("Trung bình cả nước"), national))
    return Chart(
        key="compare-index",
        title=_("%(index)s qua các năm") % {"index": index_name},
        figure=figure(traces, layout),
        table=_table(_("Chỉ số (%) qua các năm"), _("Năm"), years, columns),
    )


def compare_rank_chart(lines: Sequence[Line], *, index_name: str, editions: Sequence[EditionInfo]) -> Chart:
    """8. Two to four units' ranks over the years, rank 1 at the top."""
    chart = rank_history_chart(lines, editions, [], index_name=index_name)
    return Chart("compare-rank", chart.title, chart.figure, chart.table, chart.notes)


def compare_domains_chart(rows: Mapping[str, Sequence[DomainRow]], *, year: int) -> Chart:
    """8. This year's domains (% of each maximum) of two to four units side by side, with the nation."""
    numbers = sorted({r.number for unit_rows in rows.values() for r in unit_rows})
    names: dict[int, str] = {}
    national: dict[int, Decimal] = {}
    for unit_rows in rows.values():
        for r in unit_rows:
            names[r.number] = r.name
            national[r.number] = r.national_average
    labels = {n: f"{n}. {_short(names[n], 24)}" for n in numbers}
    traces: list[go.BaseTraceType] = []
    columns: list[tuple[str, Mapping[int, Decimal | int | str | None]]] = []
    for n, (unit_name, unit_rows) in enumerate(rows.items()):
        values = {r.number: r.percent for r in unit_rows}
        traces.append(
            go.Bar(
                y=[labels[k] for k in numbers if k in values],
                x=[_float(values[k]) for k in numbers if k in values],
                orientation="h",
                name=unit_name,
                marker={"color": PEERS[n % len(PEERS)]},
                hovertemplate="%{x:.2f}%<extra>" + unit_name + "</extra>",
            )
        )
        columns.append((unit_name, values))
    if national:
        traces.append(
            go.Scatter(
                y=[labels[k] for k in numbers if k in national],
                x=[_float(national[k]) for k in numbers if k in national],
                mode="markers",
                name=_("Trung bình cả nước"),
                marker={"color": NATIONAL, "symbol": "line-ns-open", "size": 18, "line": {"width": 2}},
                hovertemplate="%{x:.2f}%<extra>" + _("Trung bình cả nước") + "</extra>",
            )
        )
        columns.append((_("Trung bình cả nước"), national))
    layout = _layout(
        barmode="group",
        height=max(340, 90 + 30 * len(numbers) * max(1, len(rows))),
        margin={"l": 12, "r": 12, "t": 28, "b": 40},
        xaxis=_axis(title={"text": _("% điểm tối đa của lĩnh vực")}, range=[0, 100]),
        yaxis=_axis(autorange="reversed"),
    )
    return Chart(
        key="compare-domains",
        title=_("Các lĩnh vực năm %(year)s") % {"year": year},
        figure=figure(traces, layout),
        table=_table(
            _("Lĩnh vực năm %(year)s: %% điểm tối đa") % {"year": year},
            _("Lĩnh vực"),
            numbers,
            columns,
            key_text={n: f"{n}. {names[n]}" for n in numbers},
        ),
    )


# --------------------------------------------------------------------------------------------- 9. overview

# Tile-grid maps: (row, column) of each unit's code, north at the top, west on the left; drawn by hand from
# the country's shape (no external map data). One layout for the 63 provinces, one for the 34 units of 2025.
TILES_63: Mapping[str, tuple[int, int]] = {
    "12": (0, 1), "10": (0, 2), "02": (0, 3), "04": (0, 4),
    "11": (1, 0), "15": (1, 2), "08": (1, 3), "06": (1, 4), "20": (1, 5),
    "14": (2, 1), "25": (2, 2), "26": (2, 3), "19": (2, 4), "24": (2, 5), "22": (2, 6),
    "17": (3, 2), "01": (3, 3), "27": (3, 4), "30": (3, 5), "31": (3, 6),
    "35": (4, 3), "33": (4, 4), "34": (4, 5),
    "38": (5, 2), "37": (5, 3), "36": (5, 4),
    "40": (6, 2), "42": (6, 3),
    "44": (7, 3),
    "45": (8, 3),
    "46": (9, 3), "48": (9, 4),
    "49": (10, 4), "51": (10, 5),
    "62": (11, 3), "64": (11, 4), "52": (11, 5),
    "66": (12, 4), "54": (12, 5),
    "67": (13, 3), "68": (13, 4), "56": (13, 5),
    "70": (14, 2), "75": (14, 3), "60": (14, 4), "58": (14, 5),
    "72": (15, 1), "74": (15, 2), "79": (15, 3), "77": (15, 4),
    "89": (16, 0), "87": (16, 1), "80": (16, 2), "82": (16, 3),
    "91": (17, 0), "92": (17, 1), "86": (17, 2), "83": (17, 3),
    "93": (18, 1), "94": (18, 2), "84": (18, 3),
    "96": (19, 0), "95": (19, 1),
}  # fmt: skip
TILES_34: Mapping[str, tuple[int, int]] = {
    "12": (0, 1), "15": (0, 2), "08": (0, 3), "04": (0, 4),
    "11": (1, 0), "14": (1, 1), "19": (1, 4), "20": (1, 5),
    "25": (2, 2), "01": (2, 3), "24": (2, 4), "22": (2, 5),
    "37": (3, 3), "33": (3, 4), "31": (3, 5),
    "38": (4, 2),
    "40": (5, 2), "42": (5, 3),
    "44": (6, 3),
    "46": (7, 3), "48": (7, 4),
    "51": (8, 4),
    "52": (9, 4),
    "66": (10, 4),
    "68": (11, 3), "56": (11, 4),
    "80": (12, 1), "79": (12, 2), "75": (12, 3),
    "91": (13, 0), "82": (13, 1), "86": (13, 2),
    "96": (14, 0), "92": (14, 1),
}  # fmt: skip
GROUP_COLOURS = {"A": "#1b7a3a", "B": "#1a5fb4", "C": "#e0a800", "D": "#b42318", "": "#b8c0cc"}


def tiles_for(unit_count: int) -> Mapping[str, tuple[int, int]]:
    """The tile layout for a year: the 34-unit layout from 2025, the 63-province one before."""
    return TILES_34 if unit_count and unit_count <= len(TILES_34) else TILES_63


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    slug: str
    index: Decimal | None
    rank: int
    group: str


def tile_map_chart(
    tiles: Sequence[Tile], *, colour_by: str, year: int, unit_count: int, link: str = ""
) -> Chart:
    """9. The units as a tile-grid map coloured by index (a continuous scale) or by group (A/B/C/D); a unit
    not in the layout goes to an extra row at the bottom, so none is ever left out."""
    layout_tiles = tiles_for(unit_count)
    bottom = max((row for row, _col in layout_tiles.values()), default=0) + 1
    positions: dict[str, tuple[int, int]] = {}
    spare = 0
    for tile in sorted(tiles, key=lambda t: t.code):
        if tile.code in layout_tiles and layout_tiles[tile.code] not in positions.values():
            positions[tile.slug] = layout_tiles[tile.code]
        else:
            positions[tile.slug] = (bottom + spare // 7, spare % 7)
            spare += 1
    ordered = sorted(tiles, key=lambda t: positions[t.slug])

    def hover(tile: Tile) -> str:
        if tile.index is None and not tile.rank:
            return f"{tile.name}: " + _("chưa có kết quả")
        text = f"{tile.name}: {_num(tile.index)} · " + _("hạng %(rank)s") % {"rank": tile.rank}
        return text + (f" · {tile.group}" if tile.group else "")

    def trace(members: Sequence[Tile], name: str, marker: dict[str, Any]) -> go.Scatter:
        return go.Scatter(
            x=[positions[t.slug][1] for t in members],
            y=[positions[t.slug][0] for t in members],
            mode="markers+text",
            text=[_abbreviate(t.name) for t in members],
            textfont={"size": 9, "color": "#fff"},
            hovertext=[hover(t) for t in members],
            hoverinfo="text",
            customdata=[t.slug for t in members],
            name=name,
            marker={"symbol": "square", "size": 34, **marker},
        )

    traces: list[go.BaseTraceType] = []
    if colour_by == "group":
        for group in ("A", "B", "C", "D", ""):
            members = [t for t in ordered if t.group == group]
            if members:
                name = _("Nhóm %(group)s") % {"group": group} if group else _("Chưa có chỉ số")
                traces.append(trace(members, name, {"color": GROUP_COLOURS[group]}))
    else:
        known = [t for t in ordered if t.index is not None]
        values = [float(t.index) for t in known if t.index is not None]
        if known:
            traces.append(
                trace(
                    known,
                    _("Chỉ số (%)"),
                    {
                        "color": values,
                        "colorscale": [[0, "#b42318"], [0.5, "#e0a800"], [1, "#1b7a3a"]],
                        "cmin": min(values),
                        "cmax": max(values),
                        "colorbar": {"thickness": 10, "len": 0.6, "title": {"text": "%"}},
                    },
                )
            )
        unknown = [t for t in ordered if t.index is None]
        if unknown:
            traces.append(trace(unknown, _("Chưa có chỉ số"), {"color": GROUP_COLOURS[""]}))
    rows = max((p[0] for p in positions.values()), default=0) + 1
    layout = _layout(
        height=max(360, 36 * rows + 60),
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        showlegend=colour_by == "group" or len(traces) > 1,
        xaxis=_axis(visible=False, range=[-0.7, 7]),
        yaxis=_axis(visible=False, autorange="reversed", scaleanchor="x"),
    )
    table = Table(
        _("Chỉ số các đơn vị năm %(year)s") % {"year": year},
        (_("Đơn vị"), _("Chỉ số (%)"), _("Hạng"), _("Nhóm")),
        tuple(
            (t.name, _num(t.index), str(t.rank) if t.rank else "—", t.group or "—")
            for t in sorted(tiles, key=lambda t: (t.rank or 10**6, t.name))
        ),
    )
    return Chart(
        key="tile-map",
        title=_("Bản đồ ô các đơn vị năm %(year)s") % {"year": year},
        figure=figure(traces, layout),
        table=table,
        notes=(_("Mỗi ô là một đơn vị, đặt gần đúng vị trí địa lý (không dùng dữ liệu bản đồ)."),),
        link=link,
    )


def _abbreviate(name: str) -> str:
    """Two or three letters for a tile: initials of the name ("Hà Nội" → "HN", "TP Hồ Chí Minh" → "HCM")."""
    words = [w for w in name.replace("-", " ").split() if w and w.upper() != "TP"]
    return "".join(w[0] for w in words)[:3].upper()


def region_chart(regions: Sequence[tuple[str, Decimal, Decimal | None]], *, year: int) -> Chart:
    """9. The regional averages of the year (name, average, change against the year before)."""
    ordered = sorted(regions, key=lambda r: -r[1])
    trace = go.Bar(
        y=[_short(name, 26) for name, _avg, _change in ordered],
        x=[_float(avg) for _name, avg, _change in ordered],
        orientation="h",
        marker={"color": REGION},
        name=_("Trung bình vùng"),
        hovertemplate="%{x:.2f}<extra></extra>",
    )
    values = [avg for _name, avg, _change in ordered]
    low = float(min(values)) - 3 if values else 0
    layout = _layout(
        showlegend=False,
        height=max(260, 60 + 36 * len(ordered)),
        margin={"l": 12, "r": 12, "t": 12, "b": 40},
        xaxis=_axis(title={"text": _("Chỉ số (%)")}, range=[max(0, low), 100]),
        yaxis=_axis(autorange="reversed"),
    )
    return Chart(
        key="regions",
        title=_("Trung bình các vùng năm %(year)s") % {"year": year},
        figure=figure([trace], layout),
        table=Table(
            _("Trung bình các vùng năm %(year)s") % {"year": year},
            (_("Vùng"), _("Trung bình (%)"), _("Thay đổi")),
            tuple((name, _num(avg), _num(change)) for name, avg, change in ordered),
        ),
    )
