"""The bureau's counts of applications, for officers (GET /api/v1/stats/): how many were submitted in a
period, by month and by channel (online, family account, agent, hospital 医保办, service window), and
where they stand now. One grouped count over the period's submissions; the totals, months and channels
are summed from its rows in Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from applications.models import LOW_RATING, Application, ApplicationChannel, ApplicationStatus, ServiceRating
from applications.workflow import APPROVED_STATUSES
from config.domain import InvalidInput

STILL_OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_SUPPLEMENT, ApplicationStatus.UNDER_REVIEW)
STATS_MAX_DAYS = 3 * 366

# What each column counts, among the applications first submitted in the period, by their status now.
COLUMNS = {
    "received": lambda status, accepted: True,
    "accepted": lambda status, accepted: accepted,
    "approved": lambda status, accepted: status in APPROVED_STATUSES,
    "rejected": lambda status, accepted: status == ApplicationStatus.REJECTED,
    "withdrawn": lambda status, accepted: status == ApplicationStatus.WITHDRAWN,
    "open": lambda status, accepted: status in STILL_OPEN,
}


def statistics_period(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period asked for: to today and from the year's first day by default, never backwards, at
    most `STATS_MAX_DAYS` long."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to.replace(month=1, day=1)
    if date_from > date_to:
        raise InvalidInput("起始日期不能晚于截止日期。", code="period_backwards", field="date_from")
    if (date_to - date_from).days > STATS_MAX_DAYS:
        raise InvalidInput("统计区间不能超过三年。", code="period_too_long", field="date_from")
    return date_from, date_to


def statistics_rows(*, date_from: dt.date, date_to: dt.date) -> QuerySet[Any, Any]:
    """How many applications first submitted from `date_from` to `date_to` (both included, Beijing days)
    fall in each (month, channel, status, accepted or not): one count per group, a few hundred rows.
    On PostgreSQL the `application_submitted` index covers the query and the statistics on its month
    expression let the planner aggregate in parallel (migration applications/0028)."""
    start, end = _period(date_from, date_to)
    return (
        Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(
            month=TruncMonth("submitted_at"),
            accepted=ExpressionWrapper(Q(accepted_at__isnull=False), output_field=BooleanField()),
        )
        .values("month", "channel", "status", "accepted")
        .annotate(count=Count("*"))
        .order_by()
    )


def application_statistics(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """Totals, each month and each channel (every month and channel listed, zero when none came)."""
    totals = dict.fromkeys(COLUMNS, 0)
    months = {month: dict.fromkeys(COLUMNS, 0) for month in _months(date_from, date_to)}  # zero months too
    channels = {channel.value: dict.fromkeys(COLUMNS, 0) for channel in ApplicationChannel}
    for row in statistics_rows(date_from=date_from, date_to=date_to):
        month = months.setdefault(timezone.localtime(row["month"]).strftime("%Y-%m"), dict.fromkeys(COLUMNS, 0))
        channel = channels.setdefault(row["channel"], dict.fromkeys(COLUMNS, 0))
        for name, counts in COLUMNS.items():
            if counts(row["status"], row["accepted"]):
                totals[name] += row["count"]
                month[name] += row["count"]
                channel[name] += row["count"]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": totals,
        "ratings": ratings_statistics(date_from=date_from, date_to=date_to),
        "by_month": [{"month": month, **counts} for month, counts in sorted(months.items())],
        "by_channel": [
            {"channel": channel.value, "channel_display": channel.label, **channels[channel.value]}
            for channel in ApplicationChannel
        ],
    }


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    """ "YYYY-MM" of every month the period touches."""
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(f"{month:%Y-%m}")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def ratings_statistics(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """好差评 given in the period: how many, the average, how many low (2 or less), each score's count."""
    start, end = _period(date_from, date_to)
    given = ServiceRating.objects.filter(created_at__gte=start, created_at__lt=end)
    by_score = dict.fromkeys(range(1, 6), 0) | dict(given.values_list("score").annotate(count=Count("*")).order_by())
    count = sum(by_score.values())
    return {
        "count": count,
        "average": round(sum(score * n for score, n in by_score.items()) / count, 2) if count else None,
        "low": sum(n for score, n in by_score.items() if score <= LOW_RATING),
        "by_score": [{"score": score, "count": n} for score, n in by_score.items()],
    }


def _period(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From `date_from`'s midnight to the midnight after `date_to`, Beijing time."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
