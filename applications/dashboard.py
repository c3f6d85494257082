"""The admin's start page (工作台) per role. An officer sees the work waiting: cases received today and
this week, waiting for the completeness check, under review, overdue (the most overdue listed with
their working days overdue), waiting for the officer, announcements open and objections pending,
remote filings to review, deliveries that failed, family authorisations to check, low ratings (差评)
of the last 30 days, next year's
calendar not yet entered. An expert sees their open cases, overdue first, by working days left. Every
number links to the list it counts, filtered; each is one indexed count, so the page stays fast at a
million applications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from accounts.models import FamilyLink, User
from accounts.roles import is_expert, is_officer
from applications.models import LOW_RATING, Application, ApplicationStatus, ServiceRating
from certification.models import PlatformMessage, PlatformMessageStatus, RemoteFiling, RemoteFilingStatus
from config.admin_paginator import last_days
from notifications.models import DeliveryStatus, Notification
from reviews.models import AnnouncementBatch, CalendarYear, Objection, ObjectionStatus
from reviews.selectors import assignment_list, overdue, working_days_left_for

OVERDUE_LISTED = 10
EXPERT_LISTED = 30


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    url: str
    urgent: bool = False  # shown in red when not zero


def dashboard_for(*, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """What the start page shows this staff member (nothing for a role without a dashboard)."""
    today = today or timezone.localdate()
    board: dict[str, Any] = {}
    if is_officer(user):
        board["officer"] = officer_dashboard(today=today)
    if is_expert(user):
        board["expert"] = expert_dashboard(expert=user, today=today)
    return board


def officer_dashboard(*, today: dt.date) -> dict[str, Any]:
    applications = reverse("admin:applications_application_changelist")
    week = today - dt.timedelta(days=today.weekday())
    cases = Application.objects.filter
    tiles = [
        Tile("今日收件", cases(submitted_at__gte=_midnight(today)).count(), f"{applications}?{_since(today)}"),
        Tile("本周收件", cases(submitted_at__gte=_midnight(week)).count(), f"{applications}?{_since(week)}"),
        Tile(
            "待完整性检查",
            cases(status=ApplicationStatus.SUBMITTED).count(),
            f"{applications}?status__exact={ApplicationStatus.SUBMITTED}",
        ),
        Tile(
            "专家评审中",
            cases(status=ApplicationStatus.UNDER_REVIEW).count(),
            f"{applications}?status__exact={ApplicationStatus.UNDER_REVIEW}",
        ),
        Tile("评审超期", cases(overdue(today=today)).count(), f"{applications}?review=overdue", urgent=True),
        Tile(
            "待经办人员处理",
            cases(status=ApplicationStatus.UNDER_REVIEW, officer_decision_needed=True).count(),
            f"{applications}?review=officer",
            urgent=True,
        ),
        Tile(
            "公示中批次",
            AnnouncementBatch.objects.filter(closed_at__isnull=True).count(),
            f"{reverse('admin:reviews_announcementbatch_changelist')}?state=open",  # its BatchOpenFilter
        ),
        Tile(
            "待处理异议",
            Objection.objects.filter(status=ObjectionStatus.OPEN).count(),
            f"{reverse('admin:reviews_objection_changelist')}?status__exact={ObjectionStatus.OPEN}",
            urgent=True,
        ),
        Tile(
            "待审核异地备案",
            RemoteFiling.objects.filter(status=RemoteFilingStatus.PENDING).count(),
            f"{reverse('admin:certification_remotefiling_changelist')}?status__exact={RemoteFilingStatus.PENDING}",
        ),
        Tile(
            "医保平台报文失败",
            PlatformMessage.objects.filter(status__in=FAILED_MESSAGES).count(),
            f"{reverse('admin:certification_platformmessage_changelist')}?status__in={','.join(FAILED_MESSAGES)}",
            urgent=True,
        ),
        Tile(
            "短信发送失败",
            Notification.objects.filter(sms_status=DeliveryStatus.FAILED).count(),
            f"{reverse('admin:notifications_notification_changelist')}?sms_status__exact={DeliveryStatus.FAILED}",
            urgent=True,
        ),
        Tile(
            "待核实亲情账户授权书",
            FamilyLink.objects.filter(status=FamilyLink.Status.AWAITING_OFFICER).count(),
            f"{reverse('admin:accounts_familylink_changelist')}?status__exact={FamilyLink.Status.AWAITING_OFFICER}",
        ),
    ]
    # The ratings list's own lookups (its 过去30天 choice): the link shows exactly what is counted.
    recent_low = {"score__lte": str(LOW_RATING), **last_days("created_at", days=30, today=today)}
    ratings = f"{reverse('admin:applications_servicerating_changelist')}?{urlencode(recent_low)}"
    tiles.append(Tile("近30天差评", ServiceRating.objects.filter(**recent_low).count(), ratings, urgent=True))
    next_year = today.year + 1
    if not CalendarYear.objects.filter(year=next_year, is_official=True).exists():
        calendar = reverse("admin:reviews_calendaryear_changelist")
        tiles.append(Tile(f"{next_year}年节假日未录入", 1, calendar, urgent=True))
    late = list(
        Application.objects.filter(overdue(today=today))
        .select_related("disease")
        .order_by("review_deadline", "reference")[:OVERDUE_LISTED]
    )
    left = working_days_left_for(applications=late, today=today)
    return {
        "tiles": tiles,
        "overdue": [
            {
                "application": application,
                "days_overdue": -left.get(application.pk, 0),
                "url": reverse("admin:applications_application_change", args=[application.pk]),
            }
            for application in late
        ],
    }


FAILED_MESSAGES = (PlatformMessageStatus.REFUSED, PlatformMessageStatus.DEAD)


@dataclass(frozen=True)
class ExpertCase:
    assignment: Any
    days_left: int | None  # working days; negative when overdue
    url: str

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def expert_dashboard(*, expert: User, today: dt.date) -> dict[str, Any]:
    """The expert's open cases, overdue first, then by working days left."""
    assignments = list(assignment_list(expert=expert)[:EXPERT_LISTED])
    left = working_days_left_for(applications=[a.application for a in assignments], today=today)
    cases = [
        ExpertCase(
            assignment,
            left.get(assignment.application_id),
            reverse("admin:reviews_reviewassignment_change", args=[assignment.pk]),
        )
        for assignment in assignments
    ]
    cases.sort(key=lambda case: (case.days_left is None, case.days_left or 0))
    return {
        "open": assignment_list(expert=expert).count(),
        "overdue": assignment_list(expert=expert).filter(overdue(today=today, prefix="application__")).count(),
        "cases": cases,
        "queue": reverse("admin:reviews_reviewassignment_changelist"),
    }


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _since(day: dt.date) -> str:
    """The applications list's 提交时间 filter from that day's midnight, Beijing time (as its own links)."""
    return urlencode({"submitted_at__gte": str(_midnight(day))})
