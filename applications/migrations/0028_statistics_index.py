"""The officers' statistics at a million applications (reviews/statistics.py, bench/stats_endpoint.py),
on PostgreSQL: an index on the submission time that covers the columns the statistics count (an
index-only scan of the period), and statistics on the month the query groups by, without which the
planner expects one group per row and will not aggregate in parallel. Other databases need neither."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS application_submitted ON applications_application (submitted_at) "
    "INCLUDE (channel, status, accepted_at) WHERE submitted_at IS NOT NULL",
    # The expression exactly as TruncMonth("submitted_at") writes it with TIME_ZONE = Asia/Shanghai.
    "CREATE STATISTICS IF NOT EXISTS application_submitted_month "
    "ON (date_trunc('month', submitted_at AT TIME ZONE 'Asia/Shanghai')), channel, status "
    "FROM applications_application",
    "ANALYZE applications_application",
]
DROP = [
    "DROP STATISTICS IF EXISTS application_submitted_month",
    "DROP INDEX IF EXISTS application_submitted",
]


def run(statements):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("applications", "0027_person_search")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
