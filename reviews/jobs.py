"""Periodic jobs of the review side. Each takes the day it acts as; running twice for a day sends nothing twice."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.db import transaction

from applications.models import Application, ApplicationStatus
from applications.notifications import notification_send
from applications.remote import remote_filings_overdue
from reviews.calendar import working_days_left_many
from reviews.models import ReviewAssignment
from reviews.services import notify_officers

BATCH = 500


def sla_sweep(*, on: dt.date) -> str:
    """Remind experts when few working days are left; flag overdue cases and tell the officers."""
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
        for assignment in ReviewAssignment.objects.filter(
            application__in=applications, is_active=True, decision=""
        ).select_related("expert"):
            pending.setdefault(assignment.application_id, []).append(assignment)
        for application in applications:
            assert application.review_deadline is not None  # the queryset has only cases with a deadline
            days_left = left[application.review_deadline]
            assignments = [a for a in pending.get(application.pk, []) if a.round == application.review_round]
            if 0 <= days_left <= settings.REVIEW_REMIND_WORKING_DAYS_LEFT:
                reminded += _remind(application=application, assignments=assignments, days_left=days_left)
            elif days_left < 0:
                overdue += _flag_overdue(application=application, assignments=assignments, on=on)
    filings = remote_filings_overdue(on=on)
    return f"reminded {reminded} expert assignments, flagged {overdue} overdue cases, {filings} overdue remote filings"


def _remind(*, application: Application, assignments: list[ReviewAssignment], days_left: int) -> int:
    sent = 0
    for assignment in assignments:
        with transaction.atomic():
            notification = notification_send(
                user=assignment.expert,
                application=application,
                kind="sla_reminder",
                title=f"评审案件{application.reference}即将到期",
                body=f"距评审截止日{application.review_deadline:%Y年%m月%d日}还剩{days_left}个工作日，请尽快提交意见。",
                short_text=f"【医保慢特病】评审案件{application.reference}即将到期，请登录后台处理。",
                dedupe_key=f"sla-remind:{assignment.pk}:{application.review_deadline}",
            )
        sent += notification is not None
    return sent


def _flag_overdue(*, application: Application, assignments: list[ReviewAssignment], on: dt.date) -> int:
    with transaction.atomic():
        flagged = Application.objects.filter(pk=application.pk, overdue_since__isnull=True).update(overdue_since=on)
        notify_officers(
            application=application,
            kind="sla_overdue",
            title=f"评审案件{application.reference}已超期",
            body=f"评审截止日为{application.review_deadline:%Y年%m月%d日}，尚有{len(assignments)}名专家未提交意见。",
            dedupe_key=f"sla-overdue:{application.pk}:{application.review_deadline}",
        )
        for assignment in assignments:
            notification_send(
                user=assignment.expert,
                application=application,
                kind="sla_overdue",
                title=f"评审案件{application.reference}已超期",
                body="该案件已超过评审时限，请立即提交意见。",
                short_text=f"【医保慢特病】评审案件{application.reference}已超期，请立即处理。",
                dedupe_key=f"sla-overdue:{assignment.pk}:{application.review_deadline}",
            )
    return flagged
