"""The Django admin, in Vietnamese: reference data for admins (indices, units, successions, criteria sets,
regions, targets) and a door to the entry services for results.

Every write of results goes through ``parindex.entry.services``, the admin too (design.md, "How data flows"):

- editions are created, published and reopened in the app (/nhap-lieu/); here they are read-only;
- a unit's result (``Assessment``) is edited through ``scores_save``: the one validation of points, history with
  the user and a reason, a version bump, a recompute after the commit; nothing is added or deleted here;
- scores are read-only (their history shows who changed what);
- django-simple-history's "revert" is off everywhere: it saves the old row directly, around the services.

Reference data is checked where it is typed: a criteria set's maxima against each other and the index maximum
(``rules.tree_problems``), a unit's parent (``unit_problem``), a succession's two units (``succession_problem``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.entry.services import EntryError, RowInput, StaleEditError, cell_field, scores_save
from parindex.register import rules
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditorAssignment,
    Index,
    Methodology,
    PublishedAverage,
    Region,
    Score,
    Succession,
    Target,
    Unit,
    succession_problem,
    tree_message,
)
from parindex.register.numbers import NumberError, format_number, parse_decimal, parse_rank
from parindex.register.selectors import entry_criteria
from scoring.tasks import enqueue_recompute

if TYPE_CHECKING:
    from collections.abc import Callable

# Sources are https links; Django 6 makes https the default scheme for typed URLs, set it now.
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}

admin.site.site_header = _("Quản trị Chỉ số CCHC (PAR INDEX)")
admin.site.site_title = _("Quản trị PAR INDEX")
admin.site.index_title = _("Dữ liệu tham chiếu và kết quả")


def _marked_deleted(formset: forms.BaseFormSet[Any], form: forms.BaseForm) -> bool:
    """Is this inline row ticked for deletion? (It is then neither checked nor counted.)"""
    return bool(formset.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME))


def _viewing_version(request: HttpRequest) -> bool:
    """Is this django-simple-history's page of one stored version (…/history/<version>/)?"""
    match = request.resolver_match
    return match is not None and (match.url_name or "").endswith("_simple_history")


class HistoryWithoutRevert(SimpleHistoryAdmin):  # type: ignore[misc]  # django-simple-history ships no type hints
    """History pages that show and never write, in Vietnamese.

    django-simple-history's page of a stored version can "revert": it saves the old row with a plain model
    form, around the services (no validation of points, no version bump, no recompute). Here that page is a
    read-only view, and a POST to it is refused.
    """

    object_history_template = "admin/parindex/object_history.html"
    object_history_list_template = "admin/parindex/object_history_list.html"
    object_history_form_template = "admin/parindex/object_history_form.html"

    def revert_disabled(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return True

    def history_view_title(self, request: HttpRequest, obj: models.Model) -> str:
        return gettext("Lịch sử thay đổi: %(object)s") % {"object": obj}

    def history_form_view_title(self, request: HttpRequest, obj: models.Model) -> str:
        return gettext("Phiên bản đã lưu của %(object)s") % {"object": obj}

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(request, object_id, version_id, extra_context)
        return response

    def _version_fields(self) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.editable and not f.primary_key]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if _viewing_version(request):
            return [(None, {"fields": self._version_fields()})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _viewing_version(request):
            return self._version_fields()
        return super().get_readonly_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if _viewing_version(request):
            kwargs["fields"] = []
        return super().get_form(request, obj, change, **kwargs)


class ReadOnly:
    """Shown, never added, changed or deleted in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


# --- Reference data --------------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["name", "name_en", "order"]
    list_editable = ["order"]


@admin.register(Index)
class IndexAdmin(admin.ModelAdmin[Index]):
    """Indices are data. A code is unique whatever its case ("sipas" when "SIPAS" exists is refused): the
    model's constraint on Lower("code") is validated by the form, with its message."""

    formfield_overrides = HTTPS_URLS
    list_display = [
        "code",
        "short_name",
        "name_vi",
        "unit_level",
        "owner",
        "value_kind",
        "max_value",
        "order",
    ]
    list_filter = ["unit_level", "value_kind"]
    search_fields = ["code", "short_name", "name_vi", "name_en", "publisher"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]


class SuccessionFormSet(BaseInlineFormSet[Succession, Unit, Any]):
    """Predecessors typed on a unit's page: same level, never the unit itself (``succession_problem``).

    The model's clean() checks stored units; here the unit is the one being saved, so a new unit, or a unit
    whose level changes on the same page, is checked too."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if form.errors or _marked_deleted(self, form):
                continue
            predecessor = form.cleaned_data.get("predecessor")
            if predecessor is None:
                continue
            problem = succession_problem(predecessor, self.instance)
            if problem:
                form.add_error(None, problem)


class SuccessionInline(admin.TabularInline[Succession, Unit]):
    model = Succession
    formset = SuccessionFormSet
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]
    verbose_name = _("đơn vị tiền thân")
    verbose_name_plural = _("đơn vị tiền thân")


def _recompute_editions(editions: Any) -> None:
    """Reference data that enters the calculation changed here (a unit's region, a succession, a maximum): ask
    for a recompute of the editions it touches, in the admin's transaction (scoring.tasks.enqueue_recompute)."""
    for edition_id in sorted(set(editions.values_list("pk", flat=True))):
        enqueue_recompute(edition_id)


def _editions_of_units(*unit_ids: int | None) -> Any:
    return Edition.objects.filter(assessments__unit_id__in=[u for u in unit_ids if u is not None]).distinct()


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    """Units of every level; a department or a commune belongs to a province (the model's clean() asks
    ``unit_problem`` and names the unit)."""

    formfield_overrides = HTTPS_URLS
    list_display = ["code", "name", "level", "parent", "kind", "region", "valid_from", "valid_until"]
    list_filter = ["level", "region", "kind", "valid_until", "valid_from"]
    search_fields = ["name", "official_name", "code", "slug"]
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["parent"]
    inlines = [SuccessionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            _recompute_editions(_editions_of_units(form.instance.pk))


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin[Succession]):
    list_display = ["predecessor", "successor", "date"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]

    def save_model(self, request: HttpRequest, obj: Succession, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _recompute_editions(_editions_of_units(obj.predecessor_id, obj.successor_id))

    def delete_model(self, request: HttpRequest, obj: Succession) -> None:
        editions = list(_editions_of_units(obj.predecessor_id, obj.successor_id).values_list("pk", flat=True))
        super().delete_model(request, obj)
        for edition_id in editions:
            enqueue_recompute(edition_id)


# --- Criteria sets: the maxima of the tree hold together -------------------------------------------------

Key = int | str  # a stored criterion's id, or a placeholder for one typed but not saved yet


@dataclass(frozen=True)
class _Draft:
    """A criterion as it will be once saved: `parent` is its parent's key, `stored_code` its code now (None
    for a new one)."""

    key: Key
    parent: Key | None
    number: int
    max_points: Decimal | None
    stored_code: str | None = None


def _label(code: str) -> str:
    """ "Lĩnh vực 2", "Tiêu chí 2.1", "Tiêu chí thành phần 2.1.3": the level is the length of the path."""
    return Criterion(code=code, level=code.count(".") + 1).label


def _criteria_set_problems(
    drafts: Mapping[Key, _Draft], index: Index | None
) -> tuple[list[tuple[Key, str | None, str]], list[str]]:
    """What is wrong with a criteria set as it will be saved: (key, form field, message) for one criterion
    (a parent that makes a loop, a fourth level, a code taken twice), and messages for the set (maxima of
    children above their parent's, domains' maxima above the index maximum, from ``rules.tree_problems``).

    A criterion under a deleted one is left out: the database deletes it with its parent."""
    codes: dict[Key, str] = {}
    broken: set[Key] = set()
    per_criterion: list[tuple[Key, str | None, str]] = []
    for key in drafts:
        chain: list[Key] = []
        current: Key | None = key
        while (
            current is not None
            and current in drafts
            and current not in codes
            and current not in broken
            and current not in chain
        ):
            chain.append(current)
            current = drafts[current].parent
        if current is None or current in codes:
            base = codes[current] if current is not None else None
            for link in reversed(chain):
                base = f"{base}.{drafts[link].number}" if base is not None else str(drafts[link].number)
                codes[link] = base
            continue
        if current in chain:
            per_criterion.append(
                (
                    key,
                    "parent",
                    gettext("Một tiêu chí không thể thuộc chính nó hoặc một tiêu chí con của nó."),
                )
            )
        broken.update(chain)  # a loop, or under a deleted criterion
    for key, code in codes.items():
        parent = drafts[key].parent
        if code.count(".") >= 3 and parent is not None:
            per_criterion.append(
                (
                    key,
                    "parent",
                    gettext(
                        "Bộ tiêu chí có tối đa ba cấp (lĩnh vực, tiêu chí, tiêu chí thành phần): "
                        "%(parent)s không có tiêu chí con."
                    )
                    % {"parent": _label(codes[parent])},
                )
            )
    by_code: dict[str, list[Key]] = {}
    for key, code in codes.items():
        by_code.setdefault(code, []).append(key)
    for code, keys in by_code.items():
        if len(keys) < 2:
            continue
        moved = [key for key in keys if drafts[key].stored_code != code] or keys
        for key in moved:
            per_criterion.append(
                (
                    key,
                    "number",
                    gettext("Bộ tiêu chí đã có %(criterion)s: chọn số thứ tự khác.")
                    % {"criterion": _label(code)},
                )
            )
    if per_criterion:
        return per_criterion, []
    nodes: list[rules.Node] = []
    for key, code in codes.items():
        parent = drafts[key].parent
        nodes.append(rules.Node(code, codes[parent] if parent is not None else None, drafts[key].max_points))
    index_max = index.max_value if index is not None else None
    messages = [tree_message(issue, index=index) for issue in rules.tree_problems(nodes, index_max)]
    return [], messages


def _stored_drafts(methodology_id: int | None) -> dict[Key, _Draft]:
    if methodology_id is None:
        return {}
    return {
        c.pk: _Draft(c.pk, c.parent_id, c.number, c.max_points, c.code)
        for c in Criterion.objects.filter(methodology_id=methodology_id)
    }


def _index_of(methodology: Methodology | None) -> Index | None:
    return methodology.index if methodology is not None and methodology.index_id else None


def _other_set_message(parent: Criterion) -> str:
    return gettext("%(criterion)s thuộc một bộ tiêu chí khác.") % {"criterion": parent.label}


def _codes_refresh(methodology_id: int) -> None:
    """Re-derive the codes (and levels) below a criterion whose number or parent changed: Criterion.save()
    derives a code from its parent's, so the descendants of a renumbered criterion are saved again, top down."""
    criteria = list(Criterion.objects.filter(methodology_id=methodology_id))
    by_id = {c.pk: c for c in criteria}
    children: dict[int | None, list[Criterion]] = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)
    pending = list(children.get(None, []))
    while pending:
        criterion = pending.pop()
        parent = by_id.get(criterion.parent_id) if criterion.parent_id else None
        code = f"{parent.code}.{criterion.number}" if parent is not None else str(criterion.number)
        if code != criterion.code:
            criterion.parent = parent
            criterion.save()
        pending.extend(children.get(criterion.pk, []))


class CriterionFormSet(BaseInlineFormSet[Criterion, Methodology, Any]):
    """The criteria of a set as typed on its page, checked as a whole before anything is saved."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        methodology = self.instance
        drafts = _stored_drafts(methodology.pk)
        forms_by_key: dict[Key, forms.BaseForm] = {}
        for position, form in enumerate(self.forms):
            key: Key = form.instance.pk if form.instance.pk is not None else f"new-{position}"
            if _marked_deleted(self, form):
                drafts.pop(key, None)
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            data = form.cleaned_data
            parent: Criterion | None = data.get("parent")
            if parent is not None and parent.methodology_id != methodology.pk:
                form.add_error("parent", _other_set_message(parent))
                return
            drafts[key] = _Draft(
                key,
                parent.pk if parent is not None else None,
                data["number"],
                data.get("max_points"),
                form.instance.code if form.instance.pk is not None else None,
            )
            forms_by_key[key] = form
        per_criterion, messages = _criteria_set_problems(drafts, _index_of(methodology))
        for key, field, message in per_criterion:
            if key in forms_by_key:
                forms_by_key[key].add_error(field, message)
            else:
                messages.append(message)
        if messages:
            raise ValidationError(messages)


def _object_id(request: HttpRequest) -> int | None:
    """The id of the object whose admin page this is, or None (an add page)."""
    match = request.resolver_match
    raw = str(match.kwargs.get("object_id", "")) if match is not None else ""
    return int(raw) if raw.isdigit() else None


class CriterionInline(admin.TabularInline[Criterion, Methodology]):
    model = Criterion
    formset = CriterionFormSet
    fk_name = "methodology"
    extra = 0
    formfield_overrides = HTTPS_URLS
    fields = [
        "parent",
        "number",
        "code",
        "name_vi",
        "name_en",
        "max_points",
        "max_points_status",
        "source_url",
    ]
    readonly_fields = ["code"]

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "parent":
            # A parent from this criteria set only (a new set has none yet).
            methodology_id = _object_id(request)
            kwargs["queryset"] = (
                Criterion.objects.filter(methodology_id=methodology_id)
                if methodology_id is not None
                else Criterion.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Methodology)
class MethodologyAdmin(admin.ModelAdmin[Methodology]):
    formfield_overrides = HTTPS_URLS
    list_display = ["code", "index", "title", "year_from", "year_until", "is_demo"]
    list_filter = ["index"]
    list_select_related = ["index"]
    inlines = [CriterionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _codes_refresh(form.instance.pk)


class CriterionForm(forms.ModelForm[Criterion]):
    """One criterion, checked with the rest of its set (the maxima of the tree, its place in it)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        methodology: Methodology | None = cleaned.get("methodology") or (
            self.instance.methodology if self.instance.methodology_id else None
        )
        if methodology is None:
            return cleaned
        parent: Criterion | None = cleaned.get("parent")
        if parent is not None and parent.methodology_id != methodology.pk:
            self.add_error("parent", _other_set_message(parent))
            return cleaned
        key: Key = self.instance.pk if self.instance.pk is not None else "new"
        drafts = _stored_drafts(methodology.pk)
        drafts[key] = _Draft(
            key,
            parent.pk if parent is not None else None,
            cleaned["number"],
            cleaned.get("max_points"),
            self.instance.code if self.instance.pk is not None else None,
        )
        per_criterion, messages = _criteria_set_problems(drafts, _index_of(methodology))
        for item_key, field, message in per_criterion:
            self.add_error(field if item_key == key else None, message)
        if messages:
            raise ValidationError(messages)
        return cleaned


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin[Criterion]):
    form = CriterionForm
    formfield_overrides = HTTPS_URLS
    list_display = ["methodology", "code", "name_vi", "max_points", "max_points_status"]
    list_filter = ["methodology__index", "methodology", "max_points_status"]
    list_select_related = ["methodology"]
    search_fields = ["code", "name_vi", "methodology__code"]
    readonly_fields = ["code", "level"]

    def get_readonly_fields(self, request: HttpRequest, obj: Criterion | None = None) -> list[str]:
        # A criterion stays in its set: moving it would leave its children and scores in the other one.
        return ["methodology", "code", "level"] if obj is not None else ["code", "level"]

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        criterion_id = _object_id(request)
        if db_field.name == "parent" and criterion_id is not None:
            methodology_id = Criterion.objects.filter(pk=criterion_id).values("methodology_id")[:1]
            kwargs["queryset"] = Criterion.objects.filter(methodology_id=methodology_id).exclude(
                pk=criterion_id
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Criterion, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _codes_refresh(obj.methodology_id)
        _recompute_editions(Edition.objects.filter(methodology_id=obj.methodology_id))


# --- Editions, results and scores: written by the entry services only --------------------------------------


@admin.register(Edition)
class EditionAdmin(ReadOnly, HistoryWithoutRevert):
    """Read-only: editions are created, published and reopened in the app, by the services that record the
    event and recompute."""

    list_display = ["index", "year", "kind", "status", "methodology", "published_at"]
    list_filter = ["index", "kind", "status", "year"]
    list_select_related = ["index", "methodology"]
    readonly_fields = ["where_to_change", "events"]

    @admin.display(description=_("sửa ở đâu"))
    def where_to_change(self, edition: Edition) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("entry:edition_list"),
            gettext("Tạo, công bố, mở lại kỳ đánh giá và nhập điểm tại trang nhập liệu."),
        )

    @admin.display(description=_("sự kiện"))
    def events(self, edition: Edition) -> str:
        rows = [
            (
                localtime(event.at).strftime("%d/%m/%Y %H:%M"),
                event.get_kind_display(),
                event.user.get_username() if event.user is not None else "—",
                f": {event.reason}" if event.reason else "",
            )
            for event in edition.events.select_related("user")
        ]
        return format_html_join("", "<div>{} · {} · {}{}</div>", rows) if rows else "—"


def _points_field(code: str) -> str:
    return "d" + code.replace(".", "_")


def _not_applicable_field(code: str) -> str:
    return "na" + code.replace(".", "_")


class NumberField(forms.CharField):
    """A number as people type it ("8,5" or "8.5"), read by parindex.register.numbers; empty is None."""

    def __init__(self, *, parse: Callable[[object], Any] = parse_decimal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parse = parse

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        try:
            return self.parse(text)
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from error

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.to_python(initial) != self.to_python(data))
        except ValidationError:
            return True


class AssessmentEntryForm(forms.ModelForm[Assessment]):
    """One unit's result in the admin: published index and rank, the points or the not-applicable mark of each
    entry criterion of the edition's criteria set. Saved by ``scores_save``, never by the form itself.

    The save happens at the end of the form's validation, so that whatever the service refuses (points above a
    maximum, a published edition, a save by someone else since the page was opened) comes back as errors on
    the fields, with nothing written. The admin's change view runs in one transaction and AssessmentAdmin has
    no inlines: nothing after the form's validation can refuse the save.
    """

    index = NumberField(label=capfirst(_("chỉ số công bố (%)")), required=False)
    rank = NumberField(label=capfirst(_("thứ hạng công bố")), required=False, parse=parse_rank)
    version_seen = forms.IntegerField(label=_("phiên bản đã mở"), widget=forms.HiddenInput, min_value=0)

    # Set for each request by AssessmentAdmin.get_form.
    editor: ClassVar[Any] = None
    criteria: ClassVar[dict[str, Criterion]] = {}

    class Meta:
        model = Assessment
        fields = ()  # the model's fields are written by the service

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assessment = self.instance
        stored = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
        self.fields["index"].initial = format_number(assessment.published_index)
        self.fields["rank"].initial = assessment.published_rank
        self.fields["version_seen"].initial = assessment.version
        for code, criterion in self.criteria.items():
            score = stored.get(code)
            maximum = (
                format_number(criterion.max_points)
                if criterion.max_points is not None
                else gettext("chưa có")
            )
            self.fields[_points_field(code)] = NumberField(
                label=criterion.label,
                required=False,
                initial=format_number(score.points) if score is not None else "",
                help_text=gettext("%(name)s (điểm tối đa: %(max)s)")
                % {"name": criterion.name_vi, "max": maximum},
            )
            self.fields[_not_applicable_field(code)] = forms.BooleanField(
                label=gettext("Không áp dụng"),
                required=False,
                initial=score is not None and score.not_applicable,
            )

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not self.errors and self.has_changed():
            self._save_through_service()

    def _field_of(self, cell: str) -> str | None:
        """The form field of a cell named by the service ("published_index", "d2.1"), None for the whole row."""
        names = {"published_index": "index", "published_rank": "rank"}
        names.update({cell_field(code): _points_field(code) for code in self.criteria})
        return names.get(cell)

    def _save_through_service(self) -> None:
        data = self.cleaned_data
        assessment = self.instance
        row = RowInput(
            unit_id=assessment.unit_id,
            published_index=data["index"],
            published_rank=data["rank"],
            points={code: data[_points_field(code)] for code in self.criteria},
            not_applicable={code: data[_not_applicable_field(code)] for code in self.criteria},
            expected_version=data["version_seen"],
        )
        empty = (
            row.published_index is None
            and row.published_rank is None
            and all(v is None for v in row.points.values())
            and not any(row.not_applicable.values())
        )
        if empty:
            # The service would delete the result; the admin deletes nothing (the year grid can).
            self.add_error(
                None,
                gettext(
                    "%(unit)s: cần chỉ số công bố, thứ hạng công bố hoặc điểm. Trang quản trị không xóa kết quả; "
                    "muốn xóa, để trống cả dòng của đơn vị trong bảng nhập liệu."
                )
                % {"unit": assessment.unit.name},
            )
            return
        try:
            scores_save(
                edition=assessment.edition,
                rows=[row],
                user=self.editor,
                reason=gettext("Sửa trong trang quản trị"),
            )
        except StaleEditError:
            self.add_error(
                None,
                gettext(
                    "%(unit)s đã được người khác lưu sau khi trang này được mở. Chưa lưu gì: tải lại trang để "
                    "thấy số liệu mới rồi sửa lại."
                )
                % {"unit": assessment.unit.name},
            )
        except EntryError as error:
            for cell in error.errors:
                self.add_error(self._field_of(cell.field), cell.message)
        except PermissionDenied as error:
            self.add_error(None, str(error) or gettext("Bạn không được sửa kết quả này."))


@admin.register(Assessment)
class AssessmentAdmin(HistoryWithoutRevert):
    """A unit's result: changed through ``scores_save`` (AssessmentEntryForm), never added or deleted here
    (the year grid and the import do both)."""

    list_display = ["edition", "unit", "published_index", "published_rank", "version", "updated_at"]
    list_filter = ["edition__index", "edition__kind", "edition__status", "edition__year"]
    search_fields = ["unit__name"]
    list_select_related = ["edition__index", "unit"]
    readonly_fields = ["edition", "unit", "version", "updated_at", "source_url", "note", "scores_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Assessment]:
        queryset: models.QuerySet[Assessment] = super().get_queryset(request)
        return queryset.select_related("edition__index", "edition__methodology", "unit")

    def _through_service(self, request: HttpRequest, obj: Assessment | None) -> bool:
        """The change page of a result the user may change: the service's form (else a read-only view)."""
        return obj is not None and not _viewing_version(request) and self.has_change_permission(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Assessment | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None or not self._through_service(request, obj):
            return super().get_form(request, obj, change, **kwargs)
        user, chosen = request.user, entry_criteria(obj.edition)

        class Form(AssessmentEntryForm):
            editor = user
            criteria = chosen

        return Form

    def get_fieldsets(self, request: HttpRequest, obj: Assessment | None = None) -> Any:
        if obj is None or not self._through_service(request, obj):
            return super().get_fieldsets(request, obj)
        edition = obj.edition
        criteria = entry_criteria(edition)
        notes = [
            gettext("Lưu qua dịch vụ nhập liệu: ghi lịch sử và lý do, tăng phiên bản, tính lại kết quả.")
        ]
        if edition.is_published:
            notes.append(gettext("Kỳ đánh giá đã công bố: cần mở lại tại trang nhập liệu trước khi sửa."))
        result: list[tuple[str | None, dict[str, Any]]] = [
            (
                None,
                {
                    "fields": [
                        ("edition", "unit"),
                        ("version", "updated_at"),
                        "index",
                        "rank",
                        "version_seen",
                    ],
                    "description": " ".join(notes),
                },
            )
        ]
        if criteria:
            title = gettext("Điểm theo bộ tiêu chí %(code)s") % {"code": edition.methodology}
            description = gettext(
                "Điểm nhập trên các tiêu chí không có tiêu chí con; số thập phân dùng dấu phẩy."
            )
            fields: list[Any] = [(_points_field(code), _not_applicable_field(code)) for code in criteria]
        else:
            title = gettext("Điểm")
            description = gettext("Kỳ đánh giá chưa có bộ tiêu chí: chỉ sửa được chỉ số và thứ hạng công bố.")
            fields = []
        result.append((title, {"fields": fields, "description": description}))
        result.append((gettext("Nguồn"), {"fields": ["source_url", "note"], "classes": ["collapse"]}))
        return result

    def save_model(self, request: HttpRequest, obj: Assessment, form: Any, change: bool) -> None:
        # Written by the form, through scores_save; read again for the confirmation and the log.
        obj.refresh_from_db()

    @admin.display(description=_("điểm hiện tại"))
    def scores_now(self, assessment: Assessment) -> str:
        rows = [
            (
                score.criterion.label,
                gettext("không áp dụng") if score.not_applicable else format_number(score.points),
            )
            for score in assessment.scores.select_related("criterion").order_by("criterion__code")
        ]
        return format_html_join("", "<div>{}: {}</div>", rows) if rows else "—"


@admin.register(Score)
class ScoreAdmin(ReadOnly, HistoryWithoutRevert):
    """Read-only: points are changed on their result's page (or in the grid), through the services."""

    list_display = ["edition", "unit", "criterion_code", "points", "not_applicable"]
    list_filter = ["assessment__edition__index", "assessment__edition__year", "assessment__edition__kind"]
    search_fields = ["assessment__unit__name", "criterion__code"]
    list_select_related = ["assessment__edition__index", "assessment__unit", "criterion"]
    readonly_fields = ["where_to_change"]

    @admin.display(description=_("kỳ đánh giá"), ordering="assessment__edition")
    def edition(self, score: Score) -> Edition:
        return score.assessment.edition

    @admin.display(description=_("đơn vị"), ordering="assessment__unit__name")
    def unit(self, score: Score) -> str:
        return score.assessment.unit.name

    @admin.display(description=_("tiêu chí"), ordering="criterion__code")
    def criterion_code(self, score: Score) -> str:
        return score.criterion.label

    @admin.display(description=_("sửa ở đâu"))
    def where_to_change(self, score: Score) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:parindex_assessment_change", args=[score.assessment_id]),
            gettext("Sửa điểm tại trang kết quả đánh giá của đơn vị."),
        )


@admin.register(PublishedAverage)
class PublishedAverageAdmin(admin.ModelAdmin[PublishedAverage]):
    formfield_overrides = HTTPS_URLS
    list_display = ["index", "year", "region", "average", "source_url"]
    list_filter = ["index", "year", "region"]
    list_select_related = ["index", "region"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ["unit", "index", "year", "target_rank", "target_group", "target_index"]
    list_select_related = ["unit", "index"]
    autocomplete_fields = ["unit"]


# --- Entry: editor assignments (admins give editors their editions and units) ----------------------------
# Edition events (create, publish, reopen) are listed on each edition's page, not edited here.


@admin.register(EditorAssignment)
class EditorAssignmentAdmin(admin.ModelAdmin[EditorAssignment]):
    list_display = ["user", "edition", "unit"]
    list_filter = ["edition"]
    search_fields = ["user__username", "unit__name"]
    list_select_related = ["user", "edition__index", "unit"]
    autocomplete_fields = ["unit"]
