"""Changing the working-day calendar, and keeping every stored deadline true to it.

A deadline is stored where it is read fast (the case's `review_deadline`, a batch's `ends_on`, a
filing's `decide_by`) and explained from the calendar on demand. So that the two never disagree,
every change to the calendar goes through these services, which recompute in the same transaction
the deadlines still running whose counting touches a changed year: open review cases (and the
working days of their finished clock stops), announcement periods not yet closed, and pending
long-term remote filings. Finished cases keep the deadline they had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from applications.models import Application, ApplicationStatus
from certification.models import RemoteFiling, RemoteFilingStatus
from certification.remote import remote_filing_decide_by
from reviews.announcements import announcement_ends_on
from reviews.calendar import SeedResult, calendar_day_save, calendar_seed, working_days_between
from reviews.clock import review_deadline_explain
from reviews.models import AnnouncementBatch, CalendarDay, CalendarYear

OPEN_REVIEW_STATUSES = [ApplicationStatus.UNDER_REVIEW, ApplicationStatus.NEEDS_SUPPLEMENT]


@dataclass(frozen=True)
class Recomputed:
    review_deadlines: int = 0
    announcement_periods: int = 0
    remote_filings: int = 0

    def __str__(self) -> str:
        return (
            f"重新计算期限：评审案件 {self.review_deadlines} 件，公示批次 {self.announcement_periods} 批，"
            f"异地备案 {self.remote_filings} 件"
        )


def deadlines_recompute(*, years: Iterable[int]) -> Recomputed:
    """Recompute the running deadlines whose counting touches one of `years`; returns how many changed."""
    wanted = sorted(set(years))
    if not wanted:
        return Recomputed()
    first, last = dt.date(wanted[0], 1, 1), dt.date(wanted[-1], 12, 31)
    return Recomputed(
        review_deadlines=_review_deadlines(first=first, last=last),
        announcement_periods=_announcement_periods(first=first, last=last),
        remote_filings=_remote_filings(first=first, last=last),
    )


def _review_deadlines(*, first: dt.date, last: dt.date) -> int:
    changed = 0
    cases = (
        Application.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_REVIEW_STATUSES, accepted_at__isnull=False, review_deadline__gte=first)
        .exclude(review_clock_start__gt=last)
        .prefetch_related("clock_suspensions")
    )
    for application in cases:
        for suspension in application.clock_suspensions.all():
            if suspension.ended_on is None:
                continue
            days = working_days_between(start=suspension.started_on, end=suspension.ended_on)
            if days != suspension.working_days:
                suspension.working_days = days
                suspension.save(update_fields=["working_days"])
        explanation = review_deadline_explain(application=application)
        if explanation is not None and explanation.deadline != application.review_deadline:
            application.review_deadline = explanation.deadline
            if application.overdue_since and explanation.deadline >= timezone.localdate():
                application.overdue_since = None  # the new deadline is still ahead
            application.save(update_fields=["review_deadline", "overdue_since", "updated_at"])
            changed += 1
    return changed


def _announcement_periods(*, first: dt.date, last: dt.date) -> int:
    changed = 0
    for batch in AnnouncementBatch.objects.select_for_update().filter(
        closed_at__isnull=True, published_on__lte=last, ends_on__gte=first
    ):
        ends_on = announcement_ends_on(published_on=batch.published_on)
        if ends_on != batch.ends_on:
            batch.ends_on = ends_on
            batch.save(update_fields=["ends_on"])
            changed += 1
    return changed


def _remote_filings(*, first: dt.date, last: dt.date) -> int:
    changed = 0
    for filing in RemoteFiling.objects.select_for_update().filter(
        status=RemoteFilingStatus.PENDING, decide_by__gte=first
    ):
        filed_on = timezone.localdate(filing.created_at)
        if filed_on > last:
            continue
        decide_by = remote_filing_decide_by(filed_on=filed_on)
        if decide_by != filing.decide_by:
            filing.decide_by = decide_by
            filing.save(update_fields=["decide_by"])
            changed += 1
    return changed


# --- the calendar's own changes ---------------------------------------------------------------------


@transaction.atomic
def calendar_load(*, years: Iterable[int] | None = None) -> tuple[SeedResult, Recomputed]:
    """Load the official holidays (chinese_calendar) and recompute what they move."""
    result = calendar_seed(years=years)
    recomputed = deadlines_recompute(years=result.years) if result.changed else Recomputed()
    return result, recomputed


@transaction.atomic
def calendar_day_update(*, day: CalendarDay) -> Recomputed:
    """An admin enters or edits a holiday or make-up working day."""
    years = {day.date.year}
    if day.pk is not None:
        before = CalendarDay.objects.filter(pk=day.pk).values_list("date", flat=True).first()
        if before is not None:
            years.add(before.year)
    calendar_day_save(day=day)
    return deadlines_recompute(years=years)


@transaction.atomic
def calendar_day_remove(*, day: CalendarDay) -> Recomputed:
    year = day.date.year
    day.delete()
    return deadlines_recompute(years=[year])


@transaction.atomic
def calendar_year_update(*, year: CalendarYear) -> Recomputed:
    """An admin marks a year official (the State Council notice is entered) or provisional again."""
    year.full_clean()
    year.save()
    return deadlines_recompute(years=[year.year])


@transaction.atomic
def calendar_year_remove(*, year: CalendarYear) -> Recomputed:
    number = year.year
    year.delete()
    return deadlines_recompute(years=[number])
