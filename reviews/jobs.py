"""Periodic jobs of the review side. Each takes the day it acts as; running twice for a day sends nothing twice."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.db import transaction

from applications.models import Application, ApplicationStatus
from certification.remote import remote_filings_overdue
from notifications.models import NotificationKind
from notifications.services import notification_send, notify_officers
from reviews.calendar import working_days_left_many
from reviews.models import ReviewAssignment
from reviews.selectors import pending_work

BATCH = 500


def sla_sweep(*, on: dt.date) -> str:
    """Remind experts when few working days are left; flag overdue cases and tell the officers; flag
    long-term remote filings past their time limit."""
    reminded = overdue = 0
    queryset = Application.objects.filter(
        status=ApplicationStatus.UNDER_REVIEW, review_deadline__isnull=False
    ).order_by("pk")
    last_pk = None
    while True:
        page = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
        applications = list(page.only("pk", "reference", "review_deadline", "review_round", "overdue_since")[:BATCH])
        if not applications:
            break
        last_pk = applications[-1].pk
        deadlines = [a.review_deadline for a in applications if a.review_deadline is not None]
        left = working_days_left_many(today=on, deadlines=deadlines)
        pending: dict[UUID, list[ReviewAssignment]] = {}
        for assignment in ReviewAssignment.objects.filter(pending_work(), application__in=applications).select_related(
            "expert"
        ):
            pending.setdefault(assignment.application_id, []).append(assignment)
        for application in applications:
            assert application.review_deadline is not None  # the queryset has only cases with a deadline
            days_left = left[application.review_deadline]
            assignments = pending.get(application.pk, [])
            if 0 <= days_left <= settings.REVIEW_REMIND_WORKING_DAYS_LEFT:
                reminded += _remind(application=application, assignments=assignments, days_left=days_left)
            elif days_left < 0:
                overdue += _flag_overdue(application=application, assignments=assignments, on=on)
    filings = remote_filings_overdue(on=on)
    return f"reminded {reminded} expert assignments, flagged {overdue} overdue cases, {filings} overdue remote filings"


def _remind(*, application: Application, assignments: list[ReviewAssignment], days_left: int) -> int:
    sent = 0
    for assignment in assignments:
        notification = notification_send(
            user=assignment.expert,
            application=application,
            kind=NotificationKind.SLA_REMINDER,
            params={
                "reference": application.reference,
                "deadline": application.review_deadline,
                "days_left": days_left,
            },
            dedupe_key=f"sla-remind:{assignment.pk}:{application.review_deadline}",
        )
        sent += notification is not None
    return sent


def _flag_overdue(*, application: Application, assignments: list[ReviewAssignment], on: dt.date) -> int:
    with transaction.atomic():
        flagged = Application.objects.filter(pk=application.pk, overdue_since__isnull=True).update(overdue_since=on)
        notify_officers(
            application=application,
            kind=NotificationKind.SLA_OVERDUE_OFFICERS,
            params={
                "reference": application.reference,
                "deadline": application.review_deadline,
                "pending": len(assignments),
            },
            dedupe_key=f"sla-overdue:{application.pk}:{application.review_deadline}",
        )
        for assignment in assignments:
            notification_send(
                user=assignment.expert,
                application=application,
                kind=NotificationKind.SLA_OVERDUE,
                params={"reference": application.reference},
                dedupe_key=f"sla-overdue:{assignment.pk}:{application.review_deadline}",
            )
    return flagged
