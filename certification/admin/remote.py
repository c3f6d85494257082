"""Remote-care filings in the admin: the list, the proof (logged), the officer's decision page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from certification.admin.common import decide_page, masked_person
from certification.models import (
    RemoteFiling,
    RemoteFilingStatus,
)
from certification.remote import remote_filing_decide, remote_filing_proof_open
from config.admin_paginator import FastListAdmin
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user
from config.domain import DomainError


@admin.register(RemoteFiling)
class RemoteFilingAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only pages: a filing is decided on its own page (审核…), through `remote_filing_decide`."""

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
    list_filter = ["status", "type", ("overdue_since", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["holder"]
    exclude = ["proof"]
    readonly_fields = [f.name for f in RemoteFiling._meta.fields if f.name != "proof"] + ["proof_link"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RemoteFiling]:
        return super().get_queryset(request).select_related("holder")

    @admin.display(description="备案人")
    def masked_holder(self, obj: RemoteFiling) -> str:
        return masked_person(obj.holder)

    @admin.display(description="居住证明")
    def proof_link(self, obj: RemoteFiling) -> str:
        if not obj.proof:
            return "—"
        url = reverse("admin:certification_remotefiling_proof", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">查看（记录访问）</a>', url)

    @admin.display(description="审核")
    def decide_link(self, obj: RemoteFiling) -> str:
        if obj.status != RemoteFilingStatus.PENDING:
            return "—"
        return format_html('<a href="{}">审核…</a>', reverse("admin:certification_remotefiling_decide", args=[obj.pk]))

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", wrap(self.decide_view), name="certification_remotefiling_decide"),
            path("<int:pk>/proof/", wrap(self.proof_view), name="certification_remotefiling_proof"),
            *super().get_urls(),
        ]

    def proof_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not request.user.has_perm("certification.view_remotefiling"):
            raise PermissionDenied
        filing = get_object_or_404(RemoteFiling, pk=pk)
        if not filing.proof:
            raise Http404
        handle = remote_filing_proof_open(
            filing=filing,
            user=authenticated_user(request),
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        response = FileResponse(handle, content_type=filing.proof_content_type, filename=filing.proof_name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("certification.change_remotefiling"):
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
                return HttpResponseRedirect(reverse("admin:certification_remotefiling_changelist"))
        facts: list[tuple[str, object]] = [
            ("备案人", self.masked_holder(filing)),
            ("类型", filing.get_type_display()),
            ("就医地", filing.place),
            ("期间", f"{filing.start_date} 至 {filing.end_date or '长期'}"),
            ("办结时限", filing.decide_by),
            ("居住证明", self.proof_link(filing)),
        ]
        return decide_page(
            request,
            admin_obj=self,
            title="审核异地长期居住备案",
            facts=facts,
            choices=[("grant", "准予备案"), ("reject", "不予备案")],
            reason_label="审核意见（不予备案时必填）",
            reason_required=False,
            reason=reason,
        )
