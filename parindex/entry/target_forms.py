"""The form a leader fills to set a target on a unit page. It reads what was typed ("20", "87,33", a year) and
says what is not a number; every rule about the target itself is the service's (parindex.entry.targets)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.entry.targets import GROUPS, Goals
from parindex.register.models import Index, Unit
from parindex.register.numbers import NumberError, parse_decimal, parse_rank


class TargetForm(forms.Form):
    index = forms.ModelChoiceField(
        queryset=Index.objects.order_by("order", "code"),
        label=gettext_lazy("Chỉ số"),
        error_messages={"invalid_choice": gettext_lazy("Chỉ số không có trong danh mục.")},
    )
    year = forms.CharField(label=gettext_lazy("Năm"), max_length=10)
    target_rank = forms.CharField(
        label=gettext_lazy("Thứ hạng không thấp hơn"), required=False, max_length=10
    )
    target_group = forms.ChoiceField(
        label=gettext_lazy("Nhóm"),
        required=False,
        choices=[("", "—"), *((g, g) for g in GROUPS)],
        error_messages={"invalid_choice": gettext_lazy("Nhóm mục tiêu phải là A, B hoặc C.")},
    )
    target_index = forms.CharField(
        label=gettext_lazy("Chỉ số không thấp hơn (%)"), required=False, max_length=12
    )
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=300)

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        # The indices that measure units of this level; a province's own index of its departments or communes
        # is offered on those units' pages. Anything else posted is judged by the service, with a message.
        self.fields["index"].queryset = Index.objects.filter(unit_level=unit.level).order_by("order", "code")  # type: ignore[attr-defined]

    def clean_year(self) -> int:
        raw = self.cleaned_data["year"]
        try:
            value = parse_rank(raw)
        except NumberError as error:
            raise forms.ValidationError(_("Năm phải là một số nguyên, ví dụ 2026.")) from error
        if value is None:
            raise forms.ValidationError(_("Cần nhập năm."))
        return value

    def clean_target_rank(self) -> int | None:
        try:
            return parse_rank(self.cleaned_data["target_rank"])
        except NumberError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_target_index(self) -> Decimal | None:
        try:
            return parse_decimal(self.cleaned_data["target_index"])
        except NumberError as error:
            raise forms.ValidationError(str(error)) from error

    def goals(self) -> Goals:
        data = self.cleaned_data
        return Goals(
            target_rank=data.get("target_rank"),
            target_group=data.get("target_group") or "",
            target_index=data.get("target_index"),
            note=(data.get("note") or "").strip(),
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """The service's refusals, at their fields (the whole form for the others)."""
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
