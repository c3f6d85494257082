"""The benefit right once it takes effect: certifications, their history, and remote-care filings.

The tables were created by the `applications` app and keep their names (`db_table`); the models
moved here when certification became its own app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from applications.models import InsuranceType
from config.fields import EncryptedJSONField


class CertificationStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    REVIEW_DUE = "review_due", "待年度复核"
    LAPSED = "lapsed", "已失效（未复核）"
    REVOKED = "revoked", "已撤销"
    SUSPENDED = "suspended", "暂停（参保状态暂停）"
    ENDED = "ended", "已终止"


class EndReason(models.TextChoices):
    """Why a benefit ended: the holder's own choice, or an officer's finding."""

    CURED = "cured", "已治愈"
    VOLUNTARY = "voluntary", "本人申请退出"
    DEATH = "death", "死亡"
    INSURANCE_ENDED = "insurance_ended", "参保关系终止"
    FRAUD = "fraud", "骗取待遇"
    PERIOD_OVER = "period_over", "待遇期满"


HOLDER_END_REASONS = [EndReason.CURED, EndReason.VOLUNTARY]
OFFICER_END_REASONS = [EndReason.DEATH, EndReason.INSURANCE_ENDED, EndReason.FRAUD]


class PlatformStatus(models.TextChoices):
    """Where the certification stands on the medical-insurance information platform (医保信息平台)."""

    PENDING = "pending", "待登记"
    REGISTERED = "registered", "已登记"
    FAILED = "failed", "登记失败"
    CANCELLED = "cancelled", "已撤销登记"


LIVE_CERTIFICATION_STATUSES = [CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE]
ENDED_CERTIFICATION_STATUSES = [CertificationStatus.LAPSED, CertificationStatus.REVOKED, CertificationStatus.ENDED]


class Certification(models.Model):
    """The benefit right of one person for one disease, with its electronic certificate (电子凭证)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name="编号")
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
        "状态", max_length=12, choices=CertificationStatus.choices, default=CertificationStatus.ACTIVE
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
    # The benefit period (the disease's `benefit_months` from the day it took effect): ended after it.
    benefit_ends_on = models.DateField("待遇期满日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=20, choices=EndReason.choices, blank=True)
    platform_status = models.CharField(
        "医保平台登记", max_length=12, choices=PlatformStatus.choices, default=PlatformStatus.PENDING
    )
    # The platform's number of the registration (2503's output.trt_dcla_detl_sn), for its cancellation.
    platform_registration_sn = models.CharField("平台登记流水号", max_length=50, blank=True)

    class Meta:
        db_table = "applications_certification"
        ordering = ["-issued_at"]
        verbose_name = "待遇认定（电子凭证）"
        verbose_name_plural = "待遇认定（电子凭证）"
        # (status, next_review_due, id) serves every read by status, by status and due date, and the annual
        # review's keyset pages: an index of the status alone, its pattern twin and (status, next_review_due)
        # were three more for every row the sweep updates (migration 0008).
        indexes = [models.Index(fields=["status", "next_review_due", "id"], name="certification_status_due_id")]

    def __str__(self) -> str:
        return self.code


class CertificationEvent(models.Model):
    """One row per change of a certification (issue, annual review, lapse, revocation): its history."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="events", verbose_name="待遇认定"
    )
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
    proof_content_type = models.CharField(max_length=50, blank=True, verbose_name="证明文件类型")
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


class DesignatedPoint(models.Model):
    """One of the 1–3 designated institutions (定点医疗机构) where the holder is treated under the benefit,
    in the holder's order, for a period: a change ends the old rows the day it takes effect."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="designated_points", verbose_name="待遇认定"
    )
    hospital = models.ForeignKey(
        "applications.Hospital", on_delete=models.PROTECT, related_name="+", verbose_name="定点医疗机构"
    )
    order = models.PositiveSmallIntegerField("顺序")
    # Who chose this set: at issue (from the application), the holder's yearly change, an officer.
    source = models.CharField(
        "选定方式",
        max_length=10,
        choices=[("issue", "申请时选定"), ("holder", "本人变更"), ("officer", "经办人员变更")],
    )
    begins_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["certification", "begins_on", "order"]
        verbose_name = "定点医疗机构"
        verbose_name_plural = "定点医疗机构"
        indexes = [models.Index(fields=["certification", "ends_on"], name="designated_point_current_idx")]

    def __str__(self) -> str:
        return f"{self.order}. {self.hospital.name}"


class PlatformMessageStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已成功"
    REFUSED = "refused", "平台拒绝"
    DEAD = "dead", "多次失败已停止"


class PlatformMessage(models.Model):
    """The transactional outbox to the medical-insurance information platform: written in the same
    transaction as the certification change it reports, sent afterwards by the dispatcher in order per
    person, retried with the same `msgid` until the platform answers or the attempts run out."""

    msgid = models.CharField("报文ID", max_length=30, unique=True)
    infno = models.CharField("交易编号", max_length=10)
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="platform_messages", verbose_name="待遇认定"
    )
    # Messages of one person go in order: a later one waits while an earlier one is unsent.
    person_key = models.CharField("人员", max_length=64, db_index=True)
    # input.data as sent (ID number and phone inside: stored encrypted); 2504 adds the registration number
    # when it is sent, after the 2503 before it succeeded.
    data = EncryptedJSONField("报文内容（input.data）")
    status = models.CharField(
        "状态",
        max_length=10,
        choices=PlatformMessageStatus.choices,
        default=PlatformMessageStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name="发送占用至")
    last_error = models.TextField("最近错误", blank=True)
    output = EncryptedJSONField("平台返回（output）", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("成功时间", null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "医保平台报文"
        verbose_name_plural = "医保平台报文"

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid}"
