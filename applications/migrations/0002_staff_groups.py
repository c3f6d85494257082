from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy: later permission changes come in later migrations.
OFFICERS = "经办人员"
EXPERTS = "评审专家"

OFFICER_PERMISSIONS = {
    "applications": [
        "view_application",
        "change_application",
        "view_applicationevent",
        "view_document",
        "view_documentaccess",
        "view_insuredperson",
        "view_disease",
        "change_disease",
        "add_disease",
        "view_diseasecategory",
        "change_diseasecategory",
        "add_diseasecategory",
        "view_hospital",
        "change_hospital",
        "add_hospital",
    ],
}
EXPERT_PERMISSIONS: dict[str, list[str]] = {
    "applications": ["view_disease", "view_hospital"],
}



def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((OFFICERS, OFFICER_PERMISSIONS), (EXPERTS, EXPERT_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in wanted.items():
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
