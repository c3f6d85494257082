"""Messages to people: always in the app, also by SMS and e-mail where configured.

SMS and e-mail carry no disease or diagnosis: they only say there is news and where to look. The
texts of every kind are in `catalogue.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无需发送"


class NotificationKind(models.TextChoices):
    # to applicants and holders
    NEEDS_SUPPLEMENT = "needs_supplement", "需补正材料"
    ACCEPTED = "accepted", "已受理"
    SUPPLEMENT_REQUESTED = "supplement_requested", "专家要求补充材料"
    APPROVED = "approved", "评审通过"
    REJECTED = "rejected", "评审未通过"
    ANNOUNCED = "announced", "进入公示"
    OBJECTION_UPHELD = "objection_upheld", "公示异议成立"
    EFFECTIVE = "effective", "待遇生效"
    ANNUAL_REVIEW_REMINDER = "annual_review_reminder", "年度复核提醒"
    ANNUAL_REVIEW_PASSED = "annual_review_passed", "年度复核通过"
    CERTIFICATION_LAPSED = "certification_lapsed", "待遇暂停"
    CERTIFICATION_REVOKED = "certification_revoked", "待遇认定撤销"
    REMOTE_FILING_DECIDED = "remote_filing_decided", "异地备案结果"
    DRAFT_EXPIRING = "draft_expiring", "草稿即将删除"
    CERTIFICATION_SUSPENDED = "certification_suspended", "待遇暂停（参保状态）"
    CERTIFICATION_RESTORED = "certification_restored", "待遇恢复"
    CERTIFICATION_ENDED = "certification_ended", "待遇终止"
    DESIGNATED_POINTS_CHANGED = "designated_points_changed", "定点医疗机构变更"
    # to experts
    ASSIGNED = "assigned", "新评审案件"
    ESCALATION_ASSIGNED = "escalation_assigned", "意见分歧复核案件"
    SLA_REMINDER = "sla_reminder", "评审即将到期"
    SLA_OVERDUE = "sla_overdue", "评审已超期"
    OFFICER_REMINDER = "officer_reminder", "经办人员催办"
    # to officers
    UNASSIGNED = "unassigned", "缺少可分派专家"
    SPLIT = "split", "专家意见分歧待裁决"
    SLA_OVERDUE_OFFICERS = "sla_overdue_officers", "评审超期督办"
    OBJECTION = "objection", "公示异议待处理"
    REMOTE_FILING = "remote_filing", "异地备案待审核"
    REMOTE_FILING_OVERDUE = "remote_filing_overdue", "异地备案审核超期"
    CHECK_STUCK = "check_stuck", "完整性检查多次未完成"
    PLATFORM_FAILED = "platform_failed", "医保平台报文发送失败"
    PLATFORM_MISMATCH = "platform_mismatch", "医保平台登记核对不一致"
    REGISTRY_AFFECTED = "registry_affected", "参保状态变更影响待遇"


class Notification(models.Model):
    """A message to one person about one event, recorded once (`dedupe_key`) and delivered by a task."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="接收人"
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="申请",
    )
    kind = models.CharField("类型", max_length=40, choices=NotificationKind.choices)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容")
    short_text = models.CharField("短信内容", max_length=200)
    # The same event never notifies twice (a replayed job, a retried task).
    dedupe_key = models.CharField(max_length=150, verbose_name="去重键")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sms_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, verbose_name="短信发送状态"
    )
    email_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, verbose_name="邮件发送状态"
    )
    # The applicant's agent (代办人) gets every SMS the applicant gets about the application. A row written
    # without it (before it existed, or by older code) is `skipped` in the database: nothing old is sent.
    agent_sms_status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_default=DeliveryStatus.SKIPPED,
        verbose_name="代办人短信发送状态",
    )
    delivery_attempts = models.PositiveSmallIntegerField(default=0, verbose_name="发送尝试次数")
    # A delivery run holds the row until then while it talks to the gateways (no row lock meanwhile).
    claimed_until = models.DateTimeField("发送占用至", null=True, blank=True)

    class Meta:
        db_table = "applications_notification"  # moved from the applications app: the table stays
        ordering = ["-created_at", "-id"]
        verbose_name = "通知"
        verbose_name_plural = "通知"
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="unique_notification_per_event")]
        indexes = [
            models.Index(fields=["sms_status", "created_at"], name="application_sms_sta_885c5f_idx"),
            models.Index(fields=["email_status", "created_at"], name="application_email_s_95a276_idx"),
        ]

    def __str__(self) -> str:
        return self.title
