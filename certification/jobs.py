"""The daily annual-review job (资格复核): mark certifications due, remind holders, lapse the ones
whose grace period ended. Set-based and batched over indexed queries. On PostgreSQL
(certification/sweep_sql.py) no marked row or reminder passes through Python: each batch of marks is
one `UPDATE … RETURNING` feeding the `INSERT … SELECT` of its `CertificationEvent`s, each page of
reminders one `INSERT … SELECT … ON CONFLICT DO NOTHING` with the message rendered once per disease.
Elsewhere (SQLite) each batch is one `UPDATE … RETURNING`, one bulk insert of its events and one insert
of its messages. Either way one delivery task per batch of messages; the reminders are read per due
date in primary-key order over the (status, next_review_due, id) index (migration 0007); the number of
queries grows with the number of batches, never with the rows. Running a day twice changes nothing
the second time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from applications.models import OPEN_STATUSES, ApplicationStatus, Disease
from applications.workflow import SYSTEM
from certification import sweep_sql
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    CertificationEvent,
    CertificationStatus,
    EndReason,
)
from certification.platform.outbox import platform_cancel_bulk
from certification.rules import (
    REVIEW_OPENS_DAYS_BEFORE,
    days_left_text,
    lapse_cutoff,
    reminder_stage,
)
from notifications.models import NotificationKind
from notifications.services import BulkMessage, BulkOutcome, notifications_send_bulk

BATCH = 2000
# PostgreSQL's set-based path: rows per marking statement, reminders per page (an index range).
SET_BATCH = 50_000
# A holder who submitted their review in time is not lapsed while the bureau is still on it.
BUREAU_SIDE_STATUSES = [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW]
MARK_REASON = "进入年度资格复核期"
# A review falls due only inside the benefit period: one due after its end is never asked for.
REVIEWED_WITHIN_PERIOD = Q(benefit_ends_on__isnull=True) | Q(benefit_ends_on__gt=F("next_review_due"))


def annual_reviews(*, on: dt.date) -> str:
    """The daily job: `review_due` from 30 days before the due date, reminders 30 and 7 days before and
    on the day (each once), and lapse after the grace period."""
    horizon = on + dt.timedelta(days=REVIEW_OPENS_DAYS_BEFORE)
    ended = _period_over(on=on)
    marked = _mark_review_due(horizon=horizon)
    if marked > BATCH:
        # Many rows changed status at once: refresh the planner's statistics, or the batched reads below
        # are planned for a handful of review_due rows and sort all of them again on every batch.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Certification._meta.db_table}")
    reminders = _remind(on=on, horizon=horizon)
    lapsed = _lapse(on=on)
    # Only what this run did: reminders a concurrent run recorded first are that run's to report.
    reminded = f"{reminders.recorded} reminders recorded ({reminders.queued} queued)"
    return f"{marked} marked review_due, {reminded}, {lapsed} lapsed, {ended} ended at the end of their period"


def _set_based() -> bool:
    """PostgreSQL takes the set-based statements of certification/sweep_sql.py; other databases (SQLite)
    the portable path. Both write the same rows (tests/certification/test_sweep_paths.py)."""
    return connection.vendor == "postgresql"


def _period_over(*, on: dt.date) -> int:
    """Live or suspended benefits whose period ended before `on`: ended (a new application starts the
    next period)."""
    from certification.lifecycle import certification_end

    ended = 0
    over = Certification.objects.filter(
        status__in=[*LIVE_CERTIFICATION_STATUSES, CertificationStatus.SUSPENDED], benefit_ends_on__lt=on
    )
    for certification in over.order_by("benefit_ends_on", "pk").iterator(chunk_size=BATCH):
        certification_end(certification=certification, reason=EndReason.PERIOD_OVER, actor=None, on=on)
        ended += 1
    return ended


def _bulk_events(ids: Sequence[UUID], *, source: str, target: str, reason: str) -> None:
    CertificationEvent.objects.bulk_create(
        [
            CertificationEvent(
                certification_id=pk, actor_label=SYSTEM, from_status=source, to_status=target, reason=reason
            )
            for pk in ids
        ],
        batch_size=BATCH,
    )


def _move_batch(candidates: QuerySet[Certification], *, target: str, reason: str) -> list[dict[str, Any]]:
    """One statement: lock up to BATCH `candidates`, move them to `target` with `reason`, and return each
    moved row's pk, holder, due date and disease. No ORDER BY: every batch leaves the candidate set, so
    the (status, next_review_due) index serves the filter alone."""
    locked = candidates.select_for_update(of=("self",)).order_by().values("pk")[:BATCH]
    sub_sql, sub_params = locked.query.get_compiler(connection=connection).as_sql()
    meta = Certification._meta
    quote = connection.ops.quote_name
    # Concrete fields of the model: their columns are the model's own (db_column is not set on these).
    fields = [meta.pk, *(meta.get_field(name) for name in ("holder", "next_review_due", "disease"))]
    returned = ["id", "holder_id", "next_review_due", "disease_id"]
    now = meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    # Only the model's table and column names go into the text; every value is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('status')} = %s, {quote('status_reason')} = %s, "  # noqa: S608
        f"{quote('updated_at')} = %s WHERE {quote(returned[0])} IN ({sub_sql}) "
        f"RETURNING {', '.join(quote(column) for column in returned)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [target, reason, now, *sub_params])
        rows = cursor.fetchall()
    return [
        {name: field.to_python(value) for name, field, value in zip(returned, fields, row, strict=True)}  # type: ignore[union-attr]
        for row in rows
    ]


def _mark_review_due(*, horizon: dt.date) -> int:
    marked = 0
    candidates = Certification.objects.filter(status=CertificationStatus.ACTIVE, next_review_due__lte=horizon).filter(
        REVIEWED_WITHIN_PERIOD
    )
    if _set_based():
        return sweep_sql.move_with_events(
            candidates,
            source=CertificationStatus.ACTIVE,
            target=CertificationStatus.REVIEW_DUE,
            reason=MARK_REASON,
            batch=SET_BATCH,
        )
    while True:
        with transaction.atomic():
            rows = _move_batch(candidates, target=CertificationStatus.REVIEW_DUE, reason=MARK_REASON)
            if not rows:
                return marked
            _bulk_events(
                [r["id"] for r in rows],
                source=CertificationStatus.ACTIVE,
                target=CertificationStatus.REVIEW_DUE,
                reason=MARK_REASON,
            )
        marked += len(rows)


def _remind(*, on: dt.date, horizon: dt.date) -> BulkOutcome:
    """Every reminder due on `on`: set-based on PostgreSQL, through `notifications_send_bulk` elsewhere."""
    if not _set_based():
        return notifications_send_bulk(
            kind=NotificationKind.ANNUAL_REVIEW_REMINDER, messages=_reminders(on=on, horizon=horizon)
        )
    outcome = BulkOutcome()
    diseases = list(Disease.objects.order_by().values_list("pk", "name"))
    due = lapse_cutoff(on=on)
    while due <= horizon:
        stage = reminder_stage(on=on, due=due)
        if stage is not None:
            keys = Certification.objects.filter(status=CertificationStatus.REVIEW_DUE, next_review_due=due)
            sweep_sql.remind_due(
                _reminder_candidates(due=due),
                keys=keys,
                due=due,
                stage=stage,
                texts=sweep_sql.reminder_texts(_reminder_params(on=on, due=due), diseases),
                batch=SET_BATCH,
                outcome=outcome,
            )
        due += dt.timedelta(days=1)
    return outcome


def _reminder_candidates(*, due: dt.date) -> QuerySet[Certification]:
    """Due on `due`, marked, inside the benefit period and with no annual review open."""
    return (
        Certification.objects.filter(status=CertificationStatus.REVIEW_DUE, next_review_due=due)
        .filter(REVIEWED_WITHIN_PERIOD)
        .exclude(annual_reviews__status__in=[*OPEN_STATUSES])
    )


def _reminder_params(*, on: dt.date, due: dt.date) -> dict[str, object]:
    return {"due": due, "when": days_left_text(on=on, due=due), "grace_days": settings.REVIEW_GRACE_DAYS}


def _reminders(*, on: dt.date, horizon: dt.date) -> Iterator[BulkMessage]:
    """Per due date with a stage to send (due before the grace period: none; `_lapse` takes them), in
    primary-key order from the last key read: each page is a range scan of the (status,
    next_review_due, id) index, never a walk of the whole primary key."""
    due = lapse_cutoff(on=on)
    while due <= horizon:
        stage = reminder_stage(on=on, due=due)
        if stage is not None:
            yield from _reminders_due(on=on, due=due, stage=stage)
        due += dt.timedelta(days=1)


def _reminders_due(*, on: dt.date, due: dt.date, stage: str) -> Iterator[BulkMessage]:
    base = _reminder_candidates(due=due).order_by("pk")
    params = _reminder_params(on=on, due=due)
    last_pk = None
    while True:
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        rows = list(page.values_list("pk", "holder_id", "disease__name")[:BATCH])
        if not rows:
            return
        last_pk = rows[-1][0]
        for pk, holder_id, disease in rows:
            yield BulkMessage(
                user_id=holder_id,
                dedupe_key=f"annual-reminder:{pk}:{due}:{stage}",
                params={"disease": disease, **params},
            )
        if len(rows) < BATCH:
            return


def _lapse(*, on: dt.date) -> int:
    """Past the due date plus the grace period with no passed review: lapsed, with an event and a notice.
    One status at a time, so each batch's events share their `from_status`."""
    lapsed = 0
    reason = f"逾期未完成年度资格复核，{on:%Y年%m月%d日}起暂停待遇"
    for source in LIVE_CERTIFICATION_STATUSES:
        # Re-read under the row lock by `_move_batch`: a review submitted meanwhile keeps the holder.
        candidates = Certification.objects.filter(status=source, next_review_due__lt=lapse_cutoff(on=on)).exclude(
            annual_reviews__status__in=BUREAU_SIDE_STATUSES
        )
        while True:
            with transaction.atomic():
                rows = _move_batch(candidates, target=CertificationStatus.LAPSED, reason=reason)
                if not rows:
                    break
                _lapse_batch(rows, source=source, reason=reason, on=on)
            lapsed += len(rows)
    return lapsed


def _lapse_batch(rows: list[dict[str, Any]], *, source: str, reason: str, on: dt.date) -> None:
    ids = [r["id"] for r in rows]
    _bulk_events(ids, source=source, target=CertificationStatus.LAPSED, reason=reason)
    diseases = dict(Disease.objects.filter(pk__in={r["disease_id"] for r in rows}).order_by().values_list("pk", "name"))
    notifications_send_bulk(
        kind=NotificationKind.CERTIFICATION_LAPSED,
        messages=(
            BulkMessage(
                user_id=row["holder_id"],
                dedupe_key=f"lapsed:{row['id']}:{row['next_review_due']}",
                params={
                    "disease": diseases[row["disease_id"]],
                    "due": row["next_review_due"],
                    "grace_days": settings.REVIEW_GRACE_DAYS,
                    "on": on,
                },
            )
            for row in rows
        ),
    )
    platform_cancel_bulk(certification_ids=ids, memo="逾期未完成年度资格复核，待遇暂停")
