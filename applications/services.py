"""Writes for what the applicant files: create (new, change, annual review), submit, withdraw, appeal,
and the completeness check that accepts a submission or sends it back with every problem at once.

Every state change is one atomic function that locks the row and moves it through the workflow
table (`applications.workflow`); acceptance hands the case on to the review side, and an annual
review that needs no expert renews the certification directly.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.family import family_link_bound
from accounts.identity import birth_date
from accounts.models import User
from applications.checks import application_problems, documents_on_file
from applications.desk import desk_applicant, desk_channel, desk_post
from applications.lookups import disease_active_by_code, hospital_by_code
from applications.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationChannel,
    ApplicationKind,
    ApplicationStatus,
)
from applications.selectors import application_in_scope
from applications.workflow import (
    WITHDRAWABLE_STATUSES,
    appeal_deadline,
    application_create_record,
    application_lock,
    application_transition,
)
from certification.models import LIVE_CERTIFICATION_STATUSES, Certification
from certification.rules import annual_review_opens_on
from certification.selectors import certification_live_exists
from certification.services import annual_review_pass
from config.domain import Conflict, Forbidden, InvalidInput, InvalidState
from config.queueing import send_task_safely
from notifications.models import NotificationKind
from notifications.services import BulkMessage, notifications_send_bulk, notify_officers
from reviews.clock import review_clock_restart
from reviews.experts import expert_load_release_round
from reviews.services import review_accept, review_start_round

logger = logging.getLogger(__name__)
DUPLICATE_OPEN = "您已有该病种正在办理的申请，请勿重复申请。"


# Who may file for someone (代办): the relationship is recorded with the agent, in these words.
AGENT_RELATIONSHIPS = ("配偶", "子女", "父母", "兄弟姐妹", "其他亲属", "受委托人")


@dataclass(frozen=True)
class Agent:
    name: str
    id_number: str
    phone: str
    relationship: str


@transaction.atomic
def application_create(
    *,
    applicant: User,
    disease_code: str,
    diagnosis_date: dt.date,
    diagnosing_hospital_code: str,
    agent: Agent | None = None,
    kind: str = ApplicationKind.NEW,
    designated_points: list[str] | None = None,
    diagnosing_doctor_name: str = "",
    diagnosing_doctor_code: str = "",
    family_member: object = None,
    for_id_number: str = "",
    for_phone: str = "",
) -> Application:
    """A draft. `applicant` (the caller) files it for themselves; for a bound family member (亲情账户,
    `family_member`: the link's id) the member is the applicant and the caller files and follows it; at a
    hospital's 医保办 or a service window the caller files for the registered person `for_id_number`."""
    filer, filed_at = applicant, None
    post = desk_post(user=filer)
    if post is not None:
        if not for_id_number:
            raise InvalidInput("请填写申请人的身份证号码。", code="required", field="for_person.id_number")
        applicant, channel, filed_at = (
            desk_applicant(post=post, id_number=for_id_number, phone=for_phone),
            desk_channel(post),
            post.hospital,
        )
    elif not applicant.id_number or applicant.is_staff:
        # Other staff carry no insured identity: they work in the admin, not through this API.
        raise Forbidden("只有实名注册的参保人账户可以提交申请。", code="applicants_only")
    elif family_member is not None:
        applicant, channel = family_link_bound(owner=filer, link_id=family_member).member, ApplicationChannel.FAMILY
    else:
        channel = ApplicationChannel.AGENT if agent is not None else ApplicationChannel.ONLINE
    errors: list[dict[str, str]] = []
    disease = disease_active_by_code(disease_code)
    if disease is None:
        errors.append({"field": "disease_code", "code": "unknown_disease", "message": "病种代码不存在或已停止受理。"})
    hospital = hospital_by_code(diagnosing_hospital_code)
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
        raise Conflict(DUPLICATE_OPEN, code="duplicate_open_application", field="disease_code")
    if kind == ApplicationKind.NEW and certification_live_exists(holder=applicant, disease=disease):
        raise Conflict(
            "您已享受该病种待遇，无需重复申请；病情变化请提交变更申请。",
            code="duplicate_certification",
            field="disease_code",
        )
    fields: dict[str, object] = {
        "designated_points": list(designated_points or []),
        "diagnosing_doctor_name": diagnosing_doctor_name.strip(),
        "diagnosing_doctor_code": diagnosing_doctor_code.strip(),
    }
    if agent is not None:
        fields |= {
            "agent_name": agent.name,
            "agent_id_number": agent.id_number,
            "agent_phone": agent.phone,
            "agent_relationship": agent.relationship,
        }
    try:
        return application_create_record(
            applicant=applicant,
            actor=filer,
            channel=channel,
            filed_by=filer if filer.pk != applicant.pk else None,
            filed_at=filed_at,
            reason="创建申请",
            kind=kind,
            disease=disease,
            diagnosis_date=diagnosis_date,
            diagnosing_hospital=hospital,
            **fields,
        )
    except IntegrityError:
        # The partial unique index caught a concurrent duplicate (double click on "create").
        raise Conflict(DUPLICATE_OPEN, code="duplicate_open_application", field="disease_code") from None


def application_precheck(*, application: Application) -> dict[str, object]:
    """预审: the problems the completeness check would find if the application were submitted now. A
    pure read: no event, no clock, no notification."""
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState("只有草稿或待补正的申请可以预审。", code="not_editable")
    today = timezone.localdate()
    on_file = documents_on_file(application=application, on=today)
    found = application_problems(application=application, on=today, on_file=on_file)
    return {"complete": not found, "problems": found, "reused_documents": list(on_file.values())}


@transaction.atomic
def application_update(*, application: Application, user: User, **values: object) -> Application:
    """The applicant changes what they may still change before (re)submitting: the designated points
    and the diagnosing doctor. Checked with everything else by the completeness check."""
    application = application_lock(application_id=application.pk)
    if not application_in_scope(user=user, application=application):
        raise InvalidInput("未找到该申请。", code="not_found")
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState("申请已提交，当前不能修改；如需补正请等待一次性告知。", code="not_editable")
    changed = []
    for name in ("designated_points", "diagnosing_doctor_name", "diagnosing_doctor_code"):
        if name in values:
            value = values[name]
            setattr(application, name, list(value) if name == "designated_points" else str(value).strip())  # type: ignore[call-overload]
            changed.append(name)
    if changed:
        application.save(update_fields=[*changed, "updated_at"])
    return application


@transaction.atomic
def annual_review_open(*, certification: Certification, user: User) -> Application:
    """The holder opens the year's review: an application of kind `annual_review` that goes through
    the same documents, submit and check flow."""
    certification = Certification.objects.select_for_update().select_related("application").get(pk=certification.pk)
    if certification.holder_id != user.pk:
        raise InvalidInput("未找到该凭证。", code="not_found", field="certificate")
    if certification.status not in LIVE_CERTIFICATION_STATUSES:
        raise InvalidState(
            f"凭证状态为“{certification.get_status_display()}”，不能办理年度复核；请重新申请认定。",
            code="certification_not_live",
        )
    opens_on = annual_review_opens_on(due=certification.next_review_due)
    if timezone.localdate() < opens_on:
        # One review per due cycle: reviewing early must not push the due date years ahead.
        raise InvalidState(
            f"年度复核自{opens_on:%Y年%m月%d日}起办理（复核日期{certification.next_review_due:%Y年%m月%d日}）。",
            code="annual_review_not_due",
        )
    existing = Application.objects.filter(
        reviewed_certification=certification, kind=ApplicationKind.ANNUAL_REVIEW, status__in=OPEN_STATUSES
    ).first()
    if existing is not None:
        raise Conflict(
            f"该凭证已有正在办理的年度复核（{existing.reference}）。", code="annual_review_open", field="certificate"
        )
    original = certification.application
    return application_create_record(
        applicant=user,
        actor=user,
        reason=f"年度资格复核（凭证{certification.code}，应于{certification.next_review_due:%Y年%m月%d日}前完成）",
        kind=ApplicationKind.ANNUAL_REVIEW,
        disease=certification.disease,
        diagnosis_date=original.diagnosis_date,
        diagnosing_hospital=original.diagnosing_hospital,
        reviewed_certification=certification,
    )


@transaction.atomic
def application_submit(*, application: Application, user: User) -> Application:
    """draft/needs_supplement → submitted; the completeness check is queued on commit.

    Submitting an application that is already `submitted` is a no-op (double click, retried request).
    """
    application = application_lock(application_id=application.pk)
    if application.status == ApplicationStatus.SUBMITTED or _repeated_submit(application):
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
    application.check_queued_at, application.check_attempts = timezone.now(), 1
    application.save(update_fields=["status", "submitted_at", "check_queued_at", "check_attempts", "updated_at"])
    transaction.on_commit(lambda: _queue_check(application.pk))
    return application


def _repeated_submit(application: Application) -> bool:
    """A submit right after the previous one with no document changed since (a double click, a retried
    request whose first attempt was checked meanwhile) is that same submission: it checks nothing again."""
    last = (
        application.events.filter(to_status=ApplicationStatus.SUBMITTED).order_by("-at").values_list("at", flat=True)
    ).first()
    if last is None or timezone.now() - last > dt.timedelta(seconds=settings.SUBMIT_REPEAT_SECONDS):
        return False
    return not application.documents.filter(uploaded_at__gt=last).exists()


def _queue_check(application_id: UUID) -> bool:
    from applications.tasks import application_check_task

    return send_task_safely(application_check_task, str(application_id))


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str = "") -> Application:
    application = application_lock(application_id=application.pk)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status not in WITHDRAWABLE_STATUSES:
        raise InvalidState(
            f"申请当前状态为“{application.get_status_display()}”，已作出决定，不能撤回。", code="cannot_withdraw"
        )
    if application.status == ApplicationStatus.UNDER_REVIEW:
        expert_load_release_round(application=application)  # the panel's open work ends with the case
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
    try:
        application = application_lock(application_id=application_id)
    except Application.DoesNotExist:
        return None
    if application.status != ApplicationStatus.SUBMITTED:
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
        application.save(update_fields=["status", "problems", "region_code", "updated_at"])
        _notify_applicant(
            application=application,
            kind=NotificationKind.NEEDS_SUPPLEMENT,
            params={
                "reference": application.reference,
                "count": len(problems),
                "lines": "\n".join(f"{number}. {problem['message']}" for number, problem in enumerate(problems, 1)),
            },
            dedupe_key=f"check:{application.pk}:{event.pk}",
        )
        return application

    if application.kind == ApplicationKind.ANNUAL_REVIEW and not application.disease.requires_annual_reexam:
        annual_review_pass(application=application, actor=None, on=today, reason="年度资格复核材料齐全，复核通过")
        return application

    event = application_transition(
        application=application, to=ApplicationStatus.UNDER_REVIEW, actor=None, reason="材料齐全，予以受理"
    )
    application.problems = []
    # Saved once, with the clock and the round (review_accept).
    review_accept(application=application, on=today, update_fields=["status", "problems", "region_code"])
    _notify_applicant(
        application=application,
        kind=NotificationKind.ACCEPTED,
        params={
            "reference": application.reference,
            "working_days": settings.REVIEW_WORKING_DAYS,
            "deadline": application.review_deadline,
        },
        dedupe_key=f"check:{application.pk}:{event.pk}",
    )
    return application


def _notify_applicant(*, application: Application, kind: NotificationKind, params: dict, dedupe_key: str) -> None:
    """`notification_send` to the applicant about their application (and so to their family accounts),
    in one insert for all of them: the check's message once per `dedupe_key`, delivered after the commit."""
    message = BulkMessage(
        user_id=application.applicant_id, dedupe_key=dedupe_key, params=params, application_id=application.pk
    )
    notifications_send_bulk(kind=kind, messages=[message])


def applications_requeue_stuck(*, older_than: dt.timedelta, limit: int = 1000) -> int:
    """Queue the check again for submissions nobody checked (broker outage, killed worker).

    The check itself is idempotent. Only a queueing that reached the broker counts as an attempt, so
    a long broker outage loses nothing; a submission queued `CHECK_MAX_ATTEMPTS` times and still not
    checked is failing, not waiting: it is left alone and the officers are told once."""
    cutoff = timezone.now() - older_than
    stuck = Application.objects.filter(status=ApplicationStatus.SUBMITTED, check_queued_at__lt=cutoff)
    gave_up = list(stuck.filter(check_attempts__gte=settings.CHECK_MAX_ATTEMPTS).values("pk", "reference")[:limit])
    for row in gave_up:
        notify_officers(
            kind=NotificationKind.CHECK_STUCK,
            params={"reference": row["reference"], "attempts": settings.CHECK_MAX_ATTEMPTS},
            dedupe_key=f"check-stuck:{row['pk']}",
        )
    ids = list(
        stuck.filter(check_attempts__lt=settings.CHECK_MAX_ATTEMPTS)
        .order_by("check_queued_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for application_id in ids:
        if _queue_check(application_id):
            Application.objects.filter(pk=application_id).update(
                check_queued_at=timezone.now(), check_attempts=F("check_attempts") + 1
            )
            queued += 1
    if ids:
        logger.warning("re-queued the completeness check for %d of %d stuck submissions", queued, len(ids))
    if gave_up:
        logger.error("gave up re-queueing the completeness check of %d submissions", len(gave_up))
    return queued


@transaction.atomic
def application_check_retry(*, application: Application, officer: User) -> Application:
    """An officer sends a submission the sweeper gave up on back to the check, with a fresh count."""
    application = application_lock(application_id=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise InvalidState("只有待检查的申请可以重新检查。", code="not_submitted")
    application.check_queued_at, application.check_attempts = timezone.now(), 1
    application.save(update_fields=["check_queued_at", "check_attempts", "updated_at"])
    transaction.on_commit(lambda: _queue_check(application.pk))
    logger.info("completeness check of %s re-queued by officer %s", application.pk, officer.pk)
    return application


@transaction.atomic
def application_appeal(*, application: Application, user: User, reason: str) -> Application:
    """申诉: once, after a rejection, with a reason (and any new documents uploaded first) → back to
    expert review for a full new period; the panel sees the earlier opinions."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写申诉理由。", code="reason_required", field="reason")
    application = application_lock(application_id=application.pk)
    if application.status != ApplicationStatus.REJECTED:
        raise InvalidState("只有未通过评审的申请可以申诉。", code="cannot_appeal")
    if application.appealed_at is not None:
        raise Conflict("每个申请只能申诉一次。", code="already_appealed")
    today = timezone.localdate()
    last_day = appeal_deadline(application=application)
    if last_day is not None and today > last_day:
        raise InvalidState(
            f"申诉期限已过（应在{last_day:%Y年%m月%d日}前提出）；如有异议，可依法申请行政复议或提起行政诉讼。",
            code="appeal_window_closed",
        )
    application.appealed_at = timezone.now()
    application_transition(
        application=application, to=ApplicationStatus.UNDER_REVIEW, actor=user, reason=f"申诉：{reason}"
    )
    application.save(update_fields=["status", "appealed_at", "updated_at"])
    review_clock_restart(application=application, on=today)
    review_start_round(application=application, on=today)
    return application
