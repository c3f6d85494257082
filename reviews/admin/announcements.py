"""Announcement batches, their entries and the public's objections in the Django admin.

Batches and entries are written by the publish/close jobs only, so they are read-only here. An officer
resolves an objection on its own page ("处理") or for several at once with the two list actions;
both ask for the resolution text and call `objection_resolve`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from config.admin_paginator import REFERENCE_RE, FastListAdmin
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user
from config.domain import DomainError
from config.export import ExportXlsxAdmin
from reviews.announcements import objection_resolve
from reviews.models import AnnouncementBatch, AnnouncementEntry, EntryStatus, Objection, ObjectionStatus

DISMISS_LABEL = "异议不成立"
UPHOLD_LABEL = "异议成立"


def _entry_count(**conditions: object) -> Coalesce:
    """A batch's entries counted by its own index (entries.batch_id): only for the batches on the page,
    where a join with COUNT would aggregate every entry of every batch first."""
    entries = AnnouncementEntry.objects.filter(batch=OuterRef("pk"), **conditions).order_by()
    counted = entries.annotate(n=Func(template="COUNT(*)", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted), 0)


def _application_link(entry: AnnouncementEntry) -> str:
    url = reverse("admin:applications_application_change", args=[entry.application_id])
    return format_html('<a href="{}">查看申请</a>', url)


def _resolve_link(objection: Objection) -> str:
    if objection.status != ObjectionStatus.OPEN:
        return "—"
    url = reverse("admin:reviews_objection_resolve", args=[objection.pk])
    return format_html('<a class="button" href="{}">处理</a>', url)


class AnnouncementEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AnnouncementEntry
    fields = ("masked_name", "masked_id_number", "disease_name", "district", "status", "open_objections", "application")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name = "公示条目"
    verbose_name_plural = "公示名单"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnnouncementEntry]:
        open_objections = Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN))
        return super().get_queryset(request).annotate(open_objection_count=open_objections)

    @admin.display(description="待处理异议")
    def open_objections(self, obj: AnnouncementEntry) -> int:
        return getattr(obj, "open_objection_count", 0)

    @admin.display(description="申请")
    def application(self, obj: AnnouncementEntry) -> str:
        return _application_link(obj)


class BatchOpenFilter(admin.SimpleListFilter):
    """公示中 (not yet closed by the close job), as the dashboard counts them, or 已结束."""

    title = "公示状态"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("open", "公示中"), ("closed", "已结束")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AnnouncementBatch]) -> QuerySet[AnnouncementBatch]:
        if self.value() in ("open", "closed"):
            return queryset.filter(closed_at__isnull=self.value() == "open")
        return queryset


@admin.register(AnnouncementBatch)
class AnnouncementBatchAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "region_code",
        "published_on",
        "ends_on",
        "entry_total",
        "held_total",
        "withdrawn_total",
        "closed_at",
        "public_page",
    ]
    list_filter = [BatchOpenFilter, "region_name"]
    date_hierarchy = "published_on"
    fields = ("region_code", "region_name", "published_on", "ends_on", "closed_at", "created_at", "public_page")
    readonly_fields = fields
    inlines = [AnnouncementEntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnnouncementBatch]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                entry_total=_entry_count(),
                held_total=_entry_count(status=EntryStatus.HELD),
                withdrawn_total=_entry_count(status=EntryStatus.WITHDRAWN),
            )
        )

    @admin.display(description="人数", ordering="entry_total")
    def entry_total(self, obj: AnnouncementBatch) -> int:
        return int(getattr(obj, "entry_total", 0))

    @admin.display(description="有异议待处理", ordering="held_total")
    def held_total(self, obj: AnnouncementBatch) -> int:
        return int(getattr(obj, "held_total", 0))

    @admin.display(description="异议成立退回", ordering="withdrawn_total")
    def withdrawn_total(self, obj: AnnouncementBatch) -> int:
        return int(getattr(obj, "withdrawn_total", 0))

    @admin.display(description="公示页面")
    def public_page(self, obj: AnnouncementBatch) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">查看</a>', reverse("gongshi:batch", args=[obj.pk])
        )


class ObjectionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Objection
    fields = ("created_at", "status", "reason", "contact_name", "contact_phone", "resolution", "resolve")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description="处理")
    def resolve(self, obj: Objection) -> str:
        return _resolve_link(obj)


@admin.register(AnnouncementEntry)
class AnnouncementEntryAdmin(FastListAdmin, ReadOnlyAdminMixin, ExportXlsxAdmin, admin.ModelAdmin):
    list_display = ["masked_name", "masked_id_number", "disease_name", "district", "batch", "status", "application"]
    list_filter = ["status", "batch", "batch__region_name", "batch__published_on"]
    search_fields = ["=application__reference", "masked_name"]
    ordering = ["-batch_id", "id"]  # the newest batch first, by the index on batch_id (not the batches' order)
    # The 公示名单 as the bureau publishes it: filter one batch, then export.
    export_title = "公示名单"
    export_columns = [
        ("公示批次", lambda e: str(e.batch)),
        ("姓名", lambda e: e.masked_name),
        ("身份证号码", lambda e: e.masked_id_number),
        ("病种", lambda e: e.disease_name),
        ("区县", lambda e: e.district),
        ("状态", lambda e: e.get_status_display()),
    ]
    list_select_related = ["batch", "application"]  # the column is the field (its reference), not the method
    fields = ("batch", "masked_name", "masked_id_number", "disease_name", "district", "status", "application")
    readonly_fields = fields
    inlines = [ObjectionInline]

    def search_fields_for(self, term: str) -> list[str] | None:
        return ["=application__reference"] if REFERENCE_RE.match(term) else None

    @admin.display(description="申请")
    def application(self, obj: AnnouncementEntry) -> str:
        return _application_link(obj)


@admin.register(Objection)
class ObjectionAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # The change permission means "may resolve" (the list actions and the resolve page). The change
    # form itself is view-only: an objection changes only through `objection_resolve`.
    list_actions_change = True
    list_display = [
        "id",
        "entry_summary",
        "batch",
        "status",
        "created_at",
        "contact_name",
        "contact_phone",
        "resolved_by",
        "resolved_at",
        "resolve",
    ]
    list_filter = ["status", "entry__batch__region_name", "created_at"]
    list_select_related = ["entry", "entry__batch", "resolved_by"]
    # By reference only: the contact phone is stored encrypted without a blind index (a search of it was a 500).
    search_fields = ["=entry__application__reference"]
    ordering = ["-id"]  # newest first, in the order they came in: the primary key's index, not a sort of the join
    actions = ["dismiss_selected", "uphold_selected"]
    fields = (
        "entry_summary",
        "batch",
        "application",
        "reason",
        "contact_name",
        "contact_phone",
        "created_at",
        "status",
        "resolution",
        "resolved_by",
        "resolved_at",
        "resolve",
    )
    readonly_fields = fields

    @admin.display(description="异议对象")
    def entry_summary(self, obj: Objection) -> str:
        entry = obj.entry
        return f"{entry.masked_name} {entry.masked_id_number} {entry.disease_name}"

    @admin.display(description="公示批次")
    def batch(self, obj: Objection) -> str:
        return str(obj.entry.batch)

    @admin.display(description="申请")
    def application(self, obj: Objection) -> str:
        return _application_link(obj.entry)

    @admin.display(description="处理")
    def resolve(self, obj: Objection) -> str:
        return _resolve_link(obj)

    def _can_resolve(self, request: HttpRequest) -> bool:
        return super().has_change_permission(request)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.resolve_view)
        return [path("<int:pk>/resolve/", view, name="reviews_objection_resolve"), *super().get_urls()]

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self._can_resolve(request):
            raise PermissionDenied
        objection = get_object_or_404(Objection.objects.select_related("entry", "entry__batch"), pk=pk)
        resolution = ""
        if request.method == "POST":
            resolution = request.POST.get("resolution", "")
            decision = request.POST.get("decision")
            if decision in ("dismiss", "uphold"):
                try:
                    objection_resolve(
                        objection_id=objection.pk,
                        officer=authenticated_user(request),
                        upheld=decision == "uphold",
                        resolution=resolution,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _resolved_message(objection, upheld=decision == "uphold"))
                    return HttpResponseRedirect(reverse("admin:reviews_objection_changelist"))
            else:
                messages.error(request, "请选择“异议不成立”或“异议成立”。")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"处理异议 #{objection.pk}",
            "objection": objection,
            "application_link": _application_link(objection.entry),
            "resolution": resolution,
            "dismiss_label": DISMISS_LABEL,
            "uphold_label": UPHOLD_LABEL,
        }
        return TemplateResponse(request, "admin/reviews/objection/resolve.html", context)

    @admin.action(description=f"{DISMISS_LABEL}（条目照常生效）", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[Objection]) -> HttpResponse | None:
        return self._resolve_selected(request, queryset, upheld=False, action="dismiss_selected")

    @admin.action(description=f"{UPHOLD_LABEL}（退回专家评审）", permissions=["change"])
    def uphold_selected(self, request: HttpRequest, queryset: QuerySet[Objection]) -> HttpResponse | None:
        return self._resolve_selected(request, queryset, upheld=True, action="uphold_selected")

    def _resolve_selected(
        self, request: HttpRequest, queryset: QuerySet[Objection], *, upheld: bool, action: str
    ) -> HttpResponse | None:
        """First call: ask for the resolution text. Second call (the form posted back): resolve each."""
        resolution = request.POST.get("resolution", "")
        if request.POST.get("confirm") and resolution.strip():
            done = 0
            for objection in queryset.select_related("entry"):
                try:
                    objection_resolve(
                        objection_id=objection.pk,
                        officer=authenticated_user(request),
                        upheld=upheld,
                        resolution=resolution,
                    )
                except DomainError as exc:
                    messages.warning(request, f"异议 #{objection.pk}：{exc.message}")
                else:
                    done += 1
            if done:
                label = UPHOLD_LABEL if upheld else DISMISS_LABEL
                messages.success(request, f"已按“{label}”处理 {done} 条异议。")
            return None
        if request.POST.get("confirm"):
            messages.error(request, "请填写处理意见。")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"批量处理异议：{UPHOLD_LABEL if upheld else DISMISS_LABEL}",
            "objections": queryset.select_related("entry", "entry__batch"),
            "action": action,
            "upheld": upheld,
            "resolution": resolution,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reviews/objection/resolve_selected.html", context)


def _resolved_message(objection: Objection, *, upheld: bool) -> str:
    entry = objection.entry
    if upheld:
        return f"异议 #{objection.pk} 成立：{entry.masked_name}（{entry.disease_name}）已撤出公示，退回专家重新评审。"
    return f"异议 #{objection.pk} 不成立：{entry.masked_name}（{entry.disease_name}）公示期满后照常生效。"
