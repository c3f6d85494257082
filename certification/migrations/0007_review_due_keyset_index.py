"""The annual-review sweep at a million certifications (certification/jobs.py): the reminders are read
per due date in primary-key order from the last key read (`status = 'review_due' AND next_review_due = D
AND id > last ORDER BY id LIMIT n`), a range scan of this index; the (status, next_review_due) index
alone leaves every page to sort all the rows of that date again.
Plain SQL, kept out of the models' state like 0006: the other databases need none of it."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS certification_status_due_id ON {table} (status, next_review_due, id)"
DROP = "DROP INDEX IF EXISTS certification_status_due_id"


def postgresql(statement):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            table = apps.get_model("certification", "Certification")._meta.db_table
            schema_editor.execute(statement.format(table=table))

    return apply


class Migration(migrations.Migration):
    dependencies = [("certification", "0006_admin_list_indexes")]

    operations = [migrations.RunPython(postgresql(CREATE), postgresql(DROP))]
