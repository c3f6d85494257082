"""Writes for an application's documents: upload (checked by content, within the quota), delete, and
the logged read. Documents change only while the applicant may still edit the application."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from applications.access import private_file_open
from applications.models import EDITABLE_STATUSES, Application, ApplicationStatus, Document, DocumentKind, Hospital
from applications.workflow import application_lock
from config.domain import InvalidInput, InvalidState, PayloadTooLarge
from config.uploads import upload_check


def _require_editable(application: Application) -> None:
    # A rejected applicant may add material before their one appeal.
    if application.status == ApplicationStatus.REJECTED and application.appealed_at is None:
        return
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(
            f"申请当前状态为“{application.get_status_display()}”，不能修改材料。",
            code="documents_locked",
        )


@transaction.atomic
def document_add(
    *,
    application: Application,
    user: User,
    kind: str,
    file: UploadedFile,
    issued_on: dt.date | None = None,
    hospital_code: str | None = None,
) -> Document:
    application = application_lock(application_id=application.pk)
    _require_editable(application)

    errors: list[dict[str, str]] = []
    if kind not in DocumentKind.values:
        errors.append({"field": "kind", "code": "invalid_kind", "message": "材料种类不正确。"})
    if issued_on is not None and issued_on > timezone.localdate():
        errors.append({"field": "issued_on", "code": "future_date", "message": "出具日期不能晚于今天。"})
    hospital = None
    if hospital_code:
        hospital = Hospital.objects.filter(code=hospital_code).first()
        if hospital is None:
            errors.append({"field": "hospital", "code": "unknown_hospital", "message": "出具机构不在医疗机构名录中。"})
    if errors:
        raise InvalidInput(errors[0]["message"], errors=errors)

    checked = upload_check(file=file)

    used = application.documents.aggregate(total=Sum("size"))["total"] or 0
    if used + checked.size > settings.UPLOAD_MAX_APPLICATION_BYTES:
        limit_mb = settings.UPLOAD_MAX_APPLICATION_BYTES // (1024 * 1024)
        raise PayloadTooLarge(
            f"本申请的材料总大小不能超过{limit_mb}MB，请压缩或删除不需要的文件后再上传。",
            code="application_quota_exceeded",
            field="file",
        )

    duplicate_of = application.documents.filter(sha256=checked.sha256).order_by("uploaded_at").first()
    document = Document(
        application=application,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        duplicate_of=duplicate_of,
        issued_on=issued_on,
        hospital=hospital,
        uploaded_by=user,
    )
    file.seek(0)
    content = ContentFile(checked.stored) if checked.stored is not None else File(file)
    document.file.save(f"{checked.extension}", content, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    # Storage is not transactional: if the surrounding transaction rolls back later, the stored
    # bytes are orphaned, never lost; `run_jobs` may sweep orphans.
    return document


@transaction.atomic
def document_delete(*, application: Application, document: Document, user: User) -> None:
    application = application_lock(application_id=application.pk)
    _require_editable(application)
    storage, name = document.file.storage, document.file.name
    assert name is not None  # the file column is NOT NULL
    document.delete()
    # Delete the bytes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))


def document_open(
    *, document: Document, user: User, role: str, ip_address: str | None, user_agent: str = ""
) -> IO[bytes]:
    """Open a document's bytes for a permitted reader, logging the access first (PIPL art. 51)."""
    return private_file_open(
        file=document.file, user=user, role=role, ip_address=ip_address, user_agent=user_agent, document=document
    )
