"""The audit log (/nhap-lieu/nhat-ky/): who created, published, reopened and changed what in every edition,
filtered by user, dates, edition and action; 50 a page; CSV; a fixed number of queries; who may see it."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parindex.entry import selectors
from parindex.entry.selectors import AuditFilters
from parindex.entry.services import RowInput, edition_publish, edition_reopen, scores_save
from parindex.register.models import Assessment, Edition, EditionEvent, EditionKind, Score
from tests.entry.entry_helpers import assign, draft_edition, full_points, make_user, units

pytestmark = pytest.mark.django_db

URL = reverse("entry:audit_log")


@contextmanager
def on_day(day: str, hour: int = 10) -> Iterator[None]:
    """Whatever is recorded inside is dated `day` (YYYY-MM-DD) at `hour`, local time (Asia/Ho_Chi_Minh)."""
    start = timezone.now()
    yield
    when = timezone.make_aware(datetime.strptime(f"{day} {hour}", "%Y-%m-%d %H"))
    for model in (Edition, Assessment, Score):
        model.history.filter(history_date__gte=start).update(history_date=when)
    EditionEvent.objects.filter(at__gte=start).update(at=when)


@pytest.fixture
def trail() -> dict[str, Any]:
    """One edition's life: created 20/2, entered 1/3, corrected 5/3, published 10/3, reopened 12/3 (late)."""
    editor = make_user("bien-tap-nk", "editor")
    approver = make_user("phe-duyet-nk", "approver")
    with on_day("2026-02-20"):
        edition = draft_edition(kind=EditionKind.OFFICIAL)
    assign(editor, edition)
    unit = units()[0]
    with on_day("2026-03-01"):
        scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    with on_day("2026-03-05"):
        changed = full_points() | {"3": Decimal("12.25")}
        scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, changed)], user=editor)
    with on_day("2026-03-10"):
        edition_publish(edition=edition, user=approver)
    with on_day("2026-03-12", hour=23):  # late in the evening: still the 12th here, the 12th in UTC too
        edition_reopen(edition=edition, user=approver, reason="Bộ Nội vụ đính chính điểm lĩnh vực 3")
    return {"edition": edition, "editor": editor, "approver": approver, "unit": unit}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(response: Any) -> list[Any]:
    return [row.record for row in response.context["table"].paginated_rows]


def _summary(response: Any) -> Counter[tuple[str, str, str]]:
    """(who, action, local day) of each row shown, counted."""
    return Counter(
        (row.who, row.action_code, timezone.localtime(row.when).strftime("%Y-%m-%d"))
        for row in _rows(response)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            {"nguoi": "editor"},
            {("bien-tap-nk", "add", "2026-03-01"): 8, ("bien-tap-nk", "change", "2026-03-05"): 1},
            id="by_user_editor",
        ),
        pytest.param(
            {"nguoi": "approver"},
            {
                ("phe-duyet-nk", "published", "2026-03-10"): 1,
                ("phe-duyet-nk", "change", "2026-03-10"): 1,  # the status, draft → published
                ("phe-duyet-nk", "reopened", "2026-03-12"): 1,
                ("phe-duyet-nk", "change", "2026-03-12"): 1,
            },
            id="by_user_approver",
        ),
        pytest.param(
            {"ky": "edition", "tu_ngay": "2026-03-05", "den_ngay": "2026-03-05"},
            {("bien-tap-nk", "change", "2026-03-05"): 1},
            id="one_day_both_ends_included",
        ),
        pytest.param(
            {"ky": "edition", "tu_ngay": "2026-03-11"},
            {("phe-duyet-nk", "reopened", "2026-03-12"): 1, ("phe-duyet-nk", "change", "2026-03-12"): 1},
            id="from_only",
        ),
        pytest.param(
            {"nguoi": "editor", "den_ngay": "2026-03-04"},
            {("bien-tap-nk", "add", "2026-03-01"): 8},
            id="until_only",
        ),
        pytest.param(
            {"ky": "edition", "thao_tac": "reopened"},
            {("phe-duyet-nk", "reopened", "2026-03-12"): 1},
            id="by_action",
        ),
        pytest.param(
            {"nguoi": "editor", "tu_ngay": "2026-04-01"},
            {},
            id="nothing_matches",
        ),
    ],
)
def test_filters_by_user_dates_edition_and_action(
    trail: dict[str, Any], query: dict[str, str], expected: dict[tuple[str, str, str], int]
) -> None:
    params = dict(query)
    if "nguoi" in params:
        params["nguoi"] = str(trail[params["nguoi"]].pk)
    if "ky" in params:
        params["ky"] = str(trail["edition"].pk)
    response = _client(trail["approver"]).get(URL, params)
    assert response.status_code == 200
    assert _summary(response) == Counter(expected)
    if not expected:
        assert "Không có thay đổi nào khớp bộ lọc." in response.content.decode()


def test_a_row_shows_time_user_edition_action_unit_old_and_new_and_reason(trail: dict[str, Any]) -> None:
    response = _client(trail["editor"]).get(URL, {"ky": trail["edition"].pk})
    rows = _rows(response)
    assert [row.when for row in rows] == sorted((row.when for row in rows), reverse=True)  # newest first
    correction = next(row for row in rows if row.action_code == "change" and row.who == "bien-tap-nk")
    assert (correction.unit, correction.field, correction.old, correction.new) == (
        trail["unit"].name,
        "Lĩnh vực 3 (điểm)",
        "11,60",
        "12,25",
    )
    assert correction.edition == str(trail["edition"])
    reopened = next(row for row in rows if row.action_code == "reopened")
    assert reopened.reason == "Bộ Nội vụ đính chính điểm lĩnh vực 3"
    page = response.content.decode()
    assert "Lĩnh vực 3 (điểm): 11,60 → 12,25" in page
    assert "05/03/2026 10:00:00" in page  # local time
    assert str(trail["edition"]) in page and "Mở lại" in page and "đính chính" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param({"tu_ngay": "2026-13-01"}, "Nhập một ngày hợp lệ", id="no_13th_month"),
        pytest.param({"den_ngay": "31/02/2026"}, "Nhập một ngày hợp lệ", id="no_31st_february"),
        pytest.param(
            {"tu_ngay": "2026-03-10", "den_ngay": "2026-03-01"},
            "Ngày bắt đầu (10/03/2026) phải trước hoặc bằng ngày kết thúc (01/03/2026).",
            id="from_after_to",
        ),
        pytest.param({"nguoi": "abc"}, "", id="user_not_a_number"),
        pytest.param({"ky": "999999"}, "", id="no_such_edition"),
        pytest.param({"thao_tac": "drop table"}, "", id="unknown_action"),
    ],
)
def test_bad_filters_give_a_message_not_an_error(
    trail: dict[str, Any], query: dict[str, str], message: str
) -> None:
    response = _client(trail["approver"]).get(URL, query)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert message in page
    assert _rows(response) == []


def test_anonymous_visitors_are_sent_to_login_and_users_without_a_role_refused() -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert _client(make_user("khong-vai-tro-nk")).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["editor", "approver", "leader", "admin"])
def test_staff_who_may_see_drafts_may_read_the_log(role: str) -> None:
    response = _client(make_user(f"vai-tro-{role}", role)).get(URL)
    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()  # the staff navigation links to it


def _many_changes(count: int, kind: str = EditionKind.SELF) -> tuple[User, Edition]:
    """`count` saves of one unit by a new editor: 8 changed scores each."""
    edition = draft_edition(kind=kind)
    editor = make_user(f"nhieu-{count}", "editor")
    assign(editor, edition)
    unit = units()[0]
    for step in range(count):
        points = {str(n): Decimal(step) / 4 for n in range(1, 9)}  # 0 to 3.5: under every maximum
        scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, points)], user=editor)
    return editor, edition


def _queries(client: Client, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured)


def test_the_page_reads_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    few_editor, few_edition = _many_changes(1, EditionKind.OFFICIAL)
    many_editor, many_edition = _many_changes(15)  # 120 changes: more than two pages
    reader = _client(make_user("doc-nhat-ky", "leader"))
    few = _queries(reader, {"nguoi": few_editor.pk, "ky": few_edition.pk})
    many = _queries(reader, {"nguoi": many_editor.pk, "ky": many_edition.pk})
    assert few == many
    with django_assert_max_num_queries(20):
        response = reader.get(URL, {"nguoi": many_editor.pk})
    assert len(response.context["table"].page.object_list) == 50
    # Unfiltered, most of the session data's result records change nothing shown (a version): the page looks
    # further back a few times (LOOK_FURTHER), three queries each, however many rows there are.
    with django_assert_max_num_queries(30):
        reader.get(URL)  # no filter: the whole trail of the session data too


def test_the_log_is_paginated_by_50_and_the_pager_keeps_the_filters() -> None:
    editor, _edition = _many_changes(15)  # 8 adds + 14 × 8 changes = 120 rows
    reader = _client(editor)
    first = reader.get(URL, {"nguoi": editor.pk})
    table = first.context["table"]
    # The pager does not count every change: it knows there is a next page.
    assert (table.page.has_next(), len(table.page.object_list)) == (True, 50)
    assert f"nguoi={editor.pk}" in first.content.decode() and "trang=2" in first.content.decode()
    last = reader.get(URL, {"nguoi": editor.pk, "trang": "3"})
    assert len(last.context["table"].page.object_list) == 20
    assert not last.context["table"].page.has_next() and "trang=4" not in last.content.decode()
    assert "trang=2" in last.content.decode()  # back
    assert {(who, code) for who, code, _day in _summary(last)} <= {(editor.username, "add")} | {
        (editor.username, "change")
    }


def test_the_filtered_rows_download_as_csv(trail: dict[str, Any]) -> None:
    response = _client(trail["editor"]).get(URL, {"nguoi": trail["editor"].pk, "dinh_dang": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Thời điểm",
        "Người thực hiện",
        "Kỳ đánh giá",
        "Thao tác",
        "Đơn vị",
        "Thay đổi",
        "Lý do",
    ]
    assert len(rows) == 1 + 9
    assert rows[1][:2] == ["05/03/2026 10:00:00", "bien-tap-nk"]
    assert rows[1][5] == "Lĩnh vực 3 (điểm): 11,60 → 12,25"


@pytest.mark.parametrize("first_look", [1, 3, 50])
def test_a_page_reads_back_only_as_far_as_it_needs_and_shows_what_the_whole_trail_shows(
    trail: dict[str, Any], monkeypatch: pytest.MonkeyPatch, first_look: int
) -> None:
    """Each page equals the same slice of the whole trail (the CSV's), for every filter, however few records a
    first look reads: records that change nothing shown (a result's version) make it look further back."""
    monkeypatch.setattr(selectors, "FIRST_LOOK", first_look)
    editor, edition = _many_changes(4)
    cases = [
        AuditFilters(),
        AuditFilters(user_id=editor.pk),
        AuditFilters(edition_id=edition.pk, action="change"),
        AuditFilters(edition_id=trail["edition"].pk),
        AuditFilters(action="reopened"),
        AuditFilters(
            since=timezone.make_aware(datetime(2026, 3, 4)), until=timezone.make_aware(datetime(2026, 3, 11))
        ),
    ]
    for filters in cases:
        whole = selectors.audit_trail(filters)
        rows = selectors.AuditRows(filters)
        for start, stop in ((0, 1), (0, 5), (3, 9), (0, len(whole) + 5), (len(whole), len(whole) + 3)):
            assert rows[start:stop] == whole[start:stop], (filters, start, stop)
