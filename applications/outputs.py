"""How an application's parts are shown: the hospital, the events and the documents, the same for the
applicant's API and the expert's. Part of the kernel (like the models they show), so both apps use them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import ApplicationEvent, Document, Hospital


class HospitalOutput(serializers.ModelSerializer):
    class Meta:
        model = Hospital
        fields = ["code", "name", "level", "region_code", "is_designated", "can_appraise"]


class EventOutput(serializers.ModelSerializer):
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

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_problems(self, obj: ApplicationEvent) -> list:
        return obj.data.get("problems", [])


class DocumentOutput(serializers.ModelSerializer):
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
