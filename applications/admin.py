from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.identity import mask_id_number, mask_name
from applications import selectors, services
from applications.models import (
    Application,
    ApplicationEvent,
    Certification,
    CertificationStatus,
    Disease,
    DiseaseCategory,
    Document,
    DocumentAccess,
    Hospital,
    InsuredPerson,
    Notification,
    RemoteFiling,
    RemoteFilingStatus,
)
from applications.remote import remote_filing_decide
from applications.renewals import certification_revoke
from config.auth import authenticated_user
from config.domain import DomainError
from reviews.admin import ReviewAssignmentInline, ReviewOverdueFilter

logger = logging.getLogger(__name__)


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
    fields = ("at", "actor_label", "from_status", "to_status", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    can_delete = False
    fields = ("kind", "original_name", "content_type", "size", "issued_on", "hospital", "duplicate_of", "open_link")
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

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Every state change goes through the services (review pages, actions): nothing is edited here.
        concrete = [f.name for f in Application._meta.concrete_fields if f.name not in self.exclude]
        return list(dict.fromkeys([*concrete, *self.readonly_fields]))

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
        user = authenticated_user(request)
        document = get_object_or_404(Document.objects.only("application_id"), pk=document_id)
        document, role = selectors.document_for_reader(
            user=user, application_id=document.application_id, document_id=document_id
        )
        handle = services.document_open(
            document=document,
            user=user,
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


def _decide_page(
    request: HttpRequest,
    *,
    admin_obj: admin.ModelAdmin,
    title: str,
    facts: list,
    choices: list,
    reason_label: str,
    reason_required: bool,
    reason: str = "",
) -> TemplateResponse:
    context = {
        **admin_obj.admin_site.each_context(request),
        "opts": admin_obj.model._meta,
        "title": title,
        "facts": facts,
        "choices": choices,
        "reason_label": reason_label,
        "reason_required": reason_required,
        "reason": reason,
    }
    return TemplateResponse(request, "admin/applications/decide.html", context)


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "masked_holder",
        "disease",
        "status",
        "benefit_start_date",
        "next_review_due",
        "valid_until",
        "revoke_link",
    ]
    list_filter = ["status", "insurance_type", "disease__category"]
    search_fields = ["=code", "=application__reference"]
    list_select_related = ["holder", "disease"]
    readonly_fields = [f.name for f in Certification._meta.fields]

    @admin.display(description="持证人")
    def masked_holder(self, obj: Certification) -> str:
        return f"{mask_name(obj.holder.name)} {mask_id_number(obj.holder.id_number)}"

    @admin.display(description="撤销")
    def revoke_link(self, obj: Certification) -> str:
        if obj.status == CertificationStatus.REVOKED:
            return "—"
        return format_html('<a href="{}">撤销…</a>', reverse("admin:applications_certification_revoke", args=[obj.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view(self.revoke_view)
        return [path("<uuid:pk>/revoke/", view, name="applications_certification_revoke"), *super().get_urls()]

    def revoke_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not request.user.has_perm("applications.change_certification"):
            raise PermissionDenied
        certification = get_object_or_404(Certification.objects.select_related("holder", "disease"), pk=pk)
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        if request.method == "POST" and request.POST.get("decision") == "revoke":
            try:
                certification_revoke(certification=certification, officer=authenticated_user(request), reason=reason)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"凭证{certification.code}已撤销。")
                return HttpResponseRedirect(reverse("admin:applications_certification_changelist"))
        facts = [
            ("核验码", certification.code),
            ("持证人", self.masked_holder(certification)),
            ("病种", certification.disease.name),
            ("状态", certification.get_status_display()),
        ]
        return _decide_page(
            request,
            admin_obj=self,
            title=f"撤销凭证 {certification.code}",
            facts=facts,
            choices=[("revoke", "撤销待遇认定")],
            reason_label="撤销理由",
            reason_required=True,
            reason=reason,
        )


@admin.register(RemoteFiling)
class RemoteFilingAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "masked_holder",
        "type",
        "place",
        "start_date",
        "status",
        "decide_by",
        "overdue_since",
        "decide_link",
    ]
    list_filter = ["status", "type", ("overdue_since", admin.EmptyFieldListFilter)]
    list_select_related = ["holder"]
    date_hierarchy = "created_at"
    exclude = ["proof"]
    readonly_fields = [f.name for f in RemoteFiling._meta.fields if f.name != "proof"] + ["proof_link"]

    @admin.display(description="备案人")
    def masked_holder(self, obj: RemoteFiling) -> str:
        return f"{mask_name(obj.holder.name)} {mask_id_number(obj.holder.id_number)}"

    @admin.display(description="居住证明")
    def proof_link(self, obj: RemoteFiling) -> str:
        if not obj.proof:
            return "—"
        url = reverse("admin:applications_remotefiling_proof", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">查看（记录访问）</a>', url)

    @admin.display(description="审核")
    def decide_link(self, obj: RemoteFiling) -> str:
        if obj.status != RemoteFilingStatus.PENDING:
            return "—"
        return format_html('<a href="{}">审核…</a>', reverse("admin:applications_remotefiling_decide", args=[obj.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="applications_remotefiling_decide",
            ),
            path(
                "<int:pk>/proof/", self.admin_site.admin_view(self.proof_view), name="applications_remotefiling_proof"
            ),
            *super().get_urls(),
        ]

    def proof_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not request.user.has_perm("applications.view_remotefiling"):
            raise PermissionDenied
        filing = get_object_or_404(RemoteFiling, pk=pk)
        if not filing.proof:
            raise Http404
        logger.info("remote filing proof access: filing=%s user=%s", filing.pk, request.user.pk)
        response = FileResponse(
            filing.proof.open("rb"), content_type=filing.proof_content_type, filename=filing.proof_name
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("applications.change_remotefiling"):
            raise PermissionDenied
        filing = get_object_or_404(RemoteFiling.objects.select_related("holder"), pk=pk)
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        decision = request.POST.get("decision") if request.method == "POST" else None
        if decision in ("grant", "reject"):
            try:
                remote_filing_decide(
                    filing=filing, officer=authenticated_user(request), grant=decision == "grant", reason=reason
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "备案已办结。")
                return HttpResponseRedirect(reverse("admin:applications_remotefiling_changelist"))
        facts = [
            ("备案人", self.masked_holder(filing)),
            ("类型", filing.get_type_display()),
            ("就医地", filing.place),
            ("期间", f"{filing.start_date} 至 {filing.end_date or '长期'}"),
            ("办结时限", filing.decide_by),
            ("居住证明", self.proof_link(filing)),
        ]
        return _decide_page(
            request,
            admin_obj=self,
            title="审核异地长期居住备案",
            facts=facts,
            choices=[("grant", "准予备案"), ("reject", "不予备案")],
            reason_label="审核意见（不予备案时必填）",
            reason_required=False,
            reason=reason,
        )
