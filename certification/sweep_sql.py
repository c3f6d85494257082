"""The annual-review sweep's set-based statements on PostgreSQL (certification/jobs.py picks them by
`connection.vendor`; SQLite keeps the portable path there). No row passes through Python:

- marking: one `WITH moved AS (UPDATE … WHERE id = ANY(ARRAY(candidates LIMIT n FOR UPDATE)) RETURNING
  id) INSERT INTO certification events … SELECT … FROM moved` per batch (the array makes the update a
  look-up of the batch's keys in the primary key: `id IN (…)` was planned as a hash join over a scan of
  the whole table, on every batch);
- reminders: per due date with a stage to send, pages of the (status, next_review_due, id) index cut by
  primary key (one index read finds the page's last key), each page one `INSERT … SELECT … ON CONFLICT
  DO NOTHING RETURNING id` of its notifications (`notifications_insert_select`), the message rendered
  once per disease in Python and passed as a parameter.

Each statement is built from the ORM's own SQL for the filters (the same querysets as the portable
path), so both paths select the same rows."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db import connection, transaction
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from applications.workflow import SYSTEM
from certification.models import Certification, CertificationEvent
from notifications.catalogue import Rendered, message_render
from notifications.models import NotificationKind
from notifications.services import BulkOutcome, notifications_insert_select


def move_with_events(candidates: QuerySet[Certification], *, source: str, target: str, reason: str, batch: int) -> int:
    """Move every one of `candidates` (all in status `source`) to `target` with `reason`, `batch` rows a
    statement, each moved row's `CertificationEvent` written by the same statement. Returns how many moved."""
    locked = candidates.select_for_update(of=("self",)).order_by().values("pk")[:batch]
    meta, events = Certification._meta, CertificationEvent._meta
    quote = connection.ops.quote_name
    # Only the models' table and column names go into the text; every value is a parameter.
    update = (
        f"WITH moved AS (UPDATE {quote(meta.db_table)} SET {quote('status')} = %s, "  # noqa: S608
        f"{quote('status_reason')} = %s, {quote('updated_at')} = %s WHERE {quote('id')} = ANY(ARRAY("
    )
    insert = (
        f")) RETURNING {quote('id')}) INSERT INTO {quote(events.db_table)} ({quote('certification_id')}, "  # noqa: S608
        f"{quote('at')}, {quote('actor_id')}, {quote('actor_label')}, {quote('from_status')}, "
        f"{quote('to_status')}, {quote('reason')}) SELECT {quote('id')}, %s, NULL, %s, %s, %s, %s FROM moved "
        # In key order: the events' indexes on the certification and the foreign-key checks at commit
        # then walk the certification's key in order instead of jumping about it.
        f"ORDER BY {quote('id')}"
    )
    moved = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Compiled inside the transaction: Django refuses a FOR UPDATE outside one.
            sub_sql, sub_params = locked.query.get_compiler(connection=connection).as_sql()
            now = timezone.now()
            cursor.execute(
                update + sub_sql + insert,
                [
                    target,
                    reason,
                    meta.get_field("updated_at").get_db_prep_save(now, connection),
                    *sub_params,
                    events.get_field("at").get_db_prep_save(now, connection),
                    SYSTEM,
                    source,
                    target,
                    reason,
                ],
            )
            count = cursor.rowcount
        moved += count
        if count < batch:
            return moved


def remind_due(
    candidates: QuerySet[Certification],
    *,
    keys: QuerySet[Certification],
    due: dt.date,
    stage: str,
    texts: dict[str, Rendered],
    batch: int,
    outcome: BulkOutcome,
) -> None:
    """Record the `stage` reminders of the `candidates` due on `due`, page by page in primary-key order:
    `keys` (the candidates' status and due date alone: an index range) cuts the pages, `texts` holds the
    message per disease."""
    bounds = keys.order_by("pk").values_list("pk", flat=True)
    # Written in holder order: the notifications' (user, dedupe_key) and user indexes and the foreign-key
    # checks of the user at commit then walk their keys in order.
    rows = candidates.order_by("holder_id").annotate(
        user_id=F("holder_id"),
        dedupe_key=Concat(
            Value("annual-reminder:"), Cast("pk", CharField()), Value(f":{due}:{stage}"), output_field=CharField()
        ),
        text_key=F("disease_id"),
    )
    last: UUID | None = None
    while True:
        # The page's last key: one read of the index; the page's rows are then a range of it.
        ahead = bounds if last is None else bounds.filter(pk__gt=last)
        end = next(iter(ahead[batch - 1 : batch]), None)
        page = rows if last is None else rows.filter(pk__gt=last)
        if end is not None:
            page = page.filter(pk__lte=end)
        source = page.values("user_id", "dedupe_key", "text_key").query.sql_with_params()
        notifications_insert_select(
            kind=NotificationKind.ANNUAL_REVIEW_REMINDER, source=source, texts=texts, outcome=outcome
        )
        if end is None:
            return
        last = end


def reminder_texts(params: dict[str, object], diseases: list[tuple[int, str]]) -> dict[str, Rendered]:
    """The reminder rendered once per disease (the only parameter that varies within a due date)."""
    kind = NotificationKind.ANNUAL_REVIEW_REMINDER
    return {str(pk): message_render(kind=kind, params={"disease": name, **params}) for pk, name in diseases}
