# The Certification and RemoteFiling models move here from the applications app. Their tables stay
# (db_table): this migration changes the migration state only; nothing is written to the database.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

import certification.models


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
                    name="Certification",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("code", models.CharField(max_length=24, unique=True, verbose_name="核验码")),
                        ("insurance_type", models.CharField(choices=[("employee", "职工医保"), ("resident", "居民医保"), ("flexible", "灵活就业")], max_length=10, verbose_name="参保类型")),
                        ("status", models.CharField(choices=[("active", "有效"), ("review_due", "待年度复核"), ("lapsed", "已失效（未复核）"), ("revoked", "已撤销")], db_index=True, default="active", max_length=12, verbose_name="状态")),
                        ("effective_on", models.DateField(verbose_name="认定生效日期")),
                        ("benefit_start_date", models.DateField(verbose_name="待遇起始日期")),
                        ("valid_until", models.DateField(verbose_name="有效期至")),
                        ("next_review_due", models.DateField(db_index=True, verbose_name="下次复核日期")),
                        ("reimbursement_ratio", models.DecimalField(decimal_places=2, max_digits=4, verbose_name="报销比例")),
                        ("annual_limit", models.PositiveIntegerField(verbose_name="年度支付限额(元)")),
                        ("status_reason", models.TextField(blank=True, verbose_name="状态说明")),
                        ("issued_at", models.DateTimeField(auto_now_add=True, verbose_name="发证时间")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        ("application", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="certification", to="applications.application", verbose_name="认定申请")),
                        ("disease", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="applications.disease", verbose_name="病种")),
                        ("holder", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="certifications", to=settings.AUTH_USER_MODEL, verbose_name="持证人")),
                    ],
                    options={
                        "verbose_name": "待遇认定（电子凭证）",
                        "verbose_name_plural": "待遇认定（电子凭证）",
                        "db_table": "applications_certification",
                        "ordering": ["-issued_at"],
                        "indexes": [models.Index(fields=["status", "next_review_due"], name="application_status_528d90_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="RemoteFiling",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("type", models.CharField(choices=[("temporary", "临时外出就医"), ("long_term", "异地长期居住")], max_length=10, verbose_name="备案类型")),
                        ("place", models.CharField(max_length=100, verbose_name="就医地")),
                        ("start_date", models.DateField(verbose_name="开始日期")),
                        ("end_date", models.DateField(blank=True, null=True, verbose_name="结束日期")),
                        ("proof", models.FileField(blank=True, max_length=200, upload_to=certification.models.remote_proof_upload_to, verbose_name="居住证明")),
                        ("proof_name", models.CharField(blank=True, max_length=255, verbose_name="证明原文件名")),
                        ("proof_content_type", models.CharField(blank=True, max_length=50)),
                        ("status", models.CharField(choices=[("pending", "待审核"), ("granted", "已备案"), ("rejected", "未通过")], db_index=True, max_length=10, verbose_name="状态")),
                        ("decide_by", models.DateField(blank=True, null=True, verbose_name="办结时限")),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="办结时间")),
                        ("decision_reason", models.TextField(blank=True, verbose_name="审核意见")),
                        ("overdue_since", models.DateField(blank=True, null=True, verbose_name="超期日期")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="申请时间")),
                        ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="经办人")),
                        ("holder", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="remote_filings", to=settings.AUTH_USER_MODEL, verbose_name="备案人")),
                    ],
                    options={
                        "verbose_name": "异地备案",
                        "verbose_name_plural": "异地备案",
                        "db_table": "applications_remotefiling",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
        ),
    ]
