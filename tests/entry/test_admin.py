"""The Django admin: every registered model's pages open for a superuser, in Vietnamese; results are written
through the entry services only (audited, versioned, recomputed); reference data is refused with a message that
names what is wrong, and nothing is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from parindex.entry.services import edition_reopen
from parindex.register.models import (
    PAR_INDEX,
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    Index,
    Methodology,
    Score,
    Succession,
    Unit,
    UnitKind,
    UnitLevel,
)
from scoring.models import YearResult

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _model_admin in REGISTERED]
REASON = "Sửa trong trang quản trị"


@pytest.fixture
def superuser() -> Any:
    return get_user_model().objects.create_superuser("quantri", "quantri@example.gov.vn", "mat-khau-dai-123")


@pytest.fixture
def superuser_client(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


def _errors(response: Any) -> str:
    """The form errors of an admin page, for a failing assertion's message."""
    context = response.context
    if context is None or "adminform" not in context:
        return f"status {response.status_code}"
    found = [str(context["adminform"].form.errors)]
    found += [
        f"{fs.formset.non_form_errors()} {fs.formset.errors}"
        for fs in context.get("inline_admin_formsets", [])
    ]
    return " | ".join(found)


def _url(model: type[models.Model], page: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _may(model_admin: admin.ModelAdmin, user: Any, what: str) -> bool:  # type: ignore[type-arg]
    request = RequestFactory().get("/")
    request.user = user
    return bool(getattr(model_admin, f"has_{what}_permission")(request))


# --------------------------------------------------------------------------------------- every page opens


def test_the_register_is_in_the_admin():
    labels = set(IDS)
    for name in (
        "Region",
        "Index",
        "Unit",
        "Succession",
        "Methodology",
        "Criterion",
        "Edition",
        "Assessment",
        "Score",
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
    # "Chọn … để thay đổi" or, where nothing may be changed, "Chọn … để xem": Django's own Vietnamese
    may_change = _may(model_admin, response.wsgi_request.user, "change")
    assert ("để thay đổi" if may_change else "để xem") in html


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_add_page_opens_in_vietnamese_where_adding_is_allowed(superuser_client, model, model_admin):
    response = superuser_client.get(_url(model, "add"))
    if not _may(model_admin, response.wsgi_request.user, "add"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Thêm" in html
    assert str(model._meta.verbose_name) in html


def test_register_models_have_vietnamese_names():
    assert [str(m._meta.verbose_name_plural) for m in (Unit, Criterion, Edition, Assessment, Score)] == [
        "đơn vị",
        "tiêu chí",
        "kỳ đánh giá",
        "kết quả đánh giá",
        "điểm",
    ]


def test_unit_change_page_lists_its_predecessors(superuser_client):
    unit = Unit.objects.get(slug="can-tho-2025")
    response = superuser_client.get(_url(Unit, "change", unit.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "đơn vị tiền thân" in html.lower()
    for predecessor in ("Sóc Trăng", "Hậu Giang"):
        assert predecessor in html


# ------------------------------------------------------------- editions and scores: read-only in the admin


def _demo(year: int = 2024) -> Edition:
    return Edition.objects.get(year=year, kind=EditionKind.DEMO)


@pytest.mark.parametrize(
    ("model", "page", "method"),
    [
        (Edition, "add", "get"),
        (Edition, "add", "post"),
        (Edition, "change", "post"),
        (Edition, "delete", "get"),
        (Edition, "delete", "post"),
        (Assessment, "add", "get"),
        (Assessment, "delete", "post"),
        (Score, "add", "get"),
        (Score, "change", "post"),
        (Score, "delete", "post"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_editions_and_scores_are_not_written_in_the_admin(superuser_client, model, page, method):
    edition = _demo()
    status_before = edition.status
    pk = {
        Edition: edition.pk,
        Assessment: Assessment.objects.filter(edition=edition).values_list("pk", flat=True).first(),
        Score: Score.objects.filter(assessment__edition=edition).values_list("pk", flat=True).first(),
    }[model]
    url = _url(model, page) if page == "add" else _url(model, page, pk)
    data = {"status": "draft", "year": "2024", "kind": "demo", "post": "yes", "points": "0"}
    response = getattr(superuser_client, method)(url, data) if method == "post" else superuser_client.get(url)
    assert response.status_code == 403
    assert Edition.objects.get(pk=edition.pk).status == status_before
    assert model.objects.filter(pk=pk).exists() or page == "add"


def test_edition_page_is_read_only_and_points_to_the_entry_pages(superuser_client):
    response = superuser_client.get(_url(Edition, "change", _demo().pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert reverse("entry:edition_list") in html
    assert response.context["has_add_permission"] is False


def test_history_pages_show_without_reverting(superuser_client, superuser):
    edition = _demo()
    edition_reopen(edition=edition, user=superuser, reason="Sửa số liệu minh họa")
    page = superuser_client.get(_url(Edition, "change", edition.pk)).content.decode()
    assert "Mở lại · quantri: Sửa số liệu minh họa" in page  # the edition's events
    history = superuser_client.get(_url(Edition, "history", edition.pk)).content.decode()
    assert "Người thay đổi" in history and "Mở lại: Sửa số liệu minh họa" in history
    record = edition.history.latest()
    version_url = _url(Edition, "simple_history", edition.pk, record.history_id)
    page = superuser_client.get(version_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    # django-simple-history's "revert" would save the old row around the services
    assert superuser_client.post(version_url, {"status": "published"}).status_code == 403
    edition.refresh_from_db()
    assert edition.status == "draft"


# ---------------------------------------------------------------- a result's change page: through the service


@pytest.fixture
def draft_demo(superuser: Any) -> Edition:
    """The demo 2024 edition (63 units with scores and computed results), reopened to draft by the service."""
    return edition_reopen(edition=_demo(), user=superuser, reason="Thử trang quản trị")


def _assessment(edition: Edition, slug: str = "cao-bang") -> Assessment:
    return Assessment.objects.get(edition=edition, unit__slug=slug)


def _comma(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _form_data(assessment: Assessment, **changes: str) -> dict[str, str]:
    """What the change page posts when nothing is retyped, with `changes` (field name → typed text)."""
    data = {
        "index": _comma(assessment.published_index),
        "rank": "" if assessment.published_rank is None else str(assessment.published_rank),
        "version_seen": str(assessment.version),
        "_save": "Lưu lại",
    }
    for score in assessment.scores.select_related("criterion"):
        key = score.criterion.code.replace(".", "_")
        data[f"d{key}"] = _comma(score.points)
        if score.not_applicable:
            data[f"na{key}"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _points(assessment: Assessment, code: str = "1") -> Decimal | None:
    return Score.objects.get(assessment=assessment, criterion__code=code).points


def _state(assessment: Assessment) -> tuple[object, ...]:
    """Everything an admin save could change: version, published figures, points, and the history rows."""
    fresh = Assessment.objects.get(pk=assessment.pk)
    return (
        fresh.version,
        fresh.published_index,
        fresh.published_rank,
        sorted(
            Score.objects.filter(assessment=fresh).values_list("criterion__code", "points", "not_applicable")
        ),
        Score.history.filter(assessment_id=fresh.pk).count(),
        Assessment.history.filter(id=fresh.pk).count(),
    )


def test_change_page_shows_each_criterion_with_its_points(superuser_client, draft_demo):
    assessment = _assessment(draft_demo)
    response = superuser_client.get(_url(Assessment, "change", assessment.pk))
    assert response.status_code == 200
    html = response.content.decode()
    for number in range(1, 9):
        assert f"Lĩnh vực {number}" in html
        assert f'name="d{number}"' in html and f'name="na{number}"' in html
    assert f'value="{_comma(_points(assessment))}"' in html  # decimal comma, as people write it
    assert 'name="version_seen"' in html


def test_admin_edit_of_a_score_is_audited_versioned_and_recomputed(
    superuser_client, superuser, draft_demo, eager, django_capture_on_commit_callbacks
):
    assessment = _assessment(draft_demo)
    version = assessment.version
    old_points = _points(assessment)
    assert old_points is not None and old_points >= 1
    new_points = old_points - Decimal("0.5")
    before = YearResult.objects.get(edition=draft_demo, unit=assessment.unit).points

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = superuser_client.post(
            _url(Assessment, "change", assessment.pk), _form_data(assessment, d1=_comma(new_points))
        )

    assert response.status_code == 302, _errors(response)
    assessment.refresh_from_db()
    assert assessment.version == version + 1
    score = Score.objects.get(assessment=assessment, criterion__code="1")
    assert score.points == new_points
    record = assessment.history.latest()
    assert (record.history_user, record.history_change_reason) == (superuser, REASON)
    record = score.history.latest()
    assert (record.history_user, record.history_change_reason) == (superuser, REASON)
    assert callbacks  # the recompute was queued for after the commit …
    after = YearResult.objects.get(edition=draft_demo, unit=assessment.unit).points
    assert before is not None and after == before - Decimal("0.5")  # … and ran

    history = superuser_client.get(_url(Score, "history", score.pk)).content.decode()
    assert REASON in history and "quantri" in history and "Người thay đổi" in history
    for model, pk, version in (
        (Score, score.pk, record.history_id),
        (Assessment, assessment.pk, assessment.history.latest().history_id),
    ):
        version_page = superuser_client.get(_url(model, "simple_history", pk, version))
        assert version_page.status_code == 200
        assert 'name="_save"' not in version_page.content.decode()


def test_marking_a_criterion_not_applicable_drops_its_points(superuser_client, draft_demo):
    assessment = _assessment(draft_demo)
    response = superuser_client.post(
        _url(Assessment, "change", assessment.pk), _form_data(assessment, d2="", na2="on")
    )
    assert response.status_code == 302
    score = Score.objects.get(assessment=assessment, criterion__code="2")
    assert (score.points, score.not_applicable) == (None, True)


def test_unchanged_form_writes_nothing(superuser_client, draft_demo):
    assessment = _assessment(draft_demo)
    before = _state(assessment)
    response = superuser_client.post(_url(Assessment, "change", assessment.pk), _form_data(assessment))
    assert response.status_code == 302
    assert _state(assessment) == before


# (changes, words of the message) - each refused with nothing written
REFUSED: list[tuple[str, dict[str, Any], list[str]]] = [
    ("above maximum", {"d1": "99"}, ["Cao Bằng – Lĩnh vực 1", "vượt quá điểm tối đa"]),
    ("negative", {"d1": "-1"}, ["Cao Bằng – Lĩnh vực 1", "không được âm"]),
    ("not a number", {"d1": "tám"}, ["không phải là số hợp lệ"]),
    ("three decimals", {"d1": "1,234"}, ["chữ số thập phân"]),
    ("points on a not-applicable criterion", {"na1": "on"}, ["Cao Bằng – Lĩnh vực 1", "không áp dụng"]),
    ("index above 100", {"index": "100,5"}, ["Chỉ số công bố phải từ 0 đến 100"]),
    ("rank zero", {"rank": "0"}, ["Thứ hạng phải là số nguyên từ 1 trở lên"]),
    ("missing a domain", {"d3": ""}, ["Cao Bằng: thiếu điểm Lĩnh vực 3"]),
    ("saved by someone else meanwhile", {"version_seen": "STALE", "d1": "1"}, ["đã được người khác lưu"]),
    (
        "everything emptied",
        {"index": "", "rank": "", **{f"d{n}": "" for n in range(1, 9)}},
        ["Trang quản trị không xóa kết quả"],
    ),
]


@pytest.mark.parametrize(("case", "changes", "words"), REFUSED, ids=[case for case, _c, _w in REFUSED])
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(
    superuser_client, draft_demo, django_capture_on_commit_callbacks, case, changes, words
):
    assessment = _assessment(draft_demo)
    if changes.get("version_seen") == "STALE":
        changes = {**changes, "version_seen": str(assessment.version - 1)}
    before = _state(assessment)
    with django_capture_on_commit_callbacks() as callbacks:
        response = superuser_client.post(
            _url(Assessment, "change", assessment.pk), _form_data(assessment, **changes)
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html
    for word in words:
        assert word in html
    assert _state(assessment) == before
    assert callbacks == []  # no recompute


def test_editing_a_published_edition_is_refused(superuser_client):
    edition = _demo()
    assert edition.is_published
    assessment = _assessment(edition)
    before = _state(assessment)
    response = superuser_client.post(
        _url(Assessment, "change", assessment.pk), _form_data(assessment, d1="1")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "đã công bố, cần mở lại trước khi sửa số liệu" in html
    assert _state(assessment) == before


def test_a_user_who_may_only_view_sees_the_scores_read_only(client, draft_demo):
    staff = get_user_model().objects.create_user("xem", password="mat-khau-dai-123", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    client.force_login(staff)
    assessment = _assessment(draft_demo)
    response = client.get(_url(Assessment, "change", assessment.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<div>Lĩnh vực 1: {_comma(_points(assessment))}</div>" in html
    assert 'name="d1"' not in html and 'name="_save"' not in html
    assert (
        client.post(_url(Assessment, "change", assessment.pk), _form_data(assessment, d1="1")).status_code
        == 403
    )


def test_a_staff_user_without_the_admin_role_is_refused_by_the_service(client, draft_demo):
    """Django's model permissions let the admin open the page; the entry service still decides who writes."""
    staff = get_user_model().objects.create_user("nhan-vien", password="mat-khau-dai-123", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_assessment", "view_assessment"])
    )
    client.force_login(staff)
    assessment = _assessment(draft_demo)
    before = _state(assessment)
    response = client.post(_url(Assessment, "change", assessment.pk), _form_data(assessment, d1="1"))
    assert response.status_code == 200
    assert "không được phân công nhập liệu" in response.content.decode()
    assert _state(assessment) == before


# ------------------------------------------------------------------------------------------- indices


def _index_data(code: str) -> dict[str, str]:
    return {
        "code": code,
        "short_name": code,
        "name_vi": "Chỉ số thử",
        "name_en": "",
        "publisher": "",
        "unit_level": UnitLevel.PROVINCE,
        "owner": "",
        "value_kind": "percent",
        "max_value": "100",
        "higher_is_better": "on",
        "order": "9",
        "source_url": "",
    }


@pytest.mark.parametrize("code", ["sipas", "Sipas", "SIPAS", "par_index"])
def test_an_index_code_taken_in_any_case_is_refused(superuser_client, code):
    count = Index.objects.count()
    response = superuser_client.post(_url(Index, "add"), _index_data(code))
    assert response.status_code == 200
    assert "Mã chỉ số này đã có" in response.content.decode()
    assert Index.objects.count() == count


def test_a_new_index_code_is_accepted(superuser_client):
    response = superuser_client.post(_url(Index, "add"), _index_data("CHI_SO_THU"))
    assert response.status_code == 302
    assert Index.objects.filter(code="CHI_SO_THU").exists()


# ------------------------------------------------------------------------------------------- criteria sets


def _methodology(maxima: dict[str, str]) -> Methodology:
    """A criteria set of the PAR INDEX with domains numbered 1.. and the given maxima."""
    methodology = Methodology.objects.create(
        index=Index.objects.get(code=PAR_INDEX), code="THU-ADMIN", title="Bộ tiêu chí thử", year_from=2030
    )
    for number, maximum in maxima.items():
        Criterion.objects.create(
            methodology=methodology,
            number=int(number),
            name_vi=f"Lĩnh vực {number}",
            max_points=Decimal(maximum),
            max_points_status="provisional",
        )
    return methodology


def _methodology_data(methodology: Methodology | None, new_rows: list[dict[str, str]]) -> dict[str, str]:
    """The methodology page's POST: its fields, its stored criteria unchanged, then `new_rows`."""
    data = {
        "index": str(Index.objects.get(code=PAR_INDEX).pk),
        "code": methodology.code if methodology else "THU-MOI",
        "title": "Bộ tiêu chí thử",
        "year_from": "2030",
        "year_until": "",
        "note": "",
        "source_url": "",
    }
    stored = list(Criterion.objects.filter(methodology=methodology)) if methodology else []
    rows = [
        {
            "id": str(c.pk),
            "parent": str(c.parent_id or ""),
            "number": str(c.number),
            "name_vi": c.name_vi,
            "name_en": c.name_en,
            "source_url": c.source_url,
            "max_points": "" if c.max_points is None else str(c.max_points),
            "max_points_status": c.max_points_status,
        }
        for c in stored
    ] + new_rows
    data.update(
        {
            "criteria-TOTAL_FORMS": str(len(rows)),
            "criteria-INITIAL_FORMS": str(len(stored)),
            "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000",
        }
    )
    for position, row in enumerate(rows):
        row = {"name_en": "", "source_url": "", "max_points_status": "provisional", "parent": "", **row}
        if methodology is not None:
            row["methodology"] = str(methodology.pk)
        data.update({f"criteria-{position}-{name}": value for name, value in row.items()})
    return data


def _new(number: int, maximum: str, parent: Criterion | None = None) -> dict[str, str]:
    return {
        "number": str(number),
        "name_vi": f"Mục {number}",
        "max_points": maximum,
        "parent": str(parent.pk) if parent else "",
    }


def test_domain_maxima_above_the_index_maximum_are_refused(superuser_client):
    rows = [_new(1, "50"), _new(2, "40"), _new(3, "15")]
    response = superuser_client.post(_url(Methodology, "add"), _methodology_data(None, rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tổng điểm tối đa các lĩnh vực là 105,00, vượt điểm tối đa 100,00 của chỉ số PAR INDEX." in html
    assert not Methodology.objects.filter(code="THU-MOI").exists()


def test_a_criteria_set_within_the_index_maximum_is_saved(superuser_client):
    rows = [_new(1, "60"), _new(2, "40")]
    response = superuser_client.post(_url(Methodology, "add"), _methodology_data(None, rows))
    assert response.status_code == 302, _errors(response)
    methodology = Methodology.objects.get(code="THU-MOI")
    assert sorted(methodology.criteria.values_list("code", "max_points")) == [
        ("1", Decimal("60.00")),
        ("2", Decimal("40.00")),
    ]


# (new children of domain 1 whose maximum is 10, refused message or None when saved)
CHILDREN: list[tuple[list[str], str | None]] = [
    (
        ["7", "5"],
        "Tổng điểm tối đa các tiêu chí thuộc Lĩnh vực 1 là 12,00, vượt điểm tối đa 10,00 của Lĩnh vực 1.",
    ),
    (["6", "4"], None),
    (["10"], None),
]


@pytest.mark.parametrize(("maxima", "refused"), CHILDREN, ids=["above", "equal", "one child"])
def test_children_maxima_are_checked_against_their_parent(superuser_client, maxima, refused):
    methodology = _methodology({"1": "10", "2": "20"})
    domain = methodology.criteria.get(code="1")
    rows = [_new(n, m, parent=domain) for n, m in enumerate(maxima, start=1)]
    response = superuser_client.post(
        _url(Methodology, "change", methodology.pk), _methodology_data(methodology, rows)
    )
    codes = sorted(methodology.criteria.values_list("code", flat=True))
    if refused:
        assert response.status_code == 200
        assert refused in response.content.decode()
        assert codes == ["1", "2"]
    else:
        assert response.status_code == 302, _errors(response)
        assert codes == sorted(["1", "2"] + [f"1.{n}" for n in range(1, len(maxima) + 1)])


def test_raising_a_domain_maximum_above_the_index_maximum_is_refused(superuser_client):
    methodology = _methodology({"1": "60", "2": "40"})
    data = _methodology_data(methodology, [])
    position = next(k for k, v in data.items() if k.endswith("-number") and v == "2").split("-")[1]
    data[f"criteria-{position}-max_points"] = "45"
    response = superuser_client.post(_url(Methodology, "change", methodology.pk), data)
    assert response.status_code == 200
    assert "Tổng điểm tối đa các lĩnh vực là 105,00, vượt điểm tối đa 100,00 của chỉ số PAR INDEX." in (
        response.content.decode()
    )
    assert methodology.criteria.get(code="2").max_points == Decimal("40")


def test_the_stored_criteria_sets_save_unchanged(superuser_client):
    methodologies = list(Methodology.objects.select_related("index"))
    assert len(methodologies) >= 3
    for methodology in methodologies:
        data = _methodology_data(methodology, [])
        data.update(index=str(methodology.index_id), title=methodology.title, note=methodology.note)
        data.update(year_from=str(methodology.year_from or ""), year_until=str(methodology.year_until or ""))
        data.update(source_url=methodology.source_url, is_demo="on" if methodology.is_demo else "")
        response = superuser_client.post(_url(Methodology, "change", methodology.pk), data)
        assert response.status_code == 302, f"{methodology}: {_errors(response)}"


def test_renumbering_a_domain_renumbers_its_criteria(superuser_client):
    methodology = _methodology({"1": "10"})
    domain = methodology.criteria.get(code="1")
    Criterion.objects.create(
        methodology=methodology,
        parent=domain,
        number=1,
        name_vi="Tiêu chí",
        max_points=Decimal(5),
        max_points_status="provisional",
    )
    data = _methodology_data(methodology, [])
    position = next(k for k, v in data.items() if k.endswith("-id") and v == str(domain.pk)).split("-")[1]
    data[f"criteria-{position}-number"] = "3"
    response = superuser_client.post(_url(Methodology, "change", methodology.pk), data)
    assert response.status_code == 302, _errors(response)
    assert sorted(methodology.criteria.values_list("code", flat=True)) == ["3", "3.1"]


def _criterion_data(methodology: Methodology, number: int, maximum: str, parent: Criterion | None) -> dict:
    return {
        "methodology": str(methodology.pk),
        "parent": str(parent.pk) if parent else "",
        "number": str(number),
        "name_vi": "Tiêu chí mới",
        "name_en": "",
        "max_points": maximum,
        "max_points_status": "provisional",
        "source_url": "",
        "note": "",
    }


@pytest.mark.parametrize(
    ("number", "maximum", "under", "refused"),
    [
        (
            1,
            "11",
            "1",
            "Tổng điểm tối đa các tiêu chí thuộc Lĩnh vực 1 là 11,00, vượt điểm tối đa 10,00 của Lĩnh vực 1.",
        ),
        (
            3,
            "11",
            None,
            "Tổng điểm tối đa các lĩnh vực là 101,00, vượt điểm tối đa 100,00 của chỉ số PAR INDEX.",
        ),
        (2, "5", None, "Bộ tiêu chí đã có Lĩnh vực 2"),
        (1, "10", "1", None),
    ],
    ids=["child above parent", "domains above index", "code taken", "fits"],
)
def test_criterion_admin_checks_the_whole_set(superuser_client, number, maximum, under, refused):
    methodology = _methodology({"1": "10", "2": "80"})
    parent = methodology.criteria.get(code=under) if under else None
    count = methodology.criteria.count()
    response = superuser_client.post(
        _url(Criterion, "add"), _criterion_data(methodology, number, maximum, parent)
    )
    if refused:
        assert response.status_code == 200
        assert refused in response.content.decode()
        assert methodology.criteria.count() == count
    else:
        assert response.status_code == 302, _errors(response)
        assert methodology.criteria.filter(code="1.1").exists()


# ------------------------------------------------------------------------------------ units and successions


def _province(slug: str = "ha-noi") -> Unit:
    return (
        Unit.objects.filter(slug__startswith=slug, level=UnitLevel.PROVINCE).order_by("-valid_from").first()
    )


def _commune(parent: Unit, code: str = "X001", name: str = "Xã Thử Nghiệm") -> Unit:
    return Unit.objects.create(
        level=UnitLevel.COMMUNE,
        parent=parent,
        code=code,
        name=name,
        official_name=name,
        slug=f"xa-{code.lower()}",
        kind=UnitKind.COMMUNE,
    )


def _unit_data(
    level: str, parent: Unit | None, *, predecessors: list[Unit] | None = None, unit: Unit | None = None
):
    data = {
        "level": level,
        "parent": str(parent.pk) if parent else "",
        "code": unit.code if unit else "X999",
        "name": unit.name if unit else "Xã Mới",
        "official_name": unit.official_name if unit else "Xã Mới",
        "slug": unit.slug if unit else "xa-moi-thu",
        "kind": UnitKind.COMMUNE,
        "region": "",
        "valid_from": "",
        "valid_until": "",
        "aliases": "[]",
        "code_confidence": "",
        "source_url": "",
        "successions_in-TOTAL_FORMS": str(len(predecessors or [])),
        "successions_in-INITIAL_FORMS": "0",
        "successions_in-MIN_NUM_FORMS": "0",
        "successions_in-MAX_NUM_FORMS": "1000",
    }
    for position, predecessor in enumerate(predecessors or []):
        data[f"successions_in-{position}-predecessor"] = str(predecessor.pk)
        data[f"successions_in-{position}-date"] = "2025-07-01"
    return data


@pytest.mark.parametrize(
    ("level", "parent_kind", "words"),
    [
        (UnitLevel.COMMUNE, None, "Xã Mới: sở và xã phải thuộc một tỉnh, thành phố."),
        (UnitLevel.DEPARTMENT, None, "Xã Mới: sở và xã phải thuộc một tỉnh, thành phố."),
        (UnitLevel.COMMUNE, "commune", "Xã Mới: đơn vị cha Xã Thử Nghiệm không phải là tỉnh, thành phố."),
    ],
    ids=["commune without parent", "department without parent", "commune under a commune"],
)
def test_a_unit_below_the_provinces_needs_a_province_parent(superuser_client, level, parent_kind, words):
    parent = _commune(_province()) if parent_kind == "commune" else None
    count = Unit.objects.count()
    response = superuser_client.post(_url(Unit, "add"), _unit_data(level, parent))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert Unit.objects.count() == count


def test_a_commune_with_a_province_parent_is_saved(superuser_client):
    response = superuser_client.post(_url(Unit, "add"), _unit_data(UnitLevel.COMMUNE, _province()))
    assert response.status_code == 302, _errors(response)
    assert Unit.objects.get(slug="xa-moi-thu").parent == _province()


def _succession_data(predecessor: Unit, successor: Unit) -> dict[str, str]:
    return {"predecessor": str(predecessor.pk), "successor": str(successor.pk), "date": "2025-07-01"}


@pytest.mark.parametrize("case", ["itself", "across levels"])
def test_a_succession_to_itself_or_across_levels_is_refused(superuser_client, case):
    province = _province()
    commune = _commune(province)
    predecessor, successor = (province, province) if case == "itself" else (province, commune)
    words = f"{province.name} không thể kế thừa chính nó." if case == "itself" else "hai đơn vị phải cùng cấp"
    count = Succession.objects.count()
    response = superuser_client.post(_url(Succession, "add"), _succession_data(predecessor, successor))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert Succession.objects.count() == count


@pytest.mark.parametrize("case", ["itself", "across levels", "new unit across levels"])
def test_the_predecessors_inline_refuses_itself_and_other_levels(superuser_client, case):
    province = _province()
    commune = _commune(province)
    count = Succession.objects.count()
    if case == "new unit across levels":
        response = superuser_client.post(
            _url(Unit, "add"), _unit_data(UnitLevel.COMMUNE, province, predecessors=[_province("hai-phong")])
        )
        words = "hai đơn vị phải cùng cấp"
        assert not Unit.objects.filter(slug="xa-moi-thu").exists()
    else:
        predecessor = commune if case == "itself" else _province("hai-phong")
        response = superuser_client.post(
            _url(Unit, "change", commune.pk),
            _unit_data(UnitLevel.COMMUNE, province, predecessors=[predecessor], unit=commune),
        )
        words = (
            "Xã Thử Nghiệm không thể kế thừa chính nó." if case == "itself" else "hai đơn vị phải cùng cấp"
        )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert Succession.objects.count() == count


def test_a_commune_succeeding_a_commune_is_saved(superuser_client):
    province = _province()
    old, new = _commune(province), _commune(province, code="X002", name="Xã Sau Sáp Nhập")
    response = superuser_client.post(
        _url(Unit, "change", new.pk), _unit_data(UnitLevel.COMMUNE, province, predecessors=[old], unit=new)
    )
    assert response.status_code == 302, _errors(response)
    assert Succession.objects.filter(predecessor=old, successor=new).exists()


def test_a_criterion_cannot_sit_under_its_own_child(superuser_client):
    methodology = _methodology({"1": "10"})
    domain = methodology.criteria.get(code="1")
    child = Criterion.objects.create(
        methodology=methodology,
        parent=domain,
        number=1,
        name_vi="Tiêu chí",
        max_points=Decimal(5),
        max_points_status="provisional",
    )
    data = _criterion_data(methodology, 1, "10", child)
    del data["methodology"]  # fixed once created
    response = superuser_client.post(_url(Criterion, "change", domain.pk), data)
    assert response.status_code == 200
    assert "không thể thuộc chính nó hoặc một tiêu chí con của nó" in response.content.decode()
    domain.refresh_from_db()
    assert (domain.parent_id, domain.code) == (None, "1")


def test_a_criteria_set_has_at_most_three_levels(superuser_client):
    methodology = _methodology({"1": "10"})
    parent = methodology.criteria.get(code="1")
    for _level in (2, 3):
        parent = Criterion.objects.create(
            methodology=methodology,
            parent=parent,
            number=1,
            name_vi="Tiêu chí",
            max_points=Decimal(5),
            max_points_status="provisional",
        )
    assert parent.code == "1.1.1"
    response = superuser_client.post(_url(Criterion, "add"), _criterion_data(methodology, 1, "1", parent))
    assert response.status_code == 200
    assert "Tiêu chí thành phần 1.1.1 không có tiêu chí con" in response.content.decode()
    assert not methodology.criteria.filter(code="1.1.1.1").exists()
