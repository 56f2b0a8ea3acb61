"""The interface language is the user's explicit choice, scoped to each request."""

import pytest
from django.utils import translation

from parindex.register.numbers import NumberError, parse_decimal

pytestmark = pytest.mark.django_db


def test_an_english_request_does_not_leave_the_thread_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
    assert translation.get_language() == "vi"
    with pytest.raises(NumberError, match="không phải là số hợp lệ"):
        parse_decimal("abc")


def test_a_browser_asking_for_english_still_gets_vietnamese(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="vi"' in page


def test_region_names_follow_the_interface_language(client):
    vietnamese = client.get("/?nam=2024&loai=demo").content.decode()
    assert "Đồng bằng sông Hồng" in vietnamese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/?nam=2024&loai=demo").content.decode()
    assert "Red River Delta" in english
    assert "Đồng bằng sông Hồng" not in english


def test_english_admin_names_models_in_the_plural(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("quan-tri-en", password="x"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    index = client.get("/quan-tri/").content.decode()
    assert "Units" in index
    assert "Editions" in index
