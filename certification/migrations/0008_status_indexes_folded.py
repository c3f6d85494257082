"""The certification table's indexes by status folded into one, (status, next_review_due, id): the index of
the status alone, its varchar_pattern_ops twin on PostgreSQL and (status, next_review_due) were all
prefixes of it, and each was one more index entry for every row the annual-review sweep updates (a
million on a day when every certification is due).

On PostgreSQL the index exists already (0007 made it in plain SQL); the models' state takes it over
here, and the other databases get it now."""

from django.db import migrations, models

INDEX = models.Index(fields=["status", "next_review_due", "id"], name="certification_status_due_id")


def create_elsewhere(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(apps.get_model("certification", "Certification"), INDEX)


def drop_elsewhere(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(apps.get_model("certification", "Certification"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("certification", "0007_review_due_keyset_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="certification", index=INDEX)],
            database_operations=[migrations.RunPython(create_elsewhere, drop_elsewhere)],
        ),
        migrations.RemoveIndex(model_name="certification", name="application_status_528d90_idx"),
        migrations.AlterField(
            model_name="certification",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "有效"),
                    ("review_due", "待年度复核"),
                    ("lapsed", "已失效（未复核）"),
                    ("revoked", "已撤销"),
                    ("suspended", "暂停（参保状态暂停）"),
                    ("ended", "已终止"),
                ],
                default="active",
                max_length=12,
                verbose_name="状态",
            ),
        ),
    ]
