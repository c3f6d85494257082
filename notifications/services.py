"""Writes for notifications: recorded once per event, delivered by a task after the commit.

A delivery claims its row for a short lease, commits, and only then talks to the SMS gateway and the
mail server: no database lock is held while a gateway is slow, and a second run at the same time
finds the claim and sends nothing. A run that dies mid-send leaves the claim to expire; the
`retry_stuck` job then queues the delivery again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.family import family_owners
from accounts.models import User
from accounts.roles import officers
from config.queueing import send_task_safely
from notifications.catalogue import Rendered, message_render
from notifications.channels import email_send, sms_send
from notifications.models import DeliveryStatus, Notification, NotificationKind

logger = logging.getLogger(__name__)
MAX_DELIVERY_ATTEMPTS = 8
REQUEUE_LIMIT = 1000
BULK_BATCH = 2000
CHANNELS = (("sms_status", "sms"), ("email_status", "email"), ("agent_sms_status", "agent_sms"))


def notification_send(
    *,
    user: User,
    kind: NotificationKind,
    dedupe_key: str,
    params: Mapping[str, object] | None = None,
    application: Any = None,
) -> Notification | None:
    """Record the message of `kind` (once per `dedupe_key`) and queue its delivery. None if already sent.
    A message to an applicant about their application also goes to the family accounts they are bound to."""
    texts = message_render(kind=kind, params=params or {})
    recipients = [user.pk]
    if application is not None and user.pk == application.applicant_id:
        recipients += family_owners(member_ids={user.pk}).get(user.pk, [])
    sent: Notification | None = None
    with transaction.atomic():
        for user_id in recipients:
            notification, created = Notification.objects.get_or_create(
                user_id=user_id,
                dedupe_key=dedupe_key,
                defaults={
                    "kind": kind,
                    "title": texts.title,
                    "body": texts.body,
                    "short_text": texts.short_text,
                    "application": application,
                },
            )
            if created:
                transaction.on_commit(partial(deliveries_queue, [notification.pk]))
                if user_id == user.pk:
                    sent = notification
    return sent


def notify_officers(
    *, kind: NotificationKind, dedupe_key: str, params: Mapping[str, object] | None = None, application: Any = None
) -> int:
    """Tell every officer (`accounts.roles.officers`); each is told once per `dedupe_key`."""
    sent = 0
    for officer in officers():
        notice = notification_send(
            user=officer, kind=kind, dedupe_key=dedupe_key, params=params, application=application
        )
        sent += notice is not None
    return sent


@dataclass(frozen=True)
class BulkMessage:
    """One row of `notifications_send_bulk`: who, which event, the template's parameters."""

    user_id: int
    dedupe_key: str
    params: Mapping[str, object]
    application_id: UUID | None = None


@dataclass
class BulkOutcome:
    """What `notifications_send_bulk` did: rows this call inserted, and of those the deliveries that
    reached the broker (counted as each batch commits; the rest wait for `retry_stuck`)."""

    recorded: int = 0
    queued: int = 0

    def __str__(self) -> str:
        return f"{self.recorded} recorded ({self.queued} queued for delivery)"


def notifications_send_bulk(*, kind: NotificationKind, messages: Iterable[BulkMessage]) -> BulkOutcome:
    """Record many messages of one kind with one insert per batch (the daily jobs' reminders and
    notices); those already recorded, by an earlier run or by one running at the same time, are
    skipped and not counted. Deliveries are queued after the commit."""
    outcome = BulkOutcome()
    batch: list[BulkMessage] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= BULK_BATCH:
            _send_batch(kind=kind, batch=batch, outcome=outcome)
            batch = []
    if batch:
        _send_batch(kind=kind, batch=batch, outcome=outcome)
    return outcome


def _send_batch(*, kind: NotificationKind, batch: list[BulkMessage], outcome: BulkOutcome) -> None:
    # A message to an applicant about their application also goes to their family accounts (one query).
    owners = family_owners(member_ids={m.user_id for m in batch if m.application_id is not None})
    batch = batch + [
        BulkMessage(owner, m.dedupe_key, m.params, m.application_id)
        for m in batch
        if m.application_id is not None
        for owner in owners.get(m.user_id, [])
    ]
    existing = set(
        # Filtered on the user as well: on dedupe_key alone the look-up reads the whole table, while
        # (user, dedupe_key) is the unique index.
        Notification.objects.filter(
            user_id__in={m.user_id for m in batch}, dedupe_key__in=[m.dedupe_key for m in batch]
        )
        .order_by()
        .values_list("user_id", "dedupe_key")
    )
    rows = []
    for message in batch:
        if (message.user_id, message.dedupe_key) in existing:
            continue
        texts = message_render(kind=kind, params=message.params)
        rows.append(
            Notification(
                user_id=message.user_id,
                application_id=message.application_id,
                kind=kind,
                title=texts.title,
                body=texts.body,
                short_text=texts.short_text,
                dedupe_key=message.dedupe_key,
            )
        )
    if not rows:
        return
    with transaction.atomic():
        ids = _insert_new(rows)
        outcome.recorded += len(ids)

        def queue() -> None:
            outcome.queued += deliveries_queue(ids)

        transaction.on_commit(queue)


def _insert_new(rows: list[Notification]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id (PostgreSQL; SQLite 3.35+): the ids of the rows this
    statement inserted, and none of those a concurrent run inserted first (the unique (user, dedupe_key)
    skips them). The ORM's `bulk_create(ignore_conflicts=True)` returns no ids."""
    meta = Notification._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]

    def quote(name: str | None) -> str:
        assert name is not None  # concrete fields have columns
        return connection.ops.quote_name(name)

    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only the model's own table and column names go into the text; every value is a parameter.
    columns = ", ".join(quote(field.column) for field in fields)
    # As many rows per statement as the backend takes parameters (SQLite: 32,766 in all).
    per_statement = connection.ops.bulk_batch_size(fields, rows)
    inserted: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = [
                field.get_db_prep_save(field.pre_save(row, add=True), connection) for row in chunk for field in fields
            ]
            placeholders = ", ".join([one_row] * len(chunk))
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {placeholders}"  # noqa: S608
            sql += f" ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
            cursor.execute(sql, values)
            inserted += [row[0] for row in cursor.fetchall()]
    return inserted


def notifications_insert_select(
    *,
    kind: NotificationKind,
    source: tuple[str, Sequence[object]],
    texts: Mapping[str, Rendered],
    outcome: BulkOutcome | None = None,
) -> BulkOutcome:
    """Record the messages of `kind` named by one SELECT in one `INSERT … SELECT … ON CONFLICT DO NOTHING
    RETURNING id`: the rows never pass through Python (PostgreSQL only; `notifications_send_bulk` is the
    portable way). `source` is a SELECT (SQL, parameters) with the columns `user_id`, `dedupe_key` and
    `text_key`; `texts` holds each group's message rendered once (e.g. per disease), keyed by `text_key`
    as text and passed as parameters. Rows already recorded are skipped and not counted; the deliveries
    are queued after the commit, one task per BULK_BATCH ids. Counts add up in `outcome` if given (the
    deliveries as each commit happens)."""
    assert connection.vendor == "postgresql", "INSERT … SELECT with unnest() is PostgreSQL's"
    meta = Notification._meta
    quote = connection.ops.quote_name
    per_row = {"user_id": "s.user_id", "dedupe_key": "s.dedupe_key", "title": "t.title", "body": "t.body"}
    per_row["short_text"] = "t.short_text"
    # Every other column as a new Notification of `kind` would have it (defaults, auto_now_add).
    prototype = Notification(kind=kind)
    columns, expressions, constants = [], [], []
    for field in meta.concrete_fields:
        if field is meta.pk:
            continue
        columns.append(quote(field.column))  # type: ignore[arg-type]
        if field.attname in per_row:
            expressions.append(per_row[field.attname])
        else:
            expressions.append("%s")
            constants.append(field.get_db_prep_save(field.pre_save(prototype, add=True), connection))
    source_sql, source_params = source
    keys = list(texts)
    # Only the model's table and column names go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM ({source_sql}) AS s "
        "JOIN unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS t (text_key, title, body, short_text) "
        f"ON t.text_key = s.text_key::text ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column or 'id')}"
    )
    params = [
        *constants,
        *source_params,
        keys,
        [texts[key].title for key in keys],
        [texts[key].body for key in keys],
        [texts[key].short_text for key in keys],
    ]
    outcome = outcome if outcome is not None else BulkOutcome()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        outcome.recorded += len(ids)

        def queue() -> None:
            outcome.queued += deliveries_queue(ids)

        if ids:
            transaction.on_commit(queue)
    return outcome


def deliveries_queue(ids: Iterable[int]) -> int:
    """Queue the deliveries as one task per batch (a single id as before); returns how many reached the
    broker. A broker outage is left to `retry_stuck`: the rows stay pending."""
    from notifications.tasks import notification_deliver_task

    ids = list(ids)
    queued = 0
    for start in range(0, len(ids), BULK_BATCH):
        chunk = ids[start : start + BULK_BATCH]
        if send_task_safely(notification_deliver_task, chunk[0] if len(chunk) == 1 else chunk):
            queued += len(chunk)
    return queued


def notifications_deliver(*, notification_ids: Iterable[int]) -> None:
    """Deliver a batch, each row as `notification_deliver` does (its own claim, so a retry of the batch
    sends only what is still pending). A gateway error does not stop the others: the first is raised at
    the end for the task to retry. The task's time limit stops the batch at once (the rest stay pending)."""
    error: Exception | None = None
    for notification_id in notification_ids:
        try:
            notification_deliver(notification_id=notification_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # the gateway is outside us: the others still go
            error = error or exc
    if error is not None:
        raise error


def _pending() -> Q:
    return (
        Q(sms_status=DeliveryStatus.PENDING)
        | Q(email_status=DeliveryStatus.PENDING)
        | Q(agent_sms_status=DeliveryStatus.PENDING)
    )


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def notification_deliver(*, notification_id: int) -> Notification | None:
    """Send what is still pending by SMS and e-mail. Safe to run twice, also at the same time: only
    the run holding the claim sends. Raises the gateway's error (the task retries) while attempts
    are left; after MAX_DELIVERY_ATTEMPTS the pending channels are marked failed."""
    now = timezone.now()
    claim = now + dt.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    # One UPDATE claims the row (a concurrent run waits for it, then finds the claim) and commits at once.
    claimed = Notification.objects.filter(_pending(), _unclaimed(now), pk=notification_id).update(
        claimed_until=claim, delivery_attempts=F("delivery_attempts") + 1
    )
    if not claimed:
        return None  # delivered already, gone, or another run holds it
    notification = Notification.objects.select_related("user", "application").get(pk=notification_id)
    user = notification.user
    addresses = {"sms": user.phone, "email": user.email, "agent_sms": _agent_phone(notification)}
    outcome: dict[str, str] = {}
    error: Exception | None = None
    for field, channel in CHANNELS:
        if getattr(notification, field) != DeliveryStatus.PENDING:
            continue
        address = addresses[channel]
        enabled = settings.NOTIFY_EMAIL if channel == "email" else settings.NOTIFY_SMS
        if not (enabled and address):
            outcome[field] = DeliveryStatus.SKIPPED
            continue
        try:
            if channel != "email":
                sms_send(phone=address, text=notification.short_text)
            else:
                email_send(address=address, text=notification.short_text)
        except Exception as exc:  # the gateway is outside us: record, retry later
            error = exc
        else:
            outcome[field] = DeliveryStatus.SENT
    if error is not None and notification.delivery_attempts >= MAX_DELIVERY_ATTEMPTS:
        for field, _ in CHANNELS:
            if getattr(notification, field) == DeliveryStatus.PENDING and field not in outcome:
                outcome[field] = DeliveryStatus.FAILED
        logger.warning("notification %s: delivery failed %d times, giving up", notification.pk, MAX_DELIVERY_ATTEMPTS)
        error = None
    # Release the claim with the result; a run that lost its lease to a later one changes nothing.
    Notification.objects.filter(pk=notification_id, claimed_until=claim).update(claimed_until=None, **outcome)
    if error is not None:
        raise error
    notification.refresh_from_db()
    return notification


def _agent_phone(notification: Notification) -> str:
    """The agent's phone when the message is to an applicant about the application their agent filed
    (never an officer's message about it), unless it is the applicant's own number."""
    application = notification.application
    if application is None or notification.user_id != application.applicant_id or not application.agent_phone:
        return ""
    return "" if application.agent_phone == notification.user.phone else str(application.agent_phone)


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_requeue_pending(*, older_than: dt.timedelta) -> int:
    """Queue again every delivery left pending and unclaimed (broker outage, worker crash)."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            _pending(), _unclaimed(now), created_at__lt=now - older_than, delivery_attempts__lt=MAX_DELIVERY_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_LIMIT]
    )
    return deliveries_queue(ids)
