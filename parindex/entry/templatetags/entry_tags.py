"""`{% load entry_tags %}`: small questions the entry templates ask that the context does not answer.

- `user|is_admin`: may this user change reference data, such as a criteria set's maxima (permissions.is_admin);
- `maxima|unknown_maxima`: the labels of the grid's columns whose maximum is unknown ("Lĩnh vực 1, Lĩnh vực 2"),
  from the grid's list of (criterion code, maximum or None)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import template

from parindex.register import permissions
from parindex.register.models import Criterion

register = template.Library()


@register.filter
def is_admin(user: permissions.UserLike) -> bool:
    return permissions.is_admin(user)


@register.filter
def unknown_maxima(maxima: Iterable[tuple[str, Decimal | None]]) -> list[str]:
    # The level is the length of the code's path ("2.1" is a criterion), as Criterion.label reads it.
    return [
        Criterion(code=code, level=code.count(".") + 1).label for code, maximum in maxima if maximum is None
    ]
