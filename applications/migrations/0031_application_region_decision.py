"""The statistics at a million applications read one table: each application records the applicant's
参保地 as the completeness check read it from the registry (`region_code`) and the time of the bureau's
newest decision (`decided_at`, stamped by `workflow.application_transition`). Both are filled in for the
cases already there, and on PostgreSQL the index on the submission time covers every column the
statistics count, so they are index-only scans of the period."""

from django.db import migrations, models

REGION = """
UPDATE applications_application SET region_code = COALESCE((
    SELECT person.region_code FROM applications_insuredperson person
    JOIN accounts_user applicant ON applicant.id_number_index = person.id_number_index
    WHERE applicant.id = applications_application.applicant_id AND applicant.id_number_index <> ''
), '')
WHERE submitted_at IS NOT NULL
"""
# workflow.DECISIONS as it stands in this migration.
DECIDED = """
UPDATE applications_application SET decided_at = (
    SELECT MAX(event.at) FROM applications_applicationevent event
    WHERE event.application_id = applications_application.id
      AND ((event.from_status = 'under_review' AND event.to_status IN ('approved', 'rejected', 'effective'))
           OR (event.from_status = 'submitted' AND event.to_status = 'effective'))
)
WHERE status IN ('approved', 'in_announcement', 'effective', 'rejected')
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS application_submitted ON applications_application (submitted_at) INCLUDE ({}) "
    "WHERE submitted_at IS NOT NULL"
)
COVERING = "channel, status, accepted_at, review_deadline, overdue_since, disease_id, region_code, decided_at"
FORWARDS = ["DROP INDEX IF EXISTS application_submitted", INDEX.format(COVERING), "ANALYZE applications_application"]
BACKWARDS = ["DROP INDEX IF EXISTS application_submitted", INDEX.format("channel, status, accepted_at")]


def postgresql(statements):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0030_reference_data_history"),
        ("accounts", "0010_export_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="region_code",
            field=models.CharField(blank=True, max_length=6, verbose_name="参保地区划代码"),
        ),
        migrations.AddField(
            model_name="application",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="决定时间"),
        ),
        migrations.RunSQL(REGION, migrations.RunSQL.noop),
        migrations.RunSQL(DECIDED, migrations.RunSQL.noop),
        migrations.RunPython(postgresql(FORWARDS), postgresql(BACKWARDS)),
    ]
