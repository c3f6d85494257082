"""The bureau's figures, for officers (GET /api/v1/stats/ and the admin page 统计分析), over the applications
first submitted in a period: how many by month, channel (online, family account, agent, hospital 医保办,
service window), disease category and district (the applicant's 参保地), and where they stand now; the
办结率 and 超期率; the working days from acceptance to decision (median, 90th percentile); the ratings;
and the annual reviews that fell due in the period.

The counts come from `reviews.cohorts` (its docstring defines decided and overdue, and says how whole
past months are kept in the cache and the rest counted live); ratings and annual reviews from one
grouped count each. 办结率 = decided ÷ accepted, 超期率 = overdue ÷ accepted (None when nothing was
accepted).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Value,
    When,
)
from django.utils import timezone

from applications.models import (
    LOW_RATING,
    OPEN_STATUSES,
    Application,
    ApplicationChannel,
    ApplicationKind,
    ApplicationStatus,
    Disease,
    DiseaseCategory,
    ServiceRating,
)
from certification.models import Certification, CertificationStatus
from config.domain import InvalidInput
from reviews.cohorts import COLUMNS, cohort_summary, period_bounds

S = ApplicationStatus
STATS_MAX_DAYS = 3 * 366
UNKNOWN_DISTRICT = "未登记参保地"


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


def application_statistics(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> dict[str, Any]:
    """Totals, each month and each channel (every one listed, zero when none came), each disease
    category (every one) and each district found, with their rates; durations, ratings, annual reviews.
    The counts come from `reviews.cohorts.cohort_summary` (whole past months kept, the rest live)."""
    summary = cohort_summary(date_from=date_from, date_to=date_to, today=today)
    months = {month: dict.fromkeys(COLUMNS, 0) for month in _months(date_from, date_to)} | summary["months"]
    channels = {channel.value: dict.fromkeys(COLUMNS, 0) for channel in ApplicationChannel} | summary["channels"]
    categories = {c.pk: (c.name, dict.fromkeys(COLUMNS, 0)) for c in DiseaseCategory.objects.order_by("sort_order")}
    category_of = dict(Disease.objects.values_list("pk", "category_id"))
    for disease, counts in summary["diseases"].items():
        target = categories.setdefault(category_of.get(disease, -1), ("", dict.fromkeys(COLUMNS, 0)))[1]
        for name in COLUMNS:
            target[name] += counts[name]
    districts, totals = summary["districts"], summary["totals"]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": _rated(totals),
        "durations": decision_durations(summary["days"]),
        "ratings": ratings_statistics(date_from=date_from, date_to=date_to),
        "annual_reviews": annual_review_statistics(date_from=date_from, date_to=date_to),
        "by_month": [{"month": month, **_rated(counts)} for month, counts in sorted(months.items())],
        "by_channel": [
            {"channel": channel.value, "channel_display": channel.label, **_rated(channels[channel.value])}
            for channel in ApplicationChannel
        ],
        "by_category": [{"category": name, **_rated(counts)} for name, counts in categories.values()],
        "by_district": [
            {"district_code": code, "district": _district_name(code), **_rated(districts[code])}
            for code in sorted(districts, key=lambda code: (code == "", code))
        ],
    }


def _rated(counts: dict[str, int]) -> dict[str, Any]:
    """The counts with 办结率 and 超期率 (shares of the accepted, 4 decimals; None when none accepted)."""
    accepted = counts["accepted"]
    return {
        **counts,
        "completion_rate": round(counts["decided"] / accepted, 4) if accepted else None,
        "overdue_rate": round(counts["overdue"] / accepted, 4) if accepted else None,
    }


def _district_name(code: str) -> str:
    if not code:
        return UNKNOWN_DISTRICT
    from reviews.announcements import region_name  # the national place-name table, loaded when needed

    return region_name(code)


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    """ "YYYY-MM" of every month the period touches."""
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(f"{month:%Y-%m}")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


# --- Working days from acceptance to decision -------------------------------------------------------


def decision_durations(days: dict[int, int]) -> dict[str, Any]:
    """Working days (`reviews.calendar`: the day of acceptance not counted, the day of decision counted)
    from acceptance to decision of the decided cases, given as {working days: how many}: how many,
    median, 90th percentile, average."""
    count = sum(days.values())
    return {
        "count": count,
        "median": weighted_percentile(days.items(), 50),
        "p90": weighted_percentile(days.items(), 90),
        "average": round(sum(d * n for d, n in days.items()) / count, 1) if count else None,
    }


def weighted_percentile(values: Iterable[tuple[int, int]], percent: float) -> int | None:
    """The nearest-rank percentile of values given as (value, how many): the smallest value that at least
    `percent`% of them do not exceed. None for no values."""
    ordered = sorted((value, n) for value, n in values if n > 0)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    rank, seen = max(math.ceil(total * percent / 100), 1), 0
    for value, n in ordered:
        seen += n
        if seen >= rank:
            return value
    return ordered[-1][0]


# --- Ratings and annual reviews ---------------------------------------------------------------------


def ratings_statistics(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """好差评 given in the period: how many, the average, how many low (2 or less), each score's count."""
    start, end = period_bounds(date_from, date_to)
    given = ServiceRating.objects.filter(created_at__gte=start, created_at__lt=end)
    by_score = dict.fromkeys(range(1, 6), 0) | dict(given.values_list("score").annotate(count=Count("*")).order_by())
    count = sum(by_score.values())
    return {
        "count": count,
        "average": round(sum(score * n for score, n in by_score.items()) / count, 2) if count else None,
        "low": sum(n for score, n in by_score.items() if score <= LOW_RATING),
        "by_score": [{"score": score, "count": n} for score, n in by_score.items()],
    }


def annual_review_statistics(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """The annual reviews (年度资格复核) that fell due in the period: how many, how many passed, how many
    are under way (an annual-review application open), how many lapsed, and the completion rate.

    A certification falls due every `CERTIFICATION_REVIEW_MONTHS` from its effective date, and each pass
    moves `next_review_due` on by as much: its due dates before `next_review_due` were reviewed, the one
    on it is not yet. A due date on or after the end of the benefit period is not one; nor is the open
    one of a revoked or ended benefit. One grouped count per distinct (effective date, due date, end,
    status, under way): the due dates are stepped through in Python once per group."""
    step = relativedelta(months=settings.CERTIFICATION_REVIEW_MONTHS)
    under_way = Application.objects.filter(
        reviewed_certification=OuterRef("pk"), kind=ApplicationKind.ANNUAL_REVIEW, status__in=OPEN_STATUSES
    )
    rows = (
        Certification.objects.filter(next_review_due__gte=date_from, effective_on__lte=date_to - step)
        .annotate(
            under_way=Case(
                When(next_review_due__lte=date_to, then=Exists(under_way)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("effective_on", "next_review_due", "benefit_ends_on", "status", "under_way")
        .annotate(count=Count("*"))
        .order_by()
    )
    due = reviewed = in_progress = lapsed = 0
    for row in rows:
        current, ends, n = row["next_review_due"], row["benefit_ends_on"], row["count"]
        earliest, k = max(row["effective_on"] + step, date_from), 0
        # Stepping back from the open due date, as the service steps forward (the 29th of February
        # is met as the 28th every year).
        while (day := current - step * k) >= earliest:
            k += 1
            if day > date_to or (ends is not None and ends <= day):
                continue
            if day < current:
                due, reviewed = due + n, reviewed + n
            elif row["status"] not in (CertificationStatus.REVOKED, CertificationStatus.ENDED):
                due += n
                lapsed += n if row["status"] == CertificationStatus.LAPSED else 0
                in_progress += n if row["status"] != CertificationStatus.LAPSED and row["under_way"] else 0
    return {
        "due": due,
        "reviewed": reviewed,
        "in_progress": in_progress,
        "lapsed": lapsed,
        "completion_rate": round(reviewed / due, 4) if due else None,
    }
