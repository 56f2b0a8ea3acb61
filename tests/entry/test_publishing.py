"""Publishing and reopening: who may, a published edition is locked, reopening needs a reason that is kept,
the public never sees drafts or self-assessments, and the history pages show who changed what, old → new."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from parindex.entry.services import (
    EntryError,
    RowInput,
    edition_create,
    edition_publish,
    edition_reopen,
    scores_save,
)
from parindex.register.models import (
    Assessment,
    Edition,
    EditionEvent,
    EditionEventKind,
    EditionKind,
    EditionStatus,
)
from tests.entry.entry_helpers import (
    assign,
    draft_edition,
    entry_methodology,
    full_points,
    make_user,
    units,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition():
    return draft_edition(kind=EditionKind.OFFICIAL)


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


def test_approver_publishes_a_draft_and_the_event_is_recorded(edition, approver):
    edition_publish(edition=edition, user=approver)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED and edition.published_at is not None
    event = EditionEvent.objects.get(edition=edition)
    assert (event.kind, event.user) == (EditionEventKind.PUBLISHED, approver)
    assert edition.history.latest().history_user == approver


@pytest.mark.parametrize("role", ["editor", "leader"])
def test_only_approvers_publish(edition, role):
    with pytest.raises(PermissionDenied):
        edition_publish(edition=edition, user=make_user("nguoi-dung", role))
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT


def test_publishing_twice_is_refused(edition, approver):
    edition_publish(edition=edition, user=approver)
    with pytest.raises(EntryError):
        edition_publish(edition=edition, user=approver)
    assert EditionEvent.objects.filter(edition=edition).count() == 1


def test_a_published_edition_refuses_grid_saves_until_reopened(edition, editor, approver):
    unit = units()[0]
    edition_publish(edition=edition, user=approver)
    pid = unit.pk
    data = {f"p-{pid}-version": "0", "don_vi": "diem", f"p-{pid}-index": "80", f"p-{pid}-rank": "3"}
    response = _client(editor).post(reverse("entry:grid", args=[edition.pk]), data)
    assert response.status_code == 422
    assert "đã công bố, cần mở lại" in response.content.decode()
    assert not Assessment.objects.filter(edition=edition).exists()

    edition_reopen(edition=edition, user=approver, reason="Sửa số liệu Hà Nội")
    response = _client(editor).post(reverse("entry:grid", args=[edition.pk]), data)
    assert response.status_code == 302
    assert Assessment.objects.get(edition=edition, unit=unit).published_rank == 3


@pytest.mark.parametrize("reason", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_reopening_requires_a_reason(edition, approver, reason):
    edition_publish(edition=edition, user=approver)
    with pytest.raises(EntryError) as caught:
        edition_reopen(edition=edition, user=approver, reason=reason)
    assert caught.value.errors[0].field == "reason"
    response = _client(approver).post(reverse("entry:reopen", args=[edition.pk]), {"reason": reason})
    assert response.status_code == 422
    assert "lý do" in response.content.decode().lower()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    assert not EditionEvent.objects.filter(kind=EditionEventKind.REOPENED).exists()


def test_reopening_records_the_reason_in_events_and_history(edition, approver):
    edition_publish(edition=edition, user=approver)
    response = _client(approver).post(reverse("entry:reopen", args=[edition.pk]), {"reason": "Bộ đính chính"})
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT
    event = EditionEvent.objects.get(edition=edition, kind=EditionEventKind.REOPENED)
    assert (event.reason, event.user) == ("Bộ đính chính", approver)
    assert "Bộ đính chính" in edition.history.latest().history_change_reason
    page = _client(approver).get(reverse("entry:edition_history", args=[edition.pk])).content.decode()
    assert "Bộ đính chính" in page and "phe-duyet" in page


def test_reopening_a_draft_is_refused(edition, approver):
    with pytest.raises(EntryError):
        edition_reopen(edition=edition, user=approver, reason="lý do")


def test_create_edition_needs_a_methodology_covering_the_year(approver):
    with pytest.raises(EntryError) as caught:
        edition_create(year=2023, kind=EditionKind.SELF, methodology=entry_methodology(), user=approver)
    assert caught.value.errors[0].field == "methodology"
    assert not Edition.objects.filter(index__code="PAR_INDEX", year=2023, kind=EditionKind.SELF).exists()


def test_create_edition_refuses_a_second_edition_of_the_same_year_and_kind(edition, approver):
    response = _client(approver).post(
        reverse("entry:edition_create"),
        {"year": str(edition.year), "kind": edition.kind, "methodology": str(entry_methodology().pk)},
    )
    assert response.status_code == 422
    assert Edition.objects.filter(index__code="PAR_INDEX", year=edition.year, kind=edition.kind).count() == 1


def test_the_public_never_sees_drafts_or_self_assessments():
    self_edition = draft_edition(kind=EditionKind.SELF)
    self_edition.status = EditionStatus.PUBLISHED
    self_edition.save()
    draft = draft_edition(year=2024, kind=EditionKind.SELF)
    public = set(Edition.objects.public())
    assert self_edition not in public and draft not in public
    response = Client().get(reverse("home"), {"nam": "2025"})
    assert response.status_code == 200
    assert response.context["edition"] not in {self_edition, draft}


def test_history_pages_show_who_and_old_and_new_values(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    changed = full_points() | {"3": Decimal("12.25")}
    scores_save(edition=edition, rows=[RowInput(unit.pk, Decimal("91.5"), 2, changed)], user=editor)
    url = reverse("entry:assessment_history", args=[edition.pk, unit.pk])
    response = _client(editor).get(url)
    assert response.status_code == 200
    changes = response.context["page"].object_list
    by_field = {(c.field, c.old, c.new) for c in changes}
    assert ("Lĩnh vực 3 (điểm)", "11,60", "12,25") in by_field
    assert ("Chỉ số công bố (%)", "—", "91,50") in by_field
    assert {c.who for c in changes} == {"bien-tap"}
    content = response.content.decode()
    assert "12,25" in content and "11,6" in content and "bien-tap" in content
    edition_page = _client(editor).get(reverse("entry:edition_history", args=[edition.pk]))
    assert unit.name in edition_page.content.decode()


def test_history_pages_are_paginated(edition, editor):
    unit = units()[0]
    for step in range(7):  # 7 saves × 8 domains: more changes than one page holds
        points = {str(n): Decimal(step) for n in range(1, 9)}
        scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, points)], user=editor)
    response = _client(editor).get(reverse("entry:edition_history", args=[edition.pk]))
    page = response.context["page"]
    assert page.paginator.num_pages == 2
    second = _client(editor).get(reverse("entry:edition_history", args=[edition.pk]), {"trang": "2"})
    assert second.context["page"].number == 2


def test_edition_history_names_the_methodology_by_its_code(client, django_user_model):
    from django.urls import reverse

    from parindex.register.models import Edition, EditionKind

    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.OFFICIAL)
    client.force_login(django_user_model.objects.create_superuser("xem-lich-su", password="x"))
    page = client.get(reverse("entry:edition_history", args=[edition.pk])).content.decode()
    assert "QĐ 876/QĐ-BNV" in page
