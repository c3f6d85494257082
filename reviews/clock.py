"""The review clock: a case has one deadline, N working days from acceptance (or from the day an appeal
or an upheld objection restarted it), pushed back by the working days it waited for the applicant.

`review_deadline_explain` says how the deadline is counted; the stored `review_deadline` is always
its result: it is written here when the clock starts, stops or resumes, and again for every open case
when the calendar changes (`deadlines.deadlines_recompute`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from applications.models import Application
from reviews.calendar import working_days_add, working_days_between
from reviews.models import ClockSuspension


def moment_on(day: dt.date) -> dt.datetime:
    """Now, or noon of `day` when acting as another day (run_jobs --on, tests)."""
    now = timezone.now()
    if timezone.localdate(now) == day:
        return now
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


@dataclass(frozen=True)
class DeadlineExplanation:
    accepted_on: dt.date
    working_days: int
    suspended_working_days: int
    deadline: dt.date
    provisional: bool


def review_working_days(application: Application) -> int:
    return int(settings.REVIEW_WORKING_DAYS)


def review_deadline_explain(
    *, application: Application, suspensions: Iterable[ClockSuspension] | None = None
) -> DeadlineExplanation | None:
    """How the review deadline is computed: N working days from the clock's start, pushed back by the
    working days the clock stood still waiting for the applicant. None before acceptance. `suspensions`:
    the application's suspensions when the caller already knows them (none at the first acceptance)."""
    if application.accepted_at is None:
        return None
    accepted_on = application.review_clock_start or timezone.localdate(application.accepted_at)
    suspended = sum(
        s.working_days
        for s in (application.clock_suspensions.all() if suspensions is None else suspensions)
        if s.ended_on is not None and s.started_on >= accepted_on
    )
    working_days = review_working_days(application)
    result = working_days_add(start=accepted_on, days=working_days + suspended)
    return DeadlineExplanation(
        accepted_on=accepted_on,
        working_days=working_days,
        suspended_working_days=suspended,
        deadline=result.deadline,
        provisional=result.provisional,
    )


def review_deadline_refresh(*, application: Application) -> None:
    """Store the deadline the explanation gives; a new deadline clears the overdue flag."""
    application.save(update_fields=[*_deadline_set(application=application), "updated_at"])


def _deadline_set(*, application: Application, suspensions: Iterable[ClockSuspension] | None = None) -> list[str]:
    """`review_deadline_refresh` without the save: the fields it changed."""
    explanation = review_deadline_explain(application=application, suspensions=suspensions)
    assert explanation is not None
    application.review_deadline = explanation.deadline
    application.overdue_since = None
    return ["review_deadline", "overdue_since"]


def clock_stop(*, application: Application, on: dt.date, reason: str) -> ClockSuspension:
    open_suspension = application.clock_suspensions.filter(ended_on__isnull=True).first()
    if open_suspension is not None:
        return open_suspension
    return ClockSuspension.objects.create(application=application, started_on=on, reason=reason)


def clock_resume(*, application: Application, on: dt.date) -> ClockSuspension | None:
    suspension = application.clock_suspensions.filter(ended_on__isnull=True).first()
    if suspension is None:
        return None
    suspension.ended_on = max(on, suspension.started_on)
    suspension.working_days = working_days_between(start=suspension.started_on, end=suspension.ended_on)
    suspension.save(update_fields=["ended_on", "working_days"])
    return suspension


def review_clock_start(*, application: Application, on: dt.date) -> None:
    """Acceptance (受理) starts the clock; a re-acceptance after a supplement resumes it."""
    application.save(update_fields=[*review_clock_set(application=application, on=on), "updated_at"])


def review_clock_set(*, application: Application, on: dt.date) -> list[str]:
    """`review_clock_start` without saving the application (the caller saves it with its own changes,
    in one UPDATE): the fields it changed. A first acceptance has no suspension yet (the clock only
    stops under review), so the deadline is counted without reading them."""
    first = application.accepted_at is None
    if first:
        application.accepted_at = moment_on(on)
        application.review_clock_start = on
    else:
        clock_resume(application=application, on=on)
    return [
        "accepted_at",
        "review_clock_start",
        *_deadline_set(application=application, suspensions=[] if first else None),
    ]


def review_clock_restart(*, application: Application, on: dt.date) -> None:
    """A new review period (an appeal, an upheld objection): a full N working days from `on`."""
    application.review_clock_start = on
    application.save(update_fields=["review_clock_start", "updated_at"])
    review_deadline_refresh(application=application)
