"""导入参保人员登记 in the admin: an officer who may add and change insured people uploads a CSV or XLSX
file, sees what the import would do (a dry run of ``insured_import``, the command's own importer: counts,
a masked sample, every rejected row with its column and reason, the rows insured outside the pooling
region), then confirms or cancels.

Between the two requests the file waits in the private default storage (MEDIA_URL is unset, S3 is
private: nothing there has a public address) under a random name that only the uploader's session
knows; it is deleted on confirm, on cancel, on the uploader's next upload, or a day later by the next
upload of anyone. Nothing personal is logged: only who imported and the counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from applications.importers.base import (
    INSURED_MAX_ROWS,
    ImportFileError,
    InsuredImportResult,
    RowError,
    upload_cells,
)
from applications.importers.registry import INSURED_COLUMN_LABELS, insured_import
from applications.models import InsuredPerson
from config.auth import authenticated_user

logger = logging.getLogger(__name__)

PENDING_DIR = "registry-imports"
SESSION_KEY = "insured_import"
SAMPLE_SIZE = 20  # rows of each kind (added, updated, unchanged, flagged) in the preview
ROWS_SHOWN = 1000  # rejected or flagged rows listed on a page; the counts are always whole
STALE_AFTER = dt.timedelta(days=1)
ACTION_LABELS = {"created": "新增", "updated": "更新", "unchanged": "无变化"}
TEMPLATES = "admin/applications/insuredperson"


class InsuredImportForm(forms.Form):
    file = forms.FileField(
        label="登记文件",
        help_text=(
            f"CSV（UTF-8 或 GB18030 编码）或 Excel 工作簿（读取第一个工作表），"
            f"不超过 {settings.UPLOAD_MAX_FILE_BYTES // (1024 * 1024)} MB、{INSURED_MAX_ROWS} 行。"
        ),
        error_messages={"required": "请选择要导入的文件。", "empty": "上传的文件是空的，请重新选择文件。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"文件超过 {limit // (1024 * 1024)} MB，请分成几个文件分批导入。")
        return upload


def import_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The import's pages under the registry's admin (``InsuredPersonAdmin.get_urls``)."""
    views = RegistryImportViews(model_admin)
    wrap = model_admin.admin_site.admin_view
    return [
        path("import/", wrap(views.upload), name="applications_insuredperson_import"),
        path("import/<slug:token>/confirm/", wrap(views.confirm), name="applications_insuredperson_import_confirm"),
        path("import/<slug:token>/cancel/", wrap(views.cancel), name="applications_insuredperson_import_cancel"),
    ]


def import_allowed(model_admin: admin.ModelAdmin, request: HttpRequest) -> bool:
    # An import adds people and changes them: it needs both.
    return model_admin.has_add_permission(request) and model_admin.has_change_permission(request)


class RegistryImportViews:
    def __init__(self, model_admin: admin.ModelAdmin) -> None:
        self.model_admin = model_admin

    def upload(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        form = InsuredImportForm(request.POST, request.FILES) if request.method == "POST" else InsuredImportForm()
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data, filename = upload.read(), upload.name or ""
            try:
                result = _run(data, filename, dry_run=True)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                token = _pending_save(request, data=data, filename=filename)
                return self._render(
                    request, "import_preview.html", "导入预览", _shown(result, token=token, name=filename)
                )
        return self._render(
            request,
            "import.html",
            "导入参保人员登记",
            {"form": form, "columns": _columns(), "prefix": settings.POOLING_REGION_PREFIX},
        )

    def confirm(self, request: HttpRequest, token: str) -> HttpResponse:
        self._check(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:applications_insuredperson_import"))
        pending = _pending_load(request, token)
        if pending is None:
            messages.error(request, "这次导入已经完成、取消或失效，请重新上传文件。")
            return HttpResponseRedirect(reverse("admin:applications_insuredperson_import"))
        data, filename = pending
        try:
            result = _run(data, filename, dry_run=False)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:applications_insuredperson_import"))
        finally:
            _pending_delete(request)
        logger.info("insured registry imported by user %s: %s", authenticated_user(request).pk, result.summary())
        return self._render(request, "import_done.html", "导入完成", _shown(result, token="", name=filename))

    def cancel(self, request: HttpRequest, token: str) -> HttpResponse:
        self._check(request)
        if request.method == "POST":
            if _pending_load(request, token) is not None:
                _pending_delete(request)
            messages.info(request, "已取消导入，上传的文件已删除。")
        return HttpResponseRedirect(reverse("admin:applications_insuredperson_changelist"))

    def _check(self, request: HttpRequest) -> None:
        if not import_allowed(self.model_admin, request):
            raise PermissionDenied

    def _render(self, request: HttpRequest, template: str, title: str, context: dict[str, Any]) -> HttpResponse:
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": InsuredPerson._meta,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"{TEMPLATES}/{template}", context)


def _run(data: bytes, filename: str, *, dry_run: bool) -> InsuredImportResult:
    return insured_import(
        cells=upload_cells(data=data, filename=filename),
        dry_run=dry_run,
        sample_size=SAMPLE_SIZE if dry_run else 0,
        max_rows=INSURED_MAX_ROWS,
    )


def _shown(result: InsuredImportResult, *, token: str, name: str) -> dict[str, Any]:
    """The page's view of a result: counts, the masked sample, the rejected and flagged rows."""
    return {
        "result": result,
        "token": token,
        "file_name": name,
        "sample": [{**vars(row), "action_label": ACTION_LABELS[row.action]} for row in result.sample],
        "errors": _rows(result.errors),
        "errors_hidden": max(0, len(result.errors) - ROWS_SHOWN),
        "flagged": _rows(result.flagged),
        "flagged_hidden": max(0, len(result.flagged) - ROWS_SHOWN),
        "importable": result.created + result.updated,
        "prefix": settings.POOLING_REGION_PREFIX,
    }


def _rows(errors: list[RowError]) -> list[dict[str, Any]]:
    return [
        {"line": error.line, "column": INSURED_COLUMN_LABELS.get(error.field, error.field), "message": error.message}
        for error in errors[:ROWS_SHOWN]
    ]


def _columns() -> list[tuple[str, str]]:
    return [(label, code) for code, label in INSURED_COLUMN_LABELS.items() if code != "row"]


# --- the file between preview and confirm -----------------------------------------------------------


def _pending_save(request: HttpRequest, *, data: bytes, filename: str) -> str:
    _pending_delete(request)  # one pending import per session
    _pending_sweep()
    token = secrets.token_hex(16)
    stored = default_storage.save(f"{PENDING_DIR}/{token}{Path(filename).suffix.lower()}", ContentFile(data))
    request.session[SESSION_KEY] = {
        "token": token,
        "path": stored,
        "filename": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return token


def _pending_load(request: HttpRequest, token: str) -> tuple[bytes, str] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], token):
        return None
    try:
        with default_storage.open(pending["path"], "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        return None
    return data, pending["filename"]


def _pending_delete(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


def _pending_sweep() -> None:
    """Delete the files of previews nobody confirmed or cancelled (a closed tab, an ended session)."""
    try:
        _, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - STALE_AFTER
    for name in names:
        stored = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(stored) < cutoff:
            default_storage.delete(stored)
