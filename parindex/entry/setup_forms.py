"""Forms of an edition's setup: choosing its criteria set, adding a year to a set, a set's maxima, assigning an
editor. They read what was typed (numbers through parindex.register.numbers, so "8,5" and "8.5" both work); the
rules are the services' (parindex.entry.setup_services), which say what is wrong in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parindex.entry.setup_services import MaximumInput, maximum_field, person, year_problem
from parindex.register.models import Criterion, MaxPointsStatus, Methodology, Unit
from parindex.register.numbers import NumberError, format_number, parse_decimal

YEAR_PARAM = "nam"  # ?nam=2019: the year to add to a criteria set
EDITION_PARAM = "ky"  # ?ky=<edition id>: the edition the page was opened from, to go back to
SET_PARAM = "bo"  # ?bo=<criteria set id>: the set to preselect on an edition's criteria-set page


class MethodologyForm(forms.Form):
    """The criteria set of an edition. Any set is accepted here (the service refuses one of another index, or
    one that does not cover the year, with a message that says so); the list offers the index's own sets.

    `confirmed_units` is a checkbox whose value is the number of units whose scores the change removes, as the
    page showed it: the service compares it with the number at the time of the change."""

    methodology = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=Methodology.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("Không tìm thấy bộ tiêu chí này.")},
    )
    reason = forms.CharField(
        label=_("Lý do (ghi vào lịch sử)"),
        required=False,
        max_length=500,
        strip=True,
    )
    confirmed_units = forms.IntegerField(
        required=False,
        min_value=0,
        error_messages={
            "invalid": _("Xác nhận không hợp lệ: hãy tải lại trang."),
            "min_value": _("Xác nhận không hợp lệ: hãy tải lại trang."),
        },
    )

    def __init__(
        self,
        data: Any = None,
        *,
        choices: Sequence[tuple[int, str]],
        current: int | None,
        chosen: int | None = None,
    ) -> None:
        super().__init__(data, initial={"methodology": chosen if chosen is not None else current})
        field = self.fields["methodology"]
        field.widget.choices = [
            ("", gettext("— Không dùng bộ tiêu chí (chỉ chỉ số và thứ hạng công bố) —"))
        ] + [(pk, label) for pk, label in choices]


class YearForm(forms.Form):
    """A year to add to a criteria set (GET for the preview of what it changes, POST to add it). The edition
    the page was opened from (?ky=) is read by the view, not validated here: a wrong one only loses the way
    back."""

    nam = forms.IntegerField(label=_("Năm cần thêm"))

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        # The one message for every way a year can be wrong (text, empty, out of range), as the service says it.
        message = year_problem(None)
        self.fields["nam"].error_messages.update({"invalid": message, "required": message})

    def clean_nam(self) -> int:
        year: int = self.cleaned_data["nam"]
        problem = year_problem(year)
        if problem:
            raise forms.ValidationError(problem)
        return year


@dataclass(frozen=True)
class MaximumRow:
    """One criterion's row on the maxima page: the criterion and its three inputs."""

    criterion: Criterion
    max_points: forms.BoundField
    status: forms.BoundField
    source_url: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.max_points.errors, *self.status.errors, *self.source_url.errors]


class MaximaForm(forms.Form):
    """Every criterion of a set: maximum (text, read as a number), status and source URL. `values()` gives
    the rows that could be read, for the service; the rest have an error on their field, naming the criterion."""

    def __init__(self, data: Any = None, *, criteria: Sequence[Criterion]) -> None:
        super().__init__(data)
        self.criteria = list(criteria)
        statuses = [(s.value, s.label) for s in MaxPointsStatus]
        for criterion in self.criteria:
            code = criterion.code
            labels = {
                "max_points": gettext("%(criterion)s: điểm tối đa") % {"criterion": criterion.label},
                "status": gettext("%(criterion)s: trạng thái") % {"criterion": criterion.label},
                "source_url": gettext("%(criterion)s: nguồn") % {"criterion": criterion.label},
            }
            self.fields[maximum_field("max_points", code)] = forms.CharField(
                label=labels["max_points"],
                required=False,
                initial=format_number(criterion.max_points),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "size": 6, "aria-label": labels["max_points"]}
                ),
            )
            self.fields[maximum_field("status", code)] = forms.CharField(
                label=labels["status"],
                required=False,
                initial=criterion.max_points_status,
                widget=forms.Select(choices=statuses, attrs={"aria-label": labels["status"]}),
            )
            self.fields[maximum_field("source_url", code)] = forms.CharField(
                label=labels["source_url"],
                required=False,
                initial=criterion.source_url,
                widget=forms.URLInput(
                    attrs={"size": 40, "placeholder": "https://", "aria-label": labels["source_url"]}
                ),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for criterion in self.criteria:
            name = maximum_field("max_points", criterion.code)
            if name not in cleaned:
                continue
            try:
                cleaned[name] = parse_decimal(cleaned[name])
            except NumberError as error:
                self.add_error(name, f"{criterion.label}: {error}")
        return cleaned

    def values(self) -> dict[str, MaximumInput]:
        """The rows whose every input could be read, by criterion code."""
        data = self.cleaned_data
        values: dict[str, MaximumInput] = {}
        for criterion in self.criteria:
            names = [maximum_field(part, criterion.code) for part in ("max_points", "status", "source_url")]
            if any(name in self.errors or name not in data for name in names):
                continue
            values[criterion.code] = MaximumInput(data[names[0]], data[names[1]], data[names[2]])
        return values

    @property
    def rows(self) -> list[MaximumRow]:
        return [
            MaximumRow(
                criterion,
                self[maximum_field("max_points", criterion.code)],
                self[maximum_field("status", criterion.code)],
                self[maximum_field("source_url", criterion.code)],
            )
            for criterion in self.criteria
        ]


class EditorAssignForm(forms.Form):
    """A user to assign to an edition, and one unit or every unit. Any user id is accepted here (the service
    refuses an inactive account or an admin, and a unit the edition does not measure, in words); the lists
    offer the active editors, the other active users, and the edition's units."""

    user = forms.ModelChoiceField(
        label=_("Người dùng"),
        queryset=User.objects.all(),
        error_messages={
            "required": _("Hãy chọn người được phân công."),
            "invalid_choice": _("Không tìm thấy người dùng này."),
        },
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("Không tìm thấy đơn vị này.")},
    )

    def __init__(
        self, data: Any = None, *, editors: Sequence[User], others: Sequence[User], units: Sequence[Unit]
    ) -> None:
        super().__init__(data)
        users: list[Any] = [("", "—")]
        if editors:
            users.append((gettext("Cán bộ nhập liệu"), [(u.pk, person(u)) for u in editors]))
        if others:
            users.append(
                (
                    gettext("Người dùng khác (sẽ được thêm vai trò nhập liệu)"),
                    [(u.pk, person(u)) for u in others],
                )
            )
        self.fields["user"].widget.choices = users
        self.fields["unit"].widget.choices = [("", gettext("Mọi đơn vị"))] + [(u.pk, u.name) for u in units]
