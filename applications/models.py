"""What the applicant files: the catalogue and registries it refers to, the application, its events,
its documents and who read them. Status changes go through `applications.workflow`."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.fields import BlindIndexField, EncryptedCharField


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", "职工医保"
    RESIDENT = "resident", "居民医保"
    FLEXIBLE = "flexible", "灵活就业"


class InsuredStatus(models.TextChoices):
    ACTIVE = "active", "正常参保"
    SUSPENDED = "suspended", "暂停参保"
    TERMINATED = "terminated", "终止参保"


# Records older than ten years never count: a bound that keeps the catalogue data sane.
MAX_RECORD_AGE_DAYS = 3650


class PublicationLevel(models.TextChoices):
    """How a disease appears in the public announcement (公示)."""

    NAME = "name", "公示病种名称"
    CATEGORY = "category", "仅公示病种类别"
    NONE = "none", "不公示病种（仅列“门诊慢特病”，不列身份证号和区县）"


class DiseaseCategory(models.Model):
    code = models.SlugField("类别代码", max_length=40, unique=True)
    name = models.CharField("类别名称", max_length=50)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "病种类别"
        verbose_name_plural = "病种类别"

    def __str__(self) -> str:
        return self.name


class Disease(models.Model):
    """One outpatient special/chronic disease of the region's catalogue. Data, edited in the admin."""

    code = models.CharField("病种代码 (opsp_dise_code)", max_length=20, unique=True)
    name = models.CharField("病种名称", max_length=100)
    category = models.ForeignKey(
        DiseaseCategory, on_delete=models.PROTECT, related_name="diseases", verbose_name="类别"
    )
    evidence = models.JSONField(
        "认定材料规则",
        help_text=(
            '文书种类的 AND/OR 树，例如 {"all": ["diagnosis_certificate", '
            '{"any": ["pathology_report", "imaging_report"]}]}'
        ),
    )
    record_max_age_days = models.PositiveIntegerField(
        "病历有效期(天)", default=365, validators=[MinValueValidator(1), MaxValueValidator(MAX_RECORD_AGE_DAYS)]
    )
    requires_hospital_appraisal = models.BooleanField("需定点医院鉴定意见", default=False)
    requires_annual_reexam = models.BooleanField("年度复核需复查材料", default=False)
    requires_stamped_form = models.BooleanField(
        "申请表须医院盖章", default=False, help_text="勾选后，在线确认的申请表不能代替经医疗机构医保办盖章的申请表。"
    )
    reexam_evidence = models.JSONField("复查材料规则", null=True, blank=True)
    employee_ratio = models.DecimalField(
        "职工报销比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    employee_annual_limit = models.PositiveIntegerField("职工年度限额(元)", default=10000)
    resident_ratio = models.DecimalField(
        "居民报销比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    resident_annual_limit = models.PositiveIntegerField("居民年度限额(元)", default=6000)
    is_active = models.BooleanField("可申请", default=True)
    notes = models.TextField("认定要点", blank=True)
    benefit_months = models.PositiveSmallIntegerField(
        "待遇期（月）",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="认定生效后享受待遇的期限；期间每年复核一次。长期慢性病一般60个月，阶段性治疗一般24个月。",
    )
    publication = models.CharField(
        "公示方式",
        max_length=10,
        choices=PublicationLevel.choices,
        default=PublicationLevel.NAME,
        help_text="艾滋病、精神障碍等病种不得以能识别患者的方式公开（《艾滋病防治条例》第三十九条、《精神卫生法》第四条）。"
        "修改后，已公示名单随之更新。",
    )

    class Meta:
        ordering = ["category__sort_order", "code"]
        verbose_name = "病种"
        verbose_name_plural = "病种目录"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Hospital(models.Model):
    class Level(models.IntegerChoices):
        LEVEL_1 = 1, "一级"
        LEVEL_2 = 2, "二级"
        LEVEL_3 = 3, "三级"

    code = models.CharField("机构编码", max_length=30, unique=True)
    name = models.CharField("机构名称", max_length=100)
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices)
    region_code = models.CharField("行政区划代码", max_length=6)
    is_designated = models.BooleanField("定点医疗机构", default=True)
    can_appraise = models.BooleanField("可出具鉴定意见", default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "医疗机构"
        verbose_name_plural = "医疗机构"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"


class InsuredPerson(models.Model):
    """The insured-person registry, loaded with `import_insured`."""

    id_number = EncryptedCharField("身份证号码", plain_max_length=18, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", unique=True)
    name = models.CharField("姓名", max_length=50)
    insurance_type = models.CharField("参保类型", max_length=10, choices=InsuranceType.choices)
    region_code = models.CharField("参保地区划代码", max_length=6, db_index=True)
    insured_since = models.DateField("参保起始日期")
    status = models.CharField("参保状态", max_length=12, choices=InsuredStatus.choices)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员登记"

    def __str__(self) -> str:
        from accounts.identity import mask_id_number, mask_name

        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


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


class ApplicationKind(models.TextChoices):
    NEW = "new", "新申请"
    CHANGE = "change", "变更申请"
    ANNUAL_REVIEW = "annual_review", "年度资格复核"


class Application(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
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
    agent_id_number_index = BlindIndexField(source="agent_id_number", db_index=True)
    agent_phone = EncryptedCharField("代办人手机号码", plain_max_length=11, blank=True)
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
        indexes = [models.Index(fields=["status", "updated_at"])]
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

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField("操作者", max_length=50)
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    reason = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "状态记录"
        verbose_name_plural = "状态记录"

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


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
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料种类", max_length=30, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to=document_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="与此文件重复"
    )
    issued_on = models.DateField("出具日期", null=True, blank=True)
    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="出具机构"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # An application form generated and confirmed online (applications/form.py): the digest of the data it showed.
    form_digest = models.CharField("在线确认的申请表数据摘要", max_length=64, blank=True)
    # Retention: the stored file was deleted at the end of its period (the row stays for the record).
    purged_at = models.DateTimeField("按保存期限删除时间", null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name})"


class ReaderRole(models.TextChoices):
    """In which role someone read a private file (the access log)."""

    OWNER = "owner", "申请人本人"
    OFFICER = "officer", "经办人员"
    EXPERT = "expert", "评审专家"


class DocumentAccess(models.Model):
    """Who read which private file when (PIPL art. 51: medical data is sensitive): an application's
    document or the proof of a remote-care filing. Written by `applications.access` only."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, null=True, blank=True, related_name="accesses")
    remote_filing = models.ForeignKey(
        "certification.RemoteFiling",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proof_accesses",
        verbose_name="异地备案",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=20, choices=ReaderRole.choices)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "材料查阅记录"
        verbose_name_plural = "材料查阅记录"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(document__isnull=False, remote_filing__isnull=True)
                | models.Q(document__isnull=True, remote_filing__isnull=False),
                name="document_access_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.role}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for a state-changing request: the replay gets the first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=100)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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

    class Meta:
        ordering = ["record"]
        verbose_name = "数据保存期限"
        verbose_name_plural = "数据保存期限"

    def __str__(self) -> str:
        return f"{self.get_record_display()}：{self.days}天"
