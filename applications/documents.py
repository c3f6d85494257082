"""Writes for an application's documents: upload (checked by content, within the quota), the online
confirmation of the generated application form, delete, and the logged read. Documents change only
while the applicant may still edit the application."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from applications.access import private_file_open
from applications.form import FILE_NAME, application_form_digest, application_form_render
from applications.lookups import hospital_by_code
from applications.models import (
    EDITABLE_STATUSES,
    MEDICAL_KINDS,
    Application,
    ApplicationStatus,
    Document,
    DocumentKind,
)
from applications.workflow import appeal_deadline, application_lock
from config.domain import Conflict, InvalidInput, InvalidState, PayloadTooLarge
from config.uploads import upload_check


def _require_editable(application: Application) -> None:
    # A rejected applicant may add material for their one appeal while it can still be made.
    if application.status == ApplicationStatus.REJECTED and application.appealed_at is None:
        last_day = appeal_deadline(application=application)
        if last_day is None or timezone.localdate() <= last_day:
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
    issuer_required: bool = False,
) -> Document:
    """Add a scan. `issuer_required` (a desk filing in person, with the paper in hand): a hospital's
    document is refused without its issue date and issuer, rather than left to the check to ask for."""
    application = application_lock(application_id=application.pk, related=False)
    _require_editable(application)

    errors: list[dict[str, str]] = []
    if kind not in DocumentKind.values:
        errors.append({"field": "kind", "code": "invalid_kind", "message": "材料种类不正确。"})
    if issued_on is not None and issued_on > timezone.localdate():
        errors.append({"field": "issued_on", "code": "future_date", "message": "出具日期不能晚于今天。"})
    hospital = None
    if hospital_code:
        hospital = hospital_by_code(hospital_code)
        if hospital is None:
            errors.append({"field": "hospital", "code": "unknown_hospital", "message": "出具机构不在医疗机构名录中。"})
    if issuer_required and kind in MEDICAL_KINDS:
        for field, value, label in (("issued_on", issued_on, "出具日期"), ("hospital", hospital_code, "出具医院")):
            if not value:
                errors.append({"field": field, "code": "required", "message": f"医院出具的材料请填写{label}。"})
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
    return _document_store(document, content, extension=checked.extension)


def _document_store(document: Document, content: File, *, extension: str) -> Document:
    """Store the bytes, then the row; the bytes are deleted again if the row cannot be saved.
    Storage is not transactional: if the surrounding transaction rolls back later, the stored bytes
    are orphaned, never lost; `run_jobs` may sweep orphans."""
    document.file.save(extension, content, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_delete(*, application: Application, document: Document, user: User) -> None:
    application = application_lock(application_id=application.pk, related=False)
    _require_editable(application)
    _document_remove(document)


@transaction.atomic
def application_form_confirm(
    *, application: Application, user: User, commitment: bool, form_sha256: str | None = None
) -> Document:
    """The applicant confirms the generated application form (with the commitment "本人承诺所提供材料
    真实有效"): it is stored as their `application_form`, with the time, the account and the form's
    SHA-256. `form_sha256`, when given, must be the hash of the form they were shown (the GET's ETag): a
    form changed since is not confirmed unseen. Confirming again is a no-op while the data is unchanged;
    a confirmation of data since changed is replaced."""
    application = application_lock(application_id=application.pk)
    _require_editable(application)
    if commitment is not True:
        raise InvalidInput(
            "请阅读并勾选“本人承诺所提供材料真实有效”后再确认。", code="commitment_required", field="commitment"
        )
    pdf = application_form_render(application=application)
    sha256 = hashlib.sha256(pdf).hexdigest()
    if form_sha256 and form_sha256.strip().strip('"').lower() != sha256:
        raise Conflict(
            "申请表内容已变化，请重新查看申请表后再确认。", code="application_form_changed", field="form_sha256"
        )
    digest = application_form_digest(application=application)
    earlier = list(application.documents.exclude(form_digest=""))
    for document in earlier:
        if document.form_digest == digest and document.sha256 == sha256:
            return document
    for document in earlier:
        _document_remove(document)
    document = Document(
        application=application,
        kind=DocumentKind.APPLICATION_FORM,
        original_name=FILE_NAME,
        content_type="application/pdf",
        size=len(pdf),
        sha256=sha256,
        uploaded_by=user,
        form_digest=digest,
    )
    return _document_store(document, ContentFile(pdf), extension="pdf")


def _document_remove(document: Document) -> None:
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
