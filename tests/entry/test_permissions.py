"""Who may write what: every role × every write URL, with the status expected and nothing written when refused;
GET never writes; CSRF is enforced; login is throttled (django-axes) and passwords validated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from parindex.entry.services import par_index
from parindex.register.models import (
    Assessment,
    Edition,
    EditionEvent,
    EditionKind,
    EditionStatus,
    Score,
)
from tests.entry.entry_helpers import (
    PASSWORD,
    assign,
    draft_edition,
    entry_methodology,
    full_points,
    make_user,
    units,
)

pytestmark = pytest.mark.django_db


ROLES = [
    "anonymous",
    "no-role",
    "editor-assigned",
    "editor-not-assigned",
    "editor-other-unit",
    "leader",
    "approver",
    "admin",
    "superuser",
]


@pytest.fixture
def world():
    """A draft edition (for the grid and publishing), a published one (for reopening) and one user per role."""
    draft = draft_edition()
    published = Edition.objects.create(
        index=par_index(),
        year=draft.year,
        kind=EditionKind.OFFICIAL,
        status=EditionStatus.PUBLISHED,
        methodology=entry_methodology(),
    )
    target, other = units()[:2]
    users = {
        "no-role": make_user("khong-vai-tro"),
        "editor-assigned": make_user("bien-tap", "editor"),
        "editor-not-assigned": make_user("bien-tap-khac", "editor"),
        "editor-other-unit": make_user("bien-tap-tinh-khac", "editor"),
        "leader": make_user("lanh-dao", "leader"),
        "approver": make_user("phe-duyet", "approver"),
        "admin": make_user("quan-tri", "admin"),
        "superuser": make_user("sieu-quan-tri", superuser=True),
    }
    assign(users["editor-assigned"], draft)
    assign(users["editor-not-assigned"], published)
    assign(users["editor-other-unit"], draft, other)
    return {"draft": draft, "published": published, "unit": target, "users": users}


def _grid_post(world) -> tuple[str, dict[str, str]]:
    pid = world["unit"].pk
    data = {f"p-{pid}-version": "0", "don_vi": "diem", f"p-{pid}-index": "", f"p-{pid}-rank": ""}
    data |= {f"p-{pid}-d{n}": f"{v}".replace(".", ",") for n, v in full_points().items()}
    return reverse("entry:grid", args=[world["draft"].pk]), data


def _publish_post(world):
    return reverse("entry:publish", args=[world["draft"].pk]), {}


def _reopen_post(world):
    return reverse("entry:reopen", args=[world["published"].pk]), {"reason": "Bộ Nội vụ đính chính số liệu"}


def _create_post(world):
    return reverse("entry:edition_create"), {
        "year": "2024",
        "kind": EditionKind.SELF,
        "methodology": str(entry_methodology().pk),
        "note": "",
    }


WRITE_URLS = {"grid": _grid_post, "publish": _publish_post, "reopen": _reopen_post, "create": _create_post}

# Who may: the grid for editors assigned to that edition and unit, and admins; the rest for approvers and
# admins. Everyone else logged in is refused (403); anonymous visitors are sent to the login page.
ALLOWED = {
    "grid": {"editor-assigned", "admin", "superuser"},
    "publish": {"approver", "admin", "superuser"},
    "reopen": {"approver", "admin", "superuser"},
    "create": {"approver", "admin", "superuser"},
}


def _state():
    """Everything a write URL could change."""
    return (
        sorted(Edition.objects.values_list("pk", "status", "year", "kind")),
        sorted(Assessment.objects.values_list("pk", "version", "published_index")),
        Score.objects.count(),
        EditionEvent.objects.count(),
        Edition.history.count() + Assessment.history.count() + Score.history.count(),
    )


def _client(world, role: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_every_role_on_every_write_url(world, role, url_name):
    url, data = WRITE_URLS[url_name](world)
    before = _state()
    response = _client(world, role).post(url, data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert _state() == before
    elif role in ALLOWED[url_name]:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("login"))
        assert _state() != before
    else:
        assert response.status_code == 403
        assert _state() == before


def test_an_editor_of_one_province_may_write_that_province(world):
    editor = world["users"]["editor-other-unit"]
    other = units()[1]
    pid = other.pk
    data = {f"p-{pid}-version": "0", "don_vi": "diem", f"p-{pid}-index": "81,5", f"p-{pid}-rank": "7"}
    client = Client()
    client.force_login(editor)
    response = client.post(reverse("entry:grid", args=[world["draft"].pk]), data)
    assert response.status_code == 302
    assert Assessment.objects.get(edition=world["draft"], unit=other).published_index == Decimal("81.5")


def test_the_grid_shows_inputs_only_for_the_editors_provinces(world):
    client = Client()
    client.force_login(world["users"]["editor-other-unit"])
    content = client.get(reverse("entry:grid", args=[world["draft"].pk])).content.decode()
    assert f'name="p-{units()[1].pk}-d1"' in content
    assert f'name="p-{world["unit"].pk}-d1"' not in content


@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_get_on_a_write_url_writes_nothing(world, url_name):
    url, _data = WRITE_URLS[url_name](world)
    before = _state()
    response = _client(world, "superuser").get(url)
    assert response.status_code in {200, 405}
    assert _state() == before


@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_post_without_csrf_token_is_refused(world, url_name):
    url, data = WRITE_URLS[url_name](world)
    before = _state()
    response = _client(world, "superuser", enforce_csrf_checks=True).post(url, data)
    assert response.status_code == 403
    assert _state() == before


READ_URLS = {
    "edition-list": lambda w: reverse("entry:edition_list"),
    "grid": lambda w: reverse("entry:grid", args=[w["draft"].pk]),
    "edition-history": lambda w: reverse("entry:edition_history", args=[w["draft"].pk]),
    "assessment-history": lambda w: reverse("entry:assessment_history", args=[w["draft"].pk, w["unit"].pk]),
}


@pytest.mark.parametrize("url_name", list(READ_URLS))
@pytest.mark.parametrize(
    "role, status", [("anonymous", 302), ("no-role", 403), ("leader", 200), ("editor-assigned", 200)]
)
def test_drafts_are_shown_to_staff_roles_only(world, url_name, role, status):
    response = _client(world, role).get(READ_URLS[url_name](world))
    assert response.status_code == status


def test_login_is_throttled_after_repeated_failures(world):
    client = Client()
    url = reverse("login")
    statuses = [
        client.post(url, {"username": "bien-tap", "password": "sai-mat-khau"}).status_code
        for _attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # AXES_FAILURE_LIMIT = 5: the fifth failure locks out
    locked = client.post(url, {"username": "bien-tap", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_form_logs_an_editor_in(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "bien-tap", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world["users"]["editor-assigned"].pk)


@pytest.mark.parametrize(
    "password", ["12345678901", "password123", "bien-tap-2025"], ids=["numeric", "common", "short"]
)
def test_weak_passwords_are_refused(world, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=world["users"]["editor-assigned"])


# --- Spreadsheet import: upload (creates an import job) and confirm (writes the scores) -------------------

UPLOAD_ALLOWED = {"editor-assigned", "editor-other-unit", "admin", "superuser"}
CONFIRM_ALLOWED = {"editor-assigned"}  # only who saw the preview confirms it
CONFIRM_SEES_JOB = {"admin", "superuser"}  # admins may look at anyone's upload, not confirm it for them


def _upload_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = ";".join(["Tỉnh, thành phố", *(f"LV{n}" for n in range(1, 9))])
    points = ";".join(f"{v}".replace(".", ",") for v in full_points().values())
    content = f"{head}\n{world['unit'].name};{points}\n".encode("utf-8-sig")
    return SimpleUploadedFile("ket-qua.csv", content, content_type="text/csv")


def _import_state():
    from parindex.register.models import ImportJob

    return (*_state(), sorted(ImportJob.objects.values_list("pk", "stage", "status")))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_import_upload(world, role):
    url = reverse("transfer:upload", args=[world["draft"].pk])
    before = _import_state()
    response = _client(world, role).post(url, {"file": _upload_file(world)})
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
        assert _import_state() == before
    elif role in UPLOAD_ALLOWED:
        assert response.status_code == 302
        assert "/viec/" in response["Location"]
        assert _import_state() != before
    else:
        assert response.status_code == 403
        assert _import_state() == before


@pytest.fixture
def previewed_job(world):
    """An import previewed by the assigned editor, ready to be confirmed."""
    from parindex.register.models import ImportJob

    owner = _client(world, "editor-assigned")
    owner.post(reverse("transfer:upload", args=[world["draft"].pk]), {"file": _upload_file(world)})
    return ImportJob.objects.get(user=world["users"]["editor-assigned"])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_import_confirm(world, previewed_job, role):
    url = reverse("transfer:confirm", args=[previewed_job.pk])
    before = _state()
    response = _client(world, role).post(url)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
        assert _state() == before
    elif role in CONFIRM_ALLOWED:
        assert response.status_code == 302
        assert _state() != before
        assert Assessment.objects.filter(edition=world["draft"], unit=world["unit"]).exists()
    elif role in CONFIRM_SEES_JOB:
        assert response.status_code == 302  # back to the job page, with the reason
        assert _state() == before
    else:
        assert response.status_code == 404  # another user's upload: not even its existence is told
        assert _state() == before


def test_get_on_import_confirm_writes_nothing(world, previewed_job):
    before = _state()
    response = _client(world, "editor-assigned").get(reverse("transfer:confirm", args=[previewed_job.pk]))
    assert response.status_code == 405
    assert _state() == before


@pytest.mark.parametrize("url_name", ["upload", "confirm"])
def test_import_posts_without_csrf_token_are_refused(world, previewed_job, url_name):
    if url_name == "upload":
        url, data = reverse("transfer:upload", args=[world["draft"].pk]), {"file": _upload_file(world)}
    else:
        url, data = reverse("transfer:confirm", args=[previewed_job.pk]), {}
    before = _import_state()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["editor-assigned"])
    assert client.post(url, data).status_code == 403
    assert _import_state() == before
