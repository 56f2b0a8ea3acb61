"""The four roles as Django groups (see parindex.register.permissions): editor, approver, leader, admin."""

from django.db import migrations

ROLES = ("editor", "approver", "leader", "admin")


def forward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def backward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("parindex", "0003_entry_assignments_events"),
    ]

    operations = [migrations.RunPython(forward, backward)]
