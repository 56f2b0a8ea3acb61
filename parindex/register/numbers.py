"""Numbers as people write and read them: parsing "87,33" (Vietnamese decimal comma) as well as "87.33", and
the one formatter every page, preview, history and message uses ("87,33" in Vietnamese, "87.33" in English)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parindex.register.rules import round_half_up

# ASCII digits only, with at most one decimal separator (comma or point); a trailing "%" is removed before.
# `\d` would also match Arabic-Indic ("٣") and full-width ("３") digits, which Decimal() then accepts.
_NUMBER = re.compile(r"^[+-]?([0-9]+)([.,]([0-9]+))?$", re.ASCII)

# A cell longer than this is not a number anyone typed: refused before it is parsed (and never echoed whole).
MAX_TEXT_LENGTH = 50
# No figure of an index, a domain, a criterion or a rank comes near this; far larger values would not even fit
# the Decimal context (28 digits) when rounded to two places for a message.
MAX_MAGNITUDE = Decimal(10) ** 12
# How much of a refused value a message quotes.
SHOWN_LENGTH = 20


class NumberError(ValueError):
    """The text is not a number we accept; str() is a message for the user in the interface language."""


def shown(raw: object, length: int = SHOWN_LENGTH) -> str:
    """A value as a message quotes it: at most `length` characters, cut with "…" (a pasted page, a number of
    5,000 digits). Never fails, not even on an int beyond Python's 4,300-digit str() limit."""
    try:
        text = str(raw)
    except ValueError:
        text = f"{Decimal(raw):E}" if isinstance(raw, int) else "?"  # an int beyond the str() limit
    return text if len(text) <= length else text[: length - 1] + "…"


def parse_decimal(raw: object, *, places: int = 2) -> Decimal | None:
    """A cell's value as a Decimal with at most `places` decimals, or None for an empty cell.

    Accepts numbers (int, Decimal; floats from spreadsheets are read through their shortest repr), and text
    of ASCII digits with a decimal comma or point, surrounding spaces and a trailing "%". Refuses text, other
    scripts' digits, NaN, infinity, thousands separators ("1.234,5"), more than `places` decimals, text longer
    than MAX_TEXT_LENGTH and values of MAX_MAGNITUDE or more, with a message saying why.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberError(_("“%(value)s” không phải là số.") % {"value": raw})
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = str(raw).strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise NumberError(
                _("Giá trị quá dài (%(length)s ký tự, tối đa %(limit)s): “%(value)s”.")
                % {"length": len(text), "limit": MAX_TEXT_LENGTH, "value": shown(text)}
            )
        text = text.replace("\u00a0", "").removesuffix("%").strip()
        if not text:
            return None
        match = _NUMBER.match(text)
        if not match:
            raise NumberError(_("“%(value)s” không phải là số hợp lệ.") % {"value": shown(raw)})
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only valid numbers
            raise NumberError(_("“%(value)s” không phải là số hợp lệ.") % {"value": shown(raw)}) from error
    if not value.is_finite():
        raise NumberError(_("“%(value)s” không phải là số hữu hạn.") % {"value": shown(raw)})
    if abs(value) >= MAX_MAGNITUDE:
        raise NumberError(_("“%(value)s” quá lớn.") % {"value": shown(raw)})
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        normalized = value.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            raise NumberError(
                _("“%(value)s” có quá %(places)s chữ số thập phân.") % {"value": shown(raw), "places": places}
            )
        value = normalized
    return value


def parse_rank(raw: object) -> int | None:
    """A rank: a whole number from 1, or None for an empty cell."""
    message = _("Thứ hạng phải là số nguyên từ 1 trở lên (nhận được “%(value)s”).") % {"value": shown(raw)}
    try:
        value = parse_decimal(raw)
    except NumberError as error:
        raise NumberError(message) from error
    if value is None:
        return None
    if value != value.to_integral_value() or value < 1:
        raise NumberError(message)
    return int(value)


def format_number(value: Decimal | int | None, *, empty: str = "", grouped: bool = False) -> str:
    """A number as the Ministry publishes it: two decimals, rounded half up ("8,75", "90,00"); ranks and other
    whole numbers as they are. Decimal comma in Vietnamese, decimal point in English. `empty` for None.
    `grouped` separates the thousands of a whole number, for counts and limits in messages ("500.000" in
    Vietnamese, "500,000" in English); never for years, ranks or codes."""
    if value is None:
        return empty
    if isinstance(value, int):
        if not grouped:
            return str(value)
        text = f"{value:,}"
        return text if get_language() == "en" else text.replace(",", ".")
    text = f"{round_half_up(value):.2f}"
    return text if get_language() == "en" else text.replace(".", ",")
