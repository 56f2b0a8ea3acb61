"""The English catalogue and the language switch.

The msgids are the Vietnamese texts; locale/en/LC_MESSAGES/django.po translates every one of them, and the
compiled django.mo is committed (the machines that run the app may have no gettext), so it must be compiled from
the .po as it stands. Vietnamese is the default; English only after the user chooses it (parindex.middleware).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

HOME = reverse("home")
LOGIN = reverse("login")

# Texts of templates/dashboards/home.html, templates/registration/login.html and templates/base.html.
HOME_VI = ["Bảng xếp hạng Chỉ số cải cách hành chính cấp tỉnh", "Thay đổi hạng", "Tỉnh, thành phố"]
HOME_EN = [
    "Provincial Public Administration Reform Index (PAR INDEX) rankings",
    "Rank change",
    "Province/city",
]
LOGIN_VI = ["Tên đăng nhập", "Mật khẩu", "Đăng nhập"]
LOGIN_EN = ["Username", "Password", "Log in"]

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$')
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sdif]")
_LONE_PERCENT = re.compile(r"%(?!\(\w+\)[sdif]|[sdif])")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""); obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr.extend([""] * (target[1] + 1 - len(entry.msgstr)))
            else:
                target = (keyword, 0)
                setattr(entry, keyword, "")
            line = f'"{text}"'
        assert target is not None and line.startswith('"'), f"{path}:{number}: cannot read {line!r}"
        text = _unescape(line[1:-1])
        if target[0] == "msgstr":
            entry.msgstr[target[1]] += text
        else:
            setattr(entry, target[0], getattr(entry, target[0]) + text)
    return entries


def _header_and_entries() -> tuple[Entry, list[Entry]]:
    entries = read_po(PO)
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "the catalogue needs exactly one header entry"
    return headers[0], [e for e in entries if e is not headers[0]]


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


def test_the_catalogue_header_is_english_with_two_plural_forms():
    header, entries = _header_and_entries()
    text = header.msgstr[0]
    assert "Language: en\n" in text
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "fuzzy" not in header.flags
    assert len(entries) > 300  # the catalogue was generated from the code, not started empty


def test_every_entry_is_translated_and_none_is_fuzzy():
    _header, entries = _header_and_entries()
    fuzzy = [_where(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        _where(e)
        for e in entries
        if not e.msgstr or not all(e.msgstr) or len(e.msgstr) != (1 if e.msgid_plural is None else 2)
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_translations_keep_placeholders_and_surrounding_whitespace():
    _header, entries = _header_and_entries()
    wrong = []
    for entry in entries:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        expected = sorted(_PLACEHOLDER.findall(sources[-1]))
        for index, text in enumerate(entry.msgstr):
            found = sorted(_PLACEHOLDER.findall(text))
            # The singular form of a plural entry may leave the count out ("One row"); nothing else may.
            if found != expected and not (index < len(entry.msgstr) - 1 and set(found) <= set(expected)):
                wrong.append(f"{_where(entry)}: placeholders of {text!r}")
            for source in sources:
                if text and (source[:1].isspace(), source[-1:].isspace()) != (
                    text[:1].isspace(),
                    text[-1:].isspace(),
                ):
                    wrong.append(f"{_where(entry)}: leading/trailing whitespace of {text!r}")
            if "python-format" in entry.flags and _LONE_PERCENT.search(text.replace("%%", "")):
                wrong.append(f"{_where(entry)}: a lone % in {text!r} (write %%)")
    assert not wrong, "\n".join(wrong)


def test_language_names_stay_in_their_own_language():
    _header, entries = _header_and_entries()
    translated = {e.msgid: e.msgstr[0] for e in entries if e.msgid_plural is None and e.msgstr}
    assert translated["Tiếng Việt"] == "Tiếng Việt"
    assert translated["English"] == "English"


def test_the_committed_mo_holds_exactly_the_po_translations():
    """Pure Python, so it runs without gettext: a .mo compiled before the last edit of the .po fails."""
    _header, entries = _header_and_entries()
    expected: dict[object, str] = {}
    for entry in entries:
        if "fuzzy" in entry.flags or not entry.msgstr or not all(entry.msgstr):
            continue  # msgfmt leaves them out; the test above reports them
        if entry.msgid_plural is None:
            expected[entry.key()] = entry.msgstr[0]
        else:
            expected |= {(entry.key(), index): text for index, text in enumerate(entry.msgstr)}
    with MO.open("rb") as stream:
        translations = gettext.GNUTranslations(stream)
    assert translations.info()["language"] == "en"
    assert (translations.plural(1), translations.plural(2)) == (0, 1)  # type: ignore[attr-defined]
    # The header is left out: msgfmt rewrites it (newer versions drop POT-Creation-Date).
    compiled = {key: text for key, text in translations._catalog.items() if key != ""}  # type: ignore[attr-defined]
    stale = {key for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)}
    assert not stale, (
        f"django.mo is stale ({len(stale)} entries differ, e.g. {sorted(map(str, stale))[:5]}): "
        "run `make messages` (compilemessages -l en) and commit django.mo"
    )


@pytest.mark.django_db
def test_pages_are_vietnamese_by_default(client):
    home = client.get(HOME)
    assert home.status_code == 200
    html = home.content.decode()
    assert '<html lang="vi">' in html
    assert all(text in html for text in HOME_VI)
    assert not any(text in html for text in HOME_EN)
    assert home["Content-Language"] == "vi"

    login = client.get(LOGIN).content.decode()
    assert '<html lang="vi">' in login
    assert all(text in login for text in LOGIN_VI)
    assert not any(text in login for text in LOGIN_EN)


@pytest.mark.django_db
def test_choosing_english_translates_the_home_and_login_pages(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    home = client.get(HOME)
    assert home.status_code == 200
    html = home.content.decode()
    assert '<html lang="en">' in html
    assert all(text in html for text in HOME_EN)
    assert not any(text in html for text in HOME_VI)
    assert home["Content-Language"] == "en"

    login = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in login
    assert all(text in login for text in LOGIN_EN)
    assert not any(text in login for text in LOGIN_VI)
