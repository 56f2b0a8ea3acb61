"""Login throttling: after five failed attempts the account is locked for this address, with a page that says
so in Vietnamese, and the right password does not get through while locked."""

import pytest
from django.test import Client
from django.urls import reverse

from parindex.entry.throttling import client_address

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


def test_a_password_sprayed_over_many_user_names_from_one_address_is_locked_out(
    client, django_user_model, settings
):
    """Each user name fails fewer times than the account limit, yet the address is locked once it reaches the
    address limit, for every user name, the right password included; another address still gets through."""
    django_user_model.objects.create_user("nan-nhan", password="mat-khau-dung-123")
    url = reverse("login")
    per_name = settings.AXES_FAILURE_LIMIT - 1
    names = [f"nguoi-dung-{n}" for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT // per_name + 1)]
    statuses = [
        client.post(url, {"username": name, "password": "Mua-he-2025"}).status_code
        for name in names
        for _ in range(per_name)
    ]
    assert statuses[: settings.AXES_ADDRESS_FAILURE_LIMIT - 1].count(429) == 0
    assert statuses[-1] == 429
    response = client.post(url, {"username": "nan-nhan", "password": "mat-khau-dung-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    elsewhere = Client(REMOTE_ADDR="10.0.0.99")
    response = elsewhere.post(url, {"username": "nan-nhan", "password": "mat-khau-dung-123"})
    assert response.status_code == 302


def test_a_few_colleagues_mistyping_behind_one_address_are_not_locked_out(
    client, django_user_model, settings
):
    """Below the address limit, the account limit alone applies: one person locked out does not lock the office."""
    django_user_model.objects.create_user("dong-nghiep", password="mat-khau-dung-123")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "nguoi-khac", "password": "sai"})
    response = client.post(url, {"username": "dong-nghiep", "password": "mat-khau-dung-123"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "expected"),
    [
        (0, "", "10.0.0.5", "10.0.0.5"),  # no proxy: the connection's address
        (0, "203.0.113.7", "10.0.0.5", "10.0.0.5"),  # no proxy trusted: the header is the client's own word
        (1, "203.0.113.7", "172.18.0.3", "203.0.113.7"),  # behind the compose file's nginx
        (
            1,
            "6.6.6.6, 203.0.113.7",
            "172.18.0.3",
            "203.0.113.7",
        ),  # a forged header: nginx appended the real one
        (2, "203.0.113.7, 10.1.1.1", "172.18.0.3", "203.0.113.7"),  # TLS proxy, then nginx
        (2, "6.6.6.6, 203.0.113.7, 10.1.1.1", "172.18.0.3", "203.0.113.7"),
        (1, "", "172.18.0.3", "172.18.0.3"),  # the proxy was bypassed: the only address there is
        (1, " , ", "172.18.0.3", "172.18.0.3"),  # an empty header
        (3, "203.0.113.7", "172.18.0.3", "203.0.113.7"),  # fewer hops than proxies: the leftmost
    ],
)
def test_the_client_address_is_read_from_the_right_past_the_trusted_proxies(
    rf, settings, trusted, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_address(request) == expected


def test_behind_a_proxy_the_spray_locks_the_sprayer_not_everyone_behind_the_proxy(
    django_user_model, settings
):
    """Every client comes from the proxy's address; the throttling counts the forwarded addresses instead, so
    the address limit reached by one sprayer (who also forges the header) leaves a colleague free to log in."""
    settings.TRUSTED_PROXY_COUNT = 1
    django_user_model.objects.create_user("nan-nhan", password="mat-khau-dung-123")
    url = reverse("login")
    sprayer = Client(REMOTE_ADDR="172.18.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66")
    per_name = settings.AXES_FAILURE_LIMIT - 1
    statuses = [
        sprayer.post(url, {"username": f"nguoi-dung-{n}", "password": "Mua-he-2025"}).status_code
        for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT // per_name + 1)
        for _ in range(per_name)
    ]
    assert statuses[-1] == 429
    forged_elsewhere = Client(REMOTE_ADDR="172.18.0.3", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.66")
    assert (
        forged_elsewhere.post(url, {"username": "nan-nhan", "password": "mat-khau-dung-123"}).status_code
        == 429
    )
    colleague = Client(REMOTE_ADDR="172.18.0.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert colleague.post(url, {"username": "nan-nhan", "password": "mat-khau-dung-123"}).status_code == 302
