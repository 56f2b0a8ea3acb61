"""The public ranking as the pages read it: an edition named by its URL, and the rows of ``scoring.public``
filtered, searched and sorted in Python (a year holds at most 63 rows, read once and cached, so no filter or
sort ever reaches the database).

Rules written once here:
- an index's URL slug is its code in lower case with hyphens ("PAR_INDEX" → "par-index");
- ``?loai=`` is absent (official) or "demo": nothing else is public (self-assessments and drafts never are);
- a search ignores case, diacritics, spaces, punctuation and the "tỉnh"/"thành phố"/"TP" prefix, and matches
  any part of a unit's name or of one of its aliases ("da nang", "DAK LAK", "tp hcm");
- a sort puts the units without a value last in both directions, ties in the order of the rank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from parindex.register.models import Edition, EditionKind, Index, Region
from parindex.register.names import ascii_fold, name_key, slug_for, unit_keys
from scoring.models import ChangeBasis
from scoring.public import Band, RankingRow, band_limits

KIND_PARAM = "loai"
GROUPS = ("A", "B", "C", "D")
SEARCH_MAX_LENGTH = 100


def index_slug(index: Index) -> str:
    """The index as a URL names it: "par-index", "sipas"."""
    return index.code.lower().replace("_", "-")


def region_slug(region: Region) -> str:
    """The region as the filter names it: "tay-nguyen", "dong-bang-song-cuu-long"."""
    return slug_for(region.name)


def kind_from_param(value: str | None) -> str | None:
    """The edition kind of ``?loai=``: official when absent, demo when "demo"; None (not public) otherwise."""
    if value in (None, "", EditionKind.OFFICIAL):
        return EditionKind.OFFICIAL
    if value == EditionKind.DEMO:
        return EditionKind.DEMO
    return None


def kind_param(edition: Edition) -> str:
    """The ``?loai=`` value that names the edition's kind ("" for official, the default)."""
    return EditionKind.DEMO if edition.is_demo else ""


# --- Filtering and search ---------------------------------------------------------------------------------


def search_key(text: str) -> str:
    """What a search compares: "TP. Hồ Chí Minh" → "hochiminh", "Đắk Lắk" → "daklak"."""
    return name_key(text)


def matches_search(row: RankingRow, key: str) -> bool:
    """Whether the unit's name or one of its aliases contains the search key (see ``search_key``)."""
    return not key or any(key in unit_key for unit_key in unit_keys(row.unit))


def filter_rows(
    rows: Iterable[RankingRow], *, region: str = "", group: str = "", search: str = ""
) -> list[RankingRow]:
    """The rows of one region (by slug), of one group, whose unit matches the search; "" matches all, and a
    search of nothing but punctuation matches none."""
    key = search_key(search) if search else ""
    if search and not key:
        return []
    return [
        row
        for row in rows
        if (not region or (row.region is not None and region_slug(row.region) == region))
        and (not group or row.group == group)
        and matches_search(row, key)
    ]


# --- Sorting ----------------------------------------------------------------------------------------------

SortKey = Callable[[RankingRow], object]

_GROUP_ORDER = {group: position for position, group in enumerate(GROUPS)}

# Each sortable column of the ranking by its URL name; None is a missing value (always sorted last).
SORT_KEYS: dict[str, SortKey] = {
    "hang": lambda row: row.rank,
    "don_vi": lambda row: ascii_fold(row.unit.name),
    "chi_so": lambda row: row.index,
    "thay_doi_hang": lambda row: row.rank_change,
    "thay_doi_chi_so": lambda row: row.index_change,
    "nhom": lambda row: _GROUP_ORDER.get(row.group),
    "vung": lambda row: (row.region.order, row.region.name) if row.region else None,
    "hang_trong_vung": lambda row: row.region_rank,
}
DOMAIN_PREFIX = "lv"  # a domain's column: "lv3" for domain 3
TOP_DOMAINS = "lv_nhom_dau"  # how many domains rank in the top band


def domain_column(number: int) -> str:
    return f"{DOMAIN_PREFIX}{number}"


def sort_key(name: str) -> SortKey | None:
    """The key of a sortable column (the ranking's, a domain's, or the count of top-band domains)."""
    if name in SORT_KEYS:
        return SORT_KEYS[name]
    if name == TOP_DOMAINS:
        return lambda row: top_domain_count(row) if row.domains else None
    if name.startswith(DOMAIN_PREFIX) and name[len(DOMAIN_PREFIX) :].isdigit():
        number = int(name[len(DOMAIN_PREFIX) :])
        return lambda row: next((cell.rank for cell in row.domains if cell.number == number), None)
    return None


def sort_rows(rows: list[RankingRow], names: Iterable[str]) -> list[RankingRow]:
    """The rows sorted by columns ("-chi_so": descending), the first name the most significant. Missing values
    go last whichever the direction; equal values keep the order of the rank (Python's sort is stable)."""
    ordered = sorted(rows, key=lambda row: (row.rank, ascii_fold(row.unit.name)))
    for alias in reversed(list(names)):
        key = sort_key(alias.lstrip("-"))
        if key is None:
            continue
        present = [row for row in ordered if key(row) is not None]
        missing = [row for row in ordered if key(row) is None]
        present.sort(key=key, reverse=alias.startswith("-"))  # type: ignore[arg-type]
        ordered = present + missing
    return ordered


def top_domain_count(row: RankingRow) -> int:
    return sum(1 for cell in row.domains if cell.band == Band.TOP)


# --- Words for what is shown -------------------------------------------------------------------------------


def band_ranges(unit_count: int) -> tuple[str, str, str]:
    """The three bands of ranks as read: ("1–20", "21–40", "41–63") for 63 units, scaled for another count."""
    top, middle = band_limits(unit_count)
    last = max(unit_count, middle + 1)
    return f"1–{top}", f"{top + 1}–{middle}", f"{middle + 1}–{last}"


def band_label(band: Band, unit_count: int) -> str:
    top, middle, bottom = band_ranges(unit_count)
    return {Band.TOP: top, Band.MIDDLE: middle, Band.BOTTOM: bottom}[band]


def rank_change_missing(row: RankingRow) -> str:
    """Why a row has no rank change."""
    if row.change_basis == ChangeBasis.NONE:
        return _("không so sánh: đơn vị hợp nhất")
    return _("không có thứ hạng năm trước")


def index_change_missing(row: RankingRow) -> str:
    """Why a row has no index change."""
    if row.index is None:
        return row.missing
    if row.change_basis == ChangeBasis.NONE:
        return _("không so sánh: đơn vị hợp nhất")
    return _("không có chỉ số năm trước")


@dataclass(frozen=True)
class AverageLine:
    """The national (or a regional) average as a line of the table, with its sources when published."""

    label: str
    index: Decimal | None
    note: str  # "công bố" or "tính trên 10 đơn vị"
    sources: tuple[str, ...] = ()
