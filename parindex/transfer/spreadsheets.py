"""Reading a results table from an uploaded file: .xlsx (openpyxl) or .csv, recognised by content, not by name.

This module only reads: it finds the header row, maps the columns by their names (Vietnamese or English, any case,
with or without diacritics) and returns the raw cells of each data row with their row numbers. Whether the values
are valid for an edition is decided in `parindex.transfer.importing`.

File-level problems (not a spreadsheet, too large, no header row, merged header cells, ...) raise
`SpreadsheetError` with a message for the user; cell-level problems found while reading (a formula) are attached
to the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_ISO8601

from parindex.register.names import ascii_fold
from parindex.register.numbers import format_number, shown

HEADER_SEARCH_ROWS = 10  # a title ("PAR INDEX 2024") and notes may sit above the header row
MAX_DATA_ROWS = 100_000  # 63 units × 8 domains is the usual size; anything far beyond is a mistake
CSV_DELIMITERS = (",", ";", "\t")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
# A title that names the year: "PAR INDEX 2024", "Chỉ số CCHC năm 2023", "Kết quả năm 2022" (matched folded).
_YEAR_IN_TITLE = re.compile(r"(?:par ?index|chi so|cchc|nam|year)\D{0,30}?(?<!\d)(20\d{2})(?!\d)")
_DOMAIN_HEADER = re.compile(r"^(?:linhvuc|lv|domain|d)0?(\d{1,2})(?!\d)")

UNIT = "unit"
YEAR = "year"
INDEX = "index"
RANK = "rank"

# Folded header names (see `fold`) → column role. Domain columns are recognised by `_DOMAIN_HEADER`.
HEADER_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "tinhthanhpho",
            "tinhthanh",
            "tinh",
            "tentinh",
            "tentinhthanhpho",
            "tentinhthanh",
            "donvi",
            "tendonvi",
            "diaphuong",
            "province",
            "provinces",
            "provincecity",
            "provinceorcity",
            "unit",
            "units",
            "songanh",
            "tenso",
            "xa",
            "tenxa",
            "department",
            "commune",
        ),
        UNIT,
    ),
    **dict.fromkeys(("nam", "namdanhgia", "year"), YEAR),
    **dict.fromkeys(
        (
            "chiso",
            "chisocchc",
            "chisocaicachhanhchinh",
            "chisoparindex",
            "parindex",
            "index",
            "parindexscore",
        ),
        INDEX,
    ),
    **dict.fromkeys(("xephang", "thuhang", "hang", "rank", "ranking"), RANK),
}


def field_name(role: str | int) -> str:
    """The name of a column's field in error messages and the preview (as parindex.entry.services.CellError)."""
    if isinstance(role, int):
        return f"d{role}"
    return {INDEX: "published_index", RANK: "published_rank"}.get(role, role)


def fold(text: str) -> str:
    """A header's key: diacritics, case, spaces and punctuation removed ("Chỉ số (%)" → "chiso")."""
    return "".join(_NON_ALNUM.sub(" ", ascii_fold(text)).split())


def header_role(text: str) -> str | int | None:
    """The role of a header cell: UNIT, YEAR, INDEX, RANK, a domain number (int), or None."""
    key = fold(text)
    if key in HEADER_NAMES:
        return HEADER_NAMES[key]
    match = _DOMAIN_HEADER.match(key)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1))
    return None


class SpreadsheetError(ValueError):
    """The file cannot be read as a results table; str() is a message for the user."""


@dataclass(frozen=True)
class RawRow:
    """One data row as written: cell values untouched (str, int, float, None, ...)."""

    line: int  # the row number as the spreadsheet program shows it (1-based)
    unit: str
    year: Any = None
    index: Any = None
    rank: Any = None
    points: dict[int, Any] = field(default_factory=dict)  # domain number → cell value
    # (field, message) found while reading, e.g. a formula; field as in parindex.entry.services.CellError
    problems: tuple[tuple[str, str], ...] = ()

    def is_blank(self) -> bool:
        values = [self.index, self.rank, *self.points.values()]
        return not any(_has_value(v) for v in values)


@dataclass(frozen=True)
class Table:
    """What was read from the file."""

    file_kind: str  # "xlsx" or "csv"
    sheet_name: str  # the worksheet read (empty for CSV)
    encoding: str  # the CSV encoding detected (empty for .xlsx)
    header_line: int
    domain_numbers: tuple[int, ...]
    has_year: bool
    has_index: bool
    has_rank: bool
    stated_years: tuple[tuple[str, int], ...]  # (where, year) from the sheet name or a title above the header
    ignored_headers: tuple[str, ...]
    rows: list[RawRow]


def _has_value(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Entry point ------------------------------------------------------------------------------------------------


def check_size(size: int | None) -> None:
    """Refuse a file above settings.IMPORT_MAX_BYTES before anything reads it."""
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise SpreadsheetError(
            _("Tệp quá lớn (%(size)s MB); giới hạn là %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0")


def check_upload(data: bytes) -> None:
    """Everything refused before a file is parsed: its size, and for a workbook its zip members and what they
    expand to (`check_workbook`). Cheap enough for a web request; every path that reads an upload calls it
    (`read_table` through `_read_xlsx`, and the upload itself before a job is stored)."""
    check_size(len(data))
    if data[:4] == _ZIP_SIGNATURE:
        check_workbook(data)


def parse_size(data: bytes) -> int:
    """The bytes a reader of `data` would parse: for an .xlsx the sum of its members' declared uncompressed sizes
    (an upper bound: Python's zipfile never inflates a member past its declared size), else the file's size.
    Reads only the zip's directory; a file that is not a readable zip counts by its size."""
    if data[:4] != _ZIP_SIGNATURE or data.count(_ZIP_DIRECTORY_ENTRY) > settings.IMPORT_XLSX_MAX_MEMBERS:
        return len(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return max(len(data), sum(info.file_size for info in archive.infolist()))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return len(data)


# --- Hostile workbooks ------------------------------------------------------------------------------------------
# An .xlsx is a zip of XML parts. A few hundred kilobytes can expand to millions of shared strings or cells (a
# "zip bomb"): openpyxl would then take minutes and gigabytes. `check_workbook` refuses such a file before any
# parsing, from the zip's directory first, then by streaming every member through expat with a running count,
# stopping at the first limit passed. The limits (settings.IMPORT_XLSX_*) are far above a PAR workbook (34 or 63
# rows of about 12 columns).

_ZIP_SIGNATURE = b"PK\x03\x04"
_ZIP_DIRECTORY_ENTRY = b"PK\x01\x02"  # one per member in the central directory
_STREAM_CHUNK = 64 * 1024
# A member is judged by its compression ratio only from this size on: small XML parts compress very well.
_RATIO_FROM_BYTES = 1024 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass(frozen=True)
class WorkbookCount:
    """What `check_workbook` counted in a workbook that passed."""

    members: int
    uncompressed: int  # bytes actually inflated, all members
    elements: int  # XML elements, all parts
    shared_strings: int
    rows: int  # rows as openpyxl yields them: up to the highest row number of each sheet
    cells: int  # cells as openpyxl yields them: each row up to its last cell's column


def _damaged(error: object) -> SpreadsheetError:
    return SpreadsheetError(
        _("Không đọc được tệp .xlsx (tệp bị hỏng hoặc không đúng định dạng): %(error)s") % {"error": error}
    )


_ADVICE = gettext_lazy("hãy chỉ giữ bảng kết quả trong tệp rồi tải lên lại.")


def _too_many(message: str, limit: int) -> SpreadsheetError:
    """`message` (with %(limit)s) says which limit was passed: "Tệp có quá nhiều ô (hơn 500.000)"."""
    return SpreadsheetError(f"{message % {'limit': format_number(limit, grouped=True)}}: {_ADVICE}")


def _too_large(limit: int) -> SpreadsheetError:
    return SpreadsheetError(
        f"{_('Tệp .xlsx giải nén ra quá lớn (hơn %(limit)s MB)') % {'limit': _megabytes(limit)}}: {_ADVICE}"
    )


class _XmlCounter:
    """Counts, across the parts of one workbook, what openpyxl would build, and raises SpreadsheetError as soon as
    a limit is passed. Elements are matched by local name ("x:c" and "c" alike), in any part: counting a part
    openpyxl does not read only errs on the side of refusing."""

    def __init__(self) -> None:
        self.max_elements: int = settings.IMPORT_XLSX_MAX_XML_ELEMENTS
        self.max_strings: int = settings.IMPORT_XLSX_MAX_SHARED_STRINGS
        self.max_rows: int = settings.IMPORT_XLSX_MAX_ROWS
        self.max_cells: int = settings.IMPORT_XLSX_MAX_CELLS
        self.elements = 0
        self.shared_strings = 0
        self.rows = 0  # of the parts already read
        self.cells = 0
        self._part_rows = 0  # the highest row number in the current part
        self._row_width = 0  # the highest column in the current row
        self._column = 0

    def start_part(self) -> None:
        self.rows += self._part_rows
        self._part_rows = self._row_width = self._column = 0

    def end(self) -> None:
        self.start_part()

    def element(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise _too_many(_("Tệp có quá nhiều phần tử XML (hơn %(limit)s)"), self.max_elements)
        local = name.rpartition(":")[2]
        if local == "c":
            column = _column_number(attributes.get("r", "")) or self._column + 1
            self._column = column
            if column > self._row_width:
                self.cells += column - self._row_width
                self._row_width = column
                if self.cells > self.max_cells:
                    raise _too_many(_("Tệp có quá nhiều ô (hơn %(limit)s)"), self.max_cells)
        elif local == "row":
            number = attributes.get("r", "")
            line = int(number) if number.isdigit() and len(number) <= 12 else self._part_rows + 1
            self._part_rows = max(self._part_rows, line)
            self._row_width = self._column = 0
            if self.rows + self._part_rows > self.max_rows:
                raise _too_many(_("Tệp có quá nhiều dòng (hơn %(limit)s)"), self.max_rows)
        elif local == "si":
            self.shared_strings += 1
            if self.shared_strings > self.max_strings:
                raise _too_many(_("Tệp có quá nhiều chuỗi văn bản (hơn %(limit)s)"), self.max_strings)


def _column_number(reference: str) -> int:
    """The column of a cell reference ("C7" → 3, "XFD1" → 16384); 0 when it has none. Letters beyond four
    (no such column) count as a column far past any limit."""
    number = 0
    for position, char in enumerate(reference):
        if not "A" <= char <= "Z":
            break
        if position >= 4:
            return 10**9
        number = number * 26 + ord(char) - 64
    return number


def _refuse_declarations(*_args: object) -> None:
    # An .xlsx part never declares a DTD or entities; a file that does is built to expand.
    raise _damaged(_("khai báo DOCTYPE hoặc thực thể XML"))


def check_workbook(data: bytes) -> WorkbookCount:
    """Refuse an .xlsx that is not a workbook or expands beyond the settings' limits, before openpyxl opens it.

    In order: the number of members (counted in the raw bytes, before zipfile builds its directory), their
    compression methods (only stored and deflated: a bzip2 member inflates without bound in one call), the
    workbook's own parts, the declared uncompressed total and each large member's ratio; then every member is
    inflated in chunks, counting the bytes (a declared size is never trusted alone) and streaming XML parts through
    expat, counting elements, shared strings, rows and cells. Raises SpreadsheetError naming the limit passed;
    returns the counts otherwise.
    """
    max_members: int = settings.IMPORT_XLSX_MAX_MEMBERS
    max_bytes: int = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    max_ratio: int = settings.IMPORT_XLSX_MAX_RATIO
    entries = data.count(_ZIP_DIRECTORY_ENTRY)
    if entries > max_members:
        raise _too_many(_("Tệp .xlsx có quá nhiều thành phần (hơn %(limit)s)"), max_members)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise _not_a_spreadsheet() from error
    with archive:
        if len(members) > max_members:  # pragma: no cover - the raw count above is an upper bound
            raise _too_many(_("Tệp .xlsx có quá nhiều thành phần (hơn %(limit)s)"), max_members)
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _not_a_spreadsheet()
        for info in members:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
                raise _damaged(_("phương thức nén không được hỗ trợ (%(name)s)") % {"name": info.filename})
        if sum(info.file_size for info in members) > max_bytes:
            raise _too_large(max_bytes)
        for info in members:
            if info.file_size >= _RATIO_FROM_BYTES and info.file_size > max_ratio * max(
                info.compress_size, 1
            ):
                raise SpreadsheetError(
                    _(
                        "Tệp .xlsx bị nén bất thường (một thành phần giải nén ra gấp hơn %(ratio)s lần): tệp bảng "
                        "tính thông thường không như vậy, hệ thống không mở tệp này."
                    )
                    % {"ratio": format_number(max_ratio, grouped=True)}
                )
        counter = _XmlCounter()
        inflated = 0
        for info in members:
            counter.start_part()
            parser = None
            if info.filename.lower().endswith(_XML_SUFFIXES):
                parser = expat.ParserCreate()
                parser.StartElementHandler = counter.element
                parser.StartDoctypeDeclHandler = _refuse_declarations
                parser.EntityDeclHandler = _refuse_declarations
            try:
                with archive.open(info) as member:
                    while chunk := member.read(_STREAM_CHUNK):
                        inflated += len(chunk)
                        if inflated > max_bytes:
                            raise _too_large(max_bytes)
                        if parser is not None:
                            parser.Parse(chunk, False)
                if parser is not None:
                    parser.Parse(b"", True)
            except expat.ExpatError as error:
                raise _damaged(f"{info.filename}: {expat.ErrorString(error.code)}") from error
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                RuntimeError,
                NotImplementedError,
            ) as error:
                raise _damaged(f"{info.filename}: {error}") from error
        counter.end()
    return WorkbookCount(
        members=len(members),
        uncompressed=inflated,
        elements=counter.elements,
        shared_strings=counter.shared_strings,
        rows=counter.rows,
        cells=counter.cells,
    )


def read_table(data: bytes, *, year: int | None = None) -> Table:
    """Read a results table from the bytes of an uploaded file.

    `year` chooses the worksheet of a workbook with several (the one whose name contains the year, else the
    first). Raises SpreadsheetError for anything that is not a readable results table.
    """
    check_size(len(data))
    if not data.strip():
        raise SpreadsheetError(_("Tệp rỗng."))
    if data[:4] == _ZIP_SIGNATURE:
        return _read_xlsx(data, year=year)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError(
            _("Tệp Excel 97–2003 (.xls) chưa được hỗ trợ: hãy mở tệp và lưu lại dạng .xlsx hoặc .csv.")
        )
    if data.lstrip()[:8].startswith(_OTHER_FORMATS):
        raise _not_a_spreadsheet()
    return _read_csv(data)


# Signatures of files people upload by mistake (a report as PDF, a screenshot of the table): refused as such
# rather than read as text with no header.
_OTHER_FORMATS = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"{\\rtf", b"<?xml", b"<!DOCTYPE", b"<html")


# --- .xlsx --------------------------------------------------------------------------------------------------------


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Tệp này không phải là tệp bảng tính .xlsx hoặc .csv (có thể đã bị đổi tên). Hãy tải mẫu và nhập lại."
        )
    )


def _read_xlsx(data: bytes, *, year: int | None) -> Table:
    check_workbook(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            _("Không đọc được tệp .xlsx (tệp bị hỏng hoặc không đúng định dạng): %(error)s")
            % {"error": error}
        ) from error
    try:
        sheet = _choose_sheet(workbook, year)
        merged = _merged_ranges(workbook, sheet)
        sheet.reset_dimensions()  # some programs write a wrong <dimension>; read every row present
        rows = _sheet_rows(workbook, sheet)
        stated = []
        sheet_year = _YEAR_IN_TEXT.search(fold(sheet.title))
        if sheet_year:
            stated.append((_("tên trang tính “%(name)s”") % {"name": sheet.title}, int(sheet_year.group(1))))
        return _build_table(
            rows, file_kind="xlsx", sheet_name=sheet.title, encoding="", merged=merged, stated=stated
        )
    finally:
        workbook.close()


# What openpyxl raises on a cell whose stored value does not fit its type (a "number" that reads "8,65" or "abc",
# a shared string that is not there): written by hand-made generators, never by Excel.
_CELL_READ_ERRORS = (ValueError, IndexError, KeyError, TypeError, OverflowError)


def _sheet_rows(workbook: Any, sheet: Any) -> Iterator[list[tuple[Any, str | None]]]:
    """The sheet's rows as (value, type) cells; a cell openpyxl cannot read stops the reading with a message
    that names it (openpyxl's read-only parser cannot go on past it)."""
    line = 0
    try:
        for row in sheet.iter_rows():
            line += 1
            yield [(cell.value, getattr(cell, "data_type", None)) for cell in row]
    except _CELL_READ_ERRORS as error:
        raise _unreadable(workbook, sheet, line + 1) from error


def _unreadable(workbook: Any, sheet: Any, line: int) -> SpreadsheetError:
    """The message for row `line` of `sheet`, which openpyxl could not read: the cells that do not hold a value
    of their declared type, found by reading that row's XML (see `_merged_ranges`)."""
    shared = len(getattr(workbook, "shared_strings", []) or [])
    found: list[str] = []
    try:
        with workbook._archive.open(sheet._worksheet_path) as source:
            for _event, element in iterparse(source, events=("end",)):  # noqa: S314
                if not element.tag.endswith("}row"):
                    continue
                if element.get("r") == str(line):
                    for cell in element:
                        value = next((c.text for c in cell if c.tag.endswith("}v")), None)
                        if value is not None and not _readable(cell.get("t", "n"), value, shared):
                            found.append(f"{cell.get('r', '?')} (“{shown(value)}”)")
                    break
                element.clear()
    except Exception:  # a sheet damaged further: the message names the row instead
        found = []
    if found:
        return SpreadsheetError(
            _(
                "Không đọc được ô %(cells)s: giá trị lưu trong tệp không đúng kiểu của ô (ví dụ số ghi bằng chữ). "
                "Hãy gõ lại các ô này trong Excel rồi tải tệp lên lại."
            )
            % {"cells": ", ".join(found[:10])}
        )
    return SpreadsheetError(
        _(
            "Không đọc được dòng %(line)s của trang tính: có ô lưu giá trị không đúng kiểu. Hãy gõ lại dòng này "
            "trong Excel rồi tải tệp lên lại."
        )
        % {"line": line}
    )


def _readable(kind: str, value: str, shared: int) -> bool:
    """Whether openpyxl can read a cell of type `kind` holding `value` (its own conversions, repeated here)."""
    try:
        if kind == "n":
            float(value) if any(c in value for c in ".eE") else int(value)
        elif kind == "s":
            return 0 <= int(value) < shared
        elif kind == "b":
            int(value)
        elif kind == "d":
            from_ISO8601(value)
    except _CELL_READ_ERRORS:
        return False
    return True


def _choose_sheet(workbook: Any, year: int | None) -> Any:
    sheets = workbook.worksheets
    if not sheets:
        raise SpreadsheetError(_("Tệp .xlsx không có trang tính nào."))
    if year is not None and len(sheets) > 1:
        for sheet in sheets:
            if str(year) in sheet.title:
                return sheet
    return sheets[0]


def _merged_ranges(workbook: Any, sheet: Any) -> list[tuple[str, int, int]]:
    """(ref, first row, last row) of the merged cells of `sheet`.

    openpyxl's read-only worksheets do not load merged cells, so the sheet's XML is streamed here (the
    <mergeCells> block follows the data). Reading the archive through openpyxl's private attributes is pinned by
    the openpyxl<4 requirement and covered by a test with merged header cells.
    """
    found: list[tuple[str, int, int]] = []
    with workbook._archive.open(sheet._worksheet_path) as source:
        # The same parser openpyxl uses for the sheet itself; expat ≥ 2.4 (bundled) limits entity expansion.
        for _event, element in iterparse(source, events=("end",)):  # noqa: S314
            if element.tag.endswith("}mergeCell"):
                ref = element.get("ref", "")
                try:
                    _min_col, min_row, _max_col, max_row = range_boundaries(ref)
                except ValueError:
                    continue
                found.append((ref, min_row or 1, max_row or 1))
            elif element.tag.endswith("}row"):
                element.clear()  # keep memory flat on a large sheet
    return found


# --- .csv ---------------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1258 (Vietnamese).

    Windows-1258 writes many Vietnamese letters as a base letter plus a combining tone mark; the text is
    normalised to NFC so that names compare equal to those typed elsewhere.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _nfc(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 (BOM)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _nfc(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as error:
            raise _not_a_spreadsheet() from error
    if b"\x00" in data[:4096]:
        raise _not_a_spreadsheet()
    try:
        return _nfc(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return _nfc(data.decode("cp1258"), "Windows-1258")
    except UnicodeDecodeError as error:
        raise _not_a_spreadsheet() from error


def _nfc(text: str, encoding: str) -> tuple[str, str]:
    text = unicodedata.normalize("NFC", text)
    # Text files hold letters, digits, punctuation and line breaks; control characters mean binary data.
    controls = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if controls:
        raise _not_a_spreadsheet()
    return text, encoding


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    best: Table | None = None
    best_columns = -1
    first_error: SpreadsheetError | None = None
    for delimiter in CSV_DELIMITERS:
        rows = _csv_rows(text, delimiter)
        try:
            table = _build_table(
                rows, file_kind="csv", sheet_name="", encoding=encoding, merged=[], stated=[]
            )
        except SpreadsheetError as error:
            first_error = first_error or error
            continue
        columns = len(table.domain_numbers) + table.has_year + table.has_index + table.has_rank
        if columns > best_columns:
            best, best_columns = table, columns
    if best is None:
        assert first_error is not None
        raise first_error
    return best


def _csv_rows(text: str, delimiter: str) -> Iterator[list[tuple[Any, str | None]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield [(value, "f" if value.lstrip().startswith("=") else None) for value in row]
    except csv.Error as error:
        raise SpreadsheetError(_("Tệp CSV không đúng định dạng: %(error)s") % {"error": error}) from error


# --- Shared: header row and data rows ---------------------------------------------------------------------------


def _header_columns(cells: Sequence[tuple[Any, str | None]]) -> tuple[dict[str | int, int], list[str]]:
    """Column index by role for one candidate header row, and the names of the columns it ignores."""
    columns: dict[str | int, int] = {}
    ignored: list[str] = []
    duplicates: list[str] = []
    for position, (value, _kind) in enumerate(cells):
        text = _cell_text(value)
        if not text:
            continue
        role = header_role(text)
        if role is None:
            ignored.append(text)
        elif role in columns:
            duplicates.append(text)
        else:
            columns[role] = position
    if duplicates and UNIT in columns:
        raise SpreadsheetError(
            _("Dòng tiêu đề có cột trùng nhau: %(names)s. Mỗi cột chỉ được xuất hiện một lần.")
            % {"names": ", ".join(f"“{d}”" for d in duplicates)}
        )
    return columns, ignored


def _is_header(columns: dict[str | int, int]) -> bool:
    return UNIT in columns and any(role != UNIT and role != YEAR for role in columns)


def _build_table(
    rows: Iterable[list[tuple[Any, str | None]]],
    *,
    file_kind: str,
    sheet_name: str,
    encoding: str,
    merged: list[tuple[str, int, int]],
    stated: list[tuple[str, int]],
) -> Table:
    iterator = iter(rows)
    header_line = 0
    columns: dict[str | int, int] = {}
    ignored: list[str] = []
    above: list[list[tuple[Any, str | None]]] = []
    for line, cells in enumerate(iterator, start=1):
        candidate, candidate_ignored = _header_columns(cells)
        if _is_header(candidate):
            header_line, columns, ignored = line, candidate, candidate_ignored
            formulas = [_cell_text(v) for v, kind in cells if kind == "f"]
            if formulas:
                raise SpreadsheetError(
                    _("Dòng tiêu đề chứa công thức (%(cells)s): hãy ghi tên cột bằng chữ.")
                    % {"cells": ", ".join(formulas)}
                )
            break
        above.append(cells)
        if line >= HEADER_SEARCH_ROWS:
            break

    header_merges = [ref for ref, _first, last in merged if not header_line or last >= header_line]
    if header_merges:
        raise SpreadsheetError(
            _(
                "Bảng có ô gộp (merged cells) ở dòng tiêu đề hoặc dữ liệu: %(refs)s. Hãy bỏ gộp ô và để mỗi "
                "cột một tiêu đề trên một dòng (xem tệp mẫu)."
            )
            % {"refs": ", ".join(header_merges[:10])}
        )
    if not header_line:
        raise SpreadsheetError(
            _(
                "Không tìm thấy dòng tiêu đề trong %(n)s dòng đầu: cần cột “Tỉnh, thành phố” và ít nhất một cột "
                "“Lĩnh vực 1”…“Lĩnh vực 8”, “Chỉ số (%%)” hoặc “Xếp hạng” (xem tệp mẫu)."
            )
            % {"n": HEADER_SEARCH_ROWS}
        )

    for cells in above:
        for value, _kind in cells:
            found = _YEAR_IN_TITLE.search(ascii_fold(_cell_text(value)))
            if found:
                stated.append((_("tiêu đề “%(text)s”") % {"text": _cell_text(value)}, int(found.group(1))))
                break

    domain_numbers = tuple(sorted(role for role in columns if isinstance(role, int)))
    data_rows: list[RawRow] = []
    for line, cells in enumerate(iterator, start=header_line + 1):
        row = _raw_row(line, cells, columns, domain_numbers)
        if row is None:
            continue
        data_rows.append(row)
        if len(data_rows) > MAX_DATA_ROWS:
            raise SpreadsheetError(
                _("Tệp có hơn %(n)s dòng dữ liệu: hãy tách thành từng kỳ đánh giá.") % {"n": MAX_DATA_ROWS}
            )
    return Table(
        file_kind=file_kind,
        sheet_name=sheet_name,
        encoding=encoding,
        header_line=header_line,
        domain_numbers=domain_numbers,
        has_year=YEAR in columns,
        has_index=INDEX in columns,
        has_rank=RANK in columns,
        stated_years=tuple(stated),
        ignored_headers=tuple(ignored),
        rows=data_rows,
    )


def _raw_row(
    line: int,
    cells: Sequence[tuple[Any, str | None]],
    columns: dict[str | int, int],
    domain_numbers: tuple[int, ...],
) -> RawRow | None:
    """The row's cells by role, or None for a row with nothing in the mapped columns."""
    problems: list[tuple[str, str]] = []

    def cell(role: str | int) -> Any:
        position = columns.get(role)
        if position is None or position >= len(cells):
            return None
        value, kind = cells[position]
        if kind == "f" or (isinstance(value, str) and value.lstrip().startswith("=")):
            problems.append(
                (
                    field_name(role),
                    _(
                        "Ô %(cell)s chứa công thức (%(formula)s): hãy dán giá trị (Paste Values) thay cho công thức."
                    )
                    % {"cell": f"{get_column_letter(position + 1)}{line}", "formula": _cell_text(value)[:40]},
                )
            )
            return None
        return value

    unit = cell(UNIT)
    year, index, rank = cell(YEAR), cell(INDEX), cell(RANK)
    points = {number: cell(number) for number in domain_numbers}
    if (
        not problems
        and not _has_value(unit)
        and not any(_has_value(v) for v in (year, index, rank, *points.values()))
    ):
        return None  # an empty line
    return RawRow(
        line=line,
        unit=_cell_text(unit),
        year=year,
        index=index,
        rank=rank,
        points=points,
        problems=tuple(problems),
    )


def open_upload_bytes(upload: IO[bytes], size: int | None) -> bytes:
    """The bytes of an uploaded file, after refusing one above the limit by its declared size.

    Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file, so a 50 MB upload is never held
    in memory: its size is checked here and it is refused without being read.
    """
    check_size(size)
    limit = settings.IMPORT_MAX_BYTES
    chunks = []
    total = 0
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        total += len(chunk)
        if total > limit:  # the declared size was wrong: stop reading at the limit
            check_size(total)
        chunks.append(chunk)
    return b"".join(chunks)
