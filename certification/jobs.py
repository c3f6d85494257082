"""The daily annual-review job (资格复核): mark certifications due, remind holders, lapse the ones
whose grace period ended. Batched over indexed queries; every status change writes its
`CertificationEvent` in bulk; running a day twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from applications.models import OPEN_STATUSES, ApplicationStatus
from applications.workflow import SYSTEM
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
from notifications.services import BulkMessage, notifications_send_bulk

BATCH = 2000
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
    reminders = notifications_send_bulk(
        kind=NotificationKind.ANNUAL_REVIEW_REMINDER, messages=_reminders(on=on, horizon=horizon)
    )
    lapsed = _lapse(on=on)
    # Only what this run did: reminders a concurrent run recorded first are that run's to report.
    reminded = f"{reminders.recorded} reminders recorded ({reminders.queued} queued)"
    return f"{marked} marked review_due, {reminded}, {lapsed} lapsed, {ended} ended at the end of their period"


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


def _mark_review_due(*, horizon: dt.date) -> int:
    marked = 0
    while True:
        with transaction.atomic():
            # No ORDER BY: the (status, next_review_due) index serves the filter alone, and every batch
            # leaves the set it reads (ordered by the random pk it would scan every active row).
            ids = list(
                Certification.objects.select_for_update(of=("self",))
                .filter(status=CertificationStatus.ACTIVE, next_review_due__lte=horizon)
                .filter(REVIEWED_WITHIN_PERIOD)
                .order_by()
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return marked
            Certification.objects.filter(pk__in=ids).update(
                status=CertificationStatus.REVIEW_DUE, status_reason=MARK_REASON, updated_at=timezone.now()
            )
            _bulk_events(
                ids, source=CertificationStatus.ACTIVE, target=CertificationStatus.REVIEW_DUE, reason=MARK_REASON
            )
        marked += len(ids)


def _reminders(*, on: dt.date, horizon: dt.date) -> Iterator[BulkMessage]:
    base = (
        # Due before the grace period: no stage left to send (`reminder_stage`); `_lapse` takes them.
        Certification.objects.filter(
            status=CertificationStatus.REVIEW_DUE,
            next_review_due__lte=horizon,
            next_review_due__gte=lapse_cutoff(on=on),
        )
        .filter(REVIEWED_WITHIN_PERIOD)
        .exclude(annual_reviews__status__in=[*OPEN_STATUSES])
        .order_by("pk")
    )
    last_pk = None
    while True:
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        rows = list(page.values("pk", "holder_id", "next_review_due", "disease__name")[:BATCH])
        if not rows:
            return
        last_pk = rows[-1]["pk"]
        for row in rows:
            due = row["next_review_due"]
            stage = reminder_stage(on=on, due=due)
            if stage is None:
                continue
            yield BulkMessage(
                user_id=row["holder_id"],
                dedupe_key=f"annual-reminder:{row['pk']}:{due}:{stage}",
                params={
                    "disease": row["disease__name"],
                    "due": due,
                    "when": days_left_text(on=on, due=due),
                    "grace_days": settings.REVIEW_GRACE_DAYS,
                },
            )


def _lapse(*, on: dt.date) -> int:
    """Past the due date plus the grace period with no passed review: lapsed, with an event and a notice."""
    lapsed = 0
    cutoff = lapse_cutoff(on=on)
    reason = f"逾期未完成年度资格复核，{on:%Y年%m月%d日}起暂停待遇"
    due_for_lapse = Certification.objects.filter(status__in=LIVE_CERTIFICATION_STATUSES, next_review_due__lt=cutoff)
    while True:
        ids = list(
            due_for_lapse.exclude(annual_reviews__status__in=BUREAU_SIDE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return lapsed
        with transaction.atomic():
            rows = list(
                # Lock the certifications only: a bare FOR UPDATE also locks the joined disease rows,
                # which holds up every insert referencing a disease until the batch commits.
                due_for_lapse.select_for_update(of=("self",))
                .filter(pk__in=ids)
                .exclude(annual_reviews__status__in=BUREAU_SIDE_STATUSES)  # a review submitted meanwhile
                .values("pk", "status", "holder_id", "next_review_due", "disease__name")
            )
            Certification.objects.filter(pk__in=[r["pk"] for r in rows]).update(
                status=CertificationStatus.LAPSED, status_reason=reason, updated_at=timezone.now()
            )
            for source in LIVE_CERTIFICATION_STATUSES:
                _bulk_events(
                    [r["pk"] for r in rows if r["status"] == source],
                    source=source,
                    target=CertificationStatus.LAPSED,
                    reason=reason,
                )
            notifications_send_bulk(
                kind=NotificationKind.CERTIFICATION_LAPSED,
                messages=(
                    BulkMessage(
                        user_id=row["holder_id"],
                        dedupe_key=f"lapsed:{row['pk']}:{row['next_review_due']}",
                        params={
                            "disease": row["disease__name"],
                            "due": row["next_review_due"],
                            "grace_days": settings.REVIEW_GRACE_DAYS,
                            "on": on,
                        },
                    )
                    for row in rows
                ),
            )
            platform_cancel_bulk(certification_ids=[r["pk"] for r in rows], memo="逾期未完成年度资格复核，待遇暂停")
            lapsed += len(rows)
