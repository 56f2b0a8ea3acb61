"""Demo data is labelled demo wherever it shows: public ranking, staff pages of a demo edition, exported files.
And an official edition is never labelled demo."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from parindex.register.models import Edition, EditionKind

pytestmark = pytest.mark.django_db

BANNER = 'data-testid="demo-banner"'


@pytest.fixture
def staff_client(client, django_user_model, settings):
    client.force_login(django_user_model.objects.create_superuser("quan-tri", password="x"))
    return client


def _edition(kind: str) -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=kind)


PAGES = {
    "grid": lambda e: reverse("entry:grid", args=[e.pk]),
    "history": lambda e: reverse("entry:edition_history", args=[e.pk]),
    "reopen": lambda e: reverse("entry:reopen", args=[e.pk]),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES)
@pytest.mark.parametrize("kind, labelled", [(EditionKind.DEMO, True), (EditionKind.OFFICIAL, False)])
def test_staff_pages_of_a_demo_edition_carry_the_demo_banner(staff_client, page, kind, labelled):
    response = staff_client.get(page(_edition(kind)))
    assert response.status_code == 200
    assert (BANNER in response.content.decode()) is labelled


def test_public_ranking_of_demo_data_carries_the_banner(client):
    assert BANNER in client.get("/?nam=2024&loai=demo").content.decode()
    assert BANNER not in client.get("/?nam=2024&loai=official").content.decode()


@pytest.mark.parametrize("kind, labelled", [(EditionKind.DEMO, True), (EditionKind.OFFICIAL, False)])
def test_exported_workbook_of_demo_data_says_demo(staff_client, kind, labelled):
    edition = _edition(kind)
    response = staff_client.get(reverse("transfer:export", args=[edition.pk, "xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    names = " ".join(workbook.sheetnames)
    guide = " ".join(str(c.value) for row in workbook.worksheets[-1].iter_rows() for c in row if c.value)
    assert ("DEMO" in names) is labelled
    assert ("DỮ LIỆU MINH HỌA (DEMO)" in guide) is labelled
    assert ("demo" in response["Content-Disposition"]) is labelled
