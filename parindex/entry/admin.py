"""The Django admin, in Vietnamese: reference data for admins (methodologies, provinces, regions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.register.models import (
    Assessment,
    Domain,
    DomainScore,
    Edition,
    EditorAssignment,
    Methodology,
    Province,
    PublishedAverage,
    Region,
    Succession,
    Target,
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


class SuccessionInline(admin.TabularInline[Succession, Province]):
    model = Succession
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]
    verbose_name = _("đơn vị tiền thân")
    verbose_name_plural = _("đơn vị tiền thân")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin[Province]):
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


class DomainInline(admin.TabularInline[Domain, Methodology]):
    model = Domain
    extra = 0


@admin.register(Methodology)
class MethodologyAdmin(admin.ModelAdmin[Methodology]):
    formfield_overrides = HTTPS_URLS
    list_display = ["code", "title", "year_from", "year_until", "is_demo"]
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin[Domain]):
    list_display = ["methodology", "number", "name_vi", "max_points", "max_points_status"]
    list_filter = ["methodology", "max_points_status"]
    list_select_related = ["methodology"]


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # django-simple-history ships no type hints
    list_display = ["year", "kind", "status", "methodology", "published_at"]
    list_filter = ["kind", "status", "year"]
    list_select_related = ["methodology"]


class DomainScoreInline(admin.TabularInline[DomainScore, Assessment]):
    model = DomainScore
    extra = 0
    autocomplete_fields = []


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # django-simple-history ships no type hints
    formfield_overrides = HTTPS_URLS
    list_display = ["edition", "province", "published_index", "published_rank", "version"]
    list_filter = ["edition__kind", "edition__year"]
    search_fields = ["province__name"]
    list_select_related = ["edition", "province"]
    inlines = [DomainScoreInline]


@admin.register(PublishedAverage)
class PublishedAverageAdmin(admin.ModelAdmin[PublishedAverage]):
    formfield_overrides = HTTPS_URLS
    list_display = ["year", "region", "average", "source_url"]
    list_filter = ["year", "region"]
    list_select_related = ["region"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin[Target]):
    list_display = ["province", "year", "target_rank", "target_group", "target_index"]
    list_select_related = ["province"]


# --- Entry: editor assignments (admins give editors their editions and provinces) ----------------------------
# Edition events (publish, reopen) are shown on each edition's history page, not edited here.


@admin.register(EditorAssignment)
class EditorAssignmentAdmin(admin.ModelAdmin[EditorAssignment]):
    list_display = ["user", "edition", "province"]
    list_filter = ["edition"]
    search_fields = ["user__username", "province__name"]
    list_select_related = ["user", "edition", "province"]
    autocomplete_fields = ["province"]
