"""The public ranking and domain tables (django-tables2): presentation only.

Every cell is written once as (text, HTML) by a ``_cell_<column>`` method: the page shows the HTML, the CSV and
.xlsx downloads the text (``Table.as_values``), so a download holds exactly what the table shows. The HTML of a
cell reads as its text (arrows, "—" and the reason of a missing value are written out, never left to colour).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import django_tables2 as tables
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_tables2.columns.base import BoundColumn
from django_tables2.data import TableListData

from dashboards.ranking import (
    DOMAIN_PREFIX,
    TOP_DOMAINS,
    AverageLine,
    band_label,
    domain_column,
    index_change_missing,
    rank_change_missing,
    sort_rows,
    top_domain_count,
)
from parindex.register.models import Criterion, MaxPointsStatus, UnitLevel
from parindex.register.numbers import format_number
from scoring.models import ChangeBasis
from scoring.public import DomainCell, RankingRow, Source

Record = RankingRow | AverageLine
Cell = tuple[str, SafeString]

PREDECESSORS_MARK = "†"  # a change against the mean of the predecessors (the 2025 merger rule)
COMPUTED_RANK_MARK = "*"  # in a partial year, a rank computed among the units held, not a published one


def _plain(text: str) -> Cell:
    return text, format_html("{}", text)


def _missing(reason: str) -> Cell:
    """A missing value: "—" and why, never "None"."""
    if not reason:
        return _plain("—")
    return f"— ({reason})", format_html('—<small class="why"> ({})</small>', reason)


def _signed(value: Decimal) -> str:
    text = format_number(value)
    return f"+{text}" if value > 0 else text


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def source_links(sources: Iterable[Source], *, show_values: bool) -> Cell:
    """Each source as an icon linking to it (the URL in its tooltip); with its value and rank when the sources
    disagree, so that both figures show side by side."""
    parts: list[tuple[str, SafeString]] = []
    for source in sources:
        label = ""
        if show_values:
            label = " ".join(
                bit
                for bit in (
                    format_number(source.value) if source.value is not None else "",
                    _("hạng %(rank)s") % {"rank": source.rank} if source.rank is not None else "",
                )
                if bit
            )
        link = format_html(
            '<a class="src" href="{url}" title="{url}" data-url="{url}" rel="external noopener noreferrer">'
            '<span aria-hidden="true">↗</span><span class="visually-hidden">{name}</span></a>',
            url=source.url,
            name=_("Nguồn: %(host)s") % {"host": _host(source.url)},
        )
        html = format_html('<span class="src-value">{}</span> {}', label, link) if label else link
        parts.append((f"{label}: {source.url}" if label else source.url, html))
    if not parts:
        return "", SafeString("")
    text = " ; ".join(text for text, _html in parts)
    html = format_html_join(" ", "{}", ((html,) for _text, html in parts))
    if show_values:
        note = _("các nguồn công bố khác nhau")
        return f"{text} ({note})", format_html('{} <small class="why">({})</small>', html, note)
    return text, html


def total_sources(row: RankingRow) -> list[Source]:
    """The sources of the unit's index or rank (not of a part of it, such as a domain)."""
    return [source for source in row.sources if not source.measure]


class RankingData(TableListData):  # type: ignore[misc]  # django-tables2 ships no types
    """The rows sorted by ``dashboards.ranking.sort_rows`` (missing values last in both directions)."""

    def order_by(self, aliases: Sequence[str]) -> None:
        self.data: list[RankingRow] = sort_rows(list(self.data), aliases)


class Column(tables.Column):  # type: ignore[misc]
    """A column whose every cell goes through the table's ``cell`` (an empty value too: it says why)."""

    def __init__(self, verbose_name: str | Promise, *, numeric: bool = False, **kwargs: Any) -> None:
        attrs = {"td": {"class": "num"}, "th": {"class": "num"}} if numeric else {}
        super().__init__(verbose_name=verbose_name, accessor="rank", empty_values=(), attrs=attrs, **kwargs)

    def render(self, record: Record, table: PublicTable, bound_column: BoundColumn) -> SafeString:
        return table.cell(bound_column.name, record)[1]

    def value(self, record: Record, table: PublicTable, bound_column: BoundColumn) -> str:
        return table.cell(bound_column.name, record)[0]


class PublicTable(tables.Table):  # type: ignore[misc]
    """Rows of ``scoring.public.public_ranking``, averages pinned on top, sorted by ``?sap_xep=``."""

    row_header = "don_vi"

    class Meta:
        template_name = "dashboards/_table.html"
        order_by_field = "sap_xep"
        attrs = {"class": "ranking", "data-testid": "ranking"}
        empty_text = ""

    def __init__(
        self,
        rows: list[RankingRow],
        *,
        averages: Sequence[AverageLine] = (),
        order_by: Sequence[str] = ("hang",),
        complete: bool = True,
        unit_count: int = 0,
        caption: str = "",
        extra_columns: Sequence[tuple[str, tables.Column]] | None = None,
    ) -> None:
        self._averages = list(averages)
        self.complete = complete
        self.unit_count = unit_count
        self.caption = caption
        super().__init__(RankingData(rows), order_by=order_by, extra_columns=extra_columns)
        self.empty_text = _("Không có đơn vị nào khớp với bộ lọc.")

    def get_top_pinned_data(self) -> list[AverageLine]:
        return self._averages

    def cell(self, name: str, record: Record) -> Cell:
        method: Callable[[Record], Cell] | None = getattr(self, f"_cell_{name}", None)
        if method is None:
            return _plain("")
        return method(record)

    # Cells shared by both tables ---------------------------------------------------------------------------

    def _cell_hang(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if not self.complete and record.rank_source == "computed":
            return _plain(f"{record.rank}{COMPUTED_RANK_MARK}")
        return _plain(str(record.rank))

    def _cell_don_vi(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain(record.label)
        return _plain(record.unit.name)

    def _cell_chi_so(self, record: Record) -> Cell:
        if record.index is None:
            return _missing(record.note if isinstance(record, AverageLine) else record.missing)
        text = format_number(record.index)
        if isinstance(record, AverageLine) and record.note:
            return f"{text} ({record.note})", format_html(
                '{}<small class="why"> ({})</small>', text, record.note
            )
        return _plain(text)


class RankingTable(PublicTable):
    """Rank, unit, index %, rank change, index change, group, region, rank in region, sources."""

    class Meta(PublicTable.Meta):
        pass

    hang = Column(_lazy("Hạng"), numeric=True)
    don_vi = Column(_lazy("Tỉnh, thành phố"))
    chi_so = Column(_lazy("Chỉ số (%)"), numeric=True)
    thay_doi_hang = Column(_lazy("Thay đổi hạng"), numeric=True)
    thay_doi_chi_so = Column(_lazy("Thay đổi chỉ số"), numeric=True)
    nhom = Column(_lazy("Nhóm"))
    vung = Column(_lazy("Vùng"))
    hang_trong_vung = Column(_lazy("Hạng trong vùng"), numeric=True)
    nguon = Column(_lazy("Nguồn"), orderable=False)

    def __init__(
        self, rows: list[RankingRow], *, unit_level: str = UnitLevel.PROVINCE, **kwargs: Any
    ) -> None:
        super().__init__(rows, **kwargs)
        if unit_level != UnitLevel.PROVINCE:
            self.columns["don_vi"].column.verbose_name = _("Đơn vị")

    def _cell_thay_doi_hang(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        change = record.rank_change
        if change is None:
            return _missing(rank_change_missing(record))
        if change > 0:
            text, css, spoken = f"▲ {change}", "up", _("tăng %(n)s bậc") % {"n": change}
        elif change < 0:
            text, css, spoken = f"▼ {-change}", "down", _("giảm %(n)s bậc") % {"n": -change}
        else:
            text, css, spoken = "=", "same", _("giữ nguyên thứ hạng")
        html = format_html('<span class="{}" role="img" aria-label="{}">{}</span>', css, spoken, text)
        return self._with_basis(record, text, html)

    def _cell_thay_doi_chi_so(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if record.index_change is None:
            return _missing(index_change_missing(record))
        text = _signed(record.index_change)
        return self._with_basis(record, text, format_html("{}", text))

    def _with_basis(self, record: RankingRow, text: str, html: SafeString) -> Cell:
        """A change against the mean of the predecessors (2025 merger) carries the mark the legend explains."""
        if record.change_basis != ChangeBasis.PREDECESSORS_MEAN:
            return text, html
        return (
            f"{text} {PREDECESSORS_MARK}",
            format_html('{} <span class="basis-mark">{}</span>', html, PREDECESSORS_MARK),
        )

    def _cell_nhom(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if not record.group:
            return _missing(record.missing)
        return record.group, format_html('<span class="group group-{0}">{0}</span>', record.group)

    def _cell_vung(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if record.region is None:
            return _missing(_("chưa xếp vùng"))
        return _plain(record.region.display_name)

    def _cell_hang_trong_vung(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if record.region_rank is None:
            return _missing(record.missing or _("chưa xếp vùng"))
        return _plain(str(record.region_rank))

    def _cell_nguon(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return source_links(
                (Source(url, None, None, "", False, "") for url in record.sources), show_values=False
            )
        sources = total_sources(record)
        if not sources:
            return _plain("")
        return source_links(sources, show_values=any(source.disagrees for source in sources))


HEAT_STEPS = (95, 90, 85, 80, 75, 70, 60)  # % of the domain maximum: heat-7 from 95%, ..., heat-0 below 60%


def heat_class(percent: Decimal) -> str:
    """The colour step of a domain cell (the number is always printed: the colour only helps the eye)."""
    for position, step in enumerate(HEAT_STEPS):
        if percent >= step:
            return f"heat-{len(HEAT_STEPS) - position}"
    return "heat-0"


def domain_header(domain: Criterion) -> str:
    name = domain.name_en if domain.name_en and get_language() == "en" else domain.name_vi
    if domain.max_points is None:
        maximum = _("tối đa chưa rõ")
    elif domain.max_points_status == MaxPointsStatus.PROVISIONAL:
        maximum = _("tối đa %(points)s, tạm tính") % {"points": format_number(domain.max_points)}
    else:
        maximum = _("tối đa %(points)s") % {"points": format_number(domain.max_points)}
    return f"{domain.number}. {name} ({maximum})"


class DomainTable(PublicTable):
    """Rank, unit, index %, then each domain (% of its maximum colour-scaled and printed, domain rank and its
    band) and how many domains rank in the top band."""

    class Meta(PublicTable.Meta):
        pass

    hang = Column(_lazy("Hạng"), numeric=True)
    don_vi = Column(_lazy("Tỉnh, thành phố"))
    chi_so = Column(_lazy("Chỉ số (%)"), numeric=True)

    def __init__(self, rows: list[RankingRow], *, domains: Sequence[Criterion], **kwargs: Any) -> None:
        columns: list[tuple[str, tables.Column]] = [
            (domain_column(domain.number), Column(domain_header(domain), numeric=True)) for domain in domains
        ]
        columns.append((TOP_DOMAINS, Column(_("Số lĩnh vực trong nhóm đầu"), numeric=True)))
        self.domain_count = len(domains)
        super().__init__(rows, extra_columns=columns, **kwargs)

    def cell(self, name: str, record: Record) -> Cell:
        number = name[len(DOMAIN_PREFIX) :]
        if name.startswith(DOMAIN_PREFIX) and number.isdigit():
            return self._domain_cell(int(number), record)
        return super().cell(name, record)

    def _domain_cell(self, number: int, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        found: DomainCell | None = next((cell for cell in record.domains if cell.number == number), None)
        if found is None:
            return _missing(_("chưa có điểm lĩnh vực"))
        percent = f"{format_number(found.percent)}%"
        rank = _("hạng %(rank)s") % {"rank": found.rank}
        band = band_label(found.band, self.unit_count)
        return (
            f"{percent} · {rank} · {band}",
            format_html(
                '<span class="heat {}">{}</span><small class="domain-rank"> · {} · {}</small>',
                heat_class(found.percent),
                percent,
                rank,
                band,
            ),
        )

    def _cell_lv_nhom_dau(self, record: Record) -> Cell:
        if isinstance(record, AverageLine):
            return _plain("")
        if not record.domains:
            return _missing(_("chưa có điểm lĩnh vực"))
        return _plain(f"{top_domain_count(record)}/{self.domain_count}")
