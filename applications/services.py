"""Writes for applications and their documents. Every state change is one atomic function that locks
the row, checks the current state and appends an event."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.identity import birth_date
from accounts.models import User
from applications.models import (
    EDITABLE_STATUSES,
    LIVE_CERTIFICATION_STATUSES,
    OPEN_STATUSES,
    WITHDRAWABLE_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    Certification,
    Disease,
    Document,
    DocumentAccess,
    DocumentKind,
    Hospital,
)
from applications.notifications import notification_send
from applications.uploads import upload_check
from config.domain import Conflict, Forbidden, InvalidInput, InvalidState, PayloadTooLarge
from config.queueing import enqueue_on_commit, send_task_safely

logger = logging.getLogger(__name__)

SYSTEM = "系统"


@dataclass(frozen=True)
class Agent:
    name: str
    id_number: str
    phone: str


def _actor_label(application: Application, user: User | None) -> str:
    if user is None:
        return SYSTEM
    if user.pk == application.applicant_id:
        return "代办人" if application.has_agent else "申请人"
    return "经办人员" if user.is_staff else "用户"


def application_transition(
    *,
    application: Application,
    to: ApplicationStatus,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> ApplicationEvent:
    """Set the new status and append the event. The caller holds the row lock and checked the state."""
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        actor_label=actor_label or _actor_label(application, actor),
        from_status=application.status,
        to_status=to,
        reason=reason,
        data=data or {},
    )
    application.status = to
    return event


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _new_reference() -> str:
    return f"MT{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


@transaction.atomic
def application_create(
    *,
    applicant: User,
    disease_code: str,
    diagnosis_date: dt.date,
    diagnosing_hospital_code: str,
    agent: Agent | None = None,
    kind: str = ApplicationKind.NEW,
) -> Application:
    if not applicant.id_number or applicant.is_staff:
        # Staff accounts carry no insured identity: they work in the admin, not through this API.
        raise Forbidden("只有实名注册的参保人账户可以提交申请。", code="applicants_only")
    errors: list[dict[str, str]] = []
    disease = Disease.objects.filter(code=disease_code, is_active=True).first()
    if disease is None:
        errors.append({"field": "disease_code", "code": "unknown_disease", "message": "病种代码不存在或已停止受理。"})
    hospital = Hospital.objects.filter(code=diagnosing_hospital_code).first()
    if hospital is None:
        errors.append(
            {"field": "diagnosing_hospital", "code": "unknown_hospital", "message": "确诊医院不在医疗机构名录中。"}
        )
    if diagnosis_date > timezone.localdate():
        errors.append({"field": "diagnosis_date", "code": "future_date", "message": "确诊日期不能晚于今天。"})
    elif diagnosis_date < birth_date(applicant.id_number):
        errors.append(
            {"field": "diagnosis_date", "code": "before_birth", "message": "确诊日期不能早于出生日期，请核对。"}
        )
    if kind not in (ApplicationKind.NEW, ApplicationKind.CHANGE):
        errors.append({"field": "kind", "code": "invalid_kind", "message": "申请类型只能为 new 或 change。"})
    if agent is not None and agent.id_number == applicant.id_number:
        errors.append({"field": "agent.id_number", "code": "agent_is_applicant", "message": "代办人不能是申请人本人。"})
    if errors:
        raise InvalidInput(errors[0]["message"], code="invalid", errors=errors)
    assert disease is not None and hospital is not None

    if (
        Application.objects.filter(applicant=applicant, disease=disease, status__in=OPEN_STATUSES)
        .exclude(kind=ApplicationKind.ANNUAL_REVIEW)
        .exists()
    ):
        raise Conflict(
            "您已有该病种正在办理的申请，请勿重复申请。", code="duplicate_open_application", field="disease_code"
        )

    if (
        kind == ApplicationKind.NEW
        and Certification.objects.filter(
            holder=applicant, disease=disease, status__in=LIVE_CERTIFICATION_STATUSES
        ).exists()
    ):
        raise Conflict(
            "您已享受该病种待遇，无需重复申请；病情变化请提交变更申请。",
            code="duplicate_certification",
            field="disease_code",
        )

    application = Application(
        reference=_new_reference(),
        applicant=applicant,
        kind=kind,
        disease=disease,
        diagnosis_date=diagnosis_date,
        diagnosing_hospital=hospital,
    )
    if agent is not None:
        application.agent_name, application.agent_id_number, application.agent_phone = (
            agent.name,
            agent.id_number,
            agent.phone,
        )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # The partial unique index caught a concurrent duplicate (double click on "create").
        raise Conflict(
            "您已有该病种正在办理的申请，请勿重复申请。", code="duplicate_open_application", field="disease_code"
        ) from None
    ApplicationEvent.objects.create(
        application=application,
        actor=applicant,
        actor_label=_actor_label(application, applicant),
        from_status="",
        to_status=ApplicationStatus.DRAFT,
        reason="创建申请",
    )
    return application


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
    application = _locked(application)
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
    document.file.save(f"{checked.extension}", File(file), save=False)
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
    application = _locked(application)
    _require_editable(application)
    storage, name = document.file.storage, document.file.name
    assert name is not None  # the file column is NOT NULL
    document.delete()
    # Delete the bytes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))


def document_open(*, document: Document, user: User, role: str, ip_address: str | None, user_agent: str = "") -> Any:
    """Open a document's bytes for a permitted reader, logging the access first (PIPL art. 51)."""
    DocumentAccess.objects.create(
        document=document, user=user, role=role, ip_address=ip_address, user_agent=user_agent[:200]
    )
    logger.info(
        "document access: document=%s application=%s user=%s role=%s",
        document.pk,
        document.application_id,
        user.pk,
        role,
    )
    return document.file.open("rb")


@transaction.atomic
def application_submit(*, application: Application, user: User) -> Application:
    """draft/needs_supplement → submitted; the completeness check is queued on commit.

    Submitting an application that is already `submitted` is a no-op (double click, retried request).
    """
    application = _locked(application)
    if application.status == ApplicationStatus.SUBMITTED:
        return application
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(f"申请当前状态为“{application.get_status_display()}”，不能提交。", code="cannot_submit")
    application_transition(
        application=application,
        to=ApplicationStatus.SUBMITTED,
        actor=user,
        reason="提交申请" if application.submitted_at is None else "补正后重新提交",
    )
    if application.submitted_at is None:
        # The application date (for the benefit start rule) is the first submission, not a resubmission.
        application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    _queue_check(application)
    return application


def _queue_check(application: Application) -> None:
    from applications.tasks import application_check_task

    enqueue_on_commit(application_check_task, str(application.pk))


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str = "") -> Application:
    application = _locked(application)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status not in WITHDRAWABLE_STATUSES:
        raise InvalidState(
            f"申请当前状态为“{application.get_status_display()}”，已作出决定，不能撤回。", code="cannot_withdraw"
        )
    application_transition(
        application=application, to=ApplicationStatus.WITHDRAWN, actor=user, reason=reason or "申请人撤回"
    )
    application.save(update_fields=["status", "updated_at"])
    return application


@transaction.atomic
def application_check(*, application_id: UUID | str, on: dt.date | None = None) -> Application | None:
    """Run the completeness check on a submitted application: accept it (受理: under_review, the
    review clock starts) or send it back with every problem at once. Safe to run twice: anything
    not `submitted` any more is left alone."""
    from applications.checks import application_problems
    from reviews.services import review_accept

    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("disease", "diagnosing_hospital", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.status != ApplicationStatus.SUBMITTED:
        return application
    today = on or timezone.localdate()
    problems = application_problems(application=application, on=today)
    if problems:
        event = application_transition(
            application=application,
            to=ApplicationStatus.NEEDS_SUPPLEMENT,
            actor=None,
            reason=f"材料不全或不符合要求，共{len(problems)}项，请一次性补正后重新提交。",
            data={"problems": problems},
        )
        application.problems = problems
        application.save(update_fields=["status", "problems", "updated_at"])
        lines = "\n".join(f"{number}. {problem['message']}" for number, problem in enumerate(problems, 1))
        notification_send(
            user=application.applicant,
            application=application,
            kind="needs_supplement",
            title=f"申请{application.reference}需要补正材料",
            body=f"您的申请需补正以下{len(problems)}项，请一次性补齐后重新提交：\n{lines}",
            short_text=f"【医保慢特病】您的申请{application.reference}需补正材料，请登录查看并补正后重新提交。",
            dedupe_key=f"check:{application.pk}:{event.pk}",
        )
        return application

    if application.kind == ApplicationKind.ANNUAL_REVIEW and not application.disease.requires_annual_reexam:
        from applications.renewals import annual_review_pass

        annual_review_pass(application=application, actor=None, on=today, reason="年度资格复核材料齐全，复核通过")
        return application

    event = application_transition(
        application=application, to=ApplicationStatus.UNDER_REVIEW, actor=None, reason="材料齐全，予以受理"
    )
    application.problems = []
    application.save(update_fields=["status", "problems", "updated_at"])
    review_accept(application=application, on=today)
    notification_send(
        user=application.applicant,
        application=application,
        kind="accepted",
        title=f"申请{application.reference}已受理",
        body=(
            f"您的申请已受理，医学专家将在{settings.REVIEW_WORKING_DAYS}个工作日内完成评审，"
            f"预计{application.review_deadline:%Y年%m月%d日}前作出结论。"
        ),
        short_text=f"【医保慢特病】您的申请{application.reference}已受理，请登录查看评审进度。",
        dedupe_key=f"check:{application.pk}:{event.pk}",
    )
    return application


def applications_requeue_stuck(*, older_than: dt.timedelta, limit: int = 1000) -> int:
    """Queue the check again for submissions nobody checked (broker outage, killed worker).
    The check itself is idempotent, so a submission queued twice is checked once."""
    from applications.tasks import application_check_task

    cutoff = timezone.now() - older_than
    ids = list(
        Application.objects.filter(status=ApplicationStatus.SUBMITTED, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for application_id in ids:
        send_task_safely(application_check_task, str(application_id))
    if ids:
        logger.warning("re-queued the completeness check for %d stuck submissions", len(ids))
    return len(ids)


@transaction.atomic
def application_appeal(*, application: Application, user: User, reason: str) -> Application:
    """申诉: once, after a rejection, with a reason (and any new documents uploaded first) → back to
    expert review for a full new period; the panel sees the earlier opinions."""
    from reviews.services import review_clock_restart, review_start_round

    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写申诉理由。", code="reason_required", field="reason")
    application = _locked(application)
    if application.status != ApplicationStatus.REJECTED:
        raise InvalidState("只有未通过评审的申请可以申诉。", code="cannot_appeal")
    if application.appealed_at is not None:
        raise Conflict("每个申请只能申诉一次。", code="already_appealed")
    today = timezone.localdate()
    application.appealed_at = timezone.now()
    application_transition(
        application=application, to=ApplicationStatus.UNDER_REVIEW, actor=user, reason=f"申诉：{reason}"
    )
    application.save(update_fields=["status", "appealed_at", "updated_at"])
    review_clock_restart(application=application, on=today)
    review_start_round(application=application, on=today)
    return application
