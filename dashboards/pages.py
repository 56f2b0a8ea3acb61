"""What a public ranking or domain page shows, built from the cached public read (``scoring.public`` through
``dashboards.catalogue``): the table, the averages' lines, the notes of a partial year and of the 2025 merger,
the regions, the sources; and what a download says about itself. Nothing here reads the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards import catalogue as cached
from dashboards.filters import RankingFilter
from dashboards.ranking import (
    SORT_KEYS,
    TOP_DOMAINS,
    AverageLine,
    band_ranges,
    domain_column,
    index_slug,
    kind_param,
    region_slug,
)
from dashboards.tables import COMPUTED_RANK_MARK, PREDECESSORS_MARK, DomainTable, PublicTable, RankingTable
from parindex.register.models import Edition
from scoring.models import ChangeBasis, EditionSummary, MergerRule
from scoring.public import UNITS_BEFORE_2025, PublicRanking, RankingRow, RegionRow, Source

RANKING, DOMAINS = "ranking", "domains"
KEPT = ("vung", "nhom", "q")  # what a change of index, year or view keeps
SORTS = {
    RANKING: tuple(SORT_KEYS),
    DOMAINS: ("hang", "don_vi", "chi_so", TOP_DOMAINS, *(domain_column(n) for n in range(1, 100))),
}


@dataclass
class Page:
    """Everything a ranking or domain page shows below its forms (read only when the cached page is stale)."""

    ranking: PublicRanking
    table: PublicTable
    shown: int
    averages: list[AverageLine]
    merger_rule: str = ""
    computed_ranks: bool = False
    predecessors: bool = False
    band_ranges: tuple[str, str, str] = ("", "", "")
    bands_scaled: bool = False
    domain_sources: list[tuple[RankingRow, list[Source]]] = field(default_factory=list)
    print_sources: list[str] = field(default_factory=list)  # every source URL of what the table shows
    regions: list[tuple[str, RegionRow]] = field(default_factory=list)  # (slug for the filter, region)
    has_domains: bool = False

    @property
    def summary(self) -> EditionSummary | None:
        return self.ranking.summary


def averages_lines(ranking: PublicRanking, region_row: RegionRow | None) -> list[AverageLine]:
    """The national average (as published, with its source, else computed and saying over how many units),
    and the average of the region filtered on."""
    lines = []
    summary = ranking.summary
    published = ranking.national_published
    if published:
        lines.append(
            AverageLine(
                _("Trung bình cả nước"), published[0].value, _("công bố"), tuple(s.url for s in published)
            )
        )
    elif summary is not None and summary.national_average is not None:
        note = "" if ranking.complete else _("tính trên %(n)s đơn vị") % {"n": summary.unit_count}
        lines.append(AverageLine(_("Trung bình cả nước"), summary.national_average, note))
    if region_row is not None:
        label = _("Trung bình vùng %(region)s") % {"region": region_row.region.display_name}
        if region_row.published:
            source = region_row.published[0]
            lines.append(
                AverageLine(label, source.value, _("công bố"), tuple(s.url for s in region_row.published))
            )
        else:
            note = "" if ranking.complete else _("tính trên %(n)s đơn vị") % {"n": region_row.unit_count}
            lines.append(AverageLine(label, region_row.average, note))
    return lines


def build_page(edition: Edition, generation: int, filters: RankingFilter, view: str) -> Page:
    """The page (or download) of an edition in a view, filtered and sorted; reads only the cache on a warm one."""
    ranking = cached.ranking(edition, generation)
    rows = filters.rows(ranking.rows)
    region = filters.values["vung"]
    region_row = next((r for r in ranking.regions if region and region_slug(r.region) == region), None)
    averages = averages_lines(ranking, region_row)
    common: dict[str, Any] = {
        "averages": averages,
        "order_by": filters.order_by,
        "complete": ranking.complete,
        "unit_count": ranking.summary.expected_units if ranking.summary else ranking.unit_count,
        "caption": str(edition),
    }
    table: PublicTable
    if view == DOMAINS:
        table = DomainTable(rows, domains=ranking.domains, **common)
    else:
        table = RankingTable(rows, unit_level=edition.index.unit_level, **common)
    bases = {row.change_basis for row in ranking.rows}
    merger = bases & {ChangeBasis.PREDECESSORS_MEAN, ChangeBasis.NONE}
    unit_count = common["unit_count"]
    return Page(
        ranking=ranking,
        table=table,
        shown=len(rows),
        averages=averages,
        merger_rule=str(MergerRule(ranking.summary.merger_rule).label) if merger and ranking.summary else "",
        computed_ranks=not ranking.complete and any(row.rank_source == "computed" for row in rows),
        predecessors=ChangeBasis.PREDECESSORS_MEAN in bases,
        band_ranges=band_ranges(unit_count),
        bands_scaled=unit_count != UNITS_BEFORE_2025,
        domain_sources=[
            (row, [s for s in row.sources if s.measure])
            for row in rows
            if any(s.measure for s in row.sources)
        ],
        regions=[(region_slug(r.region), r) for r in ranking.regions],
        has_domains=any(row.domains for row in ranking.rows),
        print_sources=sorted(
            {url for line in averages for url in line.sources}
            | {s.url for row in rows for s in row.sources if view == DOMAINS or not s.measure}
        ),
    )


def query_string(edition: Edition | None, values: dict[str, str], keep: tuple[str, ...] = KEPT) -> str:
    """The query string of the kind and the kept filters ("" when nothing is set)."""
    params = {"loai": kind_param(edition) if edition else ""} | {name: values.get(name, "") for name in keep}
    encoded = urlencode({name: value for name, value in params.items() if value})
    return f"?{encoded}" if encoded else ""


def edition_urls(edition: Edition) -> dict[str, str]:
    """The pages and downloads of an edition (the kind goes in the query string)."""
    args = [index_slug(edition.index), edition.year]
    return {
        RANKING: reverse("ranking", args=args),
        DOMAINS: reverse("domains", args=args),
        f"{RANKING}_csv": reverse("ranking_download", args=[*args, "csv"]),
        f"{RANKING}_xlsx": reverse("ranking_download", args=[*args, "xlsx"]),
        f"{DOMAINS}_csv": reverse("domains_download", args=[*args, "csv"]),
        f"{DOMAINS}_xlsx": reverse("domains_download", args=[*args, "xlsx"]),
    }


def sheet_title(edition: Edition, view: str) -> str:
    title = f"{edition.index.short_name} {edition.year}"
    if view == DOMAINS:
        title += f" {_('lĩnh vực')}"
    return f"DEMO {title}" if edition.is_demo else title


def about(edition: Edition, page: Page, filters: RankingFilter, page_url: str) -> list[tuple[str, str]]:
    """What the file holds, for its second sheet."""
    values = filters.values
    summary = page.ranking.summary
    about = [
        (_("Kỳ đánh giá"), str(edition)),
        (_("Chỉ số"), edition.index.display_name),
        (_("Năm"), str(edition.year)),
        (_("Trang"), page_url),
        (_("Tải về lúc"), timezone.localtime().strftime("%d/%m/%Y %H:%M")),
        (_("Bộ lọc"), ", ".join(f"{n}={v}" for n, v in values.items() if v) or _("không có")),
        (_("Số đơn vị trong bảng"), str(page.shown)),
    ]
    if summary is not None:
        about.append(
            (_("Kết quả tính lúc"), timezone.localtime(summary.computed_at).strftime("%d/%m/%Y %H:%M"))
        )
        if not summary.complete:
            about.append(
                (
                    _("Năm chưa đủ số liệu"),
                    _("Mới có số liệu của %(n)s/%(total)s đơn vị.")
                    % {"n": summary.unit_count, "total": summary.expected_units},
                )
            )
    if page.computed_ranks:
        about.append(
            (COMPUTED_RANK_MARK, _("Thứ hạng tính trong các đơn vị có số liệu, không phải thứ hạng công bố."))
        )
    if page.predecessors:
        about.append((PREDECESSORS_MARK, _("So với trung bình các đơn vị tiền thân (đợt sắp xếp năm 2025).")))
    if page.merger_rule:
        about.append((_("Quy tắc so sánh qua đợt sắp xếp 2025"), page.merger_rule))
    about.append((_("Nguồn"), _("Cột “Nguồn” ghi địa chỉ công bố của từng số liệu chính thức.")))
    if edition.is_demo:
        about.append(
            (
                _("DỮ LIỆU MINH HỌA (DEMO)"),
                _("Các số liệu được sinh tự động để minh họa, không phải kết quả chính thức của Bộ Nội vụ."),
            )
        )
    return about


def download_name(edition: Edition, view: str, fmt: str) -> str:
    """ "par-index-2024-demo.csv", "par-index-2024-linh-vuc.xlsx"."""
    bits = [index_slug(edition.index), str(edition.year), "demo" if edition.is_demo else ""]
    if view == DOMAINS:
        bits.append("linh-vuc")
    return "-".join(bit for bit in bits if bit) + f".{fmt}"
