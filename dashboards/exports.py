"""CSV and .xlsx of exactly what a public table shows: its columns, rows (the averages' lines included), order and
words, from ``Table.as_values()``; the sources as URLs; and, for demo data, a first column saying so on every row
(any part of the file copied elsewhere still says it)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django_tables2 import Table
from openpyxl import Workbook
from openpyxl.styles import Font

from parindex.register.numbers import NumberError, parse_decimal

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def table_values(table: Table, *, demo: bool) -> list[list[str]]:
    """The table's header and rows as text, with the demo column first when the data are demo."""
    rows = [[str(value) for value in row] for row in table.as_values()]
    if demo:
        label = _("MINH HỌA (DEMO)")
        rows = [[_("Dữ liệu"), *rows[0]], *([label, *row] for row in rows[1:])]
    return rows


def csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the Vietnamese letters."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _cell_value(text: str) -> object:
    """A number where the cell shows only a number ("87,33", "+4,30", "12"); the text otherwise."""
    if not _NUMBER.match(text):
        return text
    try:
        value = parse_decimal(text)
    except NumberError:
        return text
    if value is not None and value == value.to_integral_value() and not re.search(r"[.,]", text):
        return int(value)
    return value


def xlsx_bytes(rows: Sequence[Sequence[str]], *, title: str, info: Sequence[tuple[str, str]]) -> bytes:
    """The rows on a first sheet (numbers as numbers, two decimals), and what the file holds on a second one."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _SHEET_FORBIDDEN.sub(" ", title)[:31]
    for number, row in enumerate(rows):
        sheet.append([text if number == 0 else _cell_value(text) for text in row])
        if number:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    about = workbook.create_sheet(_SHEET_FORBIDDEN.sub(" ", _("Thông tin"))[:31])
    for label, value in info:
        about.append([label, value])
    for cell in about["A"]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
