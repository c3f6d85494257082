from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy: later permission changes come in later migrations.
OFFICERS = "经办人员"


def grant(apps, schema_editor):
    """Officers see family links at the help desk and may delete one (a member's request at a window)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=OFFICERS)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_familylink", "delete_familylink"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_family_links"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
