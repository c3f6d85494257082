"""What the applicant files: the application, its events and its documents, with the catalogue and
registries it refers to (applications/catalogue_models.py) and the access log (who read or looked up
whom: applications/access_models.py), both re-exported here. Status changes go through
`applications.workflow`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Cast, Upper
from simple_history.models import HistoricalRecords

from applications.access_models import (  # noqa: F401 - the kernel's names, as before
    ACCESS_SUBJECTS,
    DocumentAccess,
    PersonSearch,
    ReaderRole,
    SearchKind,
)
from applications.catalogue_models import (  # noqa: F401 - the kernel's names, as before
    MAX_RECORD_AGE_DAYS,
    Disease,
    DiseaseCategory,
    Hospital,
    InsuranceType,
    InsuredPerson,
    InsuredStatus,
    PublicationLevel,
)
from config.fields import BlindIndexField, EncryptedCharField


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待检查"
    NEEDS_SUPPLEMENT = "needs_supplement", "待补正"
    UNDER_REVIEW = "under_review", "专家评审中"
    APPROVED = "approved", "评审通过"
    REJECTED = "rejected", "未通过"
    IN_ANNOUNCEMENT = "in_announcement", "公示中"
    EFFECTIVE = "effective", "待遇生效"
    WITHDRAWN = "withdrawn", "已撤回"


# States in which a person "has an application open" for a disease (one at a time).
OPEN_STATUSES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.NEEDS_SUPPLEMENT,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.IN_ANNOUNCEMENT,
]
EDITABLE_STATUSES = [ApplicationStatus.DRAFT, ApplicationStatus.NEEDS_SUPPLEMENT]


class ApplicationChannel(models.TextChoices):
    """How the application reached the bureau (the case pages and the statistics say so)."""

    ONLINE = "online", "本人网上申请"
    FAMILY = "family", "亲情账户代为申请"
    AGENT = "agent", "代办人代为申请"
    HOSPITAL = "hospital", "定点医院医保办代为申请"
    WINDOW = "window", "经办窗口代为申请"


# Filed for the person by staff (applications/desk.py): they also need the person's signed consent.
DESK_CHANNELS = (ApplicationChannel.HOSPITAL, ApplicationChannel.WINDOW)


class DeskPost(models.Model):
    """Staff who file for people in person: a designated hospital's medical-insurance office (医保办,
    `hospital` set) or the bureau's service window (经办窗口, no hospital)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_post", verbose_name="工作人员"
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所在医院"
    )

    class Meta:
        verbose_name = "代办岗位"
        verbose_name_plural = "代办岗位（医院医保办、经办窗口）"

    def __str__(self) -> str:
        return f"{self.user}（{self.label}）"

    def scope(self) -> models.Q:
        """The applications this post sees and works on: those its hospital filed, or, at the service
        window, those filed at the windows."""
        if self.hospital_id:
            return models.Q(filed_at_id=self.hospital_id)
        return models.Q(channel=ApplicationChannel.WINDOW)

    @property
    def label(self) -> str:
        """How events name the channel to the applicant (the staff member is the event's actor)."""
        return f"{self.hospital.name}医保办" if self.hospital else "医保经办窗口"


class ApplicationKind(models.TextChoices):
    NEW = "new", "新申请"
    CHANGE = "change", "变更申请"
    ANNUAL_REVIEW = "annual_review", "年度资格复核"


class Application(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name="编号")
    reference = models.CharField("受理编号", max_length=20, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name="申请人账户"
    )
    kind = models.CharField("申请类型", max_length=20, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    status = models.CharField(
        "状态", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )
    disease = models.ForeignKey(Disease, on_delete=models.PROTECT, related_name="applications", verbose_name="病种")
    diagnosis_date = models.DateField("确诊日期")
    diagnosing_hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="diagnosed_applications", verbose_name="确诊医院"
    )
    diagnosing_doctor_name = models.CharField("诊断医师姓名", max_length=50, blank=True)
    diagnosing_doctor_code = models.CharField("诊断医师代码", max_length=30, blank=True)
    # 定点医疗机构: the codes of the 1–3 designated institutions chosen for treatment, in order.
    designated_points = models.JSONField("选择的定点医疗机构", default=list, blank=True)
    # 代办: the person who filled the application in for the account holder.
    agent_name = models.CharField("代办人姓名", max_length=50, blank=True)
    agent_id_number = EncryptedCharField(
        "代办人身份证号码", plain_max_length=18, blank=True, index="agent_id_number_index"
    )
    agent_id_number_index = BlindIndexField(
        source="agent_id_number", db_index=True, verbose_name="代办人身份证号码索引"
    )
    agent_phone = EncryptedCharField("代办人手机号码", plain_max_length=11, blank=True)
    channel = models.CharField(
        "申请渠道", max_length=10, choices=ApplicationChannel.choices, default=ApplicationChannel.ONLINE, db_index=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代为申请人员",
    )
    filed_at = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="代为申请的医院"
    )
    agent_relationship = models.CharField(
        "代办人与申请人关系", max_length=20, blank=True
    )  # services.AGENT_RELATIONSHIPS
    # For an annual review: the certification being reviewed.
    reviewed_certification = models.ForeignKey(
        "certification.Certification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_reviews",
        verbose_name="复核的待遇认定",
    )
    appealed_at = models.DateTimeField("申诉时间", null=True, blank=True)
    problems = models.JSONField("待补正问题", default=list, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    # 参保地: the applicant's district on the insured registry when the completeness check read it (statistics).
    region_code = models.CharField("参保地区划代码", max_length=6, blank=True)
    # The bureau's newest decision on the case (workflow.DECISIONS): the statistics' 办结 and its working days.
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    review_deadline = models.DateField("评审截止日期", null=True, blank=True)
    review_round = models.PositiveSmallIntegerField("评审轮次", default=0)
    # The day the review clock (re)started: acceptance, or an appeal / upheld objection.
    review_clock_start = models.DateField("评审计时起算日", null=True, blank=True)
    officer_decision_needed = models.BooleanField(
        "待经办人员裁决", default=False, help_text="专家意见分歧且无其他专家可复核，或无可分派专家"
    )
    overdue_since = models.DateField("超期日期", null=True, blank=True)
    # The completeness check: when it was last put on the queue, and how many times (retry_stuck gives up).
    check_queued_at = models.DateTimeField("检查排队时间", null=True, blank=True)
    check_attempts = models.PositiveSmallIntegerField("检查排队次数", default=0)
    # Retention: when the applicant was told that this untouched draft will be deleted.
    retention_notice_at = models.DateTimeField("草稿删除提醒时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "申请"
        verbose_name_plural = "申请"
        permissions = [("view_applicant_identity", "可查看申请人完整姓名、身份证号码和手机号（每次查看均记录）")]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            # The officers' list: its default order, newest first (config/admin_paginator.py).
            models.Index(fields=["created_at", "id"], name="application_created_idx"),
            # The lists' search by reference: `=reference` is UPPER(reference::text) = UPPER(term).
            models.Index(Upper(Cast("reference", models.TextField())), name="application_reference_upper"),
        ]
        constraints = [
            # A second open application for the same person and disease is refused (DESIGN §7).
            models.UniqueConstraint(
                fields=["applicant", "disease"],
                condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(kind=ApplicationKind.ANNUAL_REVIEW),
                name="one_open_application_per_person_disease",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def has_agent(self) -> bool:
        return bool(self.agent_id_number)


class ApplicationEvent(models.Model):
    """One row per state change: the audit trail shown as `events`."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events", verbose_name="申请")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="操作人"
    )
    actor_label = models.CharField("操作者", max_length=50)
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True, verbose_name="原状态")
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, verbose_name="新状态")
    reason = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True, verbose_name="附加数据")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "状态记录"
        verbose_name_plural = "状态记录"

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class DocumentKind(models.TextChoices):
    ID_CARD_FRONT = "id_card_front", "身份证人像面"
    ID_CARD_BACK = "id_card_back", "身份证国徽面"
    INSURANCE_CARD = "insurance_card", "社保卡或医保电子凭证"
    APPLICATION_FORM = "application_form", "特殊病种申请表"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate", "疾病诊断证明"
    MEDICAL_RECORD = "medical_record", "住院/门诊病历或出院小结"
    EXAM_REPORT = "exam_report", "检验报告"
    IMAGING_REPORT = "imaging_report", "影像学报告"
    PATHOLOGY_REPORT = "pathology_report", "病理报告"
    TREATMENT_RECORD = "treatment_record", "治疗记录"
    HOSPITAL_APPRAISAL = "hospital_appraisal", "定点医院鉴定意见"
    AGENT_ID_CARD = "agent_id_card", "代办人身份证"
    CONSENT_FORM = "consent_form", "申请人签字的授权书"
    RESIDENCE_PROOF = "residence_proof", "居住证明"
    OTHER = "other", "其他材料"


# Documents issued by a hospital: they carry `issued_on` and `hospital` and count only when recent
# and from a level-2+ institution.
MEDICAL_KINDS = frozenset(
    {
        DocumentKind.DIAGNOSIS_CERTIFICATE,
        DocumentKind.MEDICAL_RECORD,
        DocumentKind.EXAM_REPORT,
        DocumentKind.IMAGING_REPORT,
        DocumentKind.PATHOLOGY_REPORT,
        DocumentKind.TREATMENT_RECORD,
        DocumentKind.HOSPITAL_APPRAISAL,
    }
)


def document_upload_to(instance: Document, filename: str) -> str:
    # The stored name is generated; the applicant's file name is kept only as data.
    return f"documents/{instance.application_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name="编号")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name="申请"
    )
    kind = models.CharField("材料种类", max_length=30, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to=document_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name="文件摘要（SHA-256）")
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="与此文件重复"
    )
    issued_on = models.DateField("出具日期", null=True, blank=True)
    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="出具机构"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # An application form generated and confirmed online (applications/form.py): the digest of the data it showed.
    form_digest = models.CharField("在线确认的申请表数据摘要", max_length=64, blank=True)
    # Retention: the stored file was deleted at the end of its period (the row stays for the record).
    purged_at = models.DateTimeField("按保存期限删除时间", null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        indexes = [
            models.Index(fields=["uploaded_at", "id"], name="document_uploaded_idx"),  # the list's order
            models.Index(Upper(Cast("sha256", models.TextField())), name="document_sha256_upper"),  # `=sha256`
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name})"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for a state-changing request: the replay gets the first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="用户")
    key = models.CharField(max_length=100, verbose_name="幂等键")
    scope = models.CharField(max_length=100, verbose_name="接口")
    response_status = models.PositiveSmallIntegerField(verbose_name="响应状态码")
    response_body = models.JSONField(verbose_name="响应内容")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        verbose_name = "幂等请求记录"
        verbose_name_plural = "幂等请求记录"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key


class RetentionRecord(models.TextChoices):
    DRAFT = "draft", "长期未修改的草稿：删除草稿及其材料"
    CLOSED_CASE_SCANS = "closed_case_scans", "已撤回或未通过的申请：删除材料文件"
    ENDED_CERTIFICATION = "ended_certification", "已终止的待遇认定：删除材料文件，注销并匿名化账户"


class RetentionPolicy(models.Model):
    """How long a kind of record is kept (PIPL art. 19: no longer than needed); applied by the daily
    `retention` job. Data, edited in the admin; the migration ships the defaults."""

    record = models.CharField("记录种类", max_length=30, choices=RetentionRecord.choices, unique=True)
    days = models.PositiveIntegerField(
        "保存期限（天）", validators=[MinValueValidator(1)], help_text="草稿自最后修改起算；其他自结论或终止之日起算"
    )
    reminder_days = models.PositiveIntegerField("提前提醒（天）", default=0, help_text="仅草稿：删除前提醒申请人")
    history = HistoricalRecords(verbose_name="保存期限修改记录", verbose_name_plural="保存期限修改记录")

    class Meta:
        ordering = ["record"]
        verbose_name = "数据保存期限"
        verbose_name_plural = "数据保存期限"

    def __str__(self) -> str:
        return f"{self.get_record_display()}：{self.days}天"


class DeskApplication(Application):
    """Applications as a hospital's 医保办 or a service window works on them in the admin (代办申请):
    the same rows, seen through the desk's scope, started, completed and submitted through the services."""

    class Meta:
        proxy = True
        verbose_name = "代办申请"
        verbose_name_plural = "代办申请（医院医保办、经办窗口）"


LOW_RATING = 2  # a rating of this or less is a 差评: counted apart and shown to officers


class ServiceRating(models.Model):
    """好差评: after a decision the applicant rates the service once (1–5, an optional comment); the
    statistics count the ratings and officers see the low ones."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="rating", verbose_name="申请"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评价人"
    )
    score = models.PositiveSmallIntegerField("评分", validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField("评价内容", max_length=500, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "服务评价（好差评）"
        verbose_name_plural = "服务评价（好差评）"
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5")
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.score}分"
