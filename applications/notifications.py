"""Writes for applicant notifications: recorded once per event, delivered by a task on commit."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.messaging import sms_backend
from applications.models import Application, DeliveryStatus, Notification
from config.queueing import enqueue_on_commit, send_task_safely

logger = logging.getLogger(__name__)
MAX_DELIVERY_ATTEMPTS = 8
EMAIL_SUBJECT = "【医保慢特病】您有一条新消息"


@transaction.atomic
def notification_send(
    *,
    user: User,
    kind: str,
    title: str,
    body: str,
    short_text: str,
    dedupe_key: str,
    application: Application | None = None,
) -> Notification | None:
    """Record the message (once per `dedupe_key`) and queue its delivery. None if already sent."""
    notification, created = Notification.objects.get_or_create(
        user=user,
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "title": title,
            "body": body,
            "short_text": short_text,
            "application": application,
        },
    )
    if not created:
        return None
    _queue_delivery(notification.pk)
    return notification


def _queue_delivery(notification_id: int) -> None:
    from applications.tasks import notification_deliver_task

    enqueue_on_commit(notification_deliver_task, notification_id)


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send what is still pending by SMS and e-mail. Safe to run twice, also at the same time: the
    row stays locked while sending, so a concurrent run waits and then finds the channels sent."""
    error: Exception | None = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return None
        notification.delivery_attempts += 1
        user = notification.user
        if notification.sms_status == DeliveryStatus.PENDING:
            if not (settings.NOTIFY_SMS and user.phone):
                notification.sms_status = DeliveryStatus.SKIPPED
            else:
                try:
                    sms_backend().send(phone=user.phone, text=notification.short_text)
                    notification.sms_status = DeliveryStatus.SENT
                except Exception as exc:  # the gateway is outside us: record, retry later
                    error = exc
        if notification.email_status == DeliveryStatus.PENDING:
            if not (settings.NOTIFY_EMAIL and user.email):
                notification.email_status = DeliveryStatus.SKIPPED
            else:
                try:
                    # A neutral subject: e-mail, like SMS, never carries the disease or the diagnosis.
                    send_mail(EMAIL_SUBJECT, notification.short_text, None, [user.email])
                    notification.email_status = DeliveryStatus.SENT
                except Exception as exc:
                    error = exc
        if error is not None and notification.delivery_attempts >= MAX_DELIVERY_ATTEMPTS:
            for field in ("sms_status", "email_status"):
                if getattr(notification, field) == DeliveryStatus.PENDING:
                    setattr(notification, field, DeliveryStatus.FAILED)
            logger.warning(
                "notification %s: delivery failed %d times, giving up", notification.pk, MAX_DELIVERY_ATTEMPTS
            )
            error = None
        notification.save(update_fields=["sms_status", "email_status", "delivery_attempts"])
    if error is not None:
        raise error
    return notification


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_requeue_pending(*, older_than: dt.timedelta) -> int:
    """Queue again every delivery left pending (broker outage, worker crash)."""
    from applications.tasks import notification_deliver_task

    cutoff = timezone.now() - older_than
    pending = Notification.objects.filter(created_at__lt=cutoff, delivery_attempts__lt=MAX_DELIVERY_ATTEMPTS).filter(
        sms_status=DeliveryStatus.PENDING
    ) | Notification.objects.filter(
        created_at__lt=cutoff, delivery_attempts__lt=MAX_DELIVERY_ATTEMPTS, email_status=DeliveryStatus.PENDING
    )
    ids = list(pending.values_list("pk", flat=True)[:1000])
    for notification_id in ids:
        send_task_safely(notification_deliver_task, notification_id)
    return len(ids)
