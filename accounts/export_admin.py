"""我的导出任务: a staff member's background Excel exports (config/export_jobs.py) — each person sees and
downloads only their own; a running job's page refreshes itself to show its progress."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import ExportJob, ExportStatus
from config.domain import DomainError
from config.export import xlsx_file_response
from config.export_jobs import export_job_file


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "created_at", "status", "progress", "download"]
    list_filter = ["status"]
    fields = ("title", "status", "progress", "created_at", "finished_at", "error", "download")
    readonly_fields = fields
    change_form_template = "admin/accounts/exportjob/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        return super().get_queryset(request).filter(user=request.user)  # one's own exports only

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and (obj is None or obj.user_id == request.user.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="进度")
    def progress(self, job: ExportJob) -> str:
        total = max(job.rows_total, 1)
        return f"{job.rows_done:,} / {job.rows_total:,} 行（{job.rows_done * 100 // total}%）"

    @admin.display(description="下载")
    def download(self, job: ExportJob) -> str:
        if job.status != ExportStatus.DONE:
            return "—"
        url = reverse("admin:accounts_exportjob_download", args=[job.pk])
        return format_html('<a href="{}" class="export-download">下载Excel</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.download_view)
        return [path("<uuid:pk>/download/", view, name="accounts_exportjob_download"), *super().get_urls()]

    def download_view(self, request: HttpRequest, pk: str) -> HttpResponseBase:
        job = get_object_or_404(ExportJob, pk=pk)
        try:
            file = export_job_file(job=job, user=request.user)  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("admin:accounts_exportjob_changelist"))
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        return xlsx_file_response(file, filename=f"{job.title}-{stamp}.xlsx")

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        job = context.get("original")
        context["still_running"] = job is not None and job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
        return super().render_change_form(request, context, *args, **kwargs)
