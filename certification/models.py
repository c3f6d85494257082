"""The benefit right once it takes effect: certifications, their history, and remote-care filings.

The tables were created by the `applications` app and keep their names (`db_table`); the models
moved here when certification became its own app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from applications.models import InsuranceType


class CertificationStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    REVIEW_DUE = "review_due", "待年度复核"
    LAPSED = "lapsed", "已失效（未复核）"
    REVOKED = "revoked", "已撤销"


LIVE_CERTIFICATION_STATUSES = [CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE]


class Certification(models.Model):
    """The benefit right of one person for one disease, with its electronic certificate (电子凭证)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Printed on the certificate and checked by anyone online: random, 100 bits.
    code = models.CharField("核验码", max_length=24, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certifications", verbose_name="持证人"
    )
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="certification", verbose_name="认定申请"
    )
    disease = models.ForeignKey("applications.Disease", on_delete=models.PROTECT, related_name="+", verbose_name="病种")
    insurance_type = models.CharField("参保类型", max_length=10, choices=InsuranceType.choices)
    status = models.CharField(
        "状态", max_length=12, choices=CertificationStatus.choices, default=CertificationStatus.ACTIVE, db_index=True
    )
    effective_on = models.DateField("认定生效日期")
    benefit_start_date = models.DateField("待遇起始日期")
    valid_until = models.DateField("有效期至")
    next_review_due = models.DateField("下次复核日期", db_index=True)
    reimbursement_ratio = models.DecimalField("报销比例", max_digits=4, decimal_places=2)
    annual_limit = models.PositiveIntegerField("年度支付限额(元)")
    status_reason = models.TextField("状态说明", blank=True)
    issued_at = models.DateTimeField("发证时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Retention: when, its period over after the benefit ended, its scans were deleted and its holder
    # anonymised (applications.retention).
    retention_done_at = models.DateTimeField("保存期满处理时间", null=True, blank=True)

    class Meta:
        db_table = "applications_certification"
        ordering = ["-issued_at"]
        verbose_name = "待遇认定（电子凭证）"
        verbose_name_plural = "待遇认定（电子凭证）"
        indexes = [models.Index(fields=["status", "next_review_due"], name="application_status_528d90_idx")]

    def __str__(self) -> str:
        return self.code


class CertificationEvent(models.Model):
    """One row per change of a certification (issue, annual review, lapse, revocation): its history."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作账户",
    )
    actor_label = models.CharField("操作者", max_length=50)
    from_status = models.CharField("原状态", max_length=12, choices=CertificationStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=CertificationStatus.choices)
    reason = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "待遇认定记录"
        verbose_name_plural = "待遇认定记录"
        indexes = [models.Index(fields=["certification", "at"], name="certification_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '发证'} → {self.get_to_status_display()}"


class RemoteFilingType(models.TextChoices):
    TEMPORARY = "temporary", "临时外出就医"
    LONG_TERM = "long_term", "异地长期居住"


class RemoteFilingStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    GRANTED = "granted", "已备案"
    REJECTED = "rejected", "未通过"


def remote_proof_upload_to(instance: RemoteFiling, filename: str) -> str:
    return f"remote-filings/{instance.holder_id}/{uuid.uuid4().hex}"


class RemoteFiling(models.Model):
    """异地备案: a certified person living elsewhere registers the place where they are treated."""

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="remote_filings", verbose_name="备案人"
    )
    type = models.CharField("备案类型", max_length=10, choices=RemoteFilingType.choices)
    place = models.CharField("就医地", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    proof = models.FileField("居住证明", upload_to=remote_proof_upload_to, max_length=200, blank=True)
    proof_name = models.CharField("证明原文件名", max_length=255, blank=True)
    proof_content_type = models.CharField(max_length=50, blank=True)
    status = models.CharField("状态", max_length=10, choices=RemoteFilingStatus.choices, db_index=True)
    decide_by = models.DateField("办结时限", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="经办人",
    )
    decision_reason = models.TextField("审核意见", blank=True)
    overdue_since = models.DateField("超期日期", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        db_table = "applications_remotefiling"
        ordering = ["-created_at"]
        verbose_name = "异地备案"
        verbose_name_plural = "异地备案"

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.place}"
