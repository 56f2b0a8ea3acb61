"""Login throttling: after five failed attempts the account is locked for this address, with a page that says
so in Vietnamese, and the right password does not get through while locked."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_five_failed_logins_lock_the_account_with_a_vietnamese_page(client, django_user_model, settings):
    django_user_model.objects.create_user("can-bo", password="mat-khau-dung-123")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "can-bo", "password": "sai"})
    response = client.post(url, {"username": "can-bo", "password": "mat-khau-dung-123"})
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_before_the_limit_gets_through(client, django_user_model, settings):
    django_user_model.objects.create_user("can-bo", password="mat-khau-dung-123")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "can-bo", "password": "sai"})
    response = client.post(url, {"username": "can-bo", "password": "mat-khau-dung-123"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
