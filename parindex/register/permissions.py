"""Roles and what they may do (design.md, "Users and what they may do").

Roles are Django groups created by migration 0004: "editor", "approver", "leader", "admin". An editor writes
only the editions (and, when the assignment names one, the unit) assigned to them (EditorAssignment).
Superusers and the "admin" group may do everything. These functions are the only place views and services ask.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from parindex.register.models import Edition, EditorAssignment

EDITOR = "editor"
APPROVER = "approver"
LEADER = "leader"
ADMIN = "admin"
ROLES = (EDITOR, APPROVER, LEADER, ADMIN)

UserLike = User | AnonymousUser  # what request.user is


def _groups(user: UserLike) -> set[str]:
    """The user's role names, read once per user object (a view asks several questions)."""
    cached: set[str] | None = getattr(user, "_parindex_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._parindex_roles = cached  # type: ignore[union-attr]
    return cached


def is_admin(user: UserLike) -> bool:
    return bool(user.is_authenticated and (getattr(user, "is_superuser", False) or ADMIN in _groups(user)))


def can_view_drafts(user: UserLike) -> bool:
    """Drafts and self-assessments: leaders, approvers, editors and admins; never the public."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    return is_admin(user) or bool(_groups(user) & {EDITOR, APPROVER, LEADER})


def can_publish(user: UserLike) -> bool:
    """Publish, reopen and create editions: approvers and admins."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    return is_admin(user) or APPROVER in _groups(user)


def can_edit(user: UserLike, edition: Edition, unit: int | None = None) -> bool:
    """May `user` write scores in `edition` (for one unit id when given, else for at least one)?

    Says nothing about the edition's status: a published edition is refused by the services with a message.
    """
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    if is_admin(user):
        return True
    if EDITOR not in _groups(user):
        return False
    assignments = EditorAssignment.objects.filter(user_id=user.pk, edition_id=edition.pk)
    if unit is not None:
        assignments = assignments.filter(Q(unit__isnull=True) | Q(unit_id=unit))
    return assignments.exists()


def editable_units(user: UserLike, edition: Edition) -> set[int] | None:
    """The unit ids `user` may write in `edition`: None means all of them, an empty set none."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return set()
    if is_admin(user):
        return None
    if EDITOR not in _groups(user):
        return set()
    scopes = list(
        EditorAssignment.objects.filter(user_id=user.pk, edition_id=edition.pk).values_list(
            "unit_id", flat=True
        )
    )
    if any(scope is None for scope in scopes):
        return None
    return {scope for scope in scopes if scope is not None}
