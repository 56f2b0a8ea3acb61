"""Hostile workbooks (issue 11, item 2): an .xlsx that expands beyond the limits is refused by
`check_workbook` before anything parses it, with a message naming the limit; real workbooks pass. Every file is
built here with zipfile (or openpyxl for the real ones). No database."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable

import pytest
from django.test import override_settings
from django.utils import translation

from parindex.register.numbers import format_number
from parindex.transfer.spreadsheets import (
    SpreadsheetError,
    check_upload,
    check_workbook,
    parse_size,
    read_table,
)
from tests.transfer.test_spreadsheets import data_row, xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
WORKBOOK = f'<workbook xmlns="{MAIN}"><sheets/></workbook>'.encode()


def workbook_zip(
    parts: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED, extra_members: int = 0
) -> bytes:
    """A zip with the two parts that make it a workbook, then `parts` (and `extra_members` empty files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        for name, content in parts.items():
            archive.writestr(name, content, compress_type=method)
        for number in range(extra_members):
            archive.writestr(f"xl/media/empty{number}.bin", b"")
    return buffer.getvalue()


def shared_strings(count: int, text: str = "x") -> bytes:
    item = f"<si><t>{text}</t></si>".encode()
    return f'<sst xmlns="{MAIN}">'.encode() + item * count + b"</sst>"


def bomb(count: int) -> bytes:
    """The field report's workbook: `count` shared strings of one letter (5 million: about 200 KB, 85 MB
    expanded). Written in pieces, so that building it stays cheap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        with archive.open("xl/sharedStrings.xml", "w") as member:
            member.write(f'<sst xmlns="{MAIN}">'.encode())
            piece = b"<si><t>x</t></si>" * 10_000
            for _ in range(count // 10_000):
                member.write(piece)
            member.write(b"</sst>")
    return buffer.getvalue()


def sheet(rows: str, prefix: str = "") -> bytes:
    tag = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return f"<{tag}worksheet {xmlns}><{tag}sheetData>{rows}</{tag}sheetData></{tag}worksheet>".encode()


def rows_of(count: int, columns: int, prefix: str = "") -> str:
    tag = f"{prefix}:" if prefix else ""
    letters = [chr(65 + c) for c in range(columns)]
    return "".join(
        f'<{tag}row r="{r}">'
        + "".join(f'<{tag}c r="{letter}{r}"><{tag}v>1</{tag}v></{tag}c>' for letter in letters)
        + f"</{tag}row>"
        for r in range(1, count + 1)
    )


def with_declared_size(data: bytes, name: str, size: int, crc: int | None = None) -> bytes:
    """`data` with the central directory saying member `name` expands to `size` bytes (and has CRC `crc`)."""
    out = bytearray(data)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", out, start + 28)[0]
        if out[start + 46 : start + 46 + name_length] == name.encode():
            struct.pack_into("<I", out, start + 24, size)
            if crc is not None:
                struct.pack_into("<I", out, start + 16, crc)
            return bytes(out)
        start += 4
    raise AssertionError(f"no member {name}")


def lying_size(*, matching_crc: bool) -> bytes:
    """A sheet of 5 MB whose header says 2 KB (optionally with the CRC of those 2 KB, so the cut goes unseen)."""
    content = sheet(rows_of(30_000, 10))
    data = workbook_zip({"xl/worksheets/sheet1.xml": content})
    crc = zlib.crc32(content[:2048]) if matching_crc else None
    return with_declared_size(data, "xl/worksheets/sheet1.xml", 2048, crc)


def billion_laughs() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
    )
    return f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]><sst xmlns="{MAIN}"><si><t>&i;</t></si></sst>'.encode()


def styles(formats: int) -> bytes:
    return f'<styleSheet xmlns="{MAIN}"><cellXfs>{"<xf/>" * formats}</cellXfs></styleSheet>'.encode()


def truncated() -> bytes:
    data = xlsx_bytes([data_row("Hà Nội")])
    return data[: len(data) // 2]


MB = 1024 * 1024

# (build the file, settings for the case, the message expected)
REFUSED: dict[str, tuple[Callable[[], bytes], dict[str, int], str]] = {
    "field-report-bomb-5-million-shared-strings": (
        lambda: bomb(5_000_000),
        {},
        "Tệp .xlsx giải nén ra quá lớn (hơn 50 MB)",
    ),
    "the-same-bomb-counted-while-streaming": (
        lambda: bomb(5_000_000),
        {"IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES": 200 * MB, "IMPORT_XLSX_MAX_RATIO": 1000},
        "Tệp có quá nhiều chuỗi văn bản (hơn 200.000)",
    ),
    "too-many-shared-strings": (
        lambda: workbook_zip({"xl/sharedStrings.xml": shared_strings(1_001)}),
        {"IMPORT_XLSX_MAX_SHARED_STRINGS": 1_000},
        "Tệp có quá nhiều chuỗi văn bản (hơn 1.000)",
    ),
    "too-many-cells": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": sheet(rows_of(200, 12))}),
        {"IMPORT_XLSX_MAX_CELLS": 2_000},
        "Tệp có quá nhiều ô (hơn 2.000)",
    ),
    "cells-with-a-namespace-prefix": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": sheet(rows_of(200, 12, prefix="x"))}),
        {"IMPORT_XLSX_MAX_CELLS": 2_000},
        "Tệp có quá nhiều ô (hơn 2.000)",
    ),
    "cells-far-right-count-as-openpyxl-pads-them": (
        lambda: workbook_zip(
            {
                "xl/worksheets/sheet1.xml": sheet(
                    "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 41))
                )
            }
        ),
        {},
        "Tệp có quá nhiều ô (hơn 500.000)",
    ),
    "too-many-rows": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": sheet(rows_of(150, 1))}),
        {"IMPORT_XLSX_MAX_ROWS": 100},
        "Tệp có quá nhiều dòng (hơn 100)",
    ),
    "one-row-at-the-bottom-of-the-sheet": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": sheet('<row r="1048576"><c r="A1048576"/></row>')}),
        {},
        "Tệp có quá nhiều dòng (hơn 20.000)",
    ),
    "too-many-xml-elements": (
        lambda: workbook_zip({"xl/styles.xml": styles(5_000)}),
        {"IMPORT_XLSX_MAX_XML_ELEMENTS": 4_000},
        "Tệp có quá nhiều phần tử XML (hơn 4.000)",
    ),
    "declared-size-too-large": (
        lambda: workbook_zip({"xl/sharedStrings.xml": shared_strings(20_000, text="y" * 100)}),
        {"IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES": 1 * MB},
        "Tệp .xlsx giải nén ra quá lớn (hơn 1 MB)",
    ),
    "declared-size-small-content-big": (
        lambda: lying_size(matching_crc=False),
        {},
        "Không đọc được tệp .xlsx",
    ),
    "declared-size-small-content-big-crc-forged": (
        lambda: lying_size(matching_crc=True),
        {},
        "Không đọc được tệp .xlsx",
    ),
    "compression-ratio": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": sheet("") + b" " * (4 * MB)}),
        {},
        "bị nén bất thường (một thành phần giải nén ra gấp hơn 100 lần)",
    ),
    "too-many-members": (
        lambda: workbook_zip({}, extra_members=1_001),
        {},
        "Tệp .xlsx có quá nhiều thành phần (hơn 1.000)",
    ),
    "bzip2-member": (
        lambda: workbook_zip({"xl/sharedStrings.xml": shared_strings(10)}, method=zipfile.ZIP_BZIP2),
        {},
        "phương thức nén không được hỗ trợ",
    ),
    "entity-expansion": (
        lambda: workbook_zip({"xl/sharedStrings.xml": billion_laughs()}),
        {},
        "khai báo DOCTYPE hoặc thực thể XML",
    ),
    "malformed-xml": (
        lambda: workbook_zip({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"}),
        {},
        "Không đọc được tệp .xlsx",
    ),
    "not-a-zip": (lambda: b"PK\x03\x04" + os.urandom(5000), {}, "không phải là tệp bảng tính"),
    "truncated-zip": (truncated, {}, "không phải là tệp bảng tính"),
    "zip-without-a-workbook": (
        lambda: _plain_zip({"word/document.xml": b"<document/>"}),
        {},
        "không phải là tệp bảng tính",
    ),
}


def _plain_zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("make", "limits", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_hostile_workbook_is_refused_before_parsing_with_the_limit_named(make, limits, message):
    data = make()
    with override_settings(**limits), translation.override("vi"):
        with pytest.raises(SpreadsheetError) as refused:
            check_workbook(data)
        assert message in str(refused.value)
        # The same refusal on every path that reads an upload.
        with pytest.raises(SpreadsheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_upload(data)
        with pytest.raises(SpreadsheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_table(data)


def test_the_field_report_bomb_is_small_and_refused_from_its_directory():
    data = bomb(5_000_000)
    assert len(data) < 300 * 1024
    assert parse_size(data) > 80 * MB  # what it declares: the worker would get it, were it not refused


def test_counts_in_messages_are_grouped_in_the_interface_language():
    with translation.override("en"):
        assert format_number(500_000, grouped=True) == "500,000"
    with translation.override("vi"):
        assert format_number(500_000, grouped=True) == "500.000"
        assert format_number(2024) == "2024"  # years and ranks are never grouped


@pytest.mark.parametrize("units", [34, 63], ids=["34-units", "63-units"])
def test_a_real_workbook_passes_with_what_it_holds_counted(units):
    data = xlsx_bytes([data_row(f"Tỉnh {n}") for n in range(units)], above=[["PAR INDEX 2024"]])
    counted = check_workbook(data)
    assert counted.rows == units + 2  # the title and the header
    assert counted.cells == (units + 1) * 12 + 1
    assert counted.shared_strings == 0  # openpyxl writes inline strings
    assert counted.uncompressed == parse_size(data)
    assert read_table(data).rows[-1].unit == f"Tỉnh {units - 1}"


def test_a_workbook_saved_with_shared_strings_passes():
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c><c r="B{r}"><v>{r}</v></c></row>'
        for r in range(1, 64)
    )
    data = workbook_zip(
        {"xl/sharedStrings.xml": shared_strings(63), "xl/worksheets/sheet1.xml": sheet(rows)},
        method=zipfile.ZIP_STORED,
    )
    counted = check_workbook(data)
    assert (counted.shared_strings, counted.rows, counted.cells) == (63, 63, 126)


def test_a_csv_is_measured_by_its_size():
    data = b"Tinh,Chi so\nHa Noi,88\n"
    check_upload(data)
    assert parse_size(data) == len(data)
