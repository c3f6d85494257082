"""After approval: the annual qualification review (资格复核), reminders, lapse and revocation."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from applications.certificates import validity
from applications.models import (
    LIVE_CERTIFICATION_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    Certification,
    CertificationStatus,
    Notification,
)
from applications.notifications import notification_send
from applications.services import _new_reference, application_transition
from config.domain import Conflict, InvalidInput, InvalidState

logger = logging.getLogger(__name__)

# Reminder stages: (days before the due date, dedupe stage name). Each is sent once per due date.
REMINDER_STAGES = ((30, "d30"), (7, "d7"), (0, "d0"))
BATCH = 2000
BUREAU_SIDE_STATUSES = [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW]


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
    opens_on = certification.next_review_due - dt.timedelta(days=REMINDER_STAGES[0][0])
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
    application = Application.objects.create(
        reference=_new_reference(),
        applicant=user,
        kind=ApplicationKind.ANNUAL_REVIEW,
        disease=certification.disease,
        diagnosis_date=original.diagnosis_date,
        diagnosing_hospital=original.diagnosing_hospital,
        reviewed_certification=certification,
    )
    ApplicationEvent.objects.create(
        application=application,
        actor=user,
        actor_label="申请人",
        from_status="",
        to_status=ApplicationStatus.DRAFT,
        reason=f"年度资格复核（凭证{certification.code}，应于{certification.next_review_due:%Y年%m月%d日}前完成）",
    )
    return application


def annual_review_pass(*, application: Application, actor: User | None, on: dt.date, reason: str) -> Certification:
    """The review passed (on the check, or by an expert): the certification runs for another year.
    Called with the application row locked."""
    assert application.reviewed_certification_id is not None, "an annual review names its certification"
    certification = Certification.objects.select_for_update().get(pk=application.reviewed_certification_id)
    event = application_transition(
        application=application,
        to=ApplicationStatus.EFFECTIVE,
        actor=actor,
        actor_label="系统" if actor is None else None,
        reason=reason,
    )
    application.save(update_fields=["status", "updated_at"])
    if certification.status != CertificationStatus.REVOKED:
        certification.next_review_due = certification.next_review_due + relativedelta(
            months=settings.CERTIFICATION_REVIEW_MONTHS
        )
        certification.valid_until = certification.next_review_due + dt.timedelta(days=settings.REVIEW_GRACE_DAYS)
        certification.status = CertificationStatus.ACTIVE
        certification.status_reason = f"{on:%Y年%m月%d日}年度复核通过"
        certification.save(update_fields=["next_review_due", "valid_until", "status", "status_reason", "updated_at"])
    notification_send(
        user=application.applicant,
        application=application,
        kind="annual_review_passed",
        title="年度资格复核通过",
        body=f"您的{certification.disease.name}待遇资格复核通过，下次复核日期为{certification.next_review_due:%Y年%m月%d日}。",
        short_text="【医保慢特病】您的年度资格复核已通过，请登录查看。",
        dedupe_key=f"annual-passed:{application.pk}:{event.pk}",
    )
    return certification


def annual_reviews(*, on: dt.date) -> str:
    """The daily job: due-date reminders (30 and 7 days before and on the day, each once), `review_due`
    from 30 days before, and lapse after the grace period. Batched over indexed queries."""
    horizon = on + dt.timedelta(days=REMINDER_STAGES[0][0])
    # From 30 days before the due date the certification is `review_due` (one UPDATE).
    marked = Certification.objects.filter(status=CertificationStatus.ACTIVE, next_review_due__lte=horizon).update(
        status=CertificationStatus.REVIEW_DUE, updated_at=timezone.now()
    )
    if marked > BATCH:
        # Many rows changed status at once: refresh the planner's statistics, or the batched reads below
        # are planned for a handful of review_due rows and sort all of them again on every batch.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Certification._meta.db_table}")
    reminded = _send_reminders(on=on, horizon=horizon)
    lapsed = _lapse(on=on)
    return f"{marked} marked review_due, {reminded} reminders sent, {lapsed} lapsed"


def _stage_for(*, on: dt.date, due: dt.date) -> str | None:
    """The latest reminder stage reached on `on` (a missed day is caught up on the next run)."""
    days_left = (due - on).days
    for days_before, stage in reversed(REMINDER_STAGES):
        if days_left <= days_before:
            return stage if days_left >= -settings.REVIEW_GRACE_DAYS else None
    return None


def _send_reminders(*, on: dt.date, horizon: dt.date) -> int:
    sent = 0
    last_pk = None
    base = (
        # Due before the grace period: no stage left to send (`_stage_for`); `_lapse` takes them.
        Certification.objects.filter(
            status=CertificationStatus.REVIEW_DUE,
            next_review_due__lte=horizon,
            next_review_due__gte=on - dt.timedelta(days=settings.REVIEW_GRACE_DAYS),
        )
        .exclude(annual_reviews__status__in=[*OPEN_STATUSES])
        .order_by("pk")
    )
    while True:
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        rows = list(page.values("pk", "holder_id", "next_review_due", "disease__name")[:BATCH])
        if not rows:
            return sent
        last_pk = rows[-1]["pk"]
        wanted = []
        for row in rows:
            stage = _stage_for(on=on, due=row["next_review_due"])
            if stage is not None:
                wanted.append((row, stage, f"annual-reminder:{row['pk']}:{row['next_review_due']}:{stage}"))
        if not wanted:
            continue
        sent += _create_reminders(wanted, on=on)


def _when(*, on: dt.date, due: dt.date) -> str:
    days = (due - on).days
    if days > 0:
        return f"{days}天后"
    return "今天" if days == 0 else f"已逾期{-days}天"


def _create_reminders(wanted: Sequence[tuple[Mapping[str, Any], str, str]], *, on: dt.date) -> int:
    """One bulk insert per batch; the unique (user, dedupe_key) makes a replay insert nothing."""
    from applications.models import DeliveryStatus

    existing = _notifications_existing([(row["holder_id"], key) for row, _, key in wanted])
    new = [
        Notification(
            user_id=row["holder_id"],
            kind="annual_review_reminder",
            title="年度资格复核提醒",
            body=(
                f"您的{row['disease__name']}门诊慢特病待遇应于{row['next_review_due']:%Y年%m月%d日}"
                f"（{_when(on=on, due=row['next_review_due'])}）"
                f"前完成年度资格复核，逾期{settings.REVIEW_GRACE_DAYS}天未复核待遇将暂停。请在“我的凭证”中办理。"
            ),
            short_text="【医保慢特病】您的待遇资格即将到期复核，请登录办理年度复核。",
            dedupe_key=key,
            sms_status=DeliveryStatus.PENDING,
            email_status=DeliveryStatus.PENDING,
        )
        for row, stage, key in wanted
        if (row["holder_id"], key) not in existing
    ]
    _notifications_queue(_notifications_insert(new))
    return len(new)


def _notifications_existing(pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (user, dedupe_key) pairs already recorded. Filtered on the user as well, so the look-up uses the
    unique (user, dedupe_key) index: on dedupe_key alone it reads the whole notification table."""
    return set(
        Notification.objects.filter(user_id__in={user for user, _ in pairs}, dedupe_key__in=[key for _, key in pairs])
        .order_by()
        .values_list("user_id", "dedupe_key")
    )


def _notifications_insert(new: list[Notification]) -> list[int]:
    """One bulk insert; the unique (user, dedupe_key) makes a replay or a concurrent run insert nothing."""
    if not new:
        return []
    created = Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=BATCH)
    ids = [n.pk for n in created if n.pk]
    if not ids:
        # ignore_conflicts returns no ids (PostgreSQL included): look them up, by user for the index.
        ids = list(
            Notification.objects.filter(
                user_id__in={n.user_id for n in new}, dedupe_key__in=[n.dedupe_key for n in new]
            )
            .order_by()
            .values_list("pk", flat=True)
        )
    return ids


def _notifications_queue(ids: list[int]) -> None:
    from applications.notifications import send_task_safely
    from applications.tasks import notification_deliver_task

    for notification_id in ids:
        send_task_safely(notification_deliver_task, notification_id)


def _lapse(*, on: dt.date) -> int:
    """Past the due date plus the grace period with no passed review: lapsed, with a notice."""
    lapsed = 0
    cutoff = on - dt.timedelta(days=settings.REVIEW_GRACE_DAYS)
    while True:
        ids = list(
            Certification.objects.filter(status__in=LIVE_CERTIFICATION_STATUSES, next_review_due__lt=cutoff)
            # A holder who submitted in time is not lapsed while the bureau is still reviewing.
            .exclude(annual_reviews__status__in=BUREAU_SIDE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return lapsed
        with transaction.atomic():
            rows = list(
                # Lock the certifications only: a bare FOR UPDATE also locks the joined disease rows,
                # which holds up every insert referencing a disease until the batch commits.
                Certification.objects.select_for_update(of=("self",))
                .filter(pk__in=ids, status__in=LIVE_CERTIFICATION_STATUSES, next_review_due__lt=cutoff)
                .exclude(annual_reviews__status__in=BUREAU_SIDE_STATUSES)  # a review submitted meanwhile
                .values("pk", "holder_id", "next_review_due", "disease__name")
            )
            Certification.objects.filter(pk__in=[r["pk"] for r in rows]).update(
                status=CertificationStatus.LAPSED,
                status_reason=f"逾期未完成年度资格复核，{on:%Y年%m月%d日}起暂停待遇",
                updated_at=timezone.now(),
            )
            keyed = [(row, f"lapsed:{row['pk']}:{row['next_review_due']}") for row in rows]
            existing = _notifications_existing([(row["holder_id"], key) for row, key in keyed])
            new = [
                Notification(
                    user_id=row["holder_id"],
                    kind="certification_lapsed",
                    title="门诊慢特病待遇已暂停",
                    body=(
                        f"您的{row['disease__name']}待遇应于{row['next_review_due']:%Y年%m月%d日}前完成年度复核，"
                        f"已超过{settings.REVIEW_GRACE_DAYS}天宽限期，待遇自{on:%Y年%m月%d日}起暂停。"
                        "如仍需享受待遇，请重新提交认定申请。"
                    ),
                    short_text="【医保慢特病】您的待遇因未完成年度复核已暂停，请登录查看。",
                    dedupe_key=key,
                )
                for row, key in keyed
                if (row["holder_id"], key) not in existing
            ]
            ids_to_deliver = _notifications_insert(new)
            transaction.on_commit(partial(_notifications_queue, ids_to_deliver))
            lapsed += len(rows)


@transaction.atomic
def certification_revoke(*, certification: Certification, officer: User, reason: str) -> Certification:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("撤销必须填写理由。", code="reason_required", field="reason")
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.status == CertificationStatus.REVOKED:
        return certification
    certification.status = CertificationStatus.REVOKED
    certification.status_reason = reason
    certification.save(update_fields=["status", "status_reason", "updated_at"])
    notification_send(
        user=certification.holder,
        kind="certification_revoked",
        title="门诊慢特病待遇认定已撤销",
        body=f"您的{certification.disease.name}待遇认定已被撤销。原因：{reason}",
        short_text="【医保慢特病】您的待遇认定状态有变更，请登录查看。",
        dedupe_key=f"revoked:{certification.pk}",
    )
    logger.info("certification %s revoked by user %s", certification.pk, officer.pk)
    return certification


def certifications_live(*, user: User) -> Q:
    return Q(holder=user, status__in=LIVE_CERTIFICATION_STATUSES)


__all__ = [
    "annual_review_open",
    "annual_review_pass",
    "annual_reviews",
    "certification_revoke",
    "validity",
]
