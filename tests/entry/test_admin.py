"""The Django admin: every registered model's list and add pages open for a superuser, in Vietnamese."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _model_admin in REGISTERED]


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("quantri", "quantri@example.gov.vn", "mat-khau-dai-123")
    client.force_login(user)
    return client


def _url(model: type[models.Model], page: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")


def _may_add(model_admin: admin.ModelAdmin, user) -> bool:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    return model_admin.has_add_permission(request)


def test_the_register_is_in_the_admin():
    labels = set(IDS)
    for name in (
        "Region",
        "Unit",
        "Succession",
        "Methodology",
        "Domain",
        "Edition",
        "Assessment",
        "PublishedAverage",
        "Target",
    ):
        assert f"parindex.{name}" in labels


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_changelist_opens_in_vietnamese(superuser_client, model, model_admin):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Quản trị Chỉ số CCHC (PAR INDEX)" in html
    assert "để thay đổi" in html  # "Chọn … để thay đổi", Django's own Vietnamese


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_add_page_opens_in_vietnamese_where_adding_is_allowed(superuser_client, model, model_admin):
    response = superuser_client.get(_url(model, "add"))
    if not _may_add(model_admin, response.wsgi_request.user):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Thêm" in html
    assert str(model._meta.verbose_name) in html


def test_register_models_have_vietnamese_names():
    from parindex.register.models import Assessment, Edition, Unit

    assert [str(m._meta.verbose_name_plural) for m in (Unit, Edition, Assessment)] == [
        "tỉnh, thành phố",
        "kỳ đánh giá",
        "kết quả đánh giá",
    ]


def test_province_change_page_lists_its_predecessors(superuser_client):
    from parindex.register.models import Unit

    unit = Unit.objects.get(slug="can-tho-2025")
    response = superuser_client.get(reverse("admin:parindex_unit_change", args=[unit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "đơn vị tiền thân" in html.lower()
    for predecessor in ("Sóc Trăng", "Hậu Giang"):
        assert predecessor in html
