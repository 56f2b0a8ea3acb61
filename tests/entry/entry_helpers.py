"""Helpers shared by the entry tests: users with roles, a draft edition with known maxima, grid POST data."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group, User

from parindex.entry.services import editor_assign, par_index
from parindex.register.models import (
    PAR_INDEX,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    Index,
    Methodology,
    Unit,
)

PASSWORD = "mat-khau-thu-nghiem-2025"
# Maxima of QĐ 2948/QĐ-BNV (published); a test methodology with them covers 2025, the first 34-unit year.
MAXIMA = (
    Decimal("10"),
    Decimal("10"),
    Decimal("14.5"),
    Decimal("11"),
    Decimal("16"),
    Decimal("7"),
    Decimal("16"),
    Decimal("15.5"),
)
YEAR = 2025  # the first 34-unit year; the test methodology covers 2024 and 2025


def make_user(username: str, *roles: str, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_superuser=superuser)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])  # a flushed database has no groups
    return user


def entry_methodology() -> Methodology:
    methodology, _ = Methodology.objects.get_or_create(
        index=par_index(),
        code="TEST-ENTRY",
        defaults={"title": "Bộ tiêu chí thử nghiệm", "year_from": 2024, "year_until": 2025, "is_demo": True},
    )
    for number, maximum in enumerate(MAXIMA, start=1):
        Criterion.objects.get_or_create(
            parent=None,
            methodology=methodology,
            number=number,
            defaults={
                "name_vi": f"Lĩnh vực {number}",
                "max_points": maximum,
                "max_points_status": "provisional",
            },
        )
    return methodology


def draft_edition(year: int = YEAR, kind: str = EditionKind.SELF) -> Edition:
    return Edition.objects.create(
        index=par_index(), year=year, kind=kind, status=EditionStatus.DRAFT, methodology=entry_methodology()
    )


def units(year: int = YEAR) -> list[Unit]:
    return list(Unit.objects.valid_in_year(year).order_by("code"))


def full_points() -> dict[str, Decimal]:
    """A complete row: 80% of every maximum."""
    return {str(n): (m * Decimal("0.8")).quantize(Decimal("0.01")) for n, m in enumerate(MAXIMA, start=1)}


def assign(user: User, edition: Edition, unit: Unit | None = None) -> None:
    editor_assign(user=user, edition=edition, unit=unit)


def ensure_par_index() -> Index:
    """The PAR INDEX row, also in a database a transactional test flushed (migrations create it, the flush of
    an earlier transactional test removes it)."""
    index, _created = Index.objects.get_or_create(
        code=PAR_INDEX,
        defaults={
            "short_name": "PAR INDEX",
            "name_vi": "Chỉ số cải cách hành chính",
            "unit_level": "province",
        },
    )
    return index
