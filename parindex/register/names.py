"""Matching unit names as people write them: "TP.HCM", "Thừa Thiên - Huế", "Đăk Lăk", "Bà Rịa-Vũng Tàu",
with or without diacritics, any case, spaces and punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from parindex.register.models import Unit

# Words that name the kind of unit and not the unit: "Tỉnh Lào Cai", "Thành phố Hà Nội", "TP. Cần Thơ".
_KIND_PREFIXES = (("thanh", "pho"), ("tinh",), ("tp",))
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def ascii_fold(text: str) -> str:
    """Lower case, Vietnamese diacritics removed (đ → d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def name_key(text: str) -> str:
    """The key two spellings of one name share: folded, kind prefix dropped, spaces and punctuation removed."""
    words = _NON_ALNUM.sub(" ", ascii_fold(text)).split()
    for prefix in _KIND_PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            words = words[len(prefix) :]
            break
    return "".join(words)


def slug_for(name: str) -> str:
    return "-".join(_NON_ALNUM.sub(" ", ascii_fold(name)).split())


def unit_keys(unit: Unit) -> set[str]:
    names = [unit.name, unit.official_name, *unit.aliases]
    return {name_key(n) for n in names if n and name_key(n)}


class UnknownUnit(LookupError):
    """No unit of that name, or no unit of that name in that year; the message says which, in the UI language."""


@dataclass(frozen=True)
class UnitMatcher:
    """Matches names to the units of one year; build it once from preloaded units (no query per name)."""

    year: int
    by_key: dict[str, Unit]
    other_years: dict[str, list[Unit]]

    @classmethod
    def for_year(cls, year: int, units: Iterable[Unit]) -> UnitMatcher:
        by_key: dict[str, Unit] = {}
        other_years: dict[str, list[Unit]] = {}
        for unit in units:
            target = unit.is_valid_in(year)
            for key in unit_keys(unit):
                if target:
                    by_key[key] = unit
                else:
                    other_years.setdefault(key, []).append(unit)
        return cls(year=year, by_key=by_key, other_years=other_years)

    def match(self, name: str) -> Unit:
        key = name_key(name)
        if not key:
            raise UnknownUnit(_("Tên tỉnh, thành phố bị trống."))
        if key in self.by_key:
            return self.by_key[key]
        if key in self.other_years:
            existed = self.other_years[key][0]
            period = _describe_validity(existed)
            raise UnknownUnit(
                _("“%(name)s” không phải là đơn vị hành chính cấp tỉnh trong năm %(year)s (%(period)s).")
                % {"name": name, "year": self.year, "period": period}
            )
        raise UnknownUnit(_("Không tìm thấy tỉnh, thành phố “%(name)s”.") % {"name": name})


def _describe_validity(unit: Unit) -> str:
    if unit.valid_until is not None:
        return _("tồn tại đến %(date)s") % {"date": unit.valid_until.strftime("%d/%m/%Y")}
    if unit.valid_from is not None:
        return _("tồn tại từ %(date)s") % {"date": unit.valid_from.strftime("%d/%m/%Y")}
    return ""
