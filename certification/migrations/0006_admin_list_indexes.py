"""The officers' lists at a million rows (config/admin_paginator.py), on PostgreSQL: each list's default
order served by an index (certifications newest first, remote-care filings newest first, the platform
outbox oldest first), and the searches by verification code and message id (`=code` is
UPPER(code::text) = UPPER(term)).
Plain SQL, kept out of the models' state like applications 0028: the other databases need none of it."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS certification_issued ON applications_certification (issued_at, id)",
    "CREATE INDEX IF NOT EXISTS certification_code_upper ON applications_certification (UPPER(code::text))",
    "CREATE INDEX IF NOT EXISTS remote_filing_created ON {remote} (created_at, id)",
    "CREATE INDEX IF NOT EXISTS platform_message_created ON {platform} (created_at, id)",
    "CREATE INDEX IF NOT EXISTS platform_message_msgid_upper ON {platform} (UPPER(msgid::text))",
]
DROP = [
    "DROP INDEX IF EXISTS platform_message_msgid_upper",
    "DROP INDEX IF EXISTS platform_message_created",
    "DROP INDEX IF EXISTS remote_filing_created",
    "DROP INDEX IF EXISTS certification_code_upper",
    "DROP INDEX IF EXISTS certification_issued",
]


def postgresql(statements):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            tables = {
                "remote": apps.get_model("certification", "RemoteFiling")._meta.db_table,
                "platform": apps.get_model("certification", "PlatformMessage")._meta.db_table,
            }
            for statement in statements:
                schema_editor.execute(statement.format(**tables))

    return apply


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_verbose_names")]

    operations = [migrations.RunPython(postgresql(CREATE), postgresql(DROP))]
