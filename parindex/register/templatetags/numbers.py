"""`{% load numbers %}{{ value|number }}`: the one number formatter (parindex.register.numbers) in templates,
so that a page shows "87,33" in Vietnamese and "87.33" in English, and "—" for a missing value."""

from __future__ import annotations

from decimal import Decimal

from django import template

from parindex.register.numbers import format_number

register = template.Library()


@register.filter
def number(value: Decimal | int | None, empty: str = "—") -> str:
    return format_number(value, empty=empty)
