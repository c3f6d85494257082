# Certification and RemoteFiling now belong to the certification app, Notification to the
# notifications app (their 0001 migrations). Here the applications app lets go of them: the foreign
# key to the certification follows it, and the models leave this app's state. No table changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0009_record_age_bounds"),
        ("certification", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="reviewed_certification",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="annual_reviews", to="certification.certification", verbose_name="复核的待遇认定"),
                ),
                migrations.DeleteModel(name="Certification"),
                migrations.DeleteModel(name="RemoteFiling"),
                migrations.DeleteModel(name="Notification"),
            ],
        ),
    ]
