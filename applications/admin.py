from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.identity import mask_id_number, mask_name
from applications import selectors, services
from applications.models import (
    Application,
    ApplicationEvent,
    Disease,
    DiseaseCategory,
    Document,
    DocumentAccess,
    Hospital,
    InsuredPerson,
    Notification,
)
from reviews.admin import ReviewAssignmentInline, ReviewOverdueFilter


@admin.register(DiseaseCategory)
class DiseaseCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["code", "name"]


@admin.register(Disease)
class DiseaseAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "record_max_age_days",
        "requires_hospital_appraisal",
        "requires_annual_reexam",
        "employee_ratio",
        "resident_ratio",
        "is_active",
    ]
    list_filter = ["category", "requires_hospital_appraisal", "requires_annual_reexam", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["category"]

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        from applications.forms import DiseaseAdminForm

        kwargs["form"] = DiseaseAdminForm
        return super().get_form(request, obj, change, **kwargs)


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "region_code", "is_designated", "can_appraise"]
    list_filter = ["level", "is_designated", "can_appraise", "region_code"]
    search_fields = ["code", "name"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(admin.ModelAdmin):
    list_display = ["masked_name", "masked_id_number", "insurance_type", "region_code", "insured_since", "status"]
    list_filter = ["insurance_type", "status", "region_code"]
    # Exact match only: officers look a person up by the full number, never browse by fragments.
    search_fields = ["=id_number"]
    readonly_fields = ["updated_at"]

    @admin.display(description="姓名")
    def masked_name(self, obj: InsuredPerson) -> str:
        return mask_name(obj.name)

    @admin.display(description="身份证号码")
    def masked_id_number(self, obj: InsuredPerson) -> str:
        return mask_id_number(obj.id_number)


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor_label", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    can_delete = False
    fields = ["kind", "original_name", "content_type", "size", "issued_on", "hospital", "duplicate_of", "open_link"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="查看（记录访问）")
    def open_link(self, obj: Document) -> str:
        url = reverse("admin:applications_document_file", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">打开</a>', url)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "masked_applicant",
        "disease",
        "kind",
        "status",
        "submitted_at",
        "review_deadline",
    ]
    list_filter = ["status", ReviewOverdueFilter, "kind", "disease__category"]
    search_fields = ["=reference"]
    list_select_related = ["applicant", "disease"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference",
        "applicant",
        "kind",
        "status",
        "disease",
        "diagnosis_date",
        "diagnosing_hospital",
        "agent_name",
        "agent_phone",
        "problems",
        "submitted_at",
        "accepted_at",
        "review_deadline",
        "created_at",
        "updated_at",
    ]
    exclude = ["agent_id_number"]
    inlines = [DocumentInline, EventInline, ReviewAssignmentInline]

    @admin.display(description="申请人")
    def masked_applicant(self, obj: Application) -> str:
        return f"{mask_name(obj.applicant.name)} {mask_id_number(obj.applicant.id_number)}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications are created by applicants through the API

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the record is kept; applicants withdraw


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "application", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["=application__reference", "=sha256"]
    readonly_fields = [
        "application",
        "kind",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "duplicate_of",
        "issued_on",
        "hospital",
        "uploaded_by",
        "uploaded_at",
    ]
    exclude = ["file"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<uuid:document_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="applications_document_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, document_id: str) -> FileResponse:
        """Inline preview in the admin through the same permission check and access log as the API."""
        document = get_object_or_404(Document.objects.only("application_id"), pk=document_id)
        document, role = selectors.document_for_reader(
            user=request.user, application_id=document.application_id, document_id=document_id
        )
        handle = services.document_open(
            document=document,
            user=request.user,
            role=role,
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        response = FileResponse(handle, content_type=document.content_type, filename=document.original_name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
        # The review workbench previews PDFs in a frame of its own pages (XFrameOptionsMiddleware: DENY).
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response


@admin.register(DocumentAccess)
class DocumentAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "role", "document", "ip_address"]
    list_filter = ["role"]
    date_hierarchy = "at"
    readonly_fields = ["at", "user", "role", "document", "ip_address", "user_agent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "sms_status", "email_status", "read_at"]
    list_filter = ["kind", "sms_status", "email_status"]
    search_fields = ["=application__reference"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
