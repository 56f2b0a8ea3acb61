"""The filters of the public ranking (django-filter): region, group, a search, and the sort.

django-filter validates the query and builds the form; the filtering itself runs in Python over the rows of
``scoring.public`` (``dashboards.ranking.filter_rows``), which the page reads once and caches. A value that is not
one of the choices (SQL, HTML, an unknown region or column) or a search longer than ``SEARCH_MAX_LENGTH`` makes
the form invalid: the page answers 400 and says which field, and nothing is filtered, sorted or cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dashboards.ranking import GROUPS, SEARCH_MAX_LENGTH, filter_rows, region_slug
from parindex.register.models import Region
from scoring.public import RankingRow

GROUP_LABELS = {
    "A": _("A (từ 90%)"),
    "B": _("B (80% đến dưới 90%)"),
    "C": _("C (70% đến dưới 80%)"),
    "D": _("D (dưới 70%)"),
}


class NoRows(list[RankingRow]):
    """What django-filter holds in place of a queryset: the rows come later, filtered by ``RankingFilter.rows``."""

    model = None

    def all(self) -> NoRows:
        return self


class RankingFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no types
    vung = django_filters.ChoiceFilter(label=_("Vùng"), empty_label=_("Tất cả các vùng"), method="keep")
    nhom = django_filters.ChoiceFilter(
        label=_("Nhóm"),
        choices=[(group, GROUP_LABELS[group]) for group in GROUPS],
        empty_label=_("Tất cả các nhóm"),
        method="keep",
    )
    q = django_filters.CharFilter(
        label=_("Tìm tỉnh, thành phố"),
        max_length=SEARCH_MAX_LENGTH,
        method="keep",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": SEARCH_MAX_LENGTH,
                "placeholder": _("ví dụ: da nang, tp hcm"),
            }
        ),
    )
    sap_xep = django_filters.ChoiceFilter(label=_("Sắp xếp"), method="keep", widget=forms.HiddenInput)

    def __init__(
        self, data: QueryDict, *, regions: Iterable[Region], sort_columns: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(data, queryset=NoRows(), **kwargs)
        self.filters["vung"].extra["choices"] = [(region_slug(r), r.display_name) for r in regions]
        self.filters["sap_xep"].extra["choices"] = [
            (f"{sign}{name}", f"{sign}{name}") for name in sort_columns for sign in ("", "-")
        ]

    def keep(self, rows: list[RankingRow], name: str, value: object) -> list[RankingRow]:
        return rows  # filtering happens in ``rows`` (Python, over cached rows), not per filter on a queryset

    @property
    def values(self) -> dict[str, str]:
        """The cleaned values ("" where not set); only after ``is_valid()``."""
        return {name: str(self.form.cleaned_data.get(name) or "").strip() for name in self.filters}

    def rows(self, rows: Iterable[RankingRow]) -> list[RankingRow]:
        values = self.values
        return filter_rows(rows, region=values["vung"], group=values["nhom"], search=values["q"])

    @property
    def order_by(self) -> tuple[str, ...]:
        return (self.values["sap_xep"],) if self.values["sap_xep"] else ("hang",)

    @property
    def active(self) -> bool:
        """Whether a filter (not just a sort) narrows the rows."""
        values = self.values
        return any(values[name] for name in ("vung", "nhom", "q"))
