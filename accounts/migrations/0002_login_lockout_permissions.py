# Officers see failed logins and unlock a locked account (deleting its access attempt, django-axes).

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICERS = "经办人员"  # frozen copy of accounts.roles.OFFICERS
PERMISSIONS = ["view_accessattempt", "delete_accessattempt", "view_accessfailurelog", "view_accesslog"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICERS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("applications", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
