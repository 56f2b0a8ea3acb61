"""The results section of the edition page: the recompute's state (pending, running, done, failed) kept in
PostgreSQL, the retry an approver may ask for, and computed ranks that differ from the published ones with the
reason staff give (on the edition page and in the grid)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import scoring.services
from parindex.celery import app
from parindex.entry.results import rank_explain, results_context
from parindex.entry.services import EntryError, RowInput, scores_save
from parindex.register.models import Assessment, Criterion, Edition, EditionStatus, Unit
from scoring.models import EditionSummary, RecomputeState, RecomputeStatus, YearResult
from scoring.selectors import RECOMPUTE_STALE_AFTER, rank_differences
from scoring.services import recompute_failed, recompute_requested, recompute_started, results_recompute
from scoring.tasks import enqueue_recompute
from tests.entry.entry_helpers import MAXIMA, assign, draft_edition, full_points, make_user, units
from tests.scoring.test_tasks import _tiny_edition
from tests.scoring.workers import celery_worker, wait_until

pytestmark = pytest.mark.django_db

YEAR = 2025  # 34 units


@pytest.fixture
def admin() -> User:
    return make_user("quan-tri-ket-qua", superuser=True)


@pytest.fixture
def approver() -> User:
    return make_user("phe-duyet-ket-qua", "approver")


def _state(edition: Edition) -> RecomputeState:
    return RecomputeState.objects.get(edition=edition)


def _page(client: Any, user: User, edition: Edition) -> str:
    client.force_login(user)
    response = client.get(reverse("entry:edition_detail", args=[edition.pk]))
    assert response.status_code == 200
    return response.content.decode()


def ranked_edition(user: User, *, swap: tuple[int, int] = (2, 15), reverse_all: bool = False) -> Edition:
    """A complete 34-unit draft with published ranks 1..34 in code order and domain points that give the same
    order, except that the units at positions `swap` trade points (published 3 and 16 → computed 16 and 3),
    or, with `reverse_all`, points in the reverse order (every one of the 34 differs). Computed."""
    edition = draft_edition(YEAR)
    listed = units(YEAR)
    slots = list(range(len(listed)))
    if reverse_all:
        slots.reverse()
    else:
        a, b = swap
        slots[a], slots[b] = slots[b], slots[a]
    rows = []
    for position, unit in enumerate(listed):
        share = Decimal("0.95") - Decimal("0.01") * slots[position]
        points = {str(n): (m * share).quantize(Decimal("0.01")) for n, m in enumerate(MAXIMA, start=1)}
        rows.append(RowInput(unit.pk, None, position + 1, points))
    scores_save(edition=edition, rows=rows, user=user)
    results_recompute(edition=edition)
    return edition


def _swapped(edition: Edition) -> tuple[Unit, Unit]:
    listed = units(edition.year)
    return listed[2], listed[15]


# --- The state of a recompute ----------------------------------------------------------------------------------


def test_a_save_marks_the_results_pending_in_its_transaction_then_the_task_marks_them_done(
    eager: None, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    edition = draft_edition(YEAR)
    unit = units(YEAR)[0]
    with django_capture_on_commit_callbacks() as callbacks:
        scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=admin)
        state = _state(edition)
        assert (state.status, state.requests) == (RecomputeStatus.PENDING, 1)
        assert not EditionSummary.objects.filter(edition=edition).exists()
    for callback in callbacks:
        callback()
    state = _state(edition)
    assert state.status == RecomputeStatus.DONE
    assert state.started_at is not None and state.finished_at is not None
    assert state.started_at >= state.requested_at and state.messages == []
    assert EditionSummary.objects.get(edition=edition).computed_at <= state.finished_at


def test_a_write_that_rolls_back_leaves_no_pending_mark(admin: User) -> None:
    edition = draft_edition(YEAR)
    with pytest.raises(EntryError):
        scores_save(edition=edition, rows=[RowInput(units(YEAR)[0].pk, Decimal(101), None, {})], user=admin)
    assert not RecomputeState.objects.filter(edition=edition).exists()


def test_a_save_made_while_a_recompute_reads_leaves_the_results_pending(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recompute answers the requests made before it read the data; a save committed meanwhile asks again,
    and neither the run's success nor its failure hides that."""
    edition = draft_edition(YEAR)
    scores_save(edition=edition, rows=[RowInput(units(YEAR)[0].pk, None, None, full_points())], user=admin)
    answered = recompute_started(edition_id=edition.pk)
    real_load = scoring.services._load

    def load_while_a_save_commits(edition: Edition, changes: Any = None) -> Any:
        recompute_requested(edition_id=edition.pk)
        return real_load(edition, changes)

    monkeypatch.setattr(scoring.services, "_load", load_while_a_save_commits)
    results_recompute(edition=edition)
    assert (_state(edition).status, _state(edition).requests) == (RecomputeStatus.PENDING, 2)
    recompute_failed(edition_id=edition.pk, answered=answered, messages=["cũ"])
    assert (_state(edition).status, _state(edition).messages) == (RecomputeStatus.PENDING, [])

    monkeypatch.undo()
    assert recompute_started(edition_id=edition.pk) == 2
    results_recompute(edition=edition)
    assert _state(edition).status == RecomputeStatus.DONE


def test_bad_data_fails_with_its_messages_and_approvers_get_a_retry_button(
    eager: None, admin: User, approver: User, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    edition = draft_edition(YEAR)
    unit = units(YEAR)[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=admin)
    # An admin lowers a maximum below the stored points (the database's guard is bypassed by update()).
    Criterion.objects.filter(methodology=edition.methodology, number=1).update(max_points=Decimal(1))
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_recompute(edition.pk)
    state = _state(edition)
    assert state.status == RecomputeStatus.FAILED
    assert any(unit.name in message and "lĩnh vực 1" in message for message in state.messages)

    page = _page(client, approver, edition)
    assert "Tính lại thất bại:" in page and unit.name in page
    assert reverse("entry:recompute_retry", args=[edition.pk]) in page
    leader_page = _page(client, make_user("lanh-dao-ket-qua", "leader"), edition)
    assert "Tính lại thất bại:" in leader_page
    assert reverse("entry:recompute_retry", args=[edition.pk]) not in leader_page


def test_approvers_retry_after_a_fix_and_the_results_become_current(
    eager: None, admin: User, approver: User, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    edition = draft_edition(YEAR)
    scores_save(edition=edition, rows=[RowInput(units(YEAR)[0].pk, None, None, full_points())], user=admin)
    RecomputeState.objects.filter(edition=edition).update(
        status=RecomputeStatus.FAILED, messages=["Lĩnh vực 1 chưa có điểm tối đa"]
    )
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("entry:recompute_retry", args=[edition.pk]))
    assert response.status_code == 302
    state = _state(edition)
    assert (state.status, state.messages, state.requested_by) == (RecomputeStatus.DONE, [], approver)
    page = _page(client, approver, edition)
    assert "Kết quả đã cập nhật lúc" in page
    assert "Đã yêu cầu tính lại kết quả" in page


@pytest.mark.parametrize(
    "role, status",
    [("editor", 403), ("leader", 403), ("public", 403), (None, 302)],
    ids=["editor", "leader", "no-role", "anonymous"],
)
def test_only_approvers_may_retry(client: Any, role: str | None, status: int) -> None:
    edition = draft_edition(YEAR)
    if role is not None:
        user = make_user(f"khong-duoc-{role}", role)
        if role == "editor":
            assign(user, edition)
        client.force_login(user)
    response = client.post(reverse("entry:recompute_retry", args=[edition.pk]))
    assert response.status_code == status
    if status == 302:
        assert reverse("login") in response["Location"]
    assert not RecomputeState.objects.filter(edition=edition).exists()


def test_a_retry_is_a_post(client: Any, approver: User) -> None:
    edition = draft_edition(YEAR)
    client.force_login(approver)
    assert client.get(reverse("entry:recompute_retry", args=[edition.pk])).status_code == 405
    assert not RecomputeState.objects.filter(edition=edition).exists()


@pytest.mark.parametrize("status", [RecomputeStatus.PENDING, RecomputeStatus.RUNNING])
def test_a_retry_while_one_is_waiting_queues_nothing_and_says_so(
    client: Any, approver: User, status: str, django_capture_on_commit_callbacks: Any
) -> None:
    edition = draft_edition(YEAR)
    recompute_requested(edition_id=edition.pk)
    RecomputeState.objects.filter(edition=edition).update(status=status, started_at=timezone.now())
    client.force_login(approver)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("entry:recompute_retry", args=[edition.pk]), follow=True)
    assert callbacks == []
    assert _state(edition).requests == 1
    page = response.content.decode()
    assert "không cần yêu cầu lần nữa" in page
    assert reverse("entry:recompute_retry", args=[edition.pk]) not in page  # no button either


def test_a_recompute_waiting_too_long_counts_as_lost_and_may_be_asked_again(
    client: Any, approver: User, django_capture_on_commit_callbacks: Any
) -> None:
    edition = draft_edition(YEAR)
    recompute_requested(edition_id=edition.pk)
    long_ago = timezone.now() - RECOMPUTE_STALE_AFTER - timedelta(minutes=1)
    RecomputeState.objects.filter(edition=edition).update(requested_at=long_ago)
    page = _page(client, approver, edition)
    assert "chưa được xử lý xong" in page
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("entry:recompute_retry", args=[edition.pk]))
    assert len(callbacks) == 1
    assert _state(edition).requests == 2


@pytest.mark.parametrize(
    "status, started, text",
    [
        (RecomputeStatus.PENDING, False, "Đang chờ tính lại…"),
        (RecomputeStatus.RUNNING, True, "Đang tính lại…"),
    ],
)
def test_the_page_says_when_results_are_being_recomputed(
    client: Any, approver: User, status: str, started: bool, text: str
) -> None:
    edition = draft_edition(YEAR)
    recompute_requested(edition_id=edition.pk)
    RecomputeState.objects.filter(edition=edition).update(
        status=status, started_at=timezone.now() if started else None
    )
    page = _page(client, approver, edition)
    assert text in page
    assert reverse("entry:recompute_retry", args=[edition.pk]) not in page


def test_an_edition_computed_before_tracking_shows_when_its_results_were_computed(
    client: Any, approver: User
) -> None:
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind="demo")
    assert not RecomputeState.objects.filter(edition=edition).exists()
    computed_at = EditionSummary.objects.get(edition=edition).computed_at
    page = _page(client, approver, edition)
    assert f"Kết quả đã cập nhật lúc {timezone.localtime(computed_at):%d/%m/%Y %H:%M}" in page


# --- Rank differences ------------------------------------------------------------------------------------------


def test_the_edition_page_lists_each_rank_difference_with_both_ranks(
    client: Any, admin: User, approver: User
) -> None:
    edition = ranked_edition(admin)
    first, second = _swapped(edition)
    assert [(r.unit, r.published_rank, r.rank) for r in rank_differences(edition)] == [
        (first, 3, 16),
        (second, 16, 3),
    ]
    page = _page(client, approver, edition)
    assert "2 đơn vị có thứ hạng tính toán khác thứ hạng công bố." in page
    for unit, published, rank in ((first, 3, 16), (second, 16, 3)):
        row = page.split(f'<tr data-unit="{unit.pk}">')[1].split("</tr>")[0]
        assert f'<td class="num">{published}</td>' in row and f'<td class="num">{rank}</td>' in row
        assert "Chưa giải thích" in row
        assert reverse("entry:rank_explain", args=[edition.pk, unit.pk]) in row


def test_an_incomplete_edition_does_not_compare_ranks(client: Any, admin: User, approver: User) -> None:
    edition = draft_edition(YEAR)
    scores_save(edition=edition, rows=[RowInput(units(YEAR)[0].pk, None, 5, full_points())], user=admin)
    results_recompute(edition=edition)
    page = _page(client, approver, edition)
    assert "Chưa so được: kỳ đánh giá mới có kết quả của 1/34 đơn vị" in page
    assert 'data-testid="rank-differences"' not in page


def test_an_approver_explains_a_difference_and_the_history_keeps_it(
    client: Any, admin: User, approver: User
) -> None:
    edition = ranked_edition(admin)
    unit, _other = _swapped(edition)
    history_before = Assessment.history.filter(edition_id=edition.pk, unit_id=unit.pk).count()
    client.force_login(approver)
    url = reverse("entry:rank_explain", args=[edition.pk, unit.pk])
    form = client.get(url).content.decode()
    assert "Hạng công bố: 3 · Hạng tính toán: 16" in form and 'maxlength="500"' in form
    response = client.post(url, {"reason": "  Bộ công bố theo số liệu chưa cập nhật điểm SIPAS.  "})
    assert response.status_code == 302
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert assessment.rank_explanation == "Bộ công bố theo số liệu chưa cập nhật điểm SIPAS."
    assert (assessment.rank_explained_published, assessment.rank_explained_computed) == (3, 16)
    assert assessment.rank_explained_by == approver
    latest = Assessment.history.filter(edition_id=edition.pk, unit_id=unit.pk).latest("history_date")
    assert Assessment.history.filter(edition_id=edition.pk, unit_id=unit.pk).count() == history_before + 1
    assert (latest.history_user, latest.history_change_reason) == (approver, "Giải thích chênh lệch thứ hạng")
    assert latest.rank_explanation == assessment.rank_explanation

    page = _page(client, approver, edition)
    row = page.split(f'<tr data-unit="{unit.pk}">')[1].split("</tr>")[0]
    assert "Bộ công bố theo số liệu chưa cập nhật điểm SIPAS." in row and approver.username in row
    assert "Chưa giải thích" not in row


def test_the_editor_of_the_unit_may_explain_other_editors_and_leaders_may_not(
    client: Any, admin: User
) -> None:
    edition = ranked_edition(admin)
    unit, other = _swapped(edition)
    own = make_user("bien-tap-don-vi", "editor")
    assign(own, edition, unit)
    rank_explain(edition=edition, unit=unit, user=own, reason="Số liệu SIPAS khác")
    elsewhere = make_user("bien-tap-don-vi-khac", "editor")
    assign(elsewhere, edition, other)
    for user in (elsewhere, make_user("lanh-dao-giai-thich", "leader")):
        client.force_login(user)
        url = reverse("entry:rank_explain", args=[edition.pk, unit.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "Không được"}).status_code == 403
    client.logout()
    response = client.post(reverse("entry:rank_explain", args=[edition.pk, unit.pk]), {"reason": "x"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Assessment.objects.get(edition=edition, unit=unit).rank_explanation == "Số liệu SIPAS khác"


BAD_EXPLANATIONS = {
    "empty": ("", "swapped", "Cần nêu lý do chênh lệch thứ hạng."),
    "whitespace": (" \n\t ", "swapped", "Cần nêu lý do chênh lệch thứ hạng."),
    "too-long": ("x" * 501, "swapped", "Lý do dài tối đa 500 ký tự (đang có 501)."),
    "no-difference": ("Lý do", "first", "không có chênh lệch để giải thích"),
    "no-assessment": ("Lý do", "absent", "không có chênh lệch để giải thích"),
}


@pytest.mark.parametrize("reason, which, message", BAD_EXPLANATIONS.values(), ids=BAD_EXPLANATIONS.keys())
def test_bad_explanations_are_refused_with_a_message_and_nothing_written(
    client: Any, admin: User, approver: User, reason: str, which: str, message: str
) -> None:
    edition = ranked_edition(admin)
    listed = units(YEAR)
    unit = {"swapped": listed[2], "first": listed[0]}.get(which)
    if unit is None:  # a unit of the year without an assessment in this edition
        unit = listed[-1]
        Assessment.objects.filter(edition=edition, unit=unit).delete()
    history = Assessment.history.filter(edition_id=edition.pk).count()
    client.force_login(approver)
    response = client.post(reverse("entry:rank_explain", args=[edition.pk, unit.pk]), {"reason": reason})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Assessment.objects.filter(edition=edition).exclude(rank_explanation="").exists()
    assert Assessment.history.filter(edition_id=edition.pk).count() == history


def test_the_longest_reason_allowed_is_500_characters(admin: User, approver: User) -> None:
    edition = ranked_edition(admin)
    unit, _other = _swapped(edition)
    rank_explain(edition=edition, unit=unit, user=approver, reason="ă" * 500)
    assert len(Assessment.objects.get(edition=edition, unit=unit).rank_explanation) == 500


def test_a_published_edition_must_be_reopened_before_explaining(
    client: Any, admin: User, approver: User
) -> None:
    edition = ranked_edition(admin)
    unit, _other = _swapped(edition)
    Edition.objects.filter(pk=edition.pk).update(status=EditionStatus.PUBLISHED)
    client.force_login(approver)
    url = reverse("entry:rank_explain", args=[edition.pk, unit.pk])
    assert "cần người phê duyệt mở lại" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Lý do"})
    assert response.status_code == 422
    assert "đã công bố, cần mở lại trước khi giải thích thứ hạng" in response.content.decode()
    assert Assessment.objects.get(edition=edition, unit=unit).rank_explanation == ""
    page = _page(client, approver, edition)
    assert "Kỳ đánh giá đã công bố: cần mở lại trước khi giải thích." in page
    assert reverse("entry:rank_explain", args=[edition.pk, unit.pk]) not in page


def test_a_reason_no_longer_holds_when_the_figures_change(client: Any, admin: User, approver: User) -> None:
    """The reason was given for 3 against 16; once the published rank reads 4, the difference is to be explained
    again, and the page shows the earlier reason with the ranks it was given for."""
    edition = ranked_edition(admin)
    unit, _other = _swapped(edition)
    rank_explain(edition=edition, unit=unit, user=approver, reason="Bộ tính lại điểm khảo sát")
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, 4, {})], user=admin)
    results_recompute(edition=edition)
    [row] = [r for r in rank_differences(edition) if r.unit == unit]
    assert (row.published_rank, row.rank, row.explained, row.explained_before) == (4, 16, False, True)
    page = _page(client, approver, edition)
    html = page.split(f'<tr data-unit="{unit.pk}">')[1].split("</tr>")[0]
    assert "Chưa giải thích" in html
    assert (
        "Lý do đã nêu khi hạng công bố 3, hạng tính toán 16 (số liệu đã thay đổi): Bộ tính lại điểm khảo sát"
        in html
    )


def test_the_grid_shows_computed_against_published_ranks_and_whether_explained(
    client: Any, admin: User, approver: User
) -> None:
    edition = ranked_edition(admin)
    unit, other = _swapped(edition)
    rank_explain(edition=edition, unit=unit, user=approver, reason="Đã rõ")
    client.force_login(approver)
    page = client.get(reverse("entry:grid", args=[edition.pk])).content.decode()
    assert "Hạng tính toán" in page
    cells = {
        pk: page.split(f'data-unit="{pk}"')[1].split('data-testid="computed-rank">')[1].split("</td>")[0]
        for pk in (unit.pk, other.pk, units(YEAR)[0].pk)
    }
    assert (
        "<strong" in cells[unit.pk] and ">16</strong>" in cells[unit.pk] and "≠ công bố 3" in cells[unit.pk]
    )
    assert "đã giải thích" in cells[unit.pk]
    assert ">3</strong>" in cells[other.pk] and "≠ công bố 16" in cells[other.pk]
    assert "chưa giải thích" in cells[other.pk]
    assert cells[units(YEAR)[0].pk].strip() == "1"


def test_the_grid_has_no_computed_rank_column_before_the_edition_is_complete(
    client: Any, admin: User
) -> None:
    edition = draft_edition(YEAR)
    scores_save(edition=edition, rows=[RowInput(units(YEAR)[0].pk, None, 5, full_points())], user=admin)
    results_recompute(edition=edition)
    client.force_login(admin)
    assert "Hạng tính toán" not in client.get(reverse("entry:grid", args=[edition.pk])).content.decode()


# --- Query budgets ---------------------------------------------------------------------------------------------

# The page (session, user, edition, progress), its setup section and its results section.
EDITION_PAGE_BUDGET = 20


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_edition_page_reads_in_a_fixed_number_of_queries(
    client: Any, admin: User, django_assert_max_num_queries: Any
) -> None:
    few = ranked_edition(admin)  # two differences
    editor = make_user("bien-tap-ngan-sach", "editor")
    assign(editor, few)
    client.force_login(editor)
    with django_assert_max_num_queries(EDITION_PAGE_BUDGET):
        client.get(reverse("entry:edition_detail", args=[few.pk]))
    counts = {_count_queries(client, reverse("entry:edition_detail", args=[few.pk]))}
    # every unit differs (34, an even number: no middle one), some explained
    Edition.objects.filter(pk=few.pk).delete()
    many = ranked_edition(admin, reverse_all=True)
    assign(editor, many)
    for row in rank_differences(many)[:5]:
        rank_explain(edition=many, unit=row.unit, user=admin, reason="Lý do")
    assert len(rank_differences(many)) == 34
    counts.add(_count_queries(client, reverse("entry:edition_detail", args=[many.pk])))
    assert len(counts) == 1, counts


def test_the_results_section_reads_in_six_queries_whatever_the_number_of_differences(
    rf: Any, admin: User, django_assert_max_num_queries: Any
) -> None:
    """The state (two), the differences with their reasons (two), the user's roles and assignments (two)."""
    edition = ranked_edition(admin, reverse_all=True)
    for row in rank_differences(edition)[:5]:
        rank_explain(edition=edition, unit=row.unit, user=admin, reason="Lý do")
    editor = make_user("bien-tap-phan-ket-qua", "editor")
    assign(editor, edition, units(YEAR)[0])
    request = rf.get("/")
    request.user = User.objects.get(pk=editor.pk)
    with django_assert_max_num_queries(6):
        context = results_context(request, edition)
    differences = context["rank_differences"]
    assert len(differences) == 34
    assert [row.unit for row, may in differences if may] == [units(YEAR)[0]]  # the editor's own unit only


def test_the_grid_with_computed_ranks_stays_within_its_budget(
    client: Any, admin: User, django_assert_max_num_queries: Any
) -> None:
    edition = ranked_edition(admin, reverse_all=True)
    for row in rank_differences(edition)[:5]:
        rank_explain(edition=edition, unit=row.unit, user=admin, reason="Lý do")
    editor = make_user("bien-tap-bang", "editor")
    assign(editor, edition)
    client.force_login(editor)
    with django_assert_max_num_queries(15):  # the grid's budget (tests/entry/test_entry_grid.py)
        response = client.get(reverse("entry:grid", args=[edition.pk]))
    assert response.content.decode().count("≠ công bố") == 34


# --- A real worker ---------------------------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_takes_a_saved_edition_from_pending_to_done() -> None:
    """The save commits "pending" with the scores; no worker runs yet, so it stays so; a worker then starts,
    takes the task from Redis, and leaves "done" with the new results."""
    assert os.environ.get("REDIS_URL"), "this test needs REDIS_URL (make test sets it)"
    assert not app.conf.task_always_eager
    edition, assessments = _tiny_edition(2092)
    admin = User.objects.create_superuser("quan-tri-trang-thai", password="x")
    cuong = assessments["Cường"]
    scores_save(
        edition=edition,
        rows=[RowInput(cuong.unit_id, None, None, {"1": Decimal(40), "2": Decimal(55)})],
        user=admin,
    )
    state = _state(edition)
    assert (state.status, state.requests, state.started_at) == (RecomputeStatus.PENDING, 1, None)

    node = f"test-state-{uuid.uuid4().hex[:10]}@localhost"
    with celery_worker(queues="celery", node=node) as (
        worker,
        log,
    ):  # where a user's save sends the recompute
        wait_until(
            lambda: RecomputeState.objects.filter(edition=edition, status=RecomputeStatus.DONE).exists(),
            60,
            worker,
            log,
        )
        state = _state(edition)
        assert state.started_at is not None and state.finished_at is not None
        assert state.requested_at <= state.started_at <= state.finished_at
        assert YearResult.objects.get(edition=edition, rank=1).unit_id == cuong.unit_id
