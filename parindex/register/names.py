"""Matching province names as people write them: "TP.HCM", "Thừa Thiên - Huế", "Đăk Lăk", "Bà Rịa-Vũng Tàu",
with or without diacritics, any case, spaces and punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from parindex.register.models import Province

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


def province_keys(province: Province) -> set[str]:
    names = [province.name, province.official_name, *province.aliases]
    return {name_key(n) for n in names if n and name_key(n)}


class UnknownProvince(LookupError):
    """No unit of that name, or no unit of that name in that year; the message says which, in the UI language."""


@dataclass(frozen=True)
class ProvinceMatcher:
    """Matches names to the units of one year; build it once from preloaded provinces (no query per name)."""

    year: int
    by_key: dict[str, Province]
    other_years: dict[str, list[Province]]

    @classmethod
    def for_year(cls, year: int, provinces: Iterable[Province]) -> ProvinceMatcher:
        by_key: dict[str, Province] = {}
        other_years: dict[str, list[Province]] = {}
        for province in provinces:
            target = province.is_valid_in(year)
            for key in province_keys(province):
                if target:
                    by_key[key] = province
                else:
                    other_years.setdefault(key, []).append(province)
        return cls(year=year, by_key=by_key, other_years=other_years)

    def match(self, name: str) -> Province:
        key = name_key(name)
        if not key:
            raise UnknownProvince(_("Tên tỉnh, thành phố bị trống."))
        if key in self.by_key:
            return self.by_key[key]
        if key in self.other_years:
            existed = self.other_years[key][0]
            period = _describe_validity(existed)
            raise UnknownProvince(
                _("“%(name)s” không phải là đơn vị hành chính cấp tỉnh trong năm %(year)s (%(period)s).")
                % {"name": name, "year": self.year, "period": period}
            )
        raise UnknownProvince(_("Không tìm thấy tỉnh, thành phố “%(name)s”.") % {"name": name})


def _describe_validity(province: Province) -> str:
    if province.valid_until is not None:
        return _("tồn tại đến %(date)s") % {"date": province.valid_until.strftime("%d/%m/%Y")}
    if province.valid_from is not None:
        return _("tồn tại từ %(date)s") % {"date": province.valid_from.strftime("%d/%m/%Y")}
    return ""
