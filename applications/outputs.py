"""How an application's parts are shown: the hospital, the events and the documents, the same for the
applicant's API and the expert's. Part of the kernel (like the models they show), so both apps use them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import ApplicationEvent, Document, DocumentKind, Hospital
from config.api.serializers import OutputModelSerializer


class HospitalOutput(OutputModelSerializer):
    class Meta:
        model = Hospital
        fields = ["code", "name", "level", "region_code", "is_designated", "can_appraise"]


class ProblemOutput(serializers.Serializer):
    """One problem of the completeness check (一次性告知)."""

    code = serializers.CharField(
        help_text="稳定的问题代码，如 document_missing、evidence_missing_one_of、document_too_old"
    )
    field = serializers.CharField(help_text="涉及的字段或材料：documents.<种类>、documents.<材料id>、diagnosis_date…")
    message = serializers.CharField(help_text="给申请人看的中文说明")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentKind.choices),
        default=list,
        help_text="上传其中任一种材料即可解决的材料种类（“之一”时列出每个选项）；上传材料解决不了的问题为空列表",
    )


PROBLEM_EXAMPLE = [
    {
        "code": "document_missing",
        "field": "documents.id_card_back",
        "message": "缺少“身份证反面”。",
        "kinds": ["id_card_back"],
    },
    {
        "code": "evidence_missing_one_of",
        "field": "documents",
        "message": "需提供以下材料之一：病理报告或影像学检查报告。",
        "kinds": ["pathology_report", "imaging_report"],
    },
    {"code": "diagnosis_date_future", "field": "diagnosis_date", "message": "确诊日期不能晚于今天。", "kinds": []},
]


def problems_output(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored problems as the API gives them (a check from before `kinds` existed gets an empty list)."""
    return [{"kinds": [], **problem} for problem in problems or []]


class EventOutput(OutputModelSerializer):
    actor = serializers.CharField(source="actor_label")
    to = serializers.CharField(source="to_status")
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["at", "actor", "to", "reason", "problems"]

    def get_fields(self) -> dict[str, Any]:
        # `from` is a Python keyword, so it cannot be a declared attribute.
        fields = super().get_fields()
        return {
            "at": fields.pop("at"),
            "actor": fields.pop("actor"),
            "from": serializers.CharField(source="from_status"),
            **fields,
        }

    @extend_schema_field(ProblemOutput(many=True))
    def get_problems(self, obj: ApplicationEvent) -> list:
        return problems_output(obj.data.get("problems", []))


class DocumentOutput(OutputModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    hospital = serializers.CharField(source="hospital.code", allow_null=True, default=None)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", allow_null=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_display",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "issued_on",
            "hospital",
            "duplicate_of",
            "uploaded_at",
            "file_url",
        ]

    def get_file_url(self, obj: Document) -> str | None:
        # The only way to the bytes: the permission-checked, logged endpoint. Never a storage URL. None once
        # the file was deleted at the end of its retention period.
        if obj.purged_at is not None:
            return None
        return reverse("application-document-file", kwargs={"pk": obj.application_id, "document_id": obj.pk})
