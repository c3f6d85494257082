"""The catalogue, the registries, applications and their documents in the admin. Applications are
read-only here: every change goes through the services (review pages, the actions below)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from accounts.identity import mask_id_number, mask_name, mask_phone
from applications import desk_admin, documents, registry_admin, selectors, services
from applications.forms import DiseaseAdminForm
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    DeskPost,
    Disease,
    DiseaseCategory,
    Document,
    DocumentAccess,
    Hospital,
    InsuredPerson,
    PersonSearch,
    RetentionPolicy,
    ServiceRating,
)
from applications.person_search import PersonSearchAdmin, applicant_identity, search_term_read
from certification.lifecycle import insured_status_changed
from config.admin_paginator import REFERENCE_RE, FastListAdmin, RecentDateFilter, fixed_values_filter
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user
from config.domain import DomainError
from config.export import ExportXlsxAdmin
from reviews.admin import ReviewAssignmentInline, ReviewOverdueFilter
from reviews.admin.batch import batch_assign_cases
from reviews.announcements import announcement_entries_republish

__all__ = ["desk_admin"]  # the desk's pages (代办申请) register themselves there


@admin.register(DiseaseCategory)
class DiseaseCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["code", "name"]


@admin.register(Disease)
class DiseaseAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "record_max_age_days",
        "requires_hospital_appraisal",
        "requires_annual_reexam",
        "requires_stamped_form",
        "employee_ratio",
        "resident_ratio",
        "publication",
        "is_active",
    ]
    list_filter = [
        "category",
        "publication",
        "requires_hospital_appraisal",
        "requires_annual_reexam",
        "requires_stamped_form",
        "is_active",
    ]
    search_fields = ["code", "name"]
    list_select_related = ["category"]

    form = DiseaseAdminForm

    def save_model(self, request: HttpRequest, obj: Disease, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "publication" in form.changed_data:
            count = announcement_entries_republish(disease=obj)
            self.message_user(request, f"已按新的公示方式更新 {count} 条公示名单（公示页面约一分钟内更新）。")


@admin.register(DeskPost)
class DeskPostAdmin(admin.ModelAdmin):
    """Who files for people in person: a hospital's 医保办 (with its hospital) or the service window."""

    list_display = ["user", "hospital"]
    list_select_related = ["user", "hospital"]
    autocomplete_fields = ["hospital"]
    search_fields = ["user__username", "user__name"]


@admin.register(Hospital)
class HospitalAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "region_code", "is_designated", "can_appraise"]
    list_filter = ["level", "is_designated", "can_appraise", "region_code"]
    search_fields = ["code", "name"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(PersonSearchAdmin, admin.ModelAdmin):
    list_display = ["masked_name", "masked_id_number", "insurance_type", "region_code", "insured_since", "status"]
    list_filter = ["insurance_type", "status", "region_code"]
    # The full number (never fragments), or the name; every search for a person is logged.
    search_fields = ["=id_number", "name"]
    search_help_text = "完整身份证号码或姓名（每次查询均记录）"
    person_search_where = "参保人员"
    readonly_fields = ["updated_at"]

    def get_urls(self) -> list[URLPattern]:
        return registry_admin.import_urls(self) + super().get_urls()  # 导入登记文件 (registry_admin.py)

    @admin.display(description="姓名")
    def masked_name(self, obj: InsuredPerson) -> str:
        return mask_name(obj.name)

    @admin.display(description="身份证号码")
    def masked_id_number(self, obj: InsuredPerson) -> str:
        return mask_id_number(obj.id_number)

    def save_model(self, request: HttpRequest, obj: InsuredPerson, form: Any, change: bool) -> None:
        previous = InsuredPerson.objects.get(pk=obj.pk).status if change else obj.status
        super().save_model(request, obj, form, change)
        effects = insured_status_changed(person=obj, previous=previous, on=timezone.localdate())
        for line in effects.lines:
            self.message_user(request, f"参保状态变更影响待遇：{line}", messages.WARNING)


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor_label", "from_status", "to_status", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    can_delete = False
    fields = ("kind", "original_name", "content_type", "size", "issued_on", "hospital", "duplicate_of", "open_link")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="查看（记录访问）")
    def open_link(self, obj: Document) -> str:
        if obj.application.submitted_at is None:
            return "草稿尚未提交，不可查看"  # the applicant's own until they submit (case_reader_role)
        url = reverse("admin:applications_document_file", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">打开</a>', url)


@admin.register(Application)
class ApplicationAdmin(FastListAdmin, PersonSearchAdmin, ExportXlsxAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only (changes go through the review pages and the actions, which keep the change permission).
    list_actions_change = True
    list_display = [
        "reference",
        "masked_applicant",
        "disease",
        "kind",
        "status",
        "submitted_at",
        "review_deadline",
    ]
    list_filter = ["status", ReviewOverdueFilter, "created_at", "submitted_at", "kind", "channel", "disease__category"]
    search_fields = ["=reference", "=applicant__id_number", "=applicant__phone", "applicant__name"]
    search_by_kind = {None: ["=reference"], "id_number": ["=applicant__id_number"], "phone": ["=applicant__phone"]}
    search_help_text = "受理编号、申请人完整身份证号码或手机号、姓名（按人员查询均记录）"
    person_search_where = "申请"
    export_columns = [
        ("受理编号", lambda a: a.reference),
        ("申请人", lambda a: mask_name(a.applicant.name)),
        ("身份证号码", lambda a: mask_id_number(a.applicant.id_number)),
        ("病种", lambda a: a.disease.name),
        ("申请类型", lambda a: a.get_kind_display()),
        ("办理渠道", lambda a: a.get_channel_display()),
        ("状态", lambda a: a.get_status_display()),
        ("提交时间", lambda a: a.submitted_at),
        ("受理时间", lambda a: a.accepted_at),
        ("评审截止日期", lambda a: a.review_deadline),
    ]
    list_select_related = ["applicant", "disease"]
    readonly_fields = [
        "reference",
        "designated_points_display",
        "kind",
        "channel",
        "status",
        "disease",
        "diagnosis_date",
        "diagnosing_hospital",
        "agent_name",
        "agent_relationship",
        "agent_phone",
        "problems",
        "submitted_at",
        "accepted_at",
        "review_deadline",
        "created_at",
        "updated_at",
    ]
    # The applicant: shown by identity; the points: by name.
    exclude = ["applicant", "agent_id_number", "agent_id_number_index", "designated_points"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Every state change goes through the services (review pages, actions): nothing is edited here.
        concrete = [f.name for f in Application._meta.concrete_fields if f.name not in self.exclude]
        return list(dict.fromkeys([*concrete, *self.readonly_fields]))

    inlines = [DocumentInline, EventInline, ReviewAssignmentInline]
    actions = ["check_again", batch_assign_cases]

    @admin.action(description="重新进行完整性检查（自动重试已停止的待检查申请）", permissions=["change"])
    def check_again(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        done = 0
        for application in queryset.filter(status=ApplicationStatus.SUBMITTED):
            try:
                services.application_check_retry(application=application, officer=authenticated_user(request))
            except DomainError as exc:
                messages.warning(request, f"{application.reference}：{exc.message}")
            else:
                done += 1
        messages.success(request, f"已重新排队检查 {done} 件申请（只处理“已提交待检查”的申请）。")

    def search_fields_for(self, term: str) -> list[str] | None:
        return self.search_by_kind.get(search_term_read(term)[0])  # a name: every field

    @admin.display(description="申请人")
    def masked_applicant(self, obj: Application) -> str:
        return f"{mask_name(obj.applicant.name)} {mask_id_number(obj.applicant.id_number)}"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.print_view)
        return [path("<uuid:pk>/print/", view, name="applications_application_print"), *super().get_urls()]

    def print_view(self, request: HttpRequest, pk: str) -> TemplateResponse:
        """A case to print (facts, the check, every round's opinions, the decision), the applicant shown
        as the case page shows them to this reader (and the read logged the same way)."""
        application = get_object_or_404(
            Application.objects.select_related("applicant", "disease", "diagnosing_hospital"), pk=pk
        )
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        context = {
            "application": application,
            "identity": applicant_identity(request=request, application=application, person=application.applicant),
            "points": selectors.hospital_names(application.designated_points) or "—",
            "events": application.events.order_by("at", "id"),
            "assignments": application.assignments.select_related("expert").order_by("round", "assigned_at"),
            "bureau": settings.BUREAU_NAME,
            "printed_at": timezone.localtime(),
        }
        return TemplateResponse(request, "admin/applications/application/print.html", context)

    @admin.display(description="选择的定点医疗机构")
    def designated_points_display(self, obj: Application) -> str:
        return selectors.hospital_names(obj.designated_points) or "—"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        extra_context = {**(extra_context or {})}
        application = self.get_object(request, object_id)
        if application is not None and self.has_view_permission(request, application):
            person = applicant_identity(request=request, application=application, person=application.applicant)
            extra_context["applicant_identity"] = person
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Document)
class DocumentAdmin(FastListAdmin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "application", "content_type", "size", "uploaded_at"]
    content_types = [
        ("image/jpeg", "JPEG 图片"),
        ("image/png", "PNG 图片"),
        ("image/heif", "高效图像格式图片"),
        ("application/pdf", "PDF 文件"),
    ]
    list_filter = ["kind", fixed_values_filter("content_type", "文件类型", content_types), "uploaded_at"]
    list_select_related = ["application"]
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

    def search_fields_for(self, term: str) -> list[str]:
        return ["=application__reference"] if REFERENCE_RE.match(term) else ["=sha256"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
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
        handle = documents.document_open(
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
class DocumentAccessAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "role", "subject", "ip_address"]
    list_filter = ["role", "at"]
    list_select_related = ["user", "document", "document__application", "application", "remote_filing"]
    readonly_fields = ["at", "user", "role", "subject", "ip_address", "user_agent"]
    exclude = ["document", "application", "family_link", "remote_filing"]

    @admin.display(description="查阅内容")
    def subject(self, obj: DocumentAccess) -> str:
        if obj.document is not None:
            return f"{obj.document.application.reference} {obj.document.get_kind_display()}"
        if obj.application is not None:
            return f"{obj.application.reference} 申请记录"
        if obj.family_link_id:
            return "亲情账户授权书"
        return f"异地备案证明 #{obj.remote_filing_id}"


@admin.register(PersonSearch)
class PersonSearchLogAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who looked a person up: read-only; the term itself is shown masked."""

    list_display = ["at", "user", "where", "kind", "term_masked", "results", "ip_address"]
    places = [(where, where) for where in ("申请", "待遇认定", "参保人员", "代办申请")]  # each `person_search_where`
    list_filter = ["kind", fixed_values_filter("where", "查询位置", places), "at"]
    list_select_related = ["user"]
    fields = ["at", "user", "where", "kind", "term_masked", "results", "ip_address"]
    readonly_fields = ["at", "user", "where", "kind", "term_masked", "results", "ip_address"]

    @admin.display(description="查询内容")
    def term_masked(self, obj: PersonSearch) -> str:
        masks = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}
        return masks[obj.kind](obj.term)


@admin.register(ServiceRating)
class ServiceRatingAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """好差评 as the applicants gave them; the dashboard links here for the low ones (差评)."""

    list_display = ["created_at", "application", "score", "comment"]
    list_filter = ["score", ("created_at", RecentDateFilter)]
    list_select_related = ["application"]
    fields = ["created_at", "application", "score", "comment"]
    readonly_fields = ["created_at", "application", "score", "comment"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["record", "days", "reminder_days"]
    list_editable = ["days", "reminder_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row per kind of record, from the migration

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
