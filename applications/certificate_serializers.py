from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.certificate_pdf import certificate_verify_url
from applications.models import Certification, CertificationStatus


class CertificateDiseaseOutput(serializers.Serializer):
    code = serializers.CharField(help_text="门慢门特病种代码")
    name = serializers.CharField()


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
