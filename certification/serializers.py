"""Input and output of the certificate and remote-filing APIs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.models import (
    Certification,
    CertificationEvent,
    CertificationStatus,
    RemoteFiling,
    RemoteFilingType,
)
from certification.pdf import certificate_verify_url


class CertificateDiseaseOutput(serializers.Serializer):
    code = serializers.CharField(help_text="门慢门特病种代码")
    name = serializers.CharField()


class CertificateEventOutput(serializers.ModelSerializer):
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


class CertificateOutput(serializers.ModelSerializer):
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
    events = CertificateEventOutput(many=True, help_text="认定的变更记录（发证、年度复核、失效、撤销）")

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
            "reimbursement_ratio",
            "annual_limit",
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


class RemoteFilingInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=RemoteFilingType.choices)
    place = serializers.CharField(max_length=100)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    proof = serializers.FileField(required=False, allow_empty_file=True, use_url=False)


class RemoteFilingOutput(serializers.ModelSerializer):
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
