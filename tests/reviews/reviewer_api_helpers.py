"""Shared by the reviewer API tests (GET /reviews/, GET /reviews/{id}/, POST /reviews/{id}/decision/).
The expert, their client and the 2026 calendar are fixtures in conftest.py."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from reviews.models import ReviewAssignment
from tests.factories import ApplicationFactory
from tests.reviews.factories import ReviewAssignmentFactory

QUEUE = "/api/v1/reviews/"

SHANGHAI = ZoneInfo("Asia/Shanghai")


def case_url(assignment) -> str:
    return f"{QUEUE}{assignment.pk}/"


def decision_url(assignment) -> str:
    return f"{QUEUE}{assignment.pk}/decision/"


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def panel(size: int = 2, **application_fields) -> list[ReviewAssignment]:
    """`size` experts assigned to round 1 of one application under review."""
    application_fields.setdefault("review_deadline", timezone.localdate() + dt.timedelta(days=28))
    application = ApplicationFactory(under_review=True, review_round=1, **application_fields)
    return [ReviewAssignmentFactory(application=application) for _ in range(size)]
