"""The entry app, and the wiring of the "admin" role to Django's admin site.

The README promises that admins manage accounts and criteria sets in the admin. Two signal handlers keep that
true without a data migration (permissions only exist once post_migrate has created them):

- after each app's post_migrate, the "admin" group gets every permission of our apps' models, of auth's users
  and groups, and the view/delete permissions of django-axes' lockouts (deleting an access attempt unlocks an
  account); idempotent;
- a user put into the "admin" group becomes staff (can open the admin); taken out, stops being staff unless a
  superuser. Other groups leave `is_staff` alone.

This module is imported while the app registry is still loading, so it imports no model: the handlers read
models through the registry (`apps.get_model`) when they run.
"""

from __future__ import annotations

from typing import Any

from axes import apps as axes_apps
from django.apps import AppConfig
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_migrate
from django.utils.translation import gettext_lazy as _

ADMIN_GROUP = "admin"  # parindex.register.permissions.ADMIN (not imported here: it imports the models)
# Every permission of these apps' models (the register's label is "parindex").
OUR_APP_LABELS = frozenset({"parindex", "entry", "transfer", "scoring", "dashboards"})
# And these of other apps: (app label, model) -> permission actions.
OTHER_PERMISSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("auth", "user"): ("add", "change", "delete", "view"),
    ("auth", "group"): ("add", "change", "delete", "view"),
    ("axes", "accessattempt"): ("view", "delete"),
    ("axes", "accesslog"): ("view",),
    ("axes", "accessfailurelog"): ("view",),
}


class EntryConfig(AppConfig):
    """Data entry: the year grid, publishing, the audit trail and the admin (writers over the register)."""

    name = "parindex.entry"
    label = "entry"
    verbose_name = _("Nhập liệu")
    default = True  # this module also holds AxesConfig

    def ready(self) -> None:
        post_migrate.connect(admin_group_permissions, dispatch_uid="parindex.admin_group_permissions")
        m2m_changed.connect(
            staff_follows_admin_group,
            sender=get_user_model().groups.through,
            dispatch_uid="parindex.staff_follows_admin_group",
        )


class AxesConfig(axes_apps.AppConfig):  # type: ignore[misc]  # axes ships no type hints
    """django-axes under a Vietnamese name in the admin (its own config has none: "AXES" was shown)."""

    default = False
    verbose_name = _("Khóa đăng nhập")


def admin_group_permissions(
    sender: AppConfig, apps: Any = global_apps, using: str = "default", **kwargs: Any
) -> None:
    """post_migrate of one app: give the "admin" group the permissions of that app's models it should have
    (create_permissions, connected before this by django.contrib.auth, has just created them). Idempotent."""
    label = sender.label
    if label not in OUR_APP_LABELS and label not in {app for app, _model in OTHER_PERMISSIONS}:
        return
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:  # a migration plan without auth
        return
    permissions = permission_model.objects.using(using).filter(content_type__app_label=label)
    if label not in OUR_APP_LABELS:
        wanted = Q(pk__in=[])
        for (app, model), actions in OTHER_PERMISSIONS.items():
            if app == label:
                wanted |= Q(content_type__model=model, codename__in=[f"{a}_{model}" for a in actions])
        permissions = permissions.filter(wanted)
    group, _created = group_model.objects.using(using).get_or_create(name=ADMIN_GROUP)
    group.permissions.add(*permissions)
    if label == "auth":
        # Members from before this rule (or added by a data load that sent no signal) are staff too.
        user_model = apps.get_model(*_user_model_label())
        user_model.objects.using(using).filter(groups__name=ADMIN_GROUP, is_staff=False).update(is_staff=True)


def _user_model_label() -> tuple[str, str]:
    model = get_user_model()
    return model._meta.app_label, model._meta.object_name or "User"


def staff_follows_admin_group(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """m2m_changed of User.groups, from either side: the users whose "admin" membership changed become staff,
    or stop being staff unless superusers."""
    group_model = global_apps.get_model("auth", "Group")
    user_model = get_user_model()
    if reverse:  # group.user_set.add(...): instance is the group, pk_set the users
        if instance.name != ADMIN_GROUP:
            return
        if action == "pre_clear":
            instance._parindex_cleared = list(instance.user_set.values_list("pk", flat=True))
            return
        users = getattr(instance, "_parindex_cleared", []) if action == "post_clear" else list(pk_set or ())
    else:  # user.groups.add(...): instance is the user, pk_set the groups
        if action == "pre_clear":
            instance._parindex_was_admin = instance.groups.filter(name=ADMIN_GROUP).exists()
            return
        if action == "post_clear":
            involved = getattr(instance, "_parindex_was_admin", False)
        else:
            involved = bool(pk_set) and group_model.objects.filter(pk__in=pk_set, name=ADMIN_GROUP).exists()
        if not involved:
            return
        users = [instance.pk]
    if action not in ("post_add", "post_remove", "post_clear") or not users:
        return
    chosen = user_model.objects.filter(pk__in=users)
    chosen.filter(Q(is_superuser=True) | Q(groups__name=ADMIN_GROUP)).update(is_staff=True)
    chosen.filter(is_superuser=False).exclude(groups__name=ADMIN_GROUP).update(is_staff=False)
    if not reverse:  # the caller's object, so that a later save() keeps it
        instance.is_staff = (
            user_model.objects.filter(pk=instance.pk).values_list("is_staff", flat=True).first()
        )
