from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy: later permission changes come in later migrations.
OFFICERS = "经办人员"
EXPERTS = "评审专家"
OFFICER_PERMISSIONS = [
    "view_reviewassignment",
    "change_reviewassignment",
    "add_reviewassignment",
    "view_expertprofile",
    "change_expertprofile",
    "add_expertprofile",
    "view_clocksuspension",
    "view_calendaryear",
    "change_calendaryear",
    "add_calendaryear",
    "view_calendarday",
    "change_calendarday",
    "add_calendarday",
]
EXPERT_PERMISSIONS = ["view_reviewassignment", "change_reviewassignment", "view_clocksuspension"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((OFFICERS, OFFICER_PERMISSIONS), (EXPERTS, EXPERT_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="reviews", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_expert_review"), ("applications", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
