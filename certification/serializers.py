"""Input and output of the certificate and remote-filing APIs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.models import (
    HOLDER_END_REASONS,
    Certification,
    CertificationEvent,
    CertificationStatus,
    PlatformStatus,
    RemoteFiling,
    RemoteFilingType,
)
from certification.pdf import certificate_verify_url
from config.api.serializers import OutputModelSerializer


class CertificateDiseaseOutput(serializers.Serializer):
    code = serializers.CharField(help_text="门慢门特病种代码")
    name = serializers.CharField()


class CertificateEventOutput(OutputModelSerializer):
    """One change in the certification's history: `{"at", "actor", "from", "to", "reason"}`."""

    actor = serializers.CharField(source="actor_label", help_text="系统、持证人或经办人员")
    to = serializers.CharField(source="to_status")

    class Meta:
        model = CertificationEvent
        fields = ["at", "actor", "to", "reason"]

    def get_fields(self) -> dict[str, Any]:
        # `from` is a Python keyword, so it cannot be a declared attribute.
        fields = super().get_fields()
        return {
            "at": fields.pop("at"),
            "actor": fields.pop("actor"),
            "from": serializers.CharField(source="from_status", help_text="变更前状态；发证时为空"),
            **fields,
        }


class CertificatePointOutput(serializers.Serializer):
    order = serializers.IntegerField(help_text="顺序（1–3）")
    code = serializers.CharField(source="hospital.code", help_text="定点医疗机构编码")
    name = serializers.CharField(source="hospital.name")
    level = serializers.IntegerField(source="hospital.level", help_text="医院等级（1–3）")
    begins_on = serializers.DateField(help_text="自该日起在此就医享受待遇")


class CertificateOutput(OutputModelSerializer):
    """The holder's own certification. `status` is the stored status (the lapse job keeps it current)."""

    code = serializers.CharField(help_text="核验码（印在电子凭证上，任何人可在线核验）")
    status = serializers.ChoiceField(choices=CertificationStatus.choices, help_text="存储的凭证状态")
    status_display = serializers.CharField(source="get_status_display")
    disease = CertificateDiseaseOutput()
    application = serializers.UUIDField(source="application_id", help_text="认定所依据的申请")
    insurance_type_display = serializers.CharField(source="get_insurance_type_display")
    reimbursement_ratio = serializers.DecimalField(max_digits=4, decimal_places=2, help_text='报销比例，"0.80" 即 80%')
    annual_limit = serializers.IntegerField(help_text="年度支付限额（元）")
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()
    events = CertificateEventOutput(
        many=True, help_text="认定的变更记录（发证、年度复核、失效、撤销、暂停、终止、定点变更、医保平台登记）"
    )
    designated_points = CertificatePointOutput(source="current_points", many=True, help_text="当前的定点医疗机构")
    end_reason_display = serializers.CharField(source="get_end_reason_display", help_text="终止原因（已终止时）")
    platform_status = serializers.ChoiceField(
        choices=PlatformStatus.choices, help_text="医保信息平台登记状态：待登记、已登记、登记失败、已撤销登记"
    )
    platform_status_display = serializers.CharField(source="get_platform_status_display")

    class Meta:
        model = Certification
        fields = [
            "id",
            "code",
            "status",
            "status_display",
            "disease",
            "application",
            "insurance_type",
            "insurance_type_display",
            "effective_on",
            "benefit_start_date",
            "valid_until",
            "next_review_due",
            "benefit_ends_on",
            "reimbursement_ratio",
            "annual_limit",
            "designated_points",
            "end_reason",
            "end_reason_display",
            "platform_status",
            "platform_status_display",
            "issued_at",
            "pdf_url",
            "verify_url",
            "events",
        ]

    @extend_schema_field(serializers.CharField(help_text="电子凭证 PDF 下载地址（仅持证人）"))
    def get_pdf_url(self, obj: Certification) -> str:
        return reverse("certificate-pdf", kwargs={"pk": obj.pk})

    @extend_schema_field(serializers.URLField(help_text="公开核验地址（即二维码内容）"))
    def get_verify_url(self, obj: Certification) -> str:
        return certificate_verify_url(code=obj.code)


class CertificateVerifyOutput(serializers.Serializer):
    """The public answer. For a code that matches no certificate only `{"valid": false}` is returned."""

    valid = serializers.BooleanField(help_text="当前是否有效（有效或待年度复核，且未过有效期）")
    status = serializers.ChoiceField(
        choices=CertificationStatus.choices, required=False, help_text="凭证状态；未知核验码时不返回"
    )
    holder = serializers.CharField(required=False, help_text="持证人姓名（脱敏，如 张*丰）")
    disease = serializers.CharField(required=False, help_text="认定病种名称")
    benefit_start_date = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False)
    note = serializers.CharField(required=False, help_text="无效时的说明（不涉及原因细节，如 待遇暂停、已终止）")
    designated_points = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="定点医疗机构名称，按顺序"
    )


class CertificateExitInput(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in HOLDER_END_REASONS],
        help_text="cured 已治愈；voluntary 本人申请退出",
        error_messages={"invalid_choice": "退出原因应为 cured（已治愈）或 voluntary（本人申请退出）。"},
    )


class DesignatedPointsInput(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.CharField(max_length=30),
        min_length=1,
        max_length=3,
        help_text="新的定点医疗机构编码，1至3家，按顺序，至少一家二级及以上；次日生效，每个自然年度可变更一次",
        error_messages={
            "min_length": "请选择1至3家定点医疗机构。",
            "max_length": "定点医疗机构最多选择3家。",
            "not_a_list": "定点医疗机构应为机构编码的列表。",
            "empty": "请选择1至3家定点医疗机构。",
        },
    )


class RemoteFilingInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=RemoteFilingType.choices)
    place = serializers.CharField(max_length=100)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    proof = serializers.FileField(required=False, allow_empty_file=True, use_url=False)


class RemoteFilingOutput(OutputModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    has_proof = serializers.SerializerMethodField()

    class Meta:
        model = RemoteFiling
        fields = [
            "id",
            "type",
            "place",
            "start_date",
            "end_date",
            "status",
            "status_display",
            "decide_by",
            "decided_at",
            "decision_reason",
            "has_proof",
            "created_at",
        ]

    def get_has_proof(self, obj: RemoteFiling) -> bool:
        return bool(obj.proof)
