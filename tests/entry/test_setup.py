"""Setting an edition up in the app (issue 8): its criteria set, the years of a criteria set, a set's maxima, its
editors; the grid's notice on unknown maxima; the edition list's notice for an editor without an assignment.

Every bad input is refused with a Vietnamese message and nothing written; every write is a POST by an approver
(the maxima: an admin); a GET never writes."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from parindex.entry import setup_services
from parindex.entry.services import EntryError, RowInput, edition_reopen, par_index, scores_save
from parindex.entry.setup import setup_context
from parindex.entry.setup_services import edition_methodology_set
from parindex.register import permissions
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    EditorAssignment,
    Index,
    Methodology,
    Score,
    Unit,
)
from tests.entry.entry_helpers import (
    YEAR,
    assign,
    draft_edition,
    entry_methodology,
    full_points,
    make_user,
    units,
)

pytestmark = pytest.mark.django_db

QD_876 = "QĐ 876/QĐ-BNV"
QD_2948 = "QĐ 2948/QĐ-BNV"
SOURCE = "https://thongtindoingoai.sonla.gov.vn/en/content-1040-tang-chi-so-cai-cach-hanh-chinh.html"


def _text(response) -> str:
    """The page as a reader sees it: tags removed, entities of quotes decoded, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"(?s)<(script|style).*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"\s+", " ", text)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def approver() -> User:
    return make_user("phe-duyet-thiet-lap", "approver")


@pytest.fixture
def admin() -> User:
    return make_user("quan-tri-thiet-lap", "admin")


@pytest.fixture
def editor() -> User:
    return make_user("bien-tap-thiet-lap", "editor")


def _set(code: str, year_from: int | None, year_until: int | None, index: Index | None = None) -> Methodology:
    """A criteria set with eight domains of 12.5 points (100 in all)."""
    methodology = Methodology.objects.create(
        index=index or par_index(), code=code, title=f"Bộ {code}", year_from=year_from, year_until=year_until
    )
    for number in range(1, 9):
        Criterion.objects.create(
            methodology=methodology,
            number=number,
            name_vi=f"Lĩnh vực {number}",
            max_points=Decimal("12.5"),
            max_points_status="provisional",
        )
    return methodology


def _official_2019() -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=2019, kind=EditionKind.OFFICIAL)


def _no_set_draft(year: int = YEAR) -> Edition:
    return Edition.objects.create(
        index=par_index(), year=year, kind=EditionKind.SELF, status=EditionStatus.DRAFT
    )


def _score_units(edition: Edition, count: int, *, with_index: bool) -> list[Unit]:
    """Enter full points for `count` units (and a published index when asked), as an admin through the grid's
    service."""
    chosen = units(edition.year)[:count]
    rows = [
        RowInput(u.pk, Decimal("80") if with_index else None, None, full_points(), expected_version=0)
        for u in chosen
    ]
    scores_save(edition=edition, rows=rows, user=make_user(f"nhap-{edition.pk}-{count}", "admin"))
    return chosen


def _methodology_post(
    edition: Edition, methodology: Methodology | str | None, **extra: str
) -> dict[str, str]:
    value = methodology.pk if isinstance(methodology, Methodology) else (methodology or "")
    return {"methodology": str(value), **extra}


# --- The criteria set of an edition -----------------------------------------------------------------------


def test_an_approver_gives_an_edition_without_a_set_its_criteria_set(approver):
    edition = _no_set_draft()
    methodology = entry_methodology()
    client = _client(approver)
    response = client.post(
        reverse("entry:setup_methodology", args=[edition.pk]),
        _methodology_post(edition, methodology, reason="Bộ Nội vụ áp dụng bộ tiêu chí thử nghiệm"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("entry:edition_detail", args=[edition.pk])
    edition.refresh_from_db()
    assert edition.methodology == methodology
    record = edition.history.latest()
    assert record.history_user == approver
    assert record.history_change_reason == (
        "Đổi bộ tiêu chí: — → TEST-ENTRY. Bộ Nội vụ áp dụng bộ tiêu chí thử nghiệm"
    )
    page = _text(client.get(response["Location"]))
    assert "Đã đổi bộ tiêu chí của PAR INDEX 2025 · Tự đánh giá: — → TEST-ENTRY." in page


def _bad_methodology_cases():
    return {
        "another index": (
            lambda: _set("SIPAS-THU", 2020, 2030, index=Index.objects.get(code="SIPAS")),
            "Bộ tiêu chí SIPAS-THU thuộc chỉ số khác, không phải PAR INDEX.",
        ),
        "not covering the year": (
            lambda: _set("THU-2020", 2018, 2020),
            "Bộ tiêu chí THU-2020 không áp dụng cho năm 2025 (áp dụng: 2018–2020). Nếu kỳ 2025 dùng bộ tiêu chí "
            "này, hãy thêm năm 2025 vào bộ tiêu chí trước.",
        ),
        "without years": (
            lambda: Methodology.objects.get(code=QD_2948),
            f"Bộ tiêu chí {QD_2948} không áp dụng cho năm 2025 (áp dụng: chưa có năm áp dụng).",
        ),
        "not found": (lambda: "999999", "Không tìm thấy bộ tiêu chí này."),
        "text": (lambda: "bo-tieu-chi", "Không tìm thấy bộ tiêu chí này."),
    }


@pytest.mark.parametrize("case", list(_bad_methodology_cases()))
def test_a_criteria_set_that_does_not_fit_is_refused_and_nothing_is_written(approver, case):
    make, message = _bad_methodology_cases()[case]
    edition = _no_set_draft()
    chosen = make()
    history = edition.history.count()
    response = _client(approver).post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, chosen)
    )
    assert response.status_code == 422
    assert message in _text(response)
    edition.refresh_from_db()
    assert edition.methodology_id is None
    assert edition.history.count() == history


def test_a_set_without_the_year_comes_with_a_link_to_add_the_year(approver):
    edition = _no_set_draft()
    methodology = _set("THU-2020", 2018, 2020)
    response = _client(approver).post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, methodology)
    )
    link = reverse("entry:methodology_year_add", args=[methodology.pk]) + f"?nam=2025&amp;ky={edition.pk}"
    assert link in response.content.decode()
    assert "Thêm năm 2025 vào bộ tiêu chí THU-2020" in _text(response)


def test_a_published_edition_must_be_reopened_before_its_set_changes(approver):
    edition = _official_2019()
    assert edition.status == EditionStatus.PUBLISHED
    response = _client(approver).post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, "")
    )
    assert response.status_code == 422
    assert (
        "PAR INDEX 2019 · Chính thức (Bộ Nội vụ công bố) đã công bố: cần người phê duyệt mở lại (có nêu lý do) "
        "trước khi đổi bộ tiêu chí." in _text(response)
    )
    assert reverse("entry:reopen", args=[edition.pk]) in response.content.decode()


def test_choosing_the_set_the_edition_has_writes_nothing(approver):
    edition = draft_edition()
    history = edition.history.count()
    client = _client(approver)
    response = client.post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, edition.methodology)
    )
    assert response.status_code == 302
    assert edition.history.count() == history
    assert "không có gì thay đổi" in _text(client.get(response["Location"]))


def test_changing_the_set_of_an_edition_with_scores_needs_the_number_of_units_confirmed(approver):
    edition = draft_edition()
    with_index = _score_units(edition, 2, with_index=True)
    units_left = units()[2:3]
    scores_save(
        edition=edition,
        rows=[RowInput(units_left[0].pk, None, None, full_points(), expected_version=0)],
        user=make_user("nhap-them", "admin"),
    )
    other = _set("THU-2025", 2025, 2025)
    url = reverse("entry:setup_methodology", args=[edition.pk])
    scores = Score.objects.filter(assessment__edition=edition).count()
    assert scores == 24

    page = _text(_client(approver).get(reverse("entry:edition_detail", args=[edition.pk])))
    assert "3 đơn vị đã có điểm theo bộ tiêu chí này." in page

    for confirmation in ({}, {"confirmed_units": "2"}, {"confirmed_units": "ba"}):
        response = _client(approver).post(url, _methodology_post(edition, other, **confirmation))
        assert response.status_code == 422
        edition.refresh_from_db()
        assert edition.methodology == entry_methodology()
        assert Score.objects.filter(assessment__edition=edition).count() == scores
    assert "3 đơn vị đã có điểm theo bộ tiêu chí TEST-ENTRY. Đổi bộ tiêu chí sẽ xóa các điểm đó" in _text(
        _client(approver).post(url, _methodology_post(edition, other))
    )

    versions = dict(Assessment.objects.filter(edition=edition).values_list("unit_id", "version"))
    assessment_ids = list(Assessment.objects.filter(edition=edition).values_list("pk", flat=True))
    client = _client(approver)
    response = client.post(url, _methodology_post(edition, other, confirmed_units="3"))
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.methodology == other
    assert not Score.objects.filter(assessment__edition=edition).exists()
    # Units with a published index keep it, one version later; a unit left with nothing loses its result.
    kept = {a.unit_id: a for a in Assessment.objects.filter(edition=edition)}
    assert set(kept) == {u.pk for u in with_index}
    assert all(kept[u.pk].version == versions[u.pk] + 1 for u in with_index)
    removed = Score.history.filter(history_type="-", assessment_id__in=assessment_ids)
    assert removed.count() == 24
    assert {r.history_user_id for r in removed} == {approver.pk}
    assert {r.history_change_reason for r in removed} == {"Đổi bộ tiêu chí: TEST-ENTRY → THU-2025"}
    page = _text(client.get(response["Location"]))
    assert "Đã xóa điểm theo bộ tiêu chí cũ của 3 đơn vị (1 đơn vị không còn kết quả nào)" in page


def test_the_database_trigger_is_the_last_guard_and_its_refusal_is_a_message(approver, monkeypatch):
    edition = _no_set_draft()
    outside = _set("THU-2020", 2018, 2020)
    # The services' check believes the set fits: the trigger parindex_edition_methodology_fits refuses.
    monkeypatch.setattr(Methodology, "covers", lambda self, year: True)
    with pytest.raises(EntryError) as refused:
        edition_methodology_set(edition=edition, methodology=outside, user=approver)
    assert "Cơ sở dữ liệu từ chối lưu" in refused.value.errors[0].message
    edition.refresh_from_db()
    assert edition.methodology_id is None


def test_an_edition_may_go_back_to_no_criteria_set(approver):
    edition = draft_edition()
    response = _client(approver).post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, "")
    )
    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.methodology_id is None


# --- The years of a criteria set --------------------------------------------------------------------------


def test_the_preview_of_a_year_names_the_editions_that_could_use_the_set_and_writes_nothing(approver):
    methodology = Methodology.objects.get(code=QD_2948)
    edition = _official_2019()
    url = reverse("entry:methodology_year_add", args=[methodology.pk])
    response = _client(approver).get(url, {"nam": "2019", "ky": str(edition.pk)})
    assert response.status_code == 200
    page = _text(response)
    assert f"Sau khi thêm, bộ tiêu chí {QD_2948} áp dụng 2019." in page
    assert "Năm được thêm: 2019." in page
    assert "PAR INDEX 2019 · Chính thức (Bộ Nội vụ công bố) · Đã công bố · chưa có bộ tiêu chí" in page
    assert "PAR INDEX 2019 · Minh họa (demo) · Đã công bố · đang dùng DEMO" in page
    methodology.refresh_from_db()
    assert (methodology.year_from, methodology.year_until) == (None, None)


def test_adding_a_year_beyond_a_range_covers_the_years_between_and_says_which_sets_share_them(approver):
    methodology = entry_methodology()  # 2024–2025
    response = _client(approver).get(
        reverse("entry:methodology_year_add", args=[methodology.pk]), {"nam": "2021"}
    )
    page = _text(response)
    assert "Sau khi thêm, bộ tiêu chí TEST-ENTRY áp dụng 2021–2025." in page
    assert "Các năm được thêm: 2021, 2022, 2023." in page
    assert f"{QD_876} (2022–2030)" in page and "QĐ 1150/QĐ-BNV (2021–2021)" in page
    response = _client(approver).post(
        reverse("entry:methodology_year_add", args=[methodology.pk]), {"nam": "2021"}
    )
    assert response.status_code == 302
    methodology.refresh_from_db()
    assert (methodology.year_from, methodology.year_until) == (2021, 2025)


@pytest.mark.parametrize(
    "year, message",
    [
        ("abc", "Năm phải là số nguyên từ 2012 đến 2100."),
        ("", "Năm phải là số nguyên từ 2012 đến 2100."),
        ("2011", "Năm phải là số nguyên từ 2012 đến 2100."),
        ("2101", "Năm phải là số nguyên từ 2012 đến 2100."),
        ("2019,5", "Năm phải là số nguyên từ 2012 đến 2100."),
        ("2024", "Bộ tiêu chí TEST-ENTRY đã áp dụng cho năm 2024 (2024–2025)."),
    ],
)
def test_a_year_that_cannot_be_added_is_refused_and_nothing_is_written(approver, year, message):
    methodology = entry_methodology()
    response = _client(approver).post(
        reverse("entry:methodology_year_add", args=[methodology.pk]), {"nam": year}
    )
    assert response.status_code == 422
    assert message in _text(response)
    methodology.refresh_from_db()
    assert (methodology.year_from, methodology.year_until) == (2024, 2025)


def test_a_year_from_nothing_to_scores_without_the_admin(approver):
    """The story of the issue: 2019 has published totals only; staff reopen it, add 2019 to QĐ 2948, choose
    that set, assign an editor, and the editor enters domain scores."""
    edition = _official_2019()
    methodology = Methodology.objects.get(code=QD_2948)
    client = _client(approver)
    edition_reopen(edition=edition, user=approver, reason="Nhập điểm các lĩnh vực năm 2019")

    response = client.post(
        reverse("entry:methodology_year_add", args=[methodology.pk]), {"nam": "2019", "ky": str(edition.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("entry:setup_methodology", args=[edition.pk]) + f"?bo={methodology.pk}"
    )
    form = client.get(response["Location"]).content.decode()
    assert f'<option value="{methodology.pk}" selected>' in form

    response = client.post(
        reverse("entry:setup_methodology", args=[edition.pk]), _methodology_post(edition, methodology)
    )
    assert response.status_code == 302

    person = make_user("bien-tap-2019")
    hanoi = Unit.objects.valid_in_year(2019).get(name="Hà Nội")
    response = client.post(
        reverse("entry:setup_editors", args=[edition.pk]), {"user": str(person.pk), "unit": str(hanoi.pk)}
    )
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)  # roles are cached on the user object
    assert permissions.can_edit(person, edition, hanoi.pk)

    points = {str(n): Decimal(5) for n in range(1, 9)}
    report = scores_save(
        edition=edition, rows=[RowInput(hanoi.pk, None, None, points, expected_version=None)], user=person
    )
    assert report.scores_changed == 8


# --- Maxima of a criteria set -----------------------------------------------------------------------------


def _maxima_data(methodology: Methodology, **changes: tuple[str, str, str]) -> dict[str, str]:
    """The maxima page's POST: every criterion as stored, except `changes` (code "d1" → max, status, source)."""
    data: dict[str, str] = {}
    for criterion in Criterion.objects.filter(methodology=methodology):
        maximum = "" if criterion.max_points is None else str(criterion.max_points).replace(".", ",")
        values = (maximum, criterion.max_points_status, criterion.source_url)
        values = changes.get(f"d{criterion.code.replace('.', '_')}", values)
        for part, value in zip(("max_points", "status", "source_url"), values, strict=True):
            data[f"{part}-{criterion.code}"] = value
    return data


def _maxima_state(methodology: Methodology) -> list[tuple[str, Decimal | None, str, str]]:
    return sorted(
        Criterion.objects.filter(methodology=methodology).values_list(
            "code", "max_points", "max_points_status", "source_url"
        )
    )


def test_an_admin_enters_an_unknown_maximum_with_its_source_and_it_is_logged(admin, caplog):
    methodology = Methodology.objects.get(code=QD_876)
    url = reverse("entry:criteria_maxima", args=[methodology.pk])
    client = _client(admin)
    with caplog.at_level(logging.INFO, logger="parindex.entry.setup_services"):
        response = client.post(url, _maxima_data(methodology, d1=("9,5", "published", SOURCE)))
    assert response.status_code == 302
    domain = Criterion.objects.get(methodology=methodology, code="1")
    assert (domain.max_points, domain.max_points_status, domain.source_url) == (
        Decimal("9.5"),
        "published",
        SOURCE,
    )
    assert any("quan-tri-thiet-lap changed the maximum of 1" in r.getMessage() for r in caplog.records)
    page = _text(client.get(url))
    assert "Đã lưu điểm tối đa: Lĩnh vực 1." in page
    assert "3 tiêu chí chưa có điểm tối đa" in page


def _bad_maxima_cases():
    return {
        "zero": (("0", "published", SOURCE), "Lĩnh vực 1: điểm tối đa phải lớn hơn 0 và không quá 100."),
        "negative": (("-2", "published", SOURCE), "Lĩnh vực 1: điểm tối đa phải lớn hơn 0 và không quá 100."),
        "above 100": (
            ("100,5", "published", SOURCE),
            "Lĩnh vực 1: điểm tối đa phải lớn hơn 0 và không quá 100.",
        ),
        "text": (("mười", "published", SOURCE), "Lĩnh vực 1: “mười” không phải là số hợp lệ."),
        "three decimals": (("1,005", "published", SOURCE), "Lĩnh vực 1: “1,005” có quá 2 chữ số thập phân."),
        "sum above the index": (
            ("50", "published", SOURCE),
            "Tổng điểm tối đa các lĩnh vực là 115,00, vượt điểm tối đa 100,00 của chỉ số PAR INDEX.",
        ),
        "published without source": (
            ("9", "published", ""),
            "Lĩnh vực 1: điểm tối đa “Đã công bố” cần có nguồn (đường dẫn đến văn bản hoặc bài viết công bố con số "
            "này).",
        ),
        "source not a link": (
            ("9", "published", "bao Son La"),
            "Lĩnh vực 1: nguồn phải là một đường dẫn http:// hoặc https:// hợp lệ, không quá 500 ký tự.",
        ),
        "unknown with a maximum": (
            ("9", "unknown", ""),
            "Lĩnh vực 1: đã nhập điểm tối đa thì trạng thái không thể là “Chưa rõ”",
        ),
        "provisional without a maximum": (
            ("", "provisional", ""),
            "Lĩnh vực 1: trạng thái “Tạm tính (demo)” cần có điểm tối đa; chưa biết thì chọn “Chưa rõ”.",
        ),
        "no such status": (("9", "bogus", SOURCE), "Lĩnh vực 1: trạng thái không hợp lệ."),
    }


@pytest.mark.parametrize("case", list(_bad_maxima_cases()))
def test_a_maximum_that_cannot_hold_is_refused_and_nothing_is_written(admin, case):
    values, message = _bad_maxima_cases()[case]
    methodology = Methodology.objects.get(code=QD_876)
    before = _maxima_state(methodology)
    # Another row changes validly at the same time: it is not saved either.
    data = _maxima_data(methodology, d1=values, d2=("10", "provisional", ""))
    response = _client(admin).post(reverse("entry:criteria_maxima", args=[methodology.pk]), data)
    assert response.status_code == 422
    assert message in _text(response)
    assert _maxima_state(methodology) == before


def test_every_refused_maximum_is_named_at_once(admin):
    methodology = Methodology.objects.get(code=QD_876)
    data = _maxima_data(methodology, d1=("abc", "published", SOURCE), d2=("9", "published", ""))
    page = _text(_client(admin).post(reverse("entry:criteria_maxima", args=[methodology.pk]), data))
    assert "Lĩnh vực 1: “abc” không phải là số hợp lệ." in page
    assert "Lĩnh vực 2: điểm tối đa “Đã công bố” cần có nguồn" in page


def test_rows_left_as_they_were_are_not_judged_again(admin):
    """QĐ 2948's maxima are published without a source URL in the fixtures: an admin who adds one source is
    not stopped by the others."""
    methodology = Methodology.objects.get(code=QD_2948)
    url = reverse("entry:criteria_maxima", args=[methodology.pk])
    client = _client(admin)
    response = client.post(url, _maxima_data(methodology))
    assert response.status_code == 302
    assert "Không có điểm tối đa nào thay đổi." in _text(client.get(url))
    response = client.post(url, _maxima_data(methodology, d1=("10", "published", SOURCE)))
    assert response.status_code == 302
    assert Criterion.objects.get(methodology=methodology, code="1").source_url == SOURCE


def test_a_maximum_is_never_lowered_below_points_entered_nor_changed_under_a_published_edition(
    admin, approver
):
    edition = draft_edition()
    _score_units(edition, 2, with_index=False)  # domain 1: 8 points of 10
    methodology = edition.methodology
    url = reverse("entry:criteria_maxima", args=[methodology.pk])
    before = _maxima_state(methodology)
    below = _client(admin).post(url, _maxima_data(methodology, d1=("7,5", "provisional", "")))
    assert below.status_code == 422
    assert (
        "Lĩnh vực 1: trong PAR INDEX 2025 · Tự đánh giá đã có điểm 8,00, cao hơn điểm tối đa mới 7,50"
        in _text(below)
    )
    emptied = _client(admin).post(url, _maxima_data(methodology, d1=("", "unknown", "")))
    assert (
        "Lĩnh vực 1: 2 đơn vị trong PAR INDEX 2025 · Tự đánh giá đã có điểm: không để trống điểm tối đa"
        in _text(emptied)
    )
    assert _maxima_state(methodology) == before

    demo = Methodology.objects.get(code="DEMO")
    response = _client(admin).post(
        reverse("entry:criteria_maxima", args=[demo.pk]), _maxima_data(demo, d1=("9", "provisional", ""))
    )
    assert response.status_code == 422
    assert "(đã công bố) được tính theo điểm tối đa này: cần mở lại kỳ đó trước khi đổi." in _text(response)


def test_raising_a_maximum_under_draft_scores_recomputes_the_editions(
    admin, django_capture_on_commit_callbacks
):
    edition = draft_edition()
    _score_units(edition, 2, with_index=False)
    methodology = edition.methodology
    client = _client(admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("entry:criteria_maxima", args=[methodology.pk]),
            _maxima_data(methodology, d1=("11", "provisional", ""), d2=("9", "provisional", "")),
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # the recompute of the one edition using the set, queued for the commit
    page = _text(client.get(response["Location"]))
    assert "Kết quả của 2 đơn vị có điểm theo các tiêu chí này đang được tính lại." in page


@pytest.mark.parametrize("role", ["approver", "editor", "leader"])
def test_only_admins_change_maxima_others_read_them(role):
    user = make_user(f"doc-diem-toi-da-{role}", role)
    methodology = Methodology.objects.get(code=QD_876)
    url = reverse("entry:criteria_maxima", args=[methodology.pk])
    before = _maxima_state(methodology)
    response = _client(user).post(url, _maxima_data(methodology, d1=("9", "published", SOURCE)))
    assert response.status_code == 403
    assert _maxima_state(methodology) == before
    page = _client(user).get(url)
    assert page.status_code == 200
    assert 'data-testid="maxima-form"' not in page.content.decode()
    assert "Chỉ quản trị viên được nhập điểm tối đa." in _text(page)


# --- Editor assignments -----------------------------------------------------------------------------------


def test_an_approver_assigns_a_user_without_the_role_and_the_role_is_added(approver):
    edition = draft_edition()
    person = make_user("nguoi-moi")
    client = _client(approver)
    response = client.post(reverse("entry:setup_editors", args=[edition.pk]), {"user": str(person.pk)})
    assert response.status_code == 302
    assert EditorAssignment.objects.filter(user=person, edition=edition, unit=None).exists()
    assert person.groups.filter(name=permissions.EDITOR).exists()
    page = _text(client.get(response["Location"]))
    assert "Đã phân công nguoi-moi nhập mọi đơn vị của PAR INDEX 2025 · Tự đánh giá." in page
    assert "Người này được thêm vai trò cán bộ nhập liệu." in page


def test_an_assignment_of_every_unit_replaces_the_single_units(approver, editor):
    edition = draft_edition()
    first, second = units()[:2]
    assign(editor, edition, first)
    assign(editor, edition, second)
    response = _client(approver).post(
        reverse("entry:setup_editors", args=[edition.pk]), {"user": str(editor.pk)}
    )
    assert response.status_code == 302
    assert list(
        EditorAssignment.objects.filter(user=editor, edition=edition).values_list("unit", flat=True)
    ) == [None]


def _bad_assignment_cases():
    def twice(edition, editor):
        assign(editor, edition)
        return {
            "user": str(editor.pk)
        }, "bien-tap-thiet-lap đã được phân công nhập mọi đơn vị của PAR INDEX 2025"

    def unit_twice(edition, editor):
        unit = units()[0]
        assign(editor, edition, unit)
        return (
            {"user": str(editor.pk), "unit": str(unit.pk)},
            f"bien-tap-thiet-lap đã được phân công nhập {unit.name} trong PAR INDEX 2025",
        )

    def unit_under_every_unit(edition, editor):
        assign(editor, edition)
        return {"user": str(editor.pk), "unit": str(units()[0].pk)}, "đã được phân công nhập mọi đơn vị"

    def unit_not_measured(edition, editor):
        old = Unit.objects.get(name="Hà Giang")  # merged on 1/7/2025: not a unit of 2025
        return (
            {"user": str(editor.pk), "unit": str(old.pk)},
            "Hà Giang không phải là đơn vị hành chính cấp tỉnh trong năm 2025.",
        )

    def locked_account(edition, editor):
        editor.is_active = False
        editor.save()
        return {"user": str(editor.pk)}, "Tài khoản bien-tap-thiet-lap đang bị khóa: không phân công được."

    def an_admin(edition, editor):
        boss = make_user("quan-tri-khac", "admin")
        return {"user": str(boss.pk)}, "quan-tri-khac là quản trị viên, đã nhập được mọi kỳ đánh giá"

    def nobody(edition, editor):
        return {"user": "999999"}, "Không tìm thấy người dùng này."

    def no_user(edition, editor):
        return {"user": ""}, "Hãy chọn người được phân công."

    def unit_text(edition, editor):
        return {"user": str(editor.pk), "unit": "Hà Nội"}, "Không tìm thấy đơn vị này."

    return {
        "twice": twice,
        "a unit twice": unit_twice,
        "a unit under every unit": unit_under_every_unit,
        "a unit the edition does not measure": unit_not_measured,
        "a locked account": locked_account,
        "an admin": an_admin,
        "nobody": nobody,
        "no user": no_user,
        "a unit as text": unit_text,
    }


@pytest.mark.parametrize("case", list(_bad_assignment_cases()))
def test_an_assignment_that_cannot_be_made_is_refused_and_nothing_is_written(approver, editor, case):
    edition = draft_edition()
    data, message = _bad_assignment_cases()[case](edition, editor)
    before = sorted(EditorAssignment.objects.values_list("pk", "user", "edition", "unit"))
    response = _client(approver).post(reverse("entry:setup_editors", args=[edition.pk]), data)
    assert response.status_code == 422
    assert message in _text(response)
    assert sorted(EditorAssignment.objects.values_list("pk", "user", "edition", "unit")) == before


def test_an_approver_removes_an_assignment_by_post_only(approver, editor):
    edition = draft_edition()
    assign(editor, edition)
    assignment = EditorAssignment.objects.get(user=editor, edition=edition)
    url = reverse("entry:setup_editor_remove", args=[edition.pk, assignment.pk])
    assert _client(approver).get(url).status_code == 405
    assert EditorAssignment.objects.filter(pk=assignment.pk).exists()
    other = draft_edition(kind=EditionKind.OFFICIAL)
    wrong = reverse("entry:setup_editor_remove", args=[other.pk, assignment.pk])
    assert _client(approver).post(wrong).status_code == 404
    response = _client(approver).post(url)
    assert response.status_code == 302
    assert not EditorAssignment.objects.filter(pk=assignment.pk).exists()
    assert editor.groups.filter(name=permissions.EDITOR).exists()  # the role stays


# --- Who may: every setup write, every role ---------------------------------------------------------------


def _writes(edition: Edition, editor: User) -> dict[str, tuple[str, dict[str, str]]]:
    assign(editor, edition)
    assignment = EditorAssignment.objects.get(user=editor, edition=edition)
    other_set = _set("THU-2025", 2025, 2025)
    return {
        "criteria set": (
            reverse("entry:setup_methodology", args=[edition.pk]),
            _methodology_post(edition, other_set),
        ),
        "year": (reverse("entry:methodology_year_add", args=[other_set.pk]), {"nam": "2024"}),
        "maxima": (
            reverse("entry:criteria_maxima", args=[other_set.pk]),
            _maxima_data(other_set, d1=("10", "provisional", "")),
        ),
        "assign": (
            reverse("entry:setup_editors", args=[edition.pk]),
            {"user": str(make_user("duoc-phan-cong").pk), "unit": str(units()[0].pk)},
        ),
        "unassign": (reverse("entry:setup_editor_remove", args=[edition.pk, assignment.pk]), {}),
    }


def _setup_state() -> tuple[object, ...]:
    return (
        sorted(Edition.objects.values_list("pk", "methodology")),
        sorted(Methodology.objects.values_list("pk", "year_from", "year_until")),
        sorted(Criterion.objects.values_list("pk", "max_points", "max_points_status", "source_url")),
        sorted(EditorAssignment.objects.values_list("pk", "user", "unit")),
        sorted(Group.objects.get(name=permissions.EDITOR).user_set.values_list("pk", flat=True)),
    )


ALLOWED = {
    "criteria set": {"approver", "admin"},
    "year": {"approver", "admin"},
    "maxima": {"admin"},
    "assign": {"approver", "admin"},
    "unassign": {"approver", "admin"},
}


@pytest.mark.parametrize("role", ["anonymous", "editor", "leader", "approver", "admin"])
@pytest.mark.parametrize("write", list(ALLOWED))
def test_every_role_on_every_setup_write(editor, role, write):
    url, data = _writes(draft_edition(), editor)[write]
    user = (
        None if role == "anonymous" else (editor if role == "editor" else make_user(f"vai-tro-{role}", role))
    )
    before = _setup_state()
    response = _client(user).post(url, data)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif role in ALLOWED[write]:
        assert response.status_code == 302, _text(response)[:2000]
        assert _setup_state() != before
        return
    else:
        assert response.status_code == 403
    assert _setup_state() == before


@pytest.mark.parametrize("write", list(ALLOWED))
def test_get_on_a_setup_url_writes_nothing_and_posts_need_a_csrf_token(admin, editor, write):
    url, data = _writes(draft_edition(), editor)[write]
    before = _setup_state()
    assert _client(admin).get(url, data).status_code in {200, 405}
    assert _setup_state() == before
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(url, data).status_code == 403
    assert _setup_state() == before


# --- Telling people what to do ----------------------------------------------------------------------------


def test_an_editor_without_any_assignment_is_told_whom_to_ask(editor):
    boss = make_user("truong-phong", "approver")
    boss.first_name, boss.last_name, boss.email = "Lan", "Trần Thị", "lan.tt@snv.example.gov.vn"
    boss.save()
    inactive = make_user("khong-hoat-dong", "approver")
    inactive.is_active = False
    inactive.save()
    page = _text(_client(editor).get(reverse("entry:edition_list")))
    assert "chưa được phân công kỳ đánh giá nào" in page
    assert "Lan Trần Thị (truong-phong) · lan.tt@snv.example.gov.vn" in page
    assert "khong-hoat-dong" not in page

    assign(editor, draft_edition())
    assert "chưa được phân công" not in _text(_client(editor).get(reverse("entry:edition_list")))
    leader = make_user("lanh-dao-khong-phan-cong", "leader")
    assert "chưa được phân công" not in _text(_client(leader).get(reverse("entry:edition_list")))


def test_an_editor_not_assigned_to_this_edition_is_told_whom_to_ask_on_its_page(editor):
    make_user("truong-phong-2", "approver")
    edition = draft_edition()
    assign(editor, draft_edition(kind=EditionKind.OFFICIAL))
    page = _client(editor).get(reverse("entry:edition_detail", args=[edition.pk]))
    assert "Bạn chưa được phân công nhập liệu kỳ đánh giá này." in _text(page)
    assert "truong-phong-2" in _text(page)
    assert 'data-testid="assign-form"' not in page.content.decode()


def test_the_grid_says_why_maxima_are_unknown_who_fixes_them_and_links_to_the_page(admin, editor):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.OFFICIAL)
    methodology = Methodology.objects.get(code=QD_876)
    link = reverse("entry:criteria_maxima", args=[methodology.pk])
    url = reverse("entry:grid", args=[edition.pk])
    assign(editor, edition)
    as_editor = _client(editor).get(url)
    text = _text(as_editor)
    assert (
        f"chưa có điểm tối đa của Lĩnh vực 1, Lĩnh vực 2, Lĩnh vực 6, Lĩnh vực 7 (bộ tiêu chí {QD_876})"
        in text
    )
    assert "Chỉ quản trị viên nhập được điểm tối đa (kèm nguồn): hãy báo quản trị viên." in text
    assert link in as_editor.content.decode()
    as_admin = _client(admin).get(url)
    assert "Nhập điểm tối đa kèm nguồn" in _text(as_admin) and link in as_admin.content.decode()
    known = _client(admin).get(reverse("entry:grid", args=[draft_edition().pk]))
    assert 'data-testid="unknown-maxima"' not in known.content.decode()


def test_the_edition_page_links_to_the_maxima_when_some_are_unknown(approver):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.OFFICIAL)
    page = _client(approver).get(reverse("entry:edition_detail", args=[edition.pk]))
    assert "Chưa có điểm tối đa của Lĩnh vực 1, Lĩnh vực 2, Lĩnh vực 6, Lĩnh vực 7" in _text(page)
    link = reverse("entry:criteria_maxima", args=[edition.methodology_id])
    assert link in page.content.decode()


def test_staff_read_the_setup_and_only_approvers_get_its_forms(approver):
    edition = draft_edition()
    leader = make_user("lanh-dao-doc", "leader")
    url = reverse("entry:edition_detail", args=[edition.pk])
    read = _client(leader).get(url).content.decode()
    assert 'data-testid="setup"' in read
    assert 'data-testid="methodology-form"' not in read and 'data-testid="assign-form"' not in read
    managed = _client(approver).get(url).content.decode()
    assert 'data-testid="methodology-form"' in managed and 'data-testid="assign-form"' in managed


@pytest.mark.parametrize("assignments", [1, 6])
@pytest.mark.parametrize("role", ["approver", "editor"])
def test_the_setup_section_reads_in_a_fixed_number_of_queries(
    django_assert_max_num_queries, assignments, role
):
    """Whatever the number of units, scores and assignments: eight queries (the forms' users and units
    included), nine for an editor who is told whom to ask."""
    edition = draft_edition()
    _score_units(edition, 3, with_index=True)
    for number, unit in enumerate(units()[:assignments]):
        assign(make_user(f"bien-tap-so-{number}", "editor"), edition, unit)
    make_user("nguoi-phe-duyet", "approver")
    request = RequestFactory().get("/")
    request.user = make_user(f"xem-{role}", role)
    edition = Edition.objects.select_related("methodology").get(pk=edition.pk)
    with django_assert_max_num_queries(8 if role == "approver" else 9):
        context = setup_context(request, edition)
    section = context["setup"]
    assert len(section.assignments) == assignments and section.scored_units == 3
    assert bool(section.ask) == (role == "editor")


def test_the_edition_page_stays_within_its_query_budget(approver, django_assert_max_num_queries):
    edition = draft_edition()
    _score_units(edition, 3, with_index=True)
    for number, unit in enumerate(units()[:6]):
        assign(make_user(f"bien-tap-trang-{number}", "editor"), edition, unit)
    client = _client(approver)
    # 13 today: session, user, edition, roles, progress (2), the setup section (7 after the roles).
    with django_assert_max_num_queries(20):
        response = client.get(reverse("entry:edition_detail", args=[edition.pk]))
    assert response.status_code == 200
    assert all(f"bien-tap-trang-{number}" in _text(response) for number in range(6))


def test_setup_services_refuse_users_without_the_role(editor):
    edition = draft_edition()
    with pytest.raises(PermissionDenied, match="Chỉ người phê duyệt"):
        setup_services.edition_methodology_set(edition=edition, methodology=None, user=editor)
    with pytest.raises(PermissionDenied, match="Chỉ quản trị viên"):
        setup_services.criteria_maxima_set(methodology=edition.methodology, values={}, user=editor)


def test_a_year_added_for_a_published_edition_leads_back_to_its_page_to_reopen_it(approver):
    edition = _official_2019()
    methodology = Methodology.objects.get(code=QD_2948)
    response = _client(approver).post(
        reverse("entry:methodology_year_add", args=[methodology.pk]), {"nam": "2019", "ky": str(edition.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("entry:edition_detail", args=[edition.pk])
    methodology.refresh_from_db()
    assert (methodology.year_from, methodology.year_until) == (2019, 2019)
