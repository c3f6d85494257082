# The Notification model moves here from the applications app. Its table stays (db_table): this
# migration changes the migration state only; nothing is written to the database.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("applications", "0009_record_age_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40, verbose_name="类型")),
                        ("title", models.CharField(max_length=100, verbose_name="标题")),
                        ("body", models.TextField(verbose_name="内容")),
                        ("short_text", models.CharField(max_length=200, verbose_name="短信内容")),
                        ("dedupe_key", models.CharField(max_length=150)),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="已读时间")),
                        ("sms_status", models.CharField(choices=[("pending", "待发送"), ("sent", "已发送"), ("failed", "发送失败"), ("skipped", "无需发送")], default="pending", max_length=10)),
                        ("email_status", models.CharField(choices=[("pending", "待发送"), ("sent", "已发送"), ("failed", "发送失败"), ("skipped", "无需发送")], default="pending", max_length=10)),
                        ("delivery_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("application", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to="applications.application")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "通知",
                        "verbose_name_plural": "通知",
                        "db_table": "applications_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["sms_status", "created_at"], name="application_sms_sta_885c5f_idx"),
                            models.Index(fields=["email_status", "created_at"], name="application_email_s_95a276_idx"),
                        ],
                        "constraints": [models.UniqueConstraint(fields=("user", "dedupe_key"), name="unique_notification_per_event")],
                    },
                ),
            ],
        ),
    ]
