"""The Django admin, in Vietnamese: reference data for admins (methodologies, units, regions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditorAssignment,
    Methodology,
    PublishedAverage,
    Region,
    Score,
    Succession,
    Target,
    Unit,
)

# Sources are https links; Django 6 makes https the default scheme for typed URLs, set it now.
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}

admin.site.site_header = _("Quản trị Chỉ số CCHC (PAR INDEX)")
admin.site.site_title = _("Quản trị PAR INDEX")
admin.site.index_title = _("Dữ liệu tham chiếu và kết quả")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["name", "name_en", "order"]
    list_editable = ["order"]


class SuccessionInline(admin.TabularInline[Succession, Unit]):
    model = Succession
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]
    verbose_name = _("đơn vị tiền thân")
    verbose_name_plural = _("đơn vị tiền thân")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    formfield_overrides = HTTPS_URLS
    list_display = ["code", "name", "official_name", "kind", "region", "valid_from", "valid_until"]
    list_filter = ["region", "kind", "valid_until", "valid_from"]
    search_fields = ["name", "official_name", "code", "slug"]
    list_select_related = ["region"]
    inlines = [SuccessionInline]


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin[Succession]):
    list_display = ["predecessor", "successor", "date"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]


class CriterionInline(admin.TabularInline[Criterion, Methodology]):
    model = Criterion
    fk_name = "methodology"
    extra = 0
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


@admin.register(Methodology)
class MethodologyAdmin(admin.ModelAdmin[Methodology]):
    formfield_overrides = HTTPS_URLS
    list_display = ["code", "index", "title", "year_from", "year_until", "is_demo"]
    list_filter = ["index"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin[Criterion]):
    list_display = ["methodology", "code", "name_vi", "max_points", "max_points_status"]
    list_filter = ["methodology", "max_points_status"]
    list_select_related = ["methodology"]


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # django-simple-history ships no type hints
    list_display = ["year", "kind", "status", "methodology", "published_at"]
    list_filter = ["kind", "status", "year"]
    list_select_related = ["methodology"]


class ScoreInline(admin.TabularInline[Score, Assessment]):
    model = Score
    extra = 0
    autocomplete_fields = []


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # django-simple-history ships no type hints
    formfield_overrides = HTTPS_URLS
    list_display = ["edition", "unit", "published_index", "published_rank", "version"]
    list_filter = ["edition__kind", "edition__year"]
    search_fields = ["unit__name"]
    list_select_related = ["edition", "unit"]
    inlines = [ScoreInline]


@admin.register(PublishedAverage)
class PublishedAverageAdmin(admin.ModelAdmin[PublishedAverage]):
    formfield_overrides = HTTPS_URLS
    list_display = ["year", "region", "average", "source_url"]
    list_filter = ["year", "region"]
    list_select_related = ["region"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ["unit", "year", "target_rank", "target_group", "target_index"]
    list_select_related = ["unit"]


# --- Entry: editor assignments (admins give editors their editions and units) ----------------------------
# Edition events (publish, reopen) are shown on each edition's history page, not edited here.


@admin.register(EditorAssignment)
class EditorAssignmentAdmin(admin.ModelAdmin[EditorAssignment]):
    list_display = ["user", "edition", "unit"]
    list_filter = ["edition"]
    search_fields = ["user__username", "unit__name"]
    list_select_related = ["user", "edition", "unit"]
    autocomplete_fields = ["unit"]
