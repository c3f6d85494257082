"""The statistics put a period together from months (reviews.cohorts): each whole past month counted once
and kept, the partial months at the ends and the current month counted live. The figures are the same
as counting everything live; a kept month shows a later change once statistics_warm has counted it
again; the current month is always live."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from applications.models import ApplicationStatus
from reviews.cohorts import statistics_warm
from reviews.statistics import application_statistics
from tests.factories import ApplicationFactory
from tests.reviews.review_helpers import SHANGHAI

pytestmark = pytest.mark.django_db
S = ApplicationStatus
D = dt.date
TODAY = D(2026, 12, 7)


def submitted(day: dt.date, status: str = S.SUBMITTED, **fields):  # type: ignore[no-untyped-def]
    moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    accepted = status not in (S.SUBMITTED, S.NEEDS_SUPPLEMENT)
    return ApplicationFactory(
        status=status,
        submitted_at=moment,
        accepted_at=moment if accepted else None,
        review_deadline=day + dt.timedelta(days=28) if accepted else None,
        decided_at=moment + dt.timedelta(days=9) if status in (S.APPROVED, S.REJECTED) else None,
        **fields,
    )


@pytest.fixture
def spread(official_calendar):
    for day, status in [
        (D(2026, 3, 20), S.APPROVED),
        (D(2026, 4, 2), S.REJECTED),
        (D(2026, 4, 28), S.UNDER_REVIEW),
        (D(2026, 6, 30), S.APPROVED),
        (D(2026, 7, 1), S.SUBMITTED),
        (D(2026, 10, 8), S.APPROVED),
        (D(2026, 12, 2), S.UNDER_REVIEW),
    ]:
        submitted(day, status, channel="window" if day.month % 2 else "online", region_code="620902")


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (D(2026, 1, 1), TODAY),
        (D(2026, 3, 25), D(2026, 10, 15)),
        (D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 4, 10), D(2026, 4, 28)),
    ],
)
def test_months_kept_give_the_figures_counted_live(spread, settings, date_from, date_to):
    settings.STATISTICS_MONTH_MINUTES = 0
    live = application_statistics(date_from=date_from, date_to=date_to, today=TODAY)
    settings.STATISTICS_MONTH_MINUTES = 15
    cold = application_statistics(date_from=date_from, date_to=date_to, today=TODAY)  # counts and keeps months
    warm = application_statistics(date_from=date_from, date_to=date_to, today=TODAY)  # from the kept months
    assert live == cold == warm
    assert live["totals"]["received"] > 0


def test_a_kept_month_shows_a_change_once_counted_again_and_the_current_month_is_live(spread, settings):
    settings.STATISTICS_MONTH_MINUTES = 15
    year = {"date_from": D(2026, 1, 1), "date_to": TODAY, "today": TODAY}
    before = application_statistics(**year)
    assert cache.get("statistics:month:2026-04") is not None  # a whole past month is kept
    assert cache.get("statistics:month:2026-12") is None  # the current month never is

    submitted(D(2026, 4, 15), S.UNDER_REVIEW)  # late news of April
    submitted(D(2026, 12, 3))  # and of this month
    after = application_statistics(**year)
    assert after["totals"]["received"] == before["totals"]["received"] + 1  # December's, live
    assert statistics_warm(on=TODAY) == "counted 36 months (2023-12 to 2026-11)"
    warmed = application_statistics(**year)
    assert warmed["totals"]["received"] == before["totals"]["received"] + 2
    april = next(month for month in warmed["by_month"] if month["month"] == "2026-04")
    assert april["received"] == 3 and april["accepted"] == 3


def test_with_the_cache_off_the_job_does_nothing(settings):
    settings.STATISTICS_MONTH_MINUTES = 0
    assert statistics_warm(on=TODAY) == "statistics cache off (STATISTICS_MONTH_MINUTES = 0)"
