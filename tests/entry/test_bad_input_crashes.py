"""Input that used to crash (a 500, or "Lỗi hệ thống" on an import) or pass unchecked: each is now refused with a
clear message and nothing written, or kept whole where it belongs; the grid and the import refuse the same
values with the same message (the issue's item 6)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from parindex.entry.services import (
    HISTORY_REASON_LENGTH,
    TEXT_MAX_LENGTH,
    EntryError,
    RowInput,
    edition_create,
    edition_publish,
    edition_reopen,
    history_reason,
    scores_save,
)
from parindex.register.models import (
    Assessment,
    Edition,
    EditionEvent,
    EditionEventKind,
    EditionKind,
    EditionStatus,
    ImportJob,
    ImportJobStatus,
    Score,
)
from parindex.register.numbers import MAX_TEXT_LENGTH, NumberError, parse_decimal, parse_rank
from parindex.register.selectors import units_of
from parindex.transfer import importing
from tests.entry.entry_helpers import (
    YEAR,
    assign,
    draft_edition,
    entry_methodology,
    full_points,
    make_user,
    units,
)
from tests.transfer.test_spreadsheets import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition() -> Edition:
    return draft_edition()  # 2025: 34 units


@pytest.fixture
def editor(edition):
    user = make_user("bien-tap", "editor")
    assign(user, edition)
    return user


@pytest.fixture
def approver():
    return make_user("phe-duyet", "approver")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _written(edition: Edition) -> tuple[int, ...]:
    """Everything a save or an import of `edition` could write, history included."""
    return (
        Assessment.objects.filter(edition=edition).count(),
        Score.objects.filter(assessment__edition=edition).count(),
        Assessment.history.filter(edition_id=edition.pk).count(),
        Score.history.count(),
    )


def _grid_url(edition: Edition) -> str:
    return reverse("entry:grid", args=[edition.pk])


def _full_row(unit, version: str = "0", **cells: str) -> dict[str, str]:
    row = {f"d{n}": str(p).replace(".", ",") for n, p in full_points().items()} | {"index": "", "rank": ""}
    row |= cells
    return {f"p-{unit.pk}-version": version, "don_vi": "diem"} | {
        f"p-{unit.pk}-{k}": v for k, v in row.items()
    }


def _cell_error(content: str, unit, key: str) -> str:
    """The message the grid shows under one cell."""
    match = re.search(rf'<div class="field-error" id="p-{unit.pk}-{key}-error">(.*?)</div>', content, re.S)
    assert match, f"no error under {key}"
    return html.unescape(match.group(1)).strip()


def _summary(content: str) -> list[str]:
    box = re.search(r'data-testid="error-summary".*?<ul>(.*?)</ul>', content, re.S)
    assert box, "no error summary"
    return [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", box[1])
    ]


# --- The number parser: ASCII digits, bounded length and size ---------------------------------------------------

NOT_NUMBERS = {
    "arabic-indic": ("٣٤", "không phải là số hợp lệ"),
    "extended-arabic-indic": ("۸۵", "không phải là số hợp lệ"),
    "full-width": ("３４", "không phải là số hợp lệ"),
    "devanagari": ("८५", "không phải là số hợp lệ"),
    "full-width-decimal": ("８５,５", "không phải là số hợp lệ"),
    "too-long": ("1" * (MAX_TEXT_LENGTH + 1), "quá dài"),
    "a-megabyte": ("9" * 1_000_000, "quá dài"),
    "too-large": ("1" * 13, "quá lớn"),
    "too-large-float": (1e300, "quá lớn"),
    "too-large-int": (10**5000, "quá lớn"),
}


@pytest.mark.parametrize(("raw", "message"), NOT_NUMBERS.values(), ids=NOT_NUMBERS)
def test_the_parser_refuses_what_is_not_an_ascii_number_of_sane_size(raw, message):
    with pytest.raises(NumberError) as caught:
        parse_decimal(raw)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200  # the value is quoted cut short, never whole


def test_the_parser_still_reads_ordinary_numbers():
    assert parse_decimal(" 87,33 ") == Decimal("87.33")
    assert parse_decimal("1" * 12) == Decimal("1" * 12)
    assert parse_rank("34") == 34
    with pytest.raises(NumberError, match="Thứ hạng phải là số nguyên"):
        parse_rank("9" * 5000)


# --- Grid and import: the same values refused with the same message ---------------------------------------------

# (cell, value) → the message both paths give; the import names the column before a number's own message.
REFUSED_BY_BOTH = {
    "rank-above-the-34-units": (
        "rank",
        "35",
        "Thứ hạng 35 lớn hơn số đơn vị PAR INDEX đánh giá năm 2025 (34).",
    ),
    "rank-of-eleven-digits": (
        "rank",
        "99999999999",
        "Thứ hạng 99999999999 lớn hơn số đơn vị PAR INDEX đánh giá năm 2025 (34).",
    ),
    "rank-of-5000-digits": (
        "rank",
        "9" * 5000,
        "Thứ hạng phải là số nguyên từ 1 trở lên (nhận được “9999999999999999999…”).",
    ),
    "rank-arabic-indic": ("rank", "٣", "Thứ hạng phải là số nguyên từ 1 trở lên (nhận được “٣”)."),
    "rank-zero": ("rank", "0", "Thứ hạng phải là số nguyên từ 1 trở lên (nhận được “0”)."),
    "domain-full-width": ("d1", "８", "“８” không phải là số hợp lệ."),
    "domain-of-5000-digits": (
        "d1",
        "9" * 5000,
        "Giá trị quá dài (5000 ký tự, tối đa 50): “9999999999999999999…”.",
    ),
    "domain-too-large": ("d1", "1" * 20, "“11111111111111111111” quá lớn."),
    "index-arabic-indic": ("index", "٨٥", "“٨٥” không phải là số hợp lệ."),
}
IMPORT_FIELD = {"rank": "published_rank", "index": "published_index", "d1": "d1"}
IMPORT_PREFIX = {"rank": "", "index": "Chỉ số: ", "d1": "Lĩnh vực 1: "}


@pytest.mark.parametrize(("cell", "value", "message"), REFUSED_BY_BOTH.values(), ids=REFUSED_BY_BOTH)
def test_grid_and_import_refuse_the_same_value_with_the_same_message(edition, editor, cell, value, message):
    unit = units()[0]
    before = _written(edition)

    response = _client(editor).post(_grid_url(edition), _full_row(unit, **{cell: value}))
    assert response.status_code == 422
    content = response.content.decode()
    assert _cell_error(content, unit, cell) == message
    if len(value) > MAX_TEXT_LENGTH:
        assert value[: MAX_TEXT_LENGTH + 1] not in content  # a long value is not echoed whole

    row = [unit.name, YEAR, *(str(p).replace(".", ",") for p in full_points().values()), "", ""]
    row[{"d1": 2, "index": 10, "rank": 11}[cell]] = value
    for content_bytes in (csv_bytes([row]), xlsx_bytes([row])):
        preview = importing.import_preview(
            edition=edition, upload=SimpleUploadedFile("ket-qua.csv", content_bytes), user=editor
        )
        (previewed,) = preview.rows
        errors = {c.field: c.error for c in previewed.cells}
        assert errors[IMPORT_FIELD[cell]] == IMPORT_PREFIX[cell] + message
        assert not preview.ok
    assert _written(edition) == before


def test_a_rank_within_the_units_is_saved_by_both(edition, editor):
    unit, other = units()[:2]
    assert units_of(edition).count() == 34
    assert _client(editor).post(_grid_url(edition), _full_row(unit, rank="34")).status_code == 302
    content = csv_bytes([[other.name, YEAR, *["" for _ in range(8)], "80", "34"]])
    job = importing.import_job_run(
        importing.import_job_create(edition=edition, upload=SimpleUploadedFile("a.csv", content), user=editor)
    )
    job = importing.import_job_run(importing.import_confirm(job=job, user=editor))
    assert job.status == ImportJobStatus.DONE, job.messages
    assert sorted(Assessment.objects.filter(edition=edition).values_list("published_rank", flat=True)) == [
        34,
        34,
    ]


def test_the_service_refuses_a_rank_above_the_units_from_any_caller(edition, editor):
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(units()[0].pk, Decimal("80"), 35, {})], user=editor)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("published_rank", "Thứ hạng 35 lớn hơn số đơn vị PAR INDEX đánh giá năm 2025 (34).")
    ]


# --- The grid: the stale-edit check, echoed input, the error box --------------------------------------------------

BAD_VERSIONS = {"text": "abc", "empty": "", "negative": "-1", "arabic-indic": "١", "huge": "9" * 5000}


@pytest.mark.parametrize("version", BAD_VERSIONS.values(), ids=BAD_VERSIONS)
def test_a_row_without_a_readable_version_is_refused_not_saved_unchecked(edition, editor, version):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    before = _written(edition)
    response = _client(editor).post(_grid_url(edition), _full_row(unit, version=version, d1="1"))
    assert response.status_code == 422
    assert "Không đọc được phiên bản của dòng" in response.content.decode()
    assert _written(edition) == before


def test_a_missing_version_is_refused_too(edition, editor):
    unit = units()[0]
    data = _full_row(unit)
    del data[f"p-{unit.pk}-version"]
    response = _client(editor).post(_grid_url(edition), data)
    assert response.status_code == 422
    assert not Assessment.objects.filter(edition=edition).exists()


def test_the_grid_does_not_echo_a_megabyte_back(edition, editor):
    unit = units()[0]
    huge = "8" * 1_000_000
    response = _client(editor).post(_grid_url(edition), _full_row(unit, d2=huge))
    assert response.status_code == 422
    content = response.content.decode()
    assert len(content) < 200_000
    assert "8" * (MAX_TEXT_LENGTH + 1) not in content
    assert "quá dài" in _cell_error(content, unit, "d2")
    assert f'value="{"8" * MAX_TEXT_LENGTH}…"' in content  # what was typed, cut short
    assert not Assessment.objects.filter(edition=edition).exists()


def test_grid_keys_with_other_digits_or_huge_ids_are_ignored(edition, editor):
    unit = units()[0]
    data = _full_row(unit) | {
        "p-٣-rank": "5",
        f"p-{'9' * 40}-rank": "5",
        "p-99999999999999999999-rank": "5",
    }
    response = _client(editor).post(_grid_url(edition), data)
    assert response.status_code == 302
    assert Assessment.objects.filter(edition=edition).count() == 1


def test_a_conflict_is_listed_once_in_the_error_box(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    scores_save(  # someone else saves meanwhile: version 2
        edition=edition, rows=[RowInput(unit.pk, Decimal("80"), None, full_points())], user=editor
    )
    response = _client(editor).post(_grid_url(edition), _full_row(unit, version="1", d1="1"))
    assert response.status_code == 409
    items = _summary(response.content.decode())
    assert len(items) == len(set(items))
    assert sum(unit.name in item for item in items) == 1, items


def test_the_same_error_twice_is_listed_once(edition, editor):
    first, second = units()[:2]
    data = _full_row(first, d1="abc") | _full_row(second, d1="abc")
    items = _summary(_client(editor).post(_grid_url(edition), data).content.decode())
    assert len(items) == len(set(items)) == 2  # two cells, two entries; the same cell never twice


# --- Long texts: a reopen reason, a file name, an edition note ---------------------------------------------------


def test_history_reason_is_cut_to_the_history_column():
    assert history_reason("") is None
    assert history_reason("  Bộ đính chính  ") == "Bộ đính chính"
    cut = history_reason("Lý do " * 100)
    assert cut is not None and len(cut) <= HISTORY_REASON_LENGTH and cut.endswith("…")


@pytest.mark.parametrize("length", [93, 150, TEXT_MAX_LENGTH], ids=["93", "150", "limit"])
def test_a_long_reopen_reason_is_kept_whole_in_the_event_and_cut_in_the_history(edition, approver, length):
    edition_publish(edition=edition, user=approver)
    reason = ("Bộ Nội vụ đính chính số liệu của tỉnh. " * 60)[:length].strip() or "x"
    response = _client(approver).post(reverse("entry:reopen", args=[edition.pk]), {"reason": reason})
    assert response.status_code == 302
    event = EditionEvent.objects.get(edition=edition, kind=EditionEventKind.REOPENED)
    assert event.reason == reason
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT
    stored = edition.history.latest().history_change_reason
    assert len(stored) <= HISTORY_REASON_LENGTH
    assert stored.startswith("Mở lại: Bộ Nội vụ")


def test_a_reopen_reason_over_the_limit_is_refused_with_a_message(edition, approver):
    edition_publish(edition=edition, user=approver)
    reason = "x" * (TEXT_MAX_LENGTH + 1)
    with pytest.raises(EntryError) as caught:
        edition_reopen(edition=edition, user=approver, reason=reason)
    assert caught.value.errors[0].field == "reason"
    response = _client(approver).post(reverse("entry:reopen", args=[edition.pk]), {"reason": reason})
    assert response.status_code == 422
    assert "2000" in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    assert not EditionEvent.objects.filter(edition=edition, kind=EditionEventKind.REOPENED).exists()


def test_an_edition_note_over_the_limit_is_refused_by_the_form_and_the_service(approver):
    note = "Ghi chú " * 300
    data = {"year": "2024", "kind": EditionKind.OFFICIAL, "methodology": entry_methodology().pk, "note": note}
    response = _client(approver).post(reverse("entry:edition_create"), data)
    assert response.status_code == 422
    assert "2000" in response.content.decode()
    with pytest.raises(EntryError) as caught:
        edition_create(
            year=2024, kind=EditionKind.OFFICIAL, methodology=entry_methodology(), user=approver, note=note
        )
    assert "note" in [e.field for e in caught.value.errors]
    assert not Edition.objects.filter(
        year=2024, kind=EditionKind.OFFICIAL, methodology__code="TEST-ENTRY"
    ).exists()


@pytest.mark.parametrize("length", [89, 120, 255], ids=["89", "120", "255"])
def test_a_file_with_a_long_name_imports_and_keeps_its_name(edition, editor, length):
    unit = units()[0]
    name = ("ket-qua-chi-so-cai-cach-hanh-chinh-" * 10)[: length - 4] + ".csv"
    content = csv_bytes([[unit.name, YEAR, *["" for _ in range(8)], "80", "3"]])
    client = _client(editor)
    response = client.post(
        reverse("transfer:upload", args=[edition.pk]), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    job = ImportJob.objects.get(edition=edition)
    assert job.filename == name
    response = client.post(reverse("transfer:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, job.messages
    assert Assessment.objects.get(edition=edition, unit=unit).published_rank == 3
    record = Assessment.history.filter(edition_id=edition.pk).latest()
    assert len(record.history_change_reason) <= HISTORY_REASON_LENGTH
    assert record.history_change_reason.startswith("Nhập từ tệp ket-qua-chi-so")
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Lỗi hệ thống" not in page


# --- A malformed .xlsx cell: a message naming the cell -------------------------------------------------------------


def _with_cell(content: bytes, ref: str, xml: str) -> bytes:
    """The workbook with cell `ref` of the first sheet replaced by raw XML (what a hand-made generator writes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'.encode(), xml.encode(), data)
                assert count == 1
            target.writestr(info, data)
    return out.getvalue()


MALFORMED_CELLS = {
    "comma-in-a-number": ('<c r="C3" t="n"><v>8,65</v></c>', "C3 (“8,65”)"),
    "text-in-a-number": ('<c r="C3"><v>abc</v></c>', "C3 (“abc”)"),
    "5000-digit-number": (f'<c r="C3" t="n"><v>{"9" * 5000}</v></c>', "C3 (“9999999999999999999…”)"),
    "missing-shared-string": ('<c r="C3" t="s"><v>999</v></c>', "C3 (“999”)"),
    "bad-boolean": ('<c r="C3" t="b"><v>yes</v></c>', "C3 (“yes”)"),
    "bad-date": ('<c r="C3" t="d"><v>hôm qua</v></c>', "C3 (“hôm qua”)"),
}


@pytest.mark.parametrize(("xml", "cell"), MALFORMED_CELLS.values(), ids=MALFORMED_CELLS)
def test_a_malformed_xlsx_cell_is_named_not_a_system_error(edition, editor, xml, cell):
    unit = units()[0]
    row = [unit.name, YEAR, *(str(p).replace(".", ",") for p in full_points().values()), "", ""]
    content = _with_cell(xlsx_bytes([row], above=[["Kết quả PAR INDEX 2025"]]), "C3", xml)
    before = _written(edition)
    job = importing.import_job_run(
        importing.import_job_create(
            edition=edition, upload=SimpleUploadedFile("a.xlsx", content), user=editor
        )
    )
    assert job.status == ImportJobStatus.DONE  # the preview ran and says what is wrong
    preview = importing.job_preview(job)
    assert preview is not None and not preview.ok
    (message,) = preview.errors
    assert f"Không đọc được ô {cell}" in message
    assert "Lỗi hệ thống" not in " ".join(job.messages)
    job = importing.import_job_run(importing.import_confirm(job=job, user=editor))
    assert job.status == ImportJobStatus.FAILED
    assert _written(edition) == before


def test_a_published_rank_and_index_stay_valid_after_the_bounds(edition, editor):
    """The bounds refuse nothing real: a full row with index 100 and the last rank saves."""
    unit = units()[0]
    response = _client(editor).post(_grid_url(edition), _full_row(unit, index="100", rank="34"))
    assert response.status_code == 302
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert (assessment.published_index, assessment.published_rank) == (Decimal("100"), 34)


def test_a_published_edition_is_not_touched_by_a_refused_grid_save(edition, editor, approver):
    edition_publish(edition=edition, user=approver)
    response = _client(editor).post(_grid_url(edition), _full_row(units()[0], rank="9" * 5000))
    assert response.status_code == 422
    assert not Assessment.objects.filter(edition=edition).exists()
    assert Edition.objects.get(pk=edition.pk).status == EditionStatus.PUBLISHED
