"""Shared by the expert-review service tests (assignment, outcomes, blind opinions, reassignment).

Acceptance runs through the real completeness check (`application_check` calls `review_accept`). Today
is `ON` for every test (the `_review_today` fixture); the experts' categories and the two-expert panel are
fixtures in conftest.py."""

from __future__ import annotations

import datetime as dt

from applications.models import ApplicationEvent, ApplicationStatus
from tests.reviews.review_helpers import decide, panel

ON = dt.date(2026, 9, 14)  # a Monday, far from any holiday


def experts_of(assignments):
    return {assignment.expert for assignment in assignments}


def outcome_events(app):
    return list(ApplicationEvent.objects.filter(application=app, from_status=ApplicationStatus.UNDER_REVIEW))


def split(app):
    first, second = panel(app)
    decide(first, "approve")
    decide(second, "reject", "诊断依据不足")
    app.refresh_from_db()
    return first, second
