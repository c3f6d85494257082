"""Input and output of the applicant's API: the catalogue, drafts, uploads, and an application as its
owner reads it (status, problems, deadline and how it was counted, events, certificate link)."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import mask_id_number, mask_phone
from accounts.serializers import IdNumberField, MobileField, NameField, WordChoiceField
from applications.checks import documents_on_file
from applications.form import application_form_state
from applications.lookups import hospitals_by_code
from applications.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Disease,
    DocumentAccess,
    DocumentKind,
    ReaderRole,
)
from applications.outputs import DocumentOutput, EventOutput, HospitalOutput, ProblemOutput, problems_output
from applications.selectors import reader_institution
from applications.services import AGENT_RELATIONSHIPS
from applications.workflow import appeal_deadline, application_decision
from config.api.serializers import OutputModelSerializer
from reviews.calendar import working_days_left
from reviews.clock import review_deadline_explain
from reviews.serializers import DeadlineExplanationOutput

# --- catalogue ------------------------------------------------------------------------------------


class DiseaseOutput(OutputModelSerializer):
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    evidence = serializers.JSONField()

    class Meta:
        model = Disease
        fields = [
            "code",
            "name",
            "category",
            "category_name",
            "evidence",
            "record_max_age_days",
            "requires_hospital_appraisal",
            "requires_annual_reexam",
            "requires_stamped_form",
        ]


# --- applications ---------------------------------------------------------------------------------


# Applicants open `new` and `change` applications here; annual reviews open from the certificate.
NEW_KIND_CHOICES = [
    (ApplicationKind.NEW.value, ApplicationKind.NEW.label),
    (ApplicationKind.CHANGE.value, ApplicationKind.CHANGE.label),
]


class AgentInput(serializers.Serializer):
    name = NameField(message="请输入代办人与身份证一致的姓名。")
    id_number = IdNumberField()
    phone = MobileField(help_text="代办人手机号：申请的每条短信通知也发给代办人")
    relationship = WordChoiceField(AGENT_RELATIONSHIPS, what="代办人与申请人的关系")


def designated_points_field() -> serializers.ListField:
    maximum = settings.DESIGNATED_POINTS_MAX
    return serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        max_length=maximum,
        help_text=f"选择的定点医疗机构编码，1至{maximum}家，按顺序；至少一家二级及以上"
        "（GET /hospitals/?is_designated=true）",
        error_messages={
            "max_length": f"定点医疗机构最多选择{maximum}家。",
            "not_a_list": "定点医疗机构应为机构编码的列表。",
        },
    )


class DoctorFields(serializers.Serializer):
    diagnosing_doctor_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="诊断医师姓名（报送医保信息平台）"
    )
    diagnosing_doctor_code = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="诊断医师代码（医保医师代码）"
    )


class ForPersonInput(serializers.Serializer):
    family_member = serializers.IntegerField(
        required=False, help_text="亲情账户：已绑定的家庭成员（GET /family/ 的 id），由其作为申请人"
    )
    id_number = IdNumberField(required=False, help_text="医院医保办、经办窗口：申请人的身份证号码（须在参保登记中）")
    phone = MobileField(required=False, help_text="医院医保办、经办窗口：申请人接收进度短信的手机号")


class ApplicationCreateInput(DoctorFields):
    disease_code = serializers.CharField(max_length=20)
    diagnosis_date = serializers.DateField()
    diagnosing_hospital = serializers.CharField(max_length=30, help_text="医疗机构编码 (GET /hospitals/)")
    agent = AgentInput(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=NEW_KIND_CHOICES, default=ApplicationKind.NEW, required=False)
    designated_points = designated_points_field()
    for_person = ForPersonInput(required=False, allow_null=True, help_text="为他人申请（亲情账户）；不填为本人")


class ApplicationUpdateInput(DoctorFields):
    """What an applicant may still change on a draft or a case sent back for supplement."""

    designated_points = designated_points_field()


class ReusedDocumentOutput(serializers.Serializer):
    """A scan on file from an earlier accepted application, used instead of a new upload (减证便民)."""

    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    document = serializers.UUIDField(source="pk")
    from_application = serializers.CharField(source="application.reference", help_text="原申请受理编号")
    uploaded_at = serializers.DateTimeField()


class PrecheckOutput(serializers.Serializer):
    complete = serializers.BooleanField(help_text="现在提交能否通过完整性检查")
    problems = ProblemOutput(many=True)
    reused_documents = ReusedDocumentOutput(many=True, help_text="沿用的已有材料，无需再次上传")


class FormConfirmInput(serializers.Serializer):
    commitment = serializers.BooleanField(help_text="已阅读并同意：本人承诺所提供材料真实有效")
    form_sha256 = serializers.CharField(
        max_length=66, required=False, allow_blank=True, help_text="所查看申请表的 SHA-256（GET 申请表时的 ETag）"
    )


class FormStateOutput(serializers.Serializer):
    """The online application form: its confirmation, and whether it counts as the `application_form`."""

    url = serializers.CharField(help_text="申请表 PDF（GET）")
    confirm_url = serializers.CharField(help_text="确认申请表（POST）")
    commitment = serializers.CharField(help_text="确认时向申请人展示的承诺")
    requires_stamp = serializers.BooleanField(help_text="该病种申请表须医院盖章，在线确认不能代替")
    confirmed = serializers.BooleanField(help_text="已确认且与当前申请信息一致")
    confirmed_at = serializers.DateTimeField(allow_null=True, help_text="最近一次确认时间")
    document = serializers.UUIDField(allow_null=True, help_text="确认后保存为材料（kind application_form）的 id")
    sha256 = serializers.CharField(allow_null=True, help_text="所确认申请表 PDF 的 SHA-256")


def form_state_output(application: Application) -> dict:
    urls = {
        "url": reverse("application-form", kwargs={"pk": application.pk}),
        "confirm_url": reverse("application-form-confirm", kwargs={"pk": application.pk}),
    }
    return FormStateOutput(urls | application_form_state(application=application)).data


class DesignatedPointOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    is_designated = serializers.BooleanField()


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DocumentUploadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    issued_on = serializers.DateField(required=False, allow_null=True)
    hospital = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text="出具机构编码")


class AgentOutput(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    relationship = serializers.CharField(help_text="代办人与申请人的关系")


class ApplicationOutput(OutputModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    applicant_name = serializers.CharField(
        source="applicant.name", help_text="申请人姓名（亲情账户可见本人和已绑定家庭成员的申请）"
    )
    channel_display = serializers.CharField(source="get_channel_display")
    disease = serializers.SerializerMethodField()
    diagnosing_hospital = HospitalOutput()
    agent = serializers.SerializerMethodField()
    documents = DocumentOutput(many=True)
    events = EventOutput(many=True)
    certificate = serializers.SerializerMethodField()
    working_days_left = serializers.SerializerMethodField()
    deadline_explanation = serializers.SerializerMethodField()
    designated_points = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    reused_documents = serializers.SerializerMethodField()
    form = serializers.SerializerMethodField()
    decision_letter = serializers.SerializerMethodField()
    appeal_deadline = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "kind",
            "channel",
            "channel_display",
            "applicant_name",
            "status",
            "status_display",
            "disease",
            "diagnosis_date",
            "diagnosing_hospital",
            "diagnosing_doctor_name",
            "diagnosing_doctor_code",
            "designated_points",
            "agent",
            "documents",
            "reused_documents",
            "form",
            "problems",
            "submitted_at",
            "accepted_at",
            "review_deadline",
            "working_days_left",
            "deadline_explanation",
            "events",
            "certificate",
            "decision_letter",
            "appeal_deadline",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text='{"code": "M01600", "name": "糖尿病"}')
    )
    def get_disease(self, obj: Application) -> dict:
        return {"code": obj.disease.code, "name": obj.disease.name}

    @extend_schema_field(ProblemOutput(many=True, help_text="最近一次完整性检查发现的问题（一次性告知）"))
    def get_problems(self, obj: Application) -> list[dict]:
        return problems_output(obj.problems)

    @extend_schema_field(ReusedDocumentOutput(many=True, help_text="年度复核、变更申请沿用的已有身份和参保材料"))
    def get_reused_documents(self, obj: Application) -> list[dict]:
        on_file = documents_on_file(application=obj, on=timezone.localdate())
        return ReusedDocumentOutput(on_file.values(), many=True).data  # type: ignore[return-value]

    @extend_schema_field(FormStateOutput(help_text="在线生成、确认的申请表（无需打印扫描）"))
    def get_form(self, obj: Application) -> dict:
        return form_state_output(obj)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="决定书 PDF 链接（作出认定决定后）"))
    def get_decision_letter(self, obj: Application) -> str | None:
        if application_decision(application=obj) is None:
            return None
        return reverse("application-decision-letter", kwargs={"pk": obj.pk})

    @extend_schema_field(
        serializers.DateField(allow_null=True, help_text="申诉的最后一天（未通过且尚未申诉时）；过期后不能申诉")
    )
    def get_appeal_deadline(self, obj: Application) -> str | None:
        last_day = appeal_deadline(application=obj) if obj.appealed_at is None else None
        return last_day.isoformat() if last_day else None

    @extend_schema_field(DesignatedPointOutput(many=True))
    def get_designated_points(self, obj: Application) -> list[dict]:
        hospitals = hospitals_by_code(obj.designated_points or [])
        return [
            {"code": h.code, "name": h.name, "level": h.level, "is_designated": h.is_designated}
            for h in (hospitals.get(code) for code in obj.designated_points or [])
            if h is not None
        ]

    @extend_schema_field(AgentOutput(allow_null=True))
    def get_agent(self, obj: Application) -> dict | None:
        if not obj.has_agent:
            return None
        return {
            "name": obj.agent_name,
            "id_number": mask_id_number(obj.agent_id_number),
            "phone": mask_phone(obj.agent_phone),
            "relationship": obj.agent_relationship,
        }

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="电子凭证链接（生效后）"))
    def get_certificate(self, obj: Application) -> str | None:
        certification = getattr(obj, "certification", None) if obj.status == "effective" else None
        if certification is None:
            return None
        return reverse("certificate-detail", kwargs={"pk": certification.pk})

    # Detail only (ApplicationListOutput leaves these out): each costs a calendar load.
    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True, help_text="距评审截止日期的工作日数（负数为已超期）；仅在专家评审中（under_review）给出"
        )
    )
    def get_working_days_left(self, obj: Application) -> int | None:
        if obj.status != ApplicationStatus.UNDER_REVIEW or obj.review_deadline is None:
            return None
        return working_days_left(today=timezone.localdate(), deadline=obj.review_deadline)

    @extend_schema_field(DeadlineExplanationOutput(allow_null=True, help_text="评审截止日期的计算方法；受理前为 null"))
    def get_deadline_explanation(self, obj: Application) -> dict | None:
        explanation = review_deadline_explain(application=obj)
        return None if explanation is None else DeadlineExplanationOutput(explanation).data


class ApplicationListOutput(ApplicationOutput):
    class Meta(ApplicationOutput.Meta):
        fields = [
            "id",
            "reference",
            "kind",
            "channel",
            "channel_display",
            "applicant_name",
            "status",
            "status_display",
            "disease",
            "diagnosis_date",
            "problems",
            "submitted_at",
            "review_deadline",
            "created_at",
            "updated_at",
        ]


class AppealInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AccessRecordOutput(serializers.Serializer):
    """One read of the applicant's documents by the bureau: when, which document, in which role and from
    which institution (never the staff member's name)."""

    at = serializers.DateTimeField(help_text="查阅时间")
    subject = serializers.SerializerMethodField(
        help_text="document：查阅材料；record：查阅申请记录（医院医保办、经办窗口）"
    )
    document = serializers.UUIDField(
        source="document_id", allow_null=True, help_text="被查阅的材料 id（查阅申请记录时为空）"
    )
    document_kind = serializers.CharField(
        source="document.kind", default="", help_text="材料种类代码（查阅申请记录时为空）"
    )
    document_kind_display = serializers.SerializerMethodField(help_text="材料种类，或“申请记录”")
    role = serializers.ChoiceField(choices=ReaderRole.choices, help_text="查阅人身份")
    role_display = serializers.CharField(source="get_role_display")
    institution = serializers.SerializerMethodField(help_text="查阅人所在单位")

    def get_institution(self, access: DocumentAccess) -> str:
        return reader_institution(access)

    def get_subject(self, access: DocumentAccess) -> Literal["document", "record"]:
        return "document" if access.document_id else "record"

    def get_document_kind_display(self, access: DocumentAccess) -> str:
        return access.document.get_kind_display() if access.document else "申请记录"


class RatingInput(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=1,
        max_value=5,
        help_text="1（很不满意）至 5（非常满意）",
        error_messages={
            "min_value": "评分应为1至5分。",
            "max_value": "评分应为1至5分。",
            "invalid": "评分应为1至5的整数。",
            "required": "请选择评分。",
        },
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="评价内容（可选）")


class RatingOutput(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
