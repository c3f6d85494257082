"""The desk's pages in the admin (代办申请), for a hospital's 医保办 and the service window: find the
person in the insured registry, start an application for them, upload the scans, see what is still
missing (一次性告知, the same precheck the applicant gets) and submit. Only staff holding a desk post
see these pages, and only the applications their desk filed. Every action calls the services the API
calls; every read of a case or of a scan is logged in the person's access record."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from accounts.identity import mask_id_number, mask_name, mask_phone
from applications import documents, selectors, services
from applications.desk import desk_insured_lookup, desk_post, desk_reads_log
from applications.desk_forms import DeskLookupForm, DeskPointsForm, DeskStartForm, DeskUploadForm, form_errors_add
from applications.form import application_form_render
from applications.models import (
    EDITABLE_STATUSES,
    Application,
    ApplicationStatus,
    DeskApplication,
    DeskPost,
    DocumentKind,
)
from applications.person_search import PersonSearchAdmin
from config.auth import authenticated_user, client_of
from config.domain import DomainError

NEXT_STEP = {
    ApplicationStatus.DRAFT: "上传材料后提交",
    ApplicationStatus.NEEDS_SUPPLEMENT: "按一次性告知补正后重新提交",
    ApplicationStatus.SUBMITTED: "等待完整性检查",
}


@admin.register(DeskApplication)
class DeskApplicationAdmin(PersonSearchAdmin, admin.ModelAdmin):
    list_display = ["reference", "applicant_display", "disease", "status", "next_step", "created_at"]
    list_display_links = ["reference"]
    list_filter = ["status"]
    search_fields = ["=reference", "=applicant__id_number", "=applicant__phone", "applicant__name"]
    search_help_text = "受理编号、申请人身份证号码或手机号（完整）、姓名（按人员查询均记录）"
    person_search_where = "代办申请"
    list_select_related = ["applicant", "disease"]
    ordering = ["-created_at"]
    show_full_result_count = False

    # Who: a staff member with a desk post, nobody else (officers work in 申请 and 评审).
    def _post(self, request: HttpRequest) -> DeskPost | None:
        if not hasattr(request, "_desk_post"):
            user = request.user
            request._desk_post = desk_post(user=user) if user.is_authenticated else None  # type: ignore[attr-defined]
        post: DeskPost | None = request._desk_post  # type: ignore[attr-defined]
        return post

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._post(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._post(request) is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._post(request) is not None

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the case page's own forms change it, through the services

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeskApplication]:
        post = self._post(request)
        queryset = super().get_queryset(request)
        return queryset.filter(post.scope()) if post is not None else queryset.none()

    @admin.display(description="申请人")
    def applicant_display(self, obj: Application) -> str:
        return f"{mask_name(obj.applicant.name)} {mask_id_number(obj.applicant.id_number)}"

    @admin.display(description="下一步")
    def next_step(self, obj: Application) -> str:
        if obj.status == ApplicationStatus.NEEDS_SUPPLEMENT:
            return f"补正 {len(obj.problems)} 项后重新提交"
        return NEXT_STEP.get(obj.status, "由医保部门办理，可在此查看进度")  # type: ignore[call-overload]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, {"title": "代办申请", **(extra_context or {})})
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:  # the page of cases shown is a read of those records
            desk_reads_log(user=authenticated_user(request), applications=changelist.result_list, **client_of(request))
        return response

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("lookup/", wrap(self.lookup_view), name="applications_deskapplication_lookup"),
            path(
                "<uuid:pk>/documents/<uuid:document_id>/",
                wrap(self.document_view),
                name="applications_deskapplication_document",
            ),
            path("<uuid:pk>/form/", wrap(self.form_view), name="applications_deskapplication_form"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:applications_deskapplication_lookup"))

    def lookup_view(self, request: HttpRequest) -> HttpResponse:
        """Find the person by ID number in the registry; then start an application for them."""
        if self._post(request) is None:
            return HttpResponseRedirect(reverse("admin:index"))
        user = authenticated_user(request)
        source = request.POST if request.method == "POST" else request.GET
        lookup = DeskLookupForm(source or None)
        person, has_account, start = None, False, None
        if lookup.is_valid():
            try:
                person, has_account = desk_insured_lookup(user=user, id_number=lookup.cleaned_data["id_number"])
            except DomainError as exc:
                lookup.add_error("id_number", exc.message)
        if person is not None:
            initial = {"id_number": person.id_number}
            start = DeskStartForm(request.POST if request.method == "POST" else None, initial=initial)
            if request.method == "POST" and start.is_valid():
                application = self._start(request, start)
                if application is not None:
                    messages.success(request, f"已为{person.name}建立申请（{application.reference}），请上传材料。")
                    return HttpResponseRedirect(
                        reverse("admin:applications_deskapplication_change", args=[application.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "查找参保人并代为申请",
            "lookup": lookup,
            "person": person,
            "has_account": has_account,
            "start": start,
        }
        return TemplateResponse(request, "admin/applications/deskapplication/lookup.html", context)

    def _start(self, request: HttpRequest, form: DeskStartForm) -> Application | None:
        values = form.cleaned_data
        try:
            return services.application_create(
                applicant=authenticated_user(request),
                disease_code=values["disease"].code,
                diagnosis_date=values["diagnosis_date"],
                diagnosing_hospital_code=values["diagnosing_hospital"].code,
                designated_points=form.designated_points(),
                for_id_number=values["id_number"],
                for_phone=values["phone"],
            )
        except DomainError as exc:
            form_errors_add(form, exc)
            return None

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The case: its facts, what is still missing, its documents; upload, remove, submit."""
        if self._post(request) is None:
            return HttpResponseRedirect(reverse("admin:index"))
        user = authenticated_user(request)
        try:
            uuid.UUID(str(object_id))
        except ValueError:
            raise Http404 from None
        application = selectors.application_get(user=user, application_id=object_id)
        forms_shown: dict[str, Any] = {}
        if request.method == "POST":
            done, forms_shown = self._act(request, application)
            if done:
                return HttpResponseRedirect(request.path)
            application = selectors.application_get(user=user, application_id=object_id)
        desk_reads_log(user=user, applications=[application], **client_of(request))
        editable = application.status in EDITABLE_STATUSES
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"代办申请 {application.reference}",
            "application": application,
            "facts": self._facts(application),
            "editable": editable,
            "precheck": services.application_precheck(application=application) if editable else None,
            "documents": application.documents.all(),
            "upload": forms_shown.get("upload") or DeskUploadForm(),
            "points": forms_shown.get("points") or DeskPointsForm(initial=self._points_initial(application)),
            "consent_kind": DocumentKind.CONSENT_FORM.label,
        }
        return TemplateResponse(request, "admin/applications/deskapplication/case.html", context)

    def _points_initial(self, application: Application) -> dict[str, str]:
        return {f"point_{place}": code for place, code in enumerate(application.designated_points, start=1)}

    def _act(self, request: HttpRequest, application: Application) -> tuple[bool, dict[str, Any]]:
        """One action of the case page through its service; False and the form with its errors if refused."""
        user, action = authenticated_user(request), request.POST.get("action")
        upload = DeskUploadForm(request.POST, request.FILES) if action == "upload" else DeskUploadForm()
        points = DeskPointsForm(request.POST) if action == "points" else None
        shown = {"upload": upload, "points": points}
        try:
            if action == "points" and points is not None:
                if not points.is_valid():
                    return False, shown
                services.application_update(
                    application=application, user=user, designated_points=points.designated_points()
                )
                messages.success(request, "已保存定点医疗机构。")
            elif action == "upload":
                if not upload.is_valid():
                    return False, shown
                values = upload.cleaned_data
                document = documents.document_add(
                    application=application,
                    user=user,
                    kind=values["kind"],
                    file=values["file"],
                    issued_on=values["issued_on"],
                    hospital_code=values["hospital"].code if values["hospital"] else None,
                    issuer_required=True,
                )
                messages.success(request, f"已上传“{document.get_kind_display()}”。")
            elif action == "delete":
                document = selectors.document_get(application=application, document_id=request.POST.get("document"))
                documents.document_delete(application=application, document=document, user=user)
                messages.success(request, f"已删除“{document.get_kind_display()}”。")
            elif action == "submit":
                services.application_submit(application=application, user=user)
                messages.success(
                    request, f"已提交 {application.reference}，系统正在进行完整性检查，结果以短信告知申请人。"
                )
            else:
                messages.error(request, "请选择要进行的操作。")
                return False, shown
        except DomainError as exc:
            if action == "upload":
                form_errors_add(upload, exc)
            else:
                messages.error(request, exc.message)
            return False, shown
        return True, shown

    def _facts(self, application: Application) -> list[tuple[str, object]]:
        applicant = application.applicant
        points = selectors.hospital_names(application.designated_points) or "未选择"
        return [
            ("受理编号", application.reference),
            ("申请人", f"{applicant.name}（{mask_id_number(applicant.id_number)}）"),
            ("接收短信的手机", mask_phone(applicant.phone) if applicant.phone else "—"),
            ("申请病种", application.disease),
            ("确诊日期", application.diagnosis_date),
            ("确诊医院", application.diagnosing_hospital),
            ("选择的定点医疗机构", points),
            ("办理渠道", application.get_channel_display()),
            ("状态", application.get_status_display()),
        ]

    def document_view(self, request: HttpRequest, pk: str, document_id: str) -> FileResponse:
        """A scan of a case the desk filed, opened in the browser; the read is logged."""
        user = authenticated_user(request)
        document, role = selectors.document_for_reader(user=user, application_id=pk, document_id=document_id)
        handle = documents.document_open(document=document, user=user, role=role, **client_of(request))
        response = FileResponse(handle, content_type=document.content_type, filename=document.original_name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def form_view(self, request: HttpRequest, pk: str) -> FileResponse:
        """The application form (特殊病种申请表) filled from the case, to print for the person to sign."""
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        desk_reads_log(user=user, applications=[application], **client_of(request))
        pdf = application_form_render(application=application, for_signing=True)
        response = FileResponse(
            io.BytesIO(pdf), content_type="application/pdf", filename=f"{application.reference}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response
