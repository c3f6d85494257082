# The content types (and so the permissions, the groups' grants and the admin log) of the moved models
# follow them to their new apps: existing databases and groups keep working. On a database where a
# later permission step already created the new content type, the grants are merged into it.

from django.db import migrations

MOVED = [
    # (model, app it left, app it joined)
    ("certification", "applications", "certification"),
    ("remotefiling", "applications", "certification"),
    ("notification", "applications", "notifications"),
]


def _move(apps, *, model, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    old = ContentType.objects.filter(app_label=source, model=model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=model).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    for permission in Permission.objects.filter(content_type=old):
        kept = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if kept is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(kept)
        for user in permission.user_set.all():
            user.user_permissions.add(kept)
        permission.delete()
    LogEntry.objects.filter(content_type=old).update(content_type=new)
    old.delete()


def forwards(apps, schema_editor):
    for model, source, target in MOVED:
        _move(apps, model=model, source=source, target=target)
    _clear_cache()


def backwards(apps, schema_editor):
    for model, source, target in MOVED:
        _move(apps, model=model, source=target, target=source)
    _clear_cache()


def _clear_cache():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0010_models_moved_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
