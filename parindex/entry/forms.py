"""Entry forms: reading the year grid's inputs into RowInputs (numbers through parindex.register.numbers, so "87,33"
and "87.33" both work), and the small forms for creating and reopening an edition. No business rules here:
ranges, maxima and completeness are checked by parindex.entry.services."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parindex.entry.services import TEXT_MAX_LENGTH, CellError, RowInput, cell_field
from parindex.register.models import FIRST_YEAR, LAST_YEAR, EditionKind, Index, Methodology
from parindex.register.numbers import MAX_TEXT_LENGTH, NumberError, parse_decimal, parse_rank, shown

# ASCII digits only (`\d` matches other scripts' digits too), and no more than a bigint holds.
_KEY = re.compile(r"^p-([0-9]{1,18})-(version|index|rank|d[0-9]{1,2}(?:\.[0-9]{1,2}){0,2})$", re.ASCII)
_VERSION = re.compile(r"^[0-9]{1,9}$", re.ASCII)
MODE_PARAM = "don_vi"
MODE_POINTS = "diem"
MODE_PERCENT = "phan_tram"


def input_name(unit_id: int, key: str) -> str:
    """The grid input's name: p-<unit id>-d<criterion code> | -index | -rank | -version."""
    return f"p-{unit_id}-{key}"


def service_field(key: str) -> str:
    """The grid key of a cell as the services name its field ("index" → "published_index")."""
    return {"index": "published_index", "rank": "published_rank"}.get(key, key)


def grid_key(field: str) -> str:
    return {"published_index": "index", "published_rank": "rank"}.get(field, field)


def echoed(text: str) -> str:
    """What the grid shows again of a typed value: never more than MAX_TEXT_LENGTH characters (a value that
    long is refused by the number parser anyway; a pasted megabyte is not sent back into the page)."""
    return text if len(text) <= MAX_TEXT_LENGTH else text[:MAX_TEXT_LENGTH] + "…"


def parse_version(text: str) -> int | None:
    """The row version the grid posted (a hidden input), or None when it is missing or not a whole number."""
    return int(text) if _VERSION.match(text) else None


@dataclass(frozen=True)
class ParsedGrid:
    rows: list[RowInput]  # cells that did not parse are left out (so the services still check the rest)
    raw: dict[int, dict[str, str]]  # what was typed, to show it again (long values cut, see `echoed`)
    errors: list[CellError]  # cells that are not numbers


def parse_grid(data: Mapping[str, str], criterion_codes: Iterable[str]) -> ParsedGrid:
    """The rows posted by the grid: every unit whose inputs appear in `data`."""
    codes = list(criterion_codes)
    posted: dict[int, dict[str, str]] = {}
    for name in data:
        match = _KEY.match(name)
        if match:
            posted.setdefault(int(match.group(1)), {})[match.group(2)] = str(data.get(name, "")).strip()
    raw = {unit_id: {key: echoed(text) for key, text in cells.items()} for unit_id, cells in posted.items()}
    rows: list[RowInput] = []
    errors: list[CellError] = []
    for unit_id, cells in posted.items():
        points: dict[str, Decimal | None] = {}
        index: Decimal | None = None
        rank: int | None = None
        for code in codes:
            key = cell_field(code)
            if key not in cells:
                continue
            try:
                points[code] = parse_decimal(cells[key])
            except NumberError as error:
                errors.append(CellError(unit_id, key, str(error)))
        try:
            index = parse_decimal(cells.get("index", ""))
        except NumberError as error:
            errors.append(CellError(unit_id, "published_index", str(error)))
        try:
            rank = parse_rank(cells.get("rank", ""))
        except NumberError as error:
            errors.append(CellError(unit_id, "published_rank", str(error)))
        # The version is what guards against overwriting another editor's save: without a readable one the
        # row is refused (never saved unchecked).
        version = parse_version(cells.get("version", ""))
        if version is None:
            errors.append(
                CellError(
                    unit_id,
                    "row",
                    gettext(
                        "Không đọc được phiên bản của dòng (nhận được “%(value)s”): hãy tải lại bảng nhập liệu "
                        "rồi nhập lại."
                    )
                    % {"value": shown(cells.get("version", ""))},
                )
            )
        rows.append(RowInput(unit_id, index, rank, points, expected_version=version))
    return ParsedGrid(rows=rows, raw=raw, errors=errors)


class EditionCreateForm(forms.Form):
    index = forms.ModelChoiceField(
        label=_("Chỉ số"),
        queryset=Index.objects.all(),
        required=False,
        help_text=_("Để trống: PAR INDEX của các tỉnh, thành phố."),
    )
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=[
            (EditionKind.OFFICIAL, EditionKind.OFFICIAL.label),
            (EditionKind.SELF, EditionKind.SELF.label),
        ],
    )
    methodology = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=Methodology.objects.filter(year_from__isnull=False, year_until__isnull=False),
        required=False,
        help_text=_("Bộ tiêu chí áp dụng cho năm đó. Để trống: chỉ nhập được chỉ số và thứ hạng công bố."),
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do mở lại"),
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Lý do được lưu trong lịch sử của kỳ đánh giá."),
    )
