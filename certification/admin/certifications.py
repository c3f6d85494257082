"""Certifications in the admin: the read-only list with the history, the officer pages (revoke, end,
change the designated points) and the reconcile action, all calling the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from accounts.identity import mask_id_number, mask_name
from applications.person_search import PersonSearchAdmin, search_term_read
from certification.admin.common import CertificationEventInline, decide_page, masked_person
from certification.lifecycle import certification_end
from certification.models import (
    OFFICER_END_REASONS,
    Certification,
    CertificationStatus,
)
from certification.platform.reconcile import platform_reconcile_certifications
from certification.points import designated_points_change, designated_points_current
from certification.services import certification_revoke
from config.admin_paginator import REFERENCE_RE, FastListAdmin
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user
from config.domain import DomainError
from config.export import ExportXlsxAdmin


@admin.register(Certification)
class CertificationAdmin(FastListAdmin, PersonSearchAdmin, ExportXlsxAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only pages: a benefit changes only through the officer pages below (their own permission check)."""

    list_display = [
        "code",
        "masked_holder",
        "disease",
        "status",
        "benefit_start_date",
        "next_review_due",
        "valid_until",
        "platform_status",
        "revoke_link",
    ]
    list_filter = ["status", "platform_status", "insurance_type", "disease__category"]
    actions = ["reconcile_with_platform"]
    search_fields = ["=code", "=application__reference", "=holder__id_number", "=holder__phone", "holder__name"]
    search_help_text = "凭证核验码、受理编号、持证人完整身份证号码或手机号、姓名（按人员查询均记录）"
    person_search_where = "待遇认定"
    search_by_kind = {None: ["=code"], "id_number": ["=holder__id_number"], "phone": ["=holder__phone"]}
    export_columns = [
        ("凭证核验码", lambda c: c.code),
        ("持证人", lambda c: mask_name(c.holder.name)),
        ("身份证号码", lambda c: mask_id_number(c.holder.id_number)),
        ("病种", lambda c: c.disease.name),
        ("状态", lambda c: c.get_status_display()),
        ("待遇开始日期", lambda c: c.benefit_start_date),
        ("下次复核日期", lambda c: c.next_review_due),
        ("有效期至", lambda c: c.valid_until),
    ]
    list_select_related = ["holder", "disease"]
    readonly_fields = [f.name for f in Certification._meta.fields]
    inlines = [CertificationEventInline]

    def search_fields_for(self, term: str) -> list[str] | None:
        if REFERENCE_RE.match(term):
            return ["=application__reference"]
        return self.search_by_kind.get(search_term_read(term)[0])  # a name: every field

    @admin.display(description="持证人")
    def masked_holder(self, obj: Certification) -> str:
        return masked_person(obj.holder)

    @admin.display(description="办理")
    def revoke_link(self, obj: Certification) -> str:
        if obj.status in (CertificationStatus.REVOKED, CertificationStatus.ENDED):
            return "—"
        links = [
            ("admin:certification_certification_revoke", "撤销…"),
            ("admin:certification_certification_end", "终止…"),
            ("admin:certification_certification_points", "变更定点…"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', ((reverse(n, args=[obj.pk]), t) for n, t in links))

    @admin.action(description="核对医保信息平台登记（5301）")
    def reconcile_with_platform(self, request: HttpRequest, queryset: QuerySet[Certification]) -> None:
        report = platform_reconcile_certifications(queryset)
        level = messages.WARNING if report.mismatches or report.unreachable else messages.SUCCESS
        self.message_user(request, f"核对{report.checked}项待遇认定：不一致{len(report.mismatches)}处。", level)
        for line in report.mismatches[:20]:
            self.message_user(request, line, messages.WARNING)

    def get_urls(self) -> list[URLPattern]:
        pages = [
            ("revoke", self.revoke_view, "certification_certification_revoke"),
            ("end", self.end_view, "certification_certification_end"),
            ("points", self.points_view, "certification_certification_points"),
        ]
        own = [path(f"<uuid:pk>/{slug}/", self.admin_site.admin_view(view), name=name) for slug, view, name in pages]
        return [*own, *super().get_urls()]

    def _facts(self, certification: Certification) -> list[tuple[str, object]]:
        history = format_html_join(
            mark_safe("<br>"),
            "{} {}：{}",
            ((f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}", str(e), e.reason) for e in certification.events.all()),
        )
        points = "、".join(f"{p.order}. {p.hospital.name}" for p in designated_points_current(certification))
        return [
            ("核验码", certification.code),
            ("持证人", self.masked_holder(certification)),
            ("病种", certification.disease.name),
            ("状态", certification.get_status_display()),
            ("定点医疗机构", points or "—"),
            ("医保平台登记", certification.get_platform_status_display()),
            ("变更记录", history or "—"),
        ]

    def end_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        """An officer ends a benefit: death, insurance ended or fraud, with a note."""
        if not request.user.has_perm("certification.change_certification"):
            raise PermissionDenied
        certification = get_object_or_404(Certification.objects.select_related("holder", "disease"), pk=pk)
        note = request.POST.get("reason", "") if request.method == "POST" else ""
        if request.method == "POST":
            try:
                certification_end(
                    certification=certification,
                    reason=request.POST.get("decision", ""),
                    actor=authenticated_user(request),
                    on=timezone.localdate(),
                    note=note,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"凭证{certification.code}已终止，已向医保信息平台撤销登记。")
                return HttpResponseRedirect(reverse("admin:certification_certification_changelist"))
        return decide_page(
            request,
            admin_obj=self,
            title=f"终止待遇 {certification.code}",
            facts=self._facts(certification),
            choices=[(reason.value, f"终止：{reason.label}") for reason in OFFICER_END_REASONS],
            reason_label="说明（如死亡日期、参保终止依据、查处文号）",
            reason_required=False,
            reason=note,
        )

    def points_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        """An officer changes the designated points outside the yearly allowance, with a reason."""
        if not request.user.has_perm("certification.change_certification"):
            raise PermissionDenied
        certification = get_object_or_404(Certification.objects.select_related("holder", "disease"), pk=pk)
        current = " ".join(p.hospital.code for p in designated_points_current(certification))
        codes = request.POST.get("points", current) if request.method == "POST" else current
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        if request.method == "POST":
            try:
                designated_points_change(
                    certification=certification,
                    codes=codes.replace("，", " ").replace(",", " ").split(),
                    actor=authenticated_user(request),
                    on=timezone.localdate(),
                    officer_reason=reason,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"凭证{certification.code}的定点医疗机构已变更，次日生效。")
                return HttpResponseRedirect(reverse("admin:certification_certification_changelist"))
        return decide_page(
            request,
            admin_obj=self,
            title=f"变更定点医疗机构 {certification.code}",
            facts=self._facts(certification),
            choices=[("change", "变更（次日生效）")],
            reason_label="变更理由（记入变更记录）",
            reason_required=True,
            reason=reason,
            extra_fields=[("points", "定点医疗机构编码", codes, "1至3家，按顺序，以空格分隔；至少一家二级及以上")],
        )

    def revoke_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not request.user.has_perm("certification.change_certification"):
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
                return HttpResponseRedirect(reverse("admin:certification_certification_changelist"))
        facts = self._facts(certification)
        revoked = certification.status == CertificationStatus.REVOKED
        if revoked and request.method == "GET":
            messages.info(request, "该凭证已撤销，无需再次撤销。")
        return decide_page(
            request,
            admin_obj=self,
            title=f"撤销凭证 {certification.code}",
            facts=facts,
            choices=[] if revoked else [("revoke", "撤销待遇认定")],
            reason_label="撤销理由",
            reason_required=True,
            reason=reason,
        )
