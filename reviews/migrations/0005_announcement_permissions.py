from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy: later permission changes come in later migrations.
OFFICERS = "经办人员"
OFFICER_PERMISSIONS = [
    "view_announcementbatch",
    "view_announcemententry",
    "view_objection",
    "change_objection",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICERS)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="reviews", codename__in=OFFICER_PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_announcement_certification")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
