"""The transactional outbox to the platform. A certification change writes its message in the same
transaction (`platform_register`, `platform_cancel`, `platform_points_change`, `platform_cancel_bulk`);
`platform_dispatch` sends what is due: one message at a time, in order per person (a later message waits
while an earlier one is unsent or dead), the row claimed and committed before the HTTP call (no lock held
across it), the same `msgid` on every retry so the platform can de-duplicate. Failures are retried after
1 minute doubling to a 2-hour cap; after `PLATFORM_MAX_ATTEMPTS` the message is dead-lettered and the
officers are told; a refusal is final (officers told, with the platform's reason). Officers resend from
the admin (`platform_message_resend`). Every outcome is written to the certification's history."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from applications.workflow import SYSTEM
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    CertificationEvent,
    DesignatedPoint,
    PlatformMessage,
    PlatformMessageStatus,
    PlatformStatus,
)
from certification.platform import messages
from certification.platform.client import Reply, platform_client
from config.crypto import blind_index
from config.queueing import enqueue_on_commit
from notifications.models import NotificationKind
from notifications.services import notify_officers

logger = logging.getLogger(__name__)
S = PlatformMessageStatus
LABELS = {
    messages.REGISTER: "登记门诊慢特病待遇",
    messages.CANCEL: "撤销门诊慢特病待遇登记",
    messages.POINTS_REGISTER: "登记定点医疗机构",
    messages.POINTS_CANCEL: "撤销定点医疗机构",
}
# How long a claimed message is left to its sender before another run may send it again.
LEASE_SECONDS = 60
_MSGID_TAIL = string.digits + string.ascii_uppercase


def msgid_new(at: dt.datetime) -> str:
    """30 characters: the sender's code (12), the time (14), 4 random characters."""
    tail = "".join(secrets.choice(_MSGID_TAIL) for _ in range(4))
    return f"{settings.NATIONAL_PLATFORM_SENDER[:12]:<12}{timezone.localtime(at):%Y%m%d%H%M%S}{tail}"


def _queue_dispatch() -> None:
    from certification.tasks import platform_dispatch_task

    enqueue_on_commit(platform_dispatch_task)


def message_enqueue(*, certification: Certification, infno: str, data: object) -> PlatformMessage:
    """Write one message in the caller's transaction; the dispatcher sends it after the commit."""
    now = timezone.now()
    for _ in range(5):
        try:
            with transaction.atomic():
                message = PlatformMessage.objects.create(
                    msgid=msgid_new(now),
                    infno=infno,
                    certification=certification,
                    person_key=blind_index(messages.person_number(certification)),
                    data=data,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # the same msgid drawn twice in one second: draw again
        _queue_dispatch()
        return message
    raise RuntimeError("could not draw a unique msgid")


def platform_register(*, certification: Certification) -> None:
    """On effect (and on restoring a suspended benefit): register the disease and the designated points."""
    Certification.objects.filter(pk=certification.pk).update(platform_status=PlatformStatus.PENDING)
    certification.platform_status = PlatformStatus.PENDING
    message_enqueue(certification=certification, infno=messages.REGISTER, data=messages.register_data(certification))
    points = list(certification.designated_points.filter(ends_on__isnull=True).select_related("hospital"))
    if points:
        data = messages.points_data(points, certification=certification)
        message_enqueue(certification=certification, infno=messages.POINTS_REGISTER, data=data)


def platform_cancel(*, certification: Certification, memo: str) -> None:
    """On revoke, lapse, end and suspension: cancel the registration (once it was, or will be, made)."""
    if certification.platform_status in (PlatformStatus.PENDING, PlatformStatus.REGISTERED):
        message_enqueue(certification=certification, infno=messages.CANCEL, data={"memo": memo[:200]})


def platform_cancel_bulk(*, certification_ids: Iterable[Any], memo: str) -> int:
    """The daily lapse: one cancellation per certification, written in bulk."""
    rows = []
    now = timezone.now()
    used: set[str] = set()
    registered = Certification.objects.filter(
        pk__in=list(certification_ids), platform_status__in=[PlatformStatus.PENDING, PlatformStatus.REGISTERED]
    ).select_related("holder")
    for certification in registered:
        msgid = msgid_new(now)
        while msgid in used:
            msgid = msgid_new(now)
        used.add(msgid)
        rows.append(
            PlatformMessage(
                msgid=msgid,
                infno=messages.CANCEL,
                certification=certification,
                person_key=blind_index(messages.person_number(certification)),
                data={"memo": memo[:200]},
                next_attempt_at=now,
            )
        )
    PlatformMessage.objects.bulk_create(rows, batch_size=1000)
    if rows:
        _queue_dispatch()
    return len(rows)


def platform_points_change(
    *, certification: Certification, ended: list[DesignatedPoint], begun: list[DesignatedPoint]
) -> None:
    """A change of designated points: cancel the old ones (2506), then register the new (2505)."""
    if certification.platform_status not in (PlatformStatus.PENDING, PlatformStatus.REGISTERED):
        return
    if ended:
        data = messages.points_data(ended, certification=certification)
        message_enqueue(certification=certification, infno=messages.POINTS_CANCEL, data=data)
    if begun:
        data = messages.points_data(begun, certification=certification)
        message_enqueue(certification=certification, infno=messages.POINTS_REGISTER, data=data)


# --- sending ---------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    refused: int = 0
    dead: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.refused} refused, {self.dead} dead-lettered"


def _due(now: dt.datetime) -> Any:
    earlier_unsent = PlatformMessage.objects.filter(
        person_key=OuterRef("person_key"), id__lt=OuterRef("id"), status__in=[S.PENDING, S.SENDING, S.DEAD]
    )
    return (
        PlatformMessage.objects.filter(
            Q(status=S.PENDING, next_attempt_at__lte=now) | Q(status=S.SENDING, claimed_until__lt=now)
        )
        .exclude(Exists(earlier_unsent))
        .order_by("id")
    )


def platform_dispatch(*, limit: int = 200) -> DispatchReport:
    """Send what is due now, up to `limit` messages. Safe to run in several workers at once."""
    report = DispatchReport()
    handled = 0
    # Rounds: a person's next message becomes due once the one before it is sent.
    while handled < limit:
        due = list(_due(timezone.now()).values_list("id", flat=True)[: limit - handled])
        progressed = False
        for message_id in due:
            claimed = _claim(message_id)
            if claimed is None:
                continue
            message, body = claimed
            skipped = Reply(ok=True, output={"skipped": "未登记，无需撤销"})
            _record(message.pk, skipped if body is None else platform_client().send(body), report)
            handled += 1
            progressed = True
        if not progressed:
            break
    return report


def platform_dispatch_job(*, on: dt.date) -> str:
    """The periodic job (every minute): what is due now; retries come due by their own clock."""
    return str(platform_dispatch())


def _claim(message_id: int) -> tuple[PlatformMessage, dict[str, Any] | None] | None:
    """Take the message for this run (committed before the call); the envelope to send, or None for a
    cancellation of a registration that was never made."""
    now = timezone.now()
    with transaction.atomic():
        message = _due(now).select_for_update(skip_locked=True, of=("self",)).filter(pk=message_id).first()
        if message is None:
            return None
        certification = Certification.objects.select_related("holder").get(pk=message.certification_id)
        data = message.data
        if message.infno == messages.CANCEL:
            if not certification.platform_registration_sn:
                data = None
            else:
                data = {**data, "trt_dcla_detl_sn": certification.platform_registration_sn}
                message.data = data  # the number, once known, is part of the message on every retry
        message.status, message.attempts = S.SENDING, message.attempts + 1
        message.claimed_until = now + dt.timedelta(seconds=settings.NATIONAL_PLATFORM_TIMEOUT + LEASE_SECONDS)
        message.save(update_fields=["status", "attempts", "claimed_until", "data"])
    if data is None:
        return message, None
    return message, messages.envelope(infno=message.infno, msgid=message.msgid, data=data, at=now)


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.PLATFORM_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.PLATFORM_RETRY_MAX_SECONDS))


@transaction.atomic
def _record(message_id: int, reply: Reply, report: DispatchReport) -> None:
    message = PlatformMessage.objects.select_for_update().get(pk=message_id)
    certification = Certification.objects.select_for_update().get(pk=message.certification_id)
    label = LABELS.get(message.infno, message.infno)
    now = timezone.now()
    message.claimed_until = None
    if reply.ok:
        message.status, message.sent_at, message.output, message.last_error = S.SENT, now, reply.output, ""
        outcome = f"医保信息平台：{label}成功（{message.infno}）"
        if message.infno == messages.REGISTER:
            certification.platform_registration_sn = str(reply.output.get("trt_dcla_detl_sn", ""))
            certification.platform_status = PlatformStatus.REGISTERED
        elif message.infno == messages.CANCEL:
            certification.platform_status = PlatformStatus.CANCELLED
        report.sent += 1
    elif reply.retryable and message.attempts < settings.PLATFORM_MAX_ATTEMPTS:
        message.status, message.last_error = S.PENDING, reply.error
        message.next_attempt_at = now + _backoff(message.attempts)
        outcome = f"医保信息平台：{label}第{message.attempts}次发送失败（{reply.error}），将自动重发"
        report.retrying += 1
    else:
        message.status = S.DEAD if reply.retryable else S.REFUSED
        message.last_error = reply.error
        certification.platform_status = PlatformStatus.FAILED
        what = f"{message.attempts}次发送均失败" if reply.retryable else "被平台拒绝"
        outcome = f"医保信息平台：{label}{what}（{reply.error}），已转经办人员处理"
        notify_officers(
            kind=NotificationKind.PLATFORM_FAILED,
            dedupe_key=f"platform-failed:{message.pk}:{message.attempts}",
            params={"infno": message.infno, "msgid": message.msgid, "error": reply.error, "what": what},
        )
        if reply.retryable:
            report.dead += 1
        else:
            report.refused += 1
        logger.warning("platform message %s (%s) %s: %s", message.pk, message.infno, message.status, reply.error)
    message.save()
    certification.save(update_fields=["platform_registration_sn", "platform_status", "updated_at"])
    CertificationEvent.objects.create(
        certification=certification,
        actor_label=SYSTEM,
        from_status=certification.status,
        to_status=certification.status,
        reason=outcome,
    )


@transaction.atomic
def platform_message_resend(*, message: PlatformMessage, officer: User) -> PlatformMessage:
    """An officer sends a dead-lettered or refused message again (same msgid), with a fresh count."""
    message = PlatformMessage.objects.select_for_update().get(pk=message.pk)
    if message.status not in (S.DEAD, S.REFUSED):
        return message
    message.status, message.attempts, message.next_attempt_at = S.PENDING, 0, timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    certification = Certification.objects.select_for_update().get(pk=message.certification_id)
    if message.infno == messages.REGISTER or certification.platform_status == PlatformStatus.FAILED:
        certification.platform_status = PlatformStatus.PENDING
        certification.save(update_fields=["platform_status", "updated_at"])
    CertificationEvent.objects.create(
        certification=certification,
        actor=officer,
        actor_label="经办人员",
        from_status=certification.status,
        to_status=certification.status,
        reason=f"医保信息平台：经办人员重新发送{LABELS.get(message.infno, message.infno)}（{message.infno}）",
    )
    logger.info("platform message %s resent by officer %s", message.pk, officer.pk)
    _queue_dispatch()
    return message


def platform_backfill() -> int:
    """Register the live certifications that never had a message (those issued before the hand-off
    existed): `bootstrap` runs it on every deploy, so an upgraded installation catches up. Idempotent."""
    unsent = Certification.objects.filter(
        status__in=LIVE_CERTIFICATION_STATUSES, platform_messages__isnull=True
    ).select_related("holder", "disease", "application__diagnosing_hospital")
    count = 0
    for certification in unsent.iterator(chunk_size=500):
        with transaction.atomic():
            platform_register(certification=certification)
        count += 1
    return count
