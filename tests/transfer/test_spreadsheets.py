"""Reading results tables (parindex.transfer.spreadsheets): file types by content, encodings, delimiters, header names,
formulas and merged cells. No database: only the reading."""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook

from parindex.transfer.spreadsheets import (
    INDEX,
    RANK,
    UNIT,
    YEAR,
    SpreadsheetError,
    decode_text,
    header_role,
    open_upload_bytes,
    read_table,
)

HEAD = ["Tỉnh, thành phố", "Năm", *[f"Lĩnh vực {n}" for n in range(1, 9)], "Chỉ số (%)", "Xếp hạng"]
POINTS = ["8,5", "9", "12,25", "10", "14", "6", "13,5", "13"]


def data_row(
    name: str,
    year: object = 2024,
    points: list[object] | None = None,
    index: object = "86,75",
    rank: object = 5,
):
    return [name, year, *(POINTS if points is None else points), index, rank]


def csv_bytes(
    rows: list[list[object]], head: list[str] = HEAD, *, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    for line in [head, *rows]:
        writer.writerow(["" if v is None else v for v in line])
    text = buffer.getvalue()
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed letters where the code page has them, else the
    base letter (with its breve, circumflex or horn) followed by a combining tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base, tone = unicodedata.normalize("NFC", decomposed[:-1]), decomposed[-1]
        out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def xlsx_bytes(
    rows: list[list[object]],
    head: list[str] = HEAD,
    *,
    above: list[list[object]] = (),  # type: ignore[assignment]
    sheet_name: str = "Kết quả",
    merge: str | None = None,
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    for line in above:
        sheet.append(line)
    sheet.append(head)
    for line in rows:
        sheet.append(line)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Tỉnh, thành phố", UNIT),
        ("TỈNH/THÀNH PHỐ", UNIT),
        ("Tinh thanh pho", UNIT),
        ("Unit", UNIT),
        ("Đơn vị", UNIT),
        ("Năm", YEAR),
        ("Year", YEAR),
        ("Lĩnh vực 1", 1),
        ("Linh vuc 8", 8),
        ("LV3", 3),
        ("LV 03", 3),
        ("Domain 5", 5),
        ("D7", 7),
        ("Lĩnh vực 2 (tối đa 10)", 2),
        ("Chỉ số (%)", INDEX),
        ("Chỉ số", INDEX),
        ("PAR INDEX", INDEX),
        ("Index", INDEX),
        ("Xếp hạng", RANK),
        ("Thứ hạng", RANK),
        ("Rank", RANK),
        ("STT", None),
        ("Ghi chú", None),
        ("Điểm", None),
    ],
    ids=lambda v: str(v),
)
def test_header_names_in_vietnamese_or_english_map_to_columns(header, role):
    assert header_role(header) == role


def test_reads_rows_with_their_spreadsheet_line_numbers():
    table = read_table(xlsx_bytes([data_row("Hà Nội"), [None] * 12, data_row("Huế")]))
    assert table.file_kind == "xlsx"
    assert table.header_line == 1
    assert table.domain_numbers == tuple(range(1, 9))
    assert (table.has_year, table.has_index, table.has_rank) == (True, True, True)
    assert [(r.line, r.unit) for r in table.rows] == [(2, "Hà Nội"), (4, "Huế")]
    assert table.rows[0].points[3] == "12,25"


def test_a_title_above_the_header_is_allowed_and_its_year_is_noted():
    above = [["PAR INDEX 2024 — Kết quả tự đánh giá"], [], ["Nguồn: Sở Nội vụ"]]
    table = read_table(xlsx_bytes([data_row("Hà Nội")], above=above, merge="A1:L1"))
    assert table.header_line == 4
    assert [y for _where, y in table.stated_years] == [2024]


def test_sheet_name_with_a_year_is_noted():
    table = read_table(xlsx_bytes([data_row("Hà Nội")], sheet_name="PAR INDEX 2023"))
    assert [y for _where, y in table.stated_years] == [2023]


def test_workbook_with_several_sheets_reads_the_one_named_for_the_year():
    workbook = Workbook()
    workbook.active.title = "Ghi chú"
    workbook.active.append(["Không phải bảng kết quả"])
    for year in (2023, 2024):
        sheet = workbook.create_sheet(f"Năm {year}")
        sheet.append(HEAD)
        sheet.append(data_row(f"Tỉnh {year}", year=year))
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), year=2024)
    assert table.sheet_name == "Năm 2024"
    assert [r.unit for r in table.rows] == ["Tỉnh 2024"]


def test_formula_cells_are_reported_on_their_row():
    rows = [data_row("Hà Nội", points=["=5+3.5", *POINTS[1:]])]
    table = read_table(xlsx_bytes(rows))
    (problem,) = table.rows[0].problems
    assert problem[0] == "d1"
    assert "C2" in problem[1] and "công thức" in problem[1]


def test_a_formula_in_a_csv_cell_is_reported_too():
    table = read_table(csv_bytes([data_row("Hà Nội", index="=SUM(C2:J2)")]))
    (problem,) = table.rows[0].problems
    assert problem[0] == "published_index"


@pytest.mark.parametrize(
    "merge",
    ["A1:B1", "C1:J1", "A1:A2", "C2:D2"],
    ids=["unit-and-year-headers", "domain-headers", "header-and-first-row", "data-cells"],
)
def test_merged_header_or_data_cells_are_refused(merge):
    with pytest.raises(SpreadsheetError, match="ô gộp"):
        read_table(xlsx_bytes([data_row("Hà Nội"), data_row("Huế")], merge=merge))


def test_two_row_header_with_merged_group_cell_is_refused_as_merged():
    above = [["Tỉnh, thành phố", "Năm", "Điểm các lĩnh vực"]]
    content = xlsx_bytes([data_row("Hà Nội")], head=[None, None, *HEAD[2:]], above=above, merge="C1:J1")
    with pytest.raises(SpreadsheetError, match="ô gộp"):
        read_table(content)


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (os.urandom(4096), "không phải là tệp bảng tính"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "không phải là tệp bảng tính"),
        (_zip_without_workbook(), "không phải là tệp bảng tính"),
        (b"PK\x03\x04" + b"\x00" * 200, "không phải là tệp bảng tính"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
        (b"", "rỗng"),
        ("Xin chào\r\nđây là một bức thư\r\n".encode(), "Không tìm thấy dòng tiêu đề"),
        (b"\x00\x01\x02 binary \x03\x04", "không phải là tệp bảng tính"),
    ],
    ids=[
        "random-bytes",
        "pdf",
        "docx-like-zip",
        "broken-zip",
        "xls-97",
        "empty",
        "text-without-header",
        "nul-bytes",
    ],
)
def test_files_that_are_not_results_tables_are_refused_by_content(content, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_table(content)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8-sig", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("utf-16", "UTF-16"), ("cp1258", "Windows-1258")],
    ids=["utf8-bom", "utf8", "utf16", "windows-1258"],
)
def test_csv_encodings_are_detected_and_names_normalised(encoding, expected):
    content = csv_bytes([data_row("Đắk Lắk"), data_row("Thừa Thiên Huế")], encoding=encoding)
    table = read_table(content)
    assert table.encoding == expected
    assert [r.unit for r in table.rows] == ["Đắk Lắk", "Thừa Thiên Huế"]
    assert all(unicodedata.is_normalized("NFC", r.unit) for r in table.rows)


def test_windows_1258_bytes_are_really_combining_marks():
    # "ắ" is not in the code page: "ă" followed by the combining acute accent (0xEC).
    assert to_cp1258("Đắk") == b"\xd0\xe3\xeck"
    assert decode_text(b"\xd0\xe3\xeck")[0] == "Đắk"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_delimiter_is_sniffed(delimiter):
    table = read_table(csv_bytes([data_row("Hà Nội")], delimiter=delimiter))
    assert table.domain_numbers == tuple(range(1, 9))
    assert table.rows[0].points[1] == "8,5"
    assert table.rows[0].rank == "5"


def test_unknown_columns_are_listed_and_ignored():
    table = read_table(csv_bytes([["1", *data_row("Hà Nội")]], head=["STT", *HEAD]))
    assert table.ignored_headers == ("STT",)
    assert table.rows[0].unit == "Hà Nội"


def test_duplicate_columns_are_refused():
    with pytest.raises(SpreadsheetError, match="trùng"):
        read_table(csv_bytes([[*data_row("Hà Nội"), "1"]], head=[*HEAD, "LV1"]))


def test_a_file_over_the_limit_is_refused_by_its_size_before_reading(settings):
    class Unreadable(io.RawIOBase):
        def read(self, *args):  # pragma: no cover - must not be called
            raise AssertionError("read before the size check")

    with pytest.raises(SpreadsheetError, match="quá lớn"):
        open_upload_bytes(Unreadable(), 50 * 1024 * 1024)


def test_a_file_that_lies_about_its_size_is_cut_at_the_limit(settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(SpreadsheetError, match="quá lớn"):
        open_upload_bytes(io.BytesIO(b"x" * 5000), 10)


def test_rows_stop_mapping_at_header_search_limit():
    above = [[f"ghi chú {n}"] for n in range(12)]
    with pytest.raises(SpreadsheetError, match="Không tìm thấy dòng tiêu đề"):
        read_table(xlsx_bytes([data_row("Hà Nội")], above=above))


def test_bom_only_is_not_a_table():
    with pytest.raises(SpreadsheetError):
        read_table(codecs.BOM_UTF8)
