"""The audit log's filters (django-filter) and table (django-tables2): presentation only; the rows come from
parindex.entry.selectors.audit_trail.

The filters validate the query (a user and an edition that exist, real dates, from ≤ to, a known action) and
turn it into AuditFilters; the filtering itself is the selector's. Dates are days in the site's time zone
(Asia/Ho_Chi_Minh), both ends included.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableListData

from parindex.entry.selectors import EMPTY, AuditFilters, AuditRows, Change
from parindex.register.models import Edition, EditionEventKind

PAGE_SIZE = 50
PAGE_PARAM = "trang"
TIME_FORMAT = "d/m/Y H:i:s"  # local time (Asia/Ho_Chi_Minh), on the page and in the CSV

ACTION_CHOICES = [
    *EditionEventKind.choices,
    ("add", _("Tạo")),
    ("change", _("Sửa")),
    ("delete", _("Xóa")),
]


class _NoRows(list[Change]):
    """What django-filter holds in place of a queryset: the rows come from the selector, already filtered."""

    model = None

    def all(self) -> _NoRows:
        return self


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        since, until = cleaned.get("tu_ngay"), cleaned.get("den_ngay")
        if since and until and since > until:
            raise forms.ValidationError(
                _("Ngày bắt đầu (%(since)s) phải trước hoặc bằng ngày kết thúc (%(until)s).")
                % {"since": since.strftime("%d/%m/%Y"), "until": until.strftime("%d/%m/%Y")},
                code="dates_reversed",
            )
        return cleaned


class AuditFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    nguoi = django_filters.ModelChoiceFilter(
        label=_("Người thực hiện"),
        queryset=get_user_model().objects.order_by("username"),
        empty_label=_("Tất cả"),
        method="keep",
    )
    tu_ngay = django_filters.DateFilter(
        label=_("Từ ngày"), method="keep", widget=forms.DateInput(attrs={"type": "date"})
    )
    den_ngay = django_filters.DateFilter(
        label=_("Đến ngày"), method="keep", widget=forms.DateInput(attrs={"type": "date"})
    )
    ky = django_filters.ModelChoiceFilter(
        label=_("Kỳ đánh giá"),
        queryset=Edition.objects.select_related("index").order_by("index__order", "-year", "kind"),
        empty_label=_("Tất cả"),
        method="keep",
    )
    thao_tac = django_filters.ChoiceFilter(
        label=_("Thao tác"), choices=ACTION_CHOICES, empty_label=_("Tất cả"), method="keep"
    )

    class Meta:
        form = AuditFilterForm

    def __init__(self, data: QueryDict | None, **kwargs: Any) -> None:
        super().__init__(data, queryset=_NoRows(), **kwargs)

    def keep(self, rows: list[Change], name: str, value: object) -> list[Change]:
        return rows  # filtering happens in the selector, over the database

    @property
    def criteria(self) -> AuditFilters:
        """The filters as the selector takes them; only after ``is_valid()``."""
        data = self.form.cleaned_data
        user, edition = data.get("nguoi"), data.get("ky")
        return AuditFilters(
            user_id=user.pk if user else None,
            since=_start_of(data.get("tu_ngay")),
            until=_start_of(data["den_ngay"] + timedelta(days=1)) if data.get("den_ngay") else None,
            edition_id=edition.pk if edition else None,
            action=data.get("thao_tac") or "",
        )


def _start_of(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


class LazyRows(TableListData):  # type: ignore[misc]
    """The audit log's rows as django-tables2 data without listing them all (it lists any other sequence): with
    LazyPaginator, each page reads AuditRows up to its end."""

    def __init__(self, rows: AuditRows) -> None:
        super().__init__(rows)


class AuditTable(tables.Table):  # type: ignore[misc]
    """One row per change (or per edition step), newest first; not sortable (the order is the log's)."""

    when = tables.DateTimeColumn(verbose_name=_("Thời điểm"), format=TIME_FORMAT, orderable=False)
    who = tables.Column(verbose_name=_("Người thực hiện"), orderable=False)
    edition = tables.Column(verbose_name=_("Kỳ đánh giá"), orderable=False, default=EMPTY)
    action = tables.Column(verbose_name=_("Thao tác"), orderable=False)
    unit = tables.Column(verbose_name=_("Đơn vị"), orderable=False, default=EMPTY)
    change = tables.Column(verbose_name=_("Thay đổi"), accessor="field", orderable=False, empty_values=())
    reason = tables.Column(verbose_name=_("Lý do"), orderable=False, default="")

    class Meta:
        template_name = "parindex/_audit_table.html"
        attrs = {"class": "ranking", "data-testid": "audit"}
        empty_text = _("Không có thay đổi nào khớp bộ lọc.")

    def value_when(self, record: Change) -> str:
        return dateformat.format(timezone.localtime(record.when), TIME_FORMAT)

    def render_change(self, record: Change) -> SafeString:
        if not record.field:
            return format_html("{}", EMPTY)
        return format_html("{}: {} → {}", record.field, record.old, record.new)

    def value_change(self, record: Change) -> str:
        return f"{record.field}: {record.old} → {record.new}" if record.field else ""
