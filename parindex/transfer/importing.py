"""Spreadsheet import: upload → preview (per-row errors and the difference from what is stored) → confirm.

The preview reads the file (parindex.transfer.spreadsheets), matches every unit through its aliases for the
edition's year, parses every cell (parindex.register.numbers) and asks `parindex.entry.services.scores_check` for
the rules the grid uses (domain maxima, missing domains, published editions), so that a file that previews without
errors saves without errors. The confirmation reads the stored file again and writes through `scores_save`
(atomic, audited, versioned, recomputed): nothing is saved if any row fails.

Rules of the file, shown on the upload page:
- a cell left empty keeps the stored value (an import never deletes; the grid does);
- a row with a unit's name and nothing else is skipped;
- rows whose values equal the stored ones are not written, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.entry.services import (
    EntryError,
    RowInput,
    SaveReport,
    StaleEditError,
    scores_check,
    scores_save,
)
from parindex.register import permissions
from parindex.register.models import (
    Criterion,
    Edition,
    ImportJob,
    ImportJobStage,
    ImportJobStatus,
    Unit,
)
from parindex.register.names import UnitMatcher, UnknownUnit, name_key
from parindex.register.numbers import NumberError, format_number, parse_decimal, parse_rank
from parindex.register.outages import database_outage, not_saved_message
from parindex.register.selectors import assessments_with_scores, entry_criteria
from parindex.transfer.spreadsheets import (
    RawRow,
    SpreadsheetError,
    Table,
    check_size,
    check_upload,
    open_upload_bytes,
    parse_size,
    read_table,
)
from scoring.services import RecomputeError, UnitChange, ranks_after

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 200  # rows between two progress writes of a job

# "Tây Ninh (từ 01/07/2025)": the label the site gives a unit created in the 2025 reorganisation.
_VALID_FROM_SUFFIX = re.compile(
    r"^(?P<name>.*?)\s*\((?:từ|tu|from)\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\)\s*$"
)


class Upload(Protocol):
    """What the import needs of a Django UploadedFile."""

    name: str | None
    size: int | None

    def open(self, mode: str = ...) -> Any: ...


# --- The preview ------------------------------------------------------------------------------------------------


@dataclass
class PreviewCell:
    field: str  # "d1".."d8", "published_index", "published_rank"
    old: str  # as stored, formatted for display ("" = empty)
    new: str  # after the import ("" = empty)
    changed: bool = False
    error: str = ""


@dataclass
class PreviewRow:
    line: int
    name: str  # as written in the file
    unit_id: int | None = None
    unit_name: str = ""
    status: str = "unchanged"  # "new", "changed", "unchanged", "blank" (skipped), "error"
    cells: list[PreviewCell] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    version: int = 0  # the stored Assessment.version when previewed (0 = none yet)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


@dataclass
class PreviewRankDifference:
    """A unit whose computed rank would differ from its published rank once the file is imported."""

    unit_id: int
    unit_name: str
    published_rank: int
    rank: int


@dataclass
class ImportPreview:
    """What an import would do; plain data, stored as JSON on the ImportJob."""

    edition_id: int
    filename: str
    file_kind: str = ""
    encoding: str = ""
    sheet_name: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (field, label) of the value columns
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the whole file
    warnings: list[str] = field(default_factory=list)
    # The ranks after the import, against the published ones (see `_rank_check`): checked when the edition
    # would be complete; else `rank_note` says why not.
    rank_checked: bool = False
    rank_differences: list[PreviewRankDifference] = field(default_factory=list)
    rank_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not any(r.errors for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "changed", "unchanged", "blank", "error"), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def error_rows(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def to_write(self) -> int:
        return sum(1 for r in self.rows if r.status in ("new", "changed"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportPreview:
        rows = [
            PreviewRow(**{**_renamed(r), "cells": [PreviewCell(**c) for c in r.get("cells", [])]})
            for r in data.get("rows", [])
        ]
        return cls(
            edition_id=data["edition_id"],
            filename=data.get("filename", ""),
            file_kind=data.get("file_kind", ""),
            encoding=data.get("encoding", ""),
            sheet_name=data.get("sheet_name", ""),
            columns=[tuple(c) for c in data.get("columns", [])],
            rows=rows,
            errors=list(data.get("errors", [])),
            warnings=list(data.get("warnings", [])),
            rank_checked=bool(data.get("rank_checked", False)),
            rank_differences=[PreviewRankDifference(**d) for d in data.get("rank_differences", [])],
            rank_note=data.get("rank_note", ""),
        )


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    """A preview row stored before units replaced provinces ("province_id" → "unit_id")."""
    renames = {"province_id": "unit_id", "province_name": "unit_name"}
    return {renames.get(key, key): value for key, value in row.items()}


@dataclass
class _Analysis:
    preview: ImportPreview
    inputs: dict[int, RowInput]  # by line: the rows that would be written (new or changed), when valid


def fmt(value: Decimal | int | None) -> str:
    """A value as the preview shows it: the one number formatter (two decimals, decimal comma in Vietnamese)."""
    return format_number(value)


@dataclass
class _Stored:
    index: Decimal | None
    rank: int | None
    points: dict[str, Decimal | None]  # by criterion code
    version: int


def _stored(edition: Edition) -> dict[int, _Stored]:
    """What the edition holds now, by unit id (three queries)."""
    out: dict[int, _Stored] = {}
    for a in assessments_with_scores(edition):
        out[a.unit_id] = _Stored(
            a.published_index,
            a.published_rank,
            {s.criterion.code: s.points for s in a.scores.all()},
            a.version,
        )
    return out


def match_unit(matcher: UnitMatcher, name: str) -> Unit:
    """The unit a name stands for in the matcher's year; raises UnknownUnit with the reason.

    Besides names and aliases, accepts the label the site gives a unit of the 2025 reorganisation, "Tây Ninh
    (từ 01/07/2025)": it must then be that unit, and it is refused in a year before it existed.
    """
    suffix = _VALID_FROM_SUFFIX.match(name)
    if not suffix:
        return matcher.match(name)
    try:
        valid_from = date(int(suffix["y"]), int(suffix["m"]), int(suffix["d"]))
    except ValueError as error:
        raise UnknownUnit(_("Không tìm thấy tỉnh, thành phố “%(name)s”.") % {"name": name}) from error
    base = suffix["name"]
    unit = matcher.match(base)
    if unit.valid_from == valid_from:
        return unit
    for other in matcher.other_years.get(name_key(base), []):
        if other.valid_from == valid_from:
            raise UnknownUnit(
                _("“%(name)s” không phải là đơn vị hành chính cấp tỉnh trong năm %(year)s (%(period)s).")
                % {
                    "name": name,
                    "year": matcher.year,
                    "period": _("tồn tại từ %(date)s") % {"date": valid_from.strftime("%d/%m/%Y")},
                }
            )
    raise UnknownUnit(_("Không tìm thấy tỉnh, thành phố “%(name)s”.") % {"name": name})


def _column_label(field_name: str) -> str:
    if field_name == "published_index":
        return _("Chỉ số (%)")
    if field_name == "published_rank":
        return _("Xếp hạng")
    # Short, as in the grid: eight full domain names would make the header taller than the rows.
    return _("LV %(n)s") % {"n": int(field_name[1:])}


def analyse(
    *,
    edition: Edition,
    data: bytes,
    filename: str,
    user: Any,
    on_progress: Callable[[int, int], None] | None = None,
    check_ranks: bool = True,
) -> _Analysis:
    """Read, match, parse and check every row; write nothing. See the module docstring for the rules.
    With `check_ranks`, a file without errors also gets the ranks it would give (`_rank_check`)."""
    preview = ImportPreview(edition_id=edition.pk, filename=filename)
    analysis = _Analysis(preview=preview, inputs={})
    try:
        table = read_table(data, year=edition.year)
    except SpreadsheetError as error:
        preview.errors.append(str(error))
        return analysis
    preview.file_kind, preview.encoding, preview.sheet_name = (
        table.file_kind,
        table.encoding,
        table.sheet_name,
    )
    criteria = entry_criteria(edition)
    fields = [f"d{n}" for n in table.domain_numbers]
    fields += ["published_index"] if table.has_index else []
    fields += ["published_rank"] if table.has_rank else []
    preview.columns = [(f, _column_label(f)) for f in fields]

    _file_checks(edition, table, criteria, preview)
    if preview.errors:
        return analysis

    # The units the edition's index measures, every year (to say "not a unit in that year" of an old name).
    units = list(Unit.objects.measured_by(edition.index))
    matcher = UnitMatcher.for_year(edition.year, units)
    stored = _stored(edition)
    allowed = permissions.editable_units(user, edition)
    file_year = _file_year(edition, table, preview)

    rows: list[PreviewRow] = []
    parsed: list[tuple[PreviewRow, RawRow, dict[str, Any]]] = []
    total = len(table.rows)
    for position, raw in enumerate(table.rows, start=1):
        row = PreviewRow(line=raw.line, name=raw.unit)
        cell_errors: dict[str, str] = {}
        for field_name, message in raw.problems:
            cell_errors.setdefault(field_name, message)
        values = _parse_row(raw, edition, file_year, cell_errors)
        blank = raw.is_blank() and not raw.problems
        if blank:
            row.status = "blank"  # a name and nothing else: skipped, even when the name is not a unit
            cell_errors.pop("year", None)
        try:
            unit = match_unit(matcher, raw.unit)
        except UnknownUnit as error:
            if not blank:
                row.errors.append(str(error))
        else:
            row.unit_id, row.unit_name = unit.pk, unit.name
            if allowed is not None and unit.pk not in allowed:
                row.errors.append(_("Bạn không được phân công nhập liệu cho %(name)s.") % {"name": unit.name})
        row.errors.extend(m for f, m in cell_errors.items() if f in ("unit", "year"))
        rows.append(row)
        parsed.append((row, raw, {"values": values, "cell_errors": cell_errors}))
        if on_progress and position % PROGRESS_EVERY == 0:
            on_progress(position, total)

    _mark_duplicates(rows)
    check_rows = _diff_and_inputs(parsed, stored, table, analysis)
    _service_check(edition, user, check_rows, parsed, preview)
    for row, _raw, info in parsed:
        cell_errors = info["cell_errors"]
        for cell in row.cells:
            cell.error = cell_errors.get(cell.field, "")
        row.errors.extend(m for f, m in cell_errors.items() if f not in ("unit", "year"))
        if row.errors:
            row.status = "error"
            analysis.inputs.pop(row.line, None)
    preview.rows = rows
    if not rows:
        preview.errors.append(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    if check_ranks and preview.ok and analysis.inputs:
        _rank_check(edition, analysis.inputs.values(), {unit.pk: unit.name for unit in units}, preview)
    if on_progress:
        on_progress(total, total)
    return analysis


def _rank_check(
    edition: Edition, inputs: Iterable[RowInput], names: dict[int, str], preview: ImportPreview
) -> None:
    """The ranks the edition would have once the file is imported, against the published ranks: scoring's own
    loading and engine, on the stored data merged with the file's rows (nothing is written). As on the edition
    page, ranks compare only when every unit of the year would have a result."""
    changes = [UnitChange(r.unit_id, r.published_index, r.published_rank, r.points) for r in inputs]
    try:
        check = ranks_after(edition=edition, changes=changes)
    except RecomputeError as error:
        preview.warnings.append(
            _("Chưa tính thử được thứ hạng sau khi nhập: %(reasons)s")
            % {"reasons": "; ".join(error.messages)}
        )
        return
    if not check.complete:
        preview.rank_note = _(
            "Sau khi nhập, kỳ đánh giá có kết quả của %(count)s/%(expected)s đơn vị (hoặc có đơn vị chỉ có thứ "
            "hạng công bố): chưa so được thứ hạng tính toán với thứ hạng công bố."
        ) % {"count": check.unit_count, "expected": check.expected_units}
        return
    preview.rank_checked = True
    preview.rank_differences = [
        PreviewRankDifference(d.unit_id, names.get(d.unit_id, str(d.unit_id)), d.published_rank, d.rank)
        for d in sorted(check.differences, key=lambda d: (d.published_rank, d.rank))
    ]


def _file_checks(
    edition: Edition, table: Table, criteria: dict[str, Criterion], preview: ImportPreview
) -> None:
    domains = {int(code): criterion for code, criterion in criteria.items() if "." not in code}
    for where, year in table.stated_years:
        if year != edition.year:
            preview.errors.append(
                _("Bảng tính này là của năm %(found)s (%(where)s), kỳ đánh giá đang nhập là năm %(year)s.")
                % {"found": year, "where": where, "year": edition.year}
            )
    filled_domains = [n for n in table.domain_numbers if any(_filled(r.points.get(n)) for r in table.rows)]
    if filled_domains and not domains:
        preview.errors.append(
            _(
                "%(edition)s chưa có bộ tiêu chí nên chưa nhập được điểm lĩnh vực: người phê duyệt cần chọn bộ "
                "tiêu chí trên trang kỳ đánh giá (%(path)s) trước khi nhập. Nếu chỉ cần chỉ số và thứ hạng công "
                "bố, hãy bỏ các cột lĩnh vực rồi tải tệp lên lại."
            )
            % {"edition": edition, "path": reverse("entry:edition_detail", args=[edition.pk])}
        )
    elif filled_domains:
        unknown = [n for n in filled_domains if n not in domains]
        split = [n for n in unknown if any(code.split(".")[0] == str(n) for code in criteria)]
        unknown = [n for n in unknown if n not in split]
        if split:
            preview.errors.append(
                _(
                    "Bộ tiêu chí %(code)s chấm lĩnh vực %(numbers)s theo từng tiêu chí: nhập điểm từng tiêu chí "
                    "trên bảng nhập liệu, không nhập tổng lĩnh vực."
                )
                % {"code": edition.methodology, "numbers": ", ".join(str(n) for n in split)}
            )
        if unknown:
            preview.errors.append(
                _("Bộ tiêu chí %(code)s không có lĩnh vực %(numbers)s.")
                % {"code": edition.methodology, "numbers": ", ".join(str(n) for n in unknown)}
            )
        for number in filled_domains:
            domain = domains.get(number)
            if domain is not None and domain.max_points is None:
                preview.errors.append(
                    _(
                        "Lĩnh vực %(n)s (%(name)s) của bộ tiêu chí %(code)s chưa có điểm tối đa: quản trị viên "
                        "cần nhập điểm tối đa trước khi nhập điểm lĩnh vực này."
                    )
                    % {"n": number, "name": domain.name_vi, "code": edition.methodology}
                )
    if table.ignored_headers:
        preview.warnings.append(
            _("Các cột không dùng đến (bỏ qua): %(names)s.")
            % {"names": ", ".join(f"“{h}”" for h in table.ignored_headers)}
        )


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _file_year(edition: Edition, table: Table, preview: ImportPreview) -> int | None:
    """The year every row states, when it is one other year than the edition's: a sheet for another year."""
    if not table.has_year:
        return None
    years = set()
    for raw in table.rows:
        try:
            years.add(parse_rank(raw.year))
        except NumberError:
            return None
    years.discard(None)
    if len(years) == 1:
        (year,) = years
        if year != edition.year:
            preview.errors.append(
                _("Cột “Năm” ghi năm %(found)s cho mọi dòng, kỳ đánh giá đang nhập là năm %(year)s.")
                % {"found": year, "year": edition.year}
            )
            return year
    return None


def _parse_row(
    raw: RawRow, edition: Edition, file_year: int | None, cell_errors: dict[str, str]
) -> dict[str, Any]:
    """The row's parsed values by field (only the cells that are filled and valid); errors into cell_errors.

    Only whether each cell is a number is checked here; ranges (maxima, a rank within the number of units) are
    the services' rules, asked by `_service_check`, the same as for the grid."""
    values: dict[str, Any] = {}
    if file_year is None and _filled(raw.year) and "year" not in cell_errors:
        try:
            year = parse_rank(raw.year)
        except NumberError as error:
            cell_errors["year"] = _("Năm: %(error)s") % {"error": error}
        else:
            if year != edition.year:
                cell_errors["year"] = _("Dòng này ghi năm %(found)s, kỳ đánh giá là năm %(year)s.") % {
                    "found": year,
                    "year": edition.year,
                }
    for number, cell in raw.points.items():
        name = f"d{number}"
        if name in cell_errors or not _filled(cell):
            continue
        try:
            values[name] = parse_decimal(cell)
        except NumberError as error:
            cell_errors[name] = _("Lĩnh vực %(n)s: %(error)s") % {"n": number, "error": error}
    if "published_index" not in cell_errors and _filled(raw.index):
        try:
            values["published_index"] = parse_decimal(raw.index)
        except NumberError as error:
            cell_errors["published_index"] = _("Chỉ số: %(error)s") % {"error": error}
    if "published_rank" not in cell_errors and _filled(raw.rank):
        try:
            values["published_rank"] = parse_rank(raw.rank)
        except NumberError as error:
            cell_errors["published_rank"] = str(error)
    return values


def _mark_duplicates(rows: list[PreviewRow]) -> None:
    lines: dict[int, list[PreviewRow]] = defaultdict(list)
    for row in rows:
        if row.unit_id is not None:
            lines[row.unit_id].append(row)
    for same in lines.values():
        if len(same) > 1:
            where = ", ".join(str(r.line) for r in same)
            for row in same:
                row.errors.append(
                    _("%(name)s xuất hiện nhiều lần trong tệp (dòng %(lines)s).")
                    % {"name": row.unit_name, "lines": where}
                )


def _diff_and_inputs(
    parsed: list[tuple[PreviewRow, RawRow, dict[str, Any]]],
    stored: dict[int, _Stored],
    table: Table,
    analysis: _Analysis,
) -> list[tuple[PreviewRow, RowInput]]:
    """Fill each row's cells (old → new) and status; the rows to check with the service, with their inputs."""
    check: list[tuple[PreviewRow, RowInput]] = []
    for row, _raw, info in parsed:
        values: dict[str, Any] = info["values"]
        current = stored.get(row.unit_id) if row.unit_id is not None else None
        row.version = current.version if current else 0
        old_points = current.points if current else {}
        old_index = current.index if current else None
        old_rank = current.rank if current else None
        any_change = False
        for number in table.domain_numbers:
            name = f"d{number}"
            old = old_points.get(str(number))
            new = values.get(name, old)
            changed = name in values and (old is None or new != old)
            any_change |= changed
            row.cells.append(PreviewCell(name, fmt(old), fmt(new), changed))
        index = values.get("published_index", old_index)
        rank = values.get("published_rank", old_rank)
        if table.has_index:
            changed = "published_index" in values and index != old_index
            any_change |= changed
            row.cells.append(PreviewCell("published_index", fmt(old_index), fmt(index), changed))
        if table.has_rank:
            changed = "published_rank" in values and rank != old_rank
            any_change |= changed
            row.cells.append(PreviewCell("published_rank", fmt(old_rank), fmt(rank), changed))
        if row.status == "blank":
            continue
        row.status = "new" if current is None else ("changed" if any_change else "unchanged")
        if row.unit_id is None or row.errors or (not any_change and current is not None):
            continue
        points = {k[1:]: v for k, v in values.items() if k.startswith("d")}
        row_input = RowInput(
            unit_id=row.unit_id,
            published_index=index,
            published_rank=rank,
            points=points,
            expected_version=row.version,
        )
        check.append((row, row_input))
        analysis.inputs[row.line] = row_input
    return check


def _service_check(
    edition: Edition,
    user: Any,
    check_rows: list[tuple[PreviewRow, RowInput]],
    parsed: list[tuple[PreviewRow, RawRow, dict[str, Any]]],
    preview: ImportPreview,
) -> None:
    """The grid's rules, from the service itself, for the rows that would be written."""
    if not check_rows:
        return
    try:
        errors = scores_check(edition=edition, rows=[r for _row, r in check_rows], user=user)
    except PermissionDenied as error:
        preview.errors.append(str(error))
        return
    by_unit = {row.unit_id: row for row, _input in check_rows}
    cell_errors_of = {row.line: info["cell_errors"] for row, _raw, info in parsed}
    for problem in errors:
        row = by_unit.get(problem.unit_id) if problem.unit_id is not None else None
        if row is None:
            if problem.message not in preview.errors:
                preview.errors.append(problem.message)
            continue
        cell_errors = cell_errors_of[row.line]
        bad_domain_cell = any(f.startswith("d") for f in cell_errors)
        if problem.field == "row":
            if not bad_domain_cell:  # else "missing domains" only repeats that a cell did not parse
                row.errors.append(problem.message)
        elif problem.field == "published_index" and bad_domain_cell and "published_index" not in cell_errors:
            continue  # "without domain points an index is needed": the same cause
        else:
            cell_errors.setdefault(problem.field, problem.message)


# --- Entry points: preview, jobs, confirm ------------------------------------------------------------------------


def import_preview(*, edition: Edition, upload: Upload, user: Any) -> ImportPreview:
    """What importing `upload` into `edition` would do; writes nothing (see the module docstring)."""
    try:
        data = _read_upload(upload)
    except SpreadsheetError as error:
        return ImportPreview(edition_id=edition.pk, filename=upload.name or "", errors=[str(error)])
    return analyse(edition=edition, data=data, filename=upload.name or "", user=user).preview


def _read_upload(upload: Upload) -> bytes:
    # The declared size is checked before a byte is read: a 50 MB upload sits in a temporary file, unread. A
    # workbook that expands beyond the limits (a zip bomb) is refused here, before anything parses it.
    check_size(upload.size)
    with upload.open("rb") as handle:
        data = open_upload_bytes(handle, upload.size)
    check_upload(data)
    return data


def import_job_create(*, edition: Edition, upload: Upload, user: Any) -> ImportJob:
    """Store an uploaded file for its preview. Raises SpreadsheetError for a file above the size limit or one
    that expands beyond the workbook limits (nothing is stored), and PermissionDenied for a user who may not write
    the edition."""
    if not permissions.can_edit(user, edition):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho kỳ đánh giá này."))
    data = _read_upload(upload)
    return ImportJob.objects.create(
        edition=edition,
        user=user if user.is_authenticated else None,
        filename=(upload.name or "")[:255],
        content=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        started_at=timezone.now(),
    )


def runs_in_background(job: ImportJob) -> bool:
    """Large files go to a Celery worker (inline anyway when there is no Redis). An .xlsx is as large as what it
    expands to: a small file that expands far is parsed by the worker, under its time and memory limits."""
    return max(job.size, parse_size(bytes(job.content))) > settings.IMPORT_ASYNC_BYTES


def job_preview(job: ImportJob) -> ImportPreview | None:
    return ImportPreview.from_json(job.preview) if job.preview else None


def _set_progress(job_id: int, done: int, total: int, *, start: int, span: int) -> None:
    percent = start + (span * done // total if total else span)
    ImportJob.objects.filter(pk=job_id).update(progress=min(percent, 99), total_rows=total)


def import_job_run(job: ImportJob, *, soft_time_limit: int | None = None) -> ImportJob:
    """Run the job's current stage (preview, or import once confirmed); idempotent: a finished stage is not
    run again, and an import run twice finds nothing left to change.

    The job is claimed in one UPDATE (pending → running), so a task delivered twice runs it once; a job found
    "running" belongs to another run (or to one that died: the sweep fails it past the hard time limit). A run
    stopped by its soft time limit, by the worker's memory cap or by the database is marked failed with a message
    saying so. When even that write fails (the database refuses writes), the database error is raised: the job
    stays as it was for the sweep, and a caller holding a transaction rolls back everything. `soft_time_limit`:
    the run's own, in seconds, for the message (default settings.IMPORT_SOFT_TIME_LIMIT).
    """
    job.refresh_from_db()
    if job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
        return job
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.PENDING).update(
        status=ImportJobStatus.RUNNING, progress=1, started_at=timezone.now()
    )
    if not claimed:
        job.refresh_from_db()
        logger.warning("import job %s: already %s, not run again", job.pk, job.status)
        return job
    failure: list[str] = []
    database_error: Exception | None = None
    try:
        if job.stage == ImportJobStage.PREVIEW:
            _run_preview(job)
        else:
            _run_import(job)
    except SoftTimeLimitExceeded:
        logger.warning("import job %s: stopped at the soft time limit", job.pk)
        failure = [_timed_out_message(soft_time_limit or settings.IMPORT_SOFT_TIME_LIMIT)]
    except MemoryError:
        # Not bound to a name: leaving this block drops the traceback, and with it the parse's memory.
        logger.warning("import job %s: out of memory", job.pk)
        failure = [
            _(
                "Tệp cần quá nhiều bộ nhớ để đọc; chưa lưu gì. Hãy chỉ giữ bảng kết quả trong tệp rồi tải lên "
                "lại."
            )
        ]
    except DatabaseError as error:
        # The database refusing work (read-only, restarting: parindex.register.outages) rather than a bug.
        if database_outage(error) is None:
            logger.exception("import job %s failed", job.pk)
            failure = [_system_error_message()]
        else:
            logger.warning("import job %s: the database refused: %s", job.pk, error)
            database_error = error
            failure = [not_saved_message()]
    except Exception:
        logger.exception("import job %s failed", job.pk)
        failure = [_system_error_message()]
    if failure:
        if database_error is None and not connection.in_atomic_block:
            # A time limit or MemoryError may have struck inside a query, leaving the connection mid-command
            # (psycopg cancels only on KeyboardInterrupt): a new one records the failure.
            connection.close()
        try:
            _mark_failed(job.pk, failure)
        except DatabaseError as refused:
            if database_error is not None and database_outage(refused) is not None:
                raise database_error from None
            raise
    job.refresh_from_db()
    return job


def _system_error_message() -> str:
    return _("Lỗi hệ thống khi xử lý tệp; hãy thử lại hoặc báo quản trị viên.")


def _timed_out_message(seconds: int) -> str:
    return _(
        "Quá thời gian xử lý tệp (hơn %(seconds)s giây); chưa lưu gì. Tệp quá lớn hoặc quá phức tạp, hoặc việc "
        "xử lý đã bị dừng giữa chừng: hãy chỉ giữ bảng kết quả trong tệp rồi tải lên lại."
    ) % {"seconds": format_number(seconds, grouped=True)}


def _mark_failed(job_id: int, messages: list[str], **only: Any) -> int:
    """Mark job `job_id` failed with `messages` (and progress 100, so the page stops waiting); `only` narrows
    the update to the states it may replace. Returns the number of jobs marked."""
    return (
        ImportJob.objects.filter(pk=job_id, **only)
        .exclude(status__in=(ImportJobStatus.DONE, ImportJobStatus.FAILED))
        .update(status=ImportJobStatus.FAILED, progress=100, finished_at=timezone.now(), messages=messages)
    )


def _user_of(job: ImportJob) -> Any:
    return job.user if job.user is not None else AnonymousUser()


def _run_preview(job: ImportJob) -> None:
    analysis = analyse(
        edition=job.edition,
        data=bytes(job.content),
        filename=job.filename,
        user=_user_of(job),
        on_progress=lambda done, total: _set_progress(job.pk, done, total, start=1, span=98),
    )
    preview = analysis.preview
    job.preview = preview.to_json()
    job.total_rows = len(preview.rows)
    job.status = ImportJobStatus.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.messages = preview.errors + [f"{r.line}: {m}" for r in preview.rows for m in r.errors][:50]
    job.save(update_fields=["preview", "total_rows", "status", "progress", "finished_at", "messages"])


def import_confirm(*, job: ImportJob, user: Any) -> ImportJob:
    """Start the import of a previewed job (in the background for large files; the caller enqueues).

    Raises PermissionDenied when `user` did not upload the job or may not write its edition.
    """
    if job.user_id != user.pk or not permissions.can_edit(user, job.edition):
        raise PermissionDenied(_("Bạn không được nhập tệp này."))
    updated = ImportJob.objects.filter(
        pk=job.pk, stage=ImportJobStage.PREVIEW, status=ImportJobStatus.DONE
    ).update(
        stage=ImportJobStage.IMPORT,
        status=ImportJobStatus.PENDING,
        progress=0,
        finished_at=None,
        started_at=timezone.now(),
    )
    job.refresh_from_db()
    if not updated and job.stage != ImportJobStage.IMPORT:
        raise PermissionDenied(_("Tệp này chưa xem trước xong."))
    return job


def _run_import(job: ImportJob) -> None:
    """Read the stored file again, check it, and save every changed row in one call of the service."""
    user = _user_of(job)
    analysis = analyse(
        edition=job.edition,
        data=bytes(job.content),
        filename=job.filename,
        user=user,
        on_progress=lambda done, total: _set_progress(job.pk, done, total, start=1, span=60),
        check_ranks=False,  # shown in the preview; the import itself recomputes
    )
    preview = analysis.preview
    if not preview.ok:
        _finish(job, ImportJobStatus.FAILED, [_("Tệp có lỗi, chưa lưu gì:"), *_messages_of(preview)], preview)
        return
    # The versions the user saw in the preview: someone saving in between makes the service refuse.
    seen = {r["unit_id"]: r["version"] for r in job.preview.get("rows", []) if r.get("unit_id")}
    rows = [
        RowInput(
            unit_id=r.unit_id,
            published_index=r.published_index,
            published_rank=r.published_rank,
            points=r.points,
            expected_version=seen.get(r.unit_id, r.expected_version),
        )
        for r in analysis.inputs.values()
    ]
    if not rows:
        _finish(
            job, ImportJobStatus.DONE, [_("Không có thay đổi: mọi dòng trùng với số liệu đã lưu.")], preview
        )
        return
    _set_progress(job.pk, 70, 100, start=0, span=100)
    try:
        with transaction.atomic():
            report = scores_save(
                edition=job.edition,
                rows=rows,
                user=user,
                reason=_("Nhập từ tệp %(name)s") % {"name": job.filename},
            )
            _finish(job, ImportJobStatus.DONE, [_summary(report)], preview, clear_content=True)
    except StaleEditError as error:
        _finish(
            job,
            ImportJobStatus.FAILED,
            [_("Số liệu đã bị người khác thay đổi sau khi bạn xem trước; hãy tải tệp lên lại.")]
            + [e.message for e in error.errors],
            preview,
        )
    except (EntryError, PermissionDenied) as error:
        messages = [e.message for e in error.errors] if isinstance(error, EntryError) else [str(error)]
        _finish(job, ImportJobStatus.FAILED, [_("Chưa lưu gì:"), *messages], preview)


def _messages_of(preview: ImportPreview) -> list[str]:
    lines = list(preview.errors)
    for row in preview.rows:
        lines.extend(_("Dòng %(line)s: %(error)s") % {"line": row.line, "error": e} for e in row.errors)
    return lines[:100]


def _summary(report: SaveReport) -> str:
    return _("Đã nhập: %(created)s đơn vị mới, %(updated)s đơn vị cập nhật, %(unchanged)s không đổi.") % {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def _finish(
    job: ImportJob,
    status: str,
    messages: Iterable[str],
    preview: ImportPreview,
    *,
    clear_content: bool = False,
) -> None:
    job.status = status
    job.progress = 100
    job.finished_at = timezone.now()
    job.messages = list(messages)
    job.total_rows = len(preview.rows)
    fields = ["status", "progress", "finished_at", "messages", "total_rows"]
    if clear_content:
        job.content = b""  # imported: the file is not needed any more (its SHA-256 stays)
        fields.append("content")
    job.save(update_fields=fields)


@dataclass(frozen=True)
class ImportSweep:
    """What `import_jobs_sweep` did: jobs marked failed, and pending jobs to hand to the broker again."""

    failed: list[int]
    to_send: list[int]


def import_jobs_sweep(
    *, running_after: timedelta, pending_after: timedelta, give_up_after: timedelta
) -> ImportSweep:
    """Leave no job "running" or "pending" for good. Twins: the beat task `parindex.import_jobs_sweep` and
    `manage.py sweep_import_jobs`; both send `to_send` to the broker.

    - running since longer than `running_after` (above the task's hard time limit: the run is dead, a worker
      killed or out of memory, a database gone mid-run): failed with "Quá thời gian xử lý…". A run is never
      started again here: a file that killed one worker would kill the next. Nothing was saved (an import's
      scores and its "done" commit together).
    - pending since longer than `give_up_after`: failed, saying the file was never processed.
    - pending since longer than `pending_after`: returned in `to_send`, to be sent again (the broker may never
      have had it, or the database refused the worker's claim). Running a job twice is safe: the claim lets one
      run through, so a job merely waiting in a long queue only gets a duplicate message.
    Measured from `started_at` (the upload or the confirmation; the claim for a running job), or `created_at` for
    a job stored before that field. Idempotent.
    """
    now = timezone.now()
    since = Coalesce("started_at", "created_at")
    jobs = ImportJob.objects.annotate(since=since)
    failed: list[int] = []
    dead = list(
        jobs.filter(status=ImportJobStatus.RUNNING, since__lt=now - running_after).values_list(
            "pk", flat=True
        )
    )
    for job_id in dead:
        if _mark_failed(
            job_id, [_timed_out_message(int(running_after.total_seconds()))], status=ImportJobStatus.RUNNING
        ):
            failed.append(job_id)
    abandoned = list(
        jobs.filter(status=ImportJobStatus.PENDING, since__lt=now - give_up_after).values_list(
            "pk", flat=True
        )
    )
    message = _(
        "Tệp chưa được xử lý sau %(minutes)s phút (hàng đợi xử lý không hoạt động); chưa lưu gì. Hãy tải tệp lên "
        "lại hoặc báo quản trị viên."
    ) % {"minutes": format_number(int(give_up_after.total_seconds() // 60), grouped=True)}
    for job_id in abandoned:
        if _mark_failed(job_id, [message], status=ImportJobStatus.PENDING):
            failed.append(job_id)
    to_send = list(
        jobs.filter(status=ImportJobStatus.PENDING, since__lt=now - pending_after)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if failed or to_send:
        logger.warning("import_jobs_sweep: failed %s, sent again %s", failed, to_send)
    return ImportSweep(failed=failed, to_send=to_send)


def import_jobs_purge(*, older_than: timedelta) -> int:
    """Delete import jobs (and the files they keep) created more than `older_than` ago; returns how many.

    What an import changed stays in the audit trail (django-simple-history); only the uploaded copy goes.
    """
    cutoff = timezone.now() - older_than
    deleted, _by_model = ImportJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted
