"""The interface language is the user's explicit choice, scoped to each request."""

import pytest
from django.utils import translation

from parindex.numbers import NumberError, parse_decimal

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
