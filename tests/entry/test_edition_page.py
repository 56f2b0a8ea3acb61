"""The edition page: what an edition is and how far its entry got, for staff only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parindex.register.models import Edition, EditionKind
from tests.entry.entry_helpers import make_user

pytestmark = pytest.mark.django_db


def _sipas_2024() -> Edition:
    return Edition.objects.get(index__code="SIPAS", year=2024, kind=EditionKind.OFFICIAL)


def test_staff_see_an_edition_with_its_index_and_progress(client):
    client.force_login(make_user("lanh-dao-trang-ky", "leader"))
    edition = _sipas_2024()
    response = client.get(reverse("entry:edition_detail", args=[edition.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "SIPAS 2024 · Chính thức (Bộ Nội vụ công bố)" in page
    expected = f"{edition.assessments.count()}/63 đơn vị đã nhập"
    assert expected in page


def test_the_edition_list_names_each_editions_index_and_links_to_its_page(client):
    client.force_login(make_user("lanh-dao-danh-sach", "leader"))
    page = client.get(reverse("entry:edition_list")).content.decode()
    assert reverse("entry:edition_detail", args=[_sipas_2024().pk]) in page
    assert "<td>SIPAS</td>" in page and "<td>PAR INDEX</td>" in page


@pytest.mark.parametrize("role", [None, "public"])
def test_the_public_cannot_open_an_edition_page(client, role):
    if role:
        client.force_login(make_user("nguoi-dan", role))
    response = client.get(reverse("entry:edition_detail", args=[_sipas_2024().pk]))
    assert response.status_code in (302, 403)
    assert "SIPAS 2024" not in response.content.decode()
