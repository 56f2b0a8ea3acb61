"""Export of an edition, and the empty template, in the one layout the import reads (parindex.transfer.spreadsheets).

Layout: one row of headers — “Tỉnh, thành phố”, “Năm”, “Lĩnh vực 1 (tối đa 10)” … one per domain of the
edition's methodology, “Chỉ số (%)”, “Xếp hạng” — then one row per unit. Points are in points (not %), with a
decimal point; empty cells are values not entered. Importing an export of the same edition changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from parindex.register.models import Criterion, Edition
from parindex.register.selectors import assessments_with_scores, domains_of, units_of

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _points_text(value: Decimal) -> str:
    return f"{value:f}".replace(",", ".")


def headers(edition: Edition, domains: dict[int, Criterion] | None = None) -> list[str]:
    """The header row of the template and the exports of `edition`."""
    domains = domains_of(edition) if domains is None else domains
    out = [_("Tỉnh, thành phố"), _("Năm")]
    for number, domain in sorted(domains.items()):
        if domain.max_points is None:
            out.append(_("Lĩnh vực %(n)s") % {"n": number})
        else:
            out.append(
                _("Lĩnh vực %(n)s (tối đa %(max)s)")
                % {"n": number, "max": _points_text(domain.max_points.normalize())}
            )
    out += [_("Chỉ số (%)"), _("Xếp hạng")]
    return out


def edition_rows(edition: Edition, *, empty: bool = False) -> list[list[Any]]:
    """One row per unit: the edition's assessments, or (empty=True) every unit of that year with no values."""
    domains = domains_of(edition)
    numbers = sorted(domains)
    if empty:
        units = units_of(edition).order_by("code", "name")
        return [[p.name, edition.year, *([None] * len(numbers)), None, None] for p in units]
    rows = []
    for a in assessments_with_scores(edition).order_by("unit__code", "unit__name"):
        # Domains entered as a whole (the PAR INDEX); a domain scored by criteria has no single cell here.
        points = {s.criterion.number: s.points for s in a.scores.all() if s.criterion.level == 1}
        rows.append(
            [
                a.unit.name,
                edition.year,
                *(points.get(n) for n in numbers),
                a.published_index,
                a.published_rank,
            ]
        )
    return rows


def sheet_title(edition: Edition) -> str:
    # Demo data is labelled wherever it shows, exported files included. Excel allows 31 characters.
    title = f"{edition.index.short_name} {edition.year}"
    return f"{title[:26]} DEMO" if edition.is_demo else title[:31]


def filename(edition: Edition, extension: str, *, template: bool = False) -> str:
    """ "par-index-2024-official.xlsx", "sipas-2024-official.csv": the index's code, the year and the kind."""
    index = edition.index.code.lower().replace("_", "-")
    stem = (
        f"mau-nhap-{index}-{edition.year}-{edition.kind}"
        if template
        else f"{index}-{edition.year}-{edition.kind}"
    )
    return f"{stem}.{extension}"


def to_xlsx(edition: Edition, *, empty: bool = False) -> bytes:
    """The edition (or the empty template) as an .xlsx workbook: the data sheet first, then a guide."""
    domains = domains_of(edition)
    head = headers(edition, domains)
    rows = edition_rows(edition, empty=empty)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(edition)
    sheet.append(head)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF1F5")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    value_columns = range(3, len(head) + 1)
    for row in rows:
        sheet.append(row)
    for column in value_columns:
        is_rank = column == len(head)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "0" if is_rank else "0.00"
    sheet.column_dimensions["A"].width = 26
    for column in range(2, len(head) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = "B2"
    _guide(workbook.create_sheet(_("Hướng dẫn")), edition, domains)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _guide(sheet: Any, edition: Edition, domains: dict[int, Criterion]) -> None:
    lines: list[Sequence[Any]] = [
        [str(edition)],
        *(
            [[_("DỮ LIỆU MINH HỌA (DEMO): sinh tự động, không phải kết quả chính thức của Bộ Nội vụ.")]]
            if edition.is_demo
            else []
        ),
        [_("Nhập vào trang tính đầu tiên; không đổi tên các cột, không gộp ô, không dùng công thức.")],
        [_("Điểm lĩnh vực ghi bằng điểm (không theo %); chỉ số ghi theo %; dấu thập phân: chấm hoặc phẩy.")],
        [_("Ô để trống: giữ nguyên số liệu đã lưu. Dòng chỉ có tên tỉnh: bỏ qua.")],
        [],
        [_("Lĩnh vực"), _("Tên"), _("Điểm tối đa")],
    ]
    for number, domain in sorted(domains.items()):
        lines.append(
            [number, domain.name_vi, domain.max_points if domain.max_points is not None else _("chưa có")]
        )
    for line in lines:
        sheet.append(list(line))
    sheet.column_dimensions["B"].width = 70


def to_csv(edition: Edition, *, empty: bool = False) -> bytes:
    """The edition (or the empty template) as CSV: UTF-8 with a BOM (so Excel reads Vietnamese), commas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers(edition))
    for row in edition_rows(edition, empty=empty):
        writer.writerow(["" if v is None else _points_text(v) if isinstance(v, Decimal) else v for v in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
