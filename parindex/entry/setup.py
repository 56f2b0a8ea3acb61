"""Setting an edition up from the app: its criteria set, the maxima it still lacks, its editors.

`setup_context` gives the edition page (parindex.entry.views.edition_detail) what its setup section shows: every
member of staff reads it, approvers and admins get its forms (handled by parindex.entry.setup_views, written by
parindex.entry.setup_services). The other reads here serve those pages and the edition list."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from parindex.entry.setup_forms import EditorAssignForm, MethodologyForm
from parindex.entry.setup_services import person, scored_units, years_of
from parindex.register import permissions, rules
from parindex.register.models import Criterion, Edition, EditorAssignment, Methodology, Unit
from parindex.register.selectors import as_nodes, criteria_of, units_of


@dataclass(frozen=True)
class Contact:
    """Someone to ask: "Nguyễn Văn An (an.nv)" and an e-mail address when the account has one."""

    name: str
    email: str


def approvers_to_ask(*, admins_only: bool = False) -> list[Contact]:
    """Whom an editor asks for an assignment: active approvers and admins (superusers included); with
    `admins_only`, whom anyone asks for a maximum: the admins. By user name, one query."""
    roles = [permissions.ADMIN] if admins_only else [permissions.APPROVER, permissions.ADMIN]
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=roles))
        .distinct()
        .order_by("username")
    )
    return [Contact(person(user), user.email) for user in users]


def is_editor(user: permissions.UserLike) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name=permissions.EDITOR).exists())


def is_unassigned_editor(user: permissions.UserLike) -> bool:
    """An editor (not an approver or an admin) without an assignment in any edition: they can enter nothing."""
    if not user.is_authenticated or permissions.can_publish(user) or not is_editor(user):
        return False
    return not EditorAssignment.objects.filter(user_id=user.pk).exists()


@dataclass(frozen=True)
class AssignmentRow:
    pk: int
    who: str
    scope: str  # the unit's name, or "mọi đơn vị"


def assignments_of(edition: Edition) -> list[AssignmentRow]:
    """The edition's editor assignments, by user name then unit (one query)."""
    assignments = (
        EditorAssignment.objects.filter(edition=edition)
        .select_related("user", "unit")
        .order_by("user__username", "unit__code")
    )
    return [
        AssignmentRow(a.pk, person(a.user), a.unit.name if a.unit is not None else _("mọi đơn vị"))
        for a in assignments
    ]


def assignable_users() -> tuple[list[User], list[User]]:
    """Who may be assigned: active editors, then the other active users (assigning one of them gives them the
    editor role). Admins are left out: they may enter everything already (two queries)."""
    users = list(
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(groups__name=permissions.ADMIN)
        .prefetch_related("groups")
        .order_by("username")
    )
    editors = [u for u in users if any(g.name == permissions.EDITOR for g in u.groups.all())]
    chosen = {u.pk for u in editors}
    return editors, [u for u in users if u.pk not in chosen]


def edition_units(edition: Edition) -> list[Unit]:
    """The units an edition measures, by code: the units an editor may be assigned (one query)."""
    return list(units_of(edition).order_by("code", "name"))


@dataclass(frozen=True)
class SetChoice:
    """A criteria set of the edition's index, as the form to choose one lists it."""

    methodology: Methodology
    criteria: int
    fits: bool  # covers the edition's year

    @property
    def label(self) -> str:
        parts = [years_of(self.methodology)]
        if self.methodology.is_demo:
            parts.append(_("minh họa"))
        if not self.criteria:
            parts.append(_("chưa có tiêu chí"))
        return f"{self.methodology.code} ({', '.join(parts)})"


def set_choices(edition: Edition) -> list[SetChoice]:
    """The criteria sets of the edition's index, each with its number of criteria (one query)."""
    sets = (
        Methodology.objects.filter(index_id=edition.index_id)
        .annotate(criteria_count=Count("criteria"))
        .order_by("year_from", "code")
    )
    return [SetChoice(m, m.criteria_count, m.covers(edition.year)) for m in sets]


def methodology_form(
    edition: Edition, sets: list[SetChoice], data: object = None, *, chosen: int | None = None
) -> MethodologyForm:
    """The form to choose the edition's set among `sets`, on the edition's set or on `chosen`."""
    return MethodologyForm(
        data,
        choices=[(choice.methodology.pk, choice.label) for choice in sets],
        current=edition.methodology_id,
        chosen=chosen,
    )


def assign_form(edition: Edition, data: object = None) -> EditorAssignForm:
    editors, others = assignable_users()
    return EditorAssignForm(data, editors=editors, others=others, units=edition_units(edition))


@dataclass(frozen=True)
class SetupSection:
    """What the setup section of the edition page shows (templates/parindex/_edition_setup.html)."""

    methodology: Methodology | None
    years: str  # the years the edition's set applies to
    criteria: int
    unknown: list[Criterion]  # criteria points are entered on whose maximum is still unknown
    scored_units: int  # units with scores on the edition's set
    sets: list[SetChoice]
    assignments: list[AssignmentRow]
    can_manage: bool  # approvers and admins: choose the set, add a year, assign editors
    can_set_maxima: bool  # admins
    ask: list[Contact]  # for an editor not assigned to this edition: whom to ask

    @property
    def unfit_sets(self) -> list[SetChoice]:
        """Sets of the index that do not cover the edition's year (a year may be added to them)."""
        return [choice for choice in self.sets if not choice.fits]

    @property
    def unknown_labels(self) -> str:
        return ", ".join(c.label for c in self.unknown)


def unknown_maxima(criteria: list[Criterion]) -> list[Criterion]:
    """The criteria points are entered on (the leaves) whose maximum is unknown: no points can be entered on
    them until an admin enters it."""
    leaves = {node.code for node in rules.leaves(as_nodes(criteria))}
    return [c for c in criteria if c.code in leaves and c.max_points is None]


def setup_context(request: HttpRequest, edition: Edition) -> dict[str, object]:
    """The context of templates/parindex/_edition_setup.html for `edition` as `request.user` may see it: the
    criteria set and its unknown maxima, the sets to choose from, the editors; forms for approvers and admins.
    A fixed number of queries (about ten), whatever the number of units, sets or assignments."""
    user = request.user
    methodology = edition.methodology if edition.methodology_id else None
    criteria = criteria_of(methodology.pk) if methodology is not None else []
    can_manage = permissions.can_publish(user)
    sets = set_choices(edition)
    ask: list[Contact] = []
    if not can_manage and is_editor(user) and not permissions.can_edit(user, edition):
        ask = approvers_to_ask()
    section = SetupSection(
        methodology=methodology,
        years=years_of(methodology) if methodology is not None else "",
        criteria=len(criteria),
        unknown=unknown_maxima(criteria),
        scored_units=scored_units(edition, methodology.pk if methodology is not None else None),
        sets=sets,
        assignments=assignments_of(edition),
        can_manage=can_manage,
        can_set_maxima=permissions.is_admin(user),
        ask=ask,
    )
    context: dict[str, object] = {"setup": section}
    if can_manage:
        context["methodology_form"] = methodology_form(edition, sets)
        context["assign_form"] = assign_form(edition)
    return context
