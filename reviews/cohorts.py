"""The counts behind the bureau's statistics (reviews.statistics): the applications first submitted in a
span of days, as they stand now, counted by month, channel, disease and district, with the working days
from acceptance to decision of the decided ones — a cohort summary.

A summary is built from two grouped queries over the span (`statistics_rows`, `decision_day_pairs`),
whose rows number in the thousands whatever the number of applications. At a million applications a
year's span still costs a scan of hundreds of thousands of rows, so a period is put together from
months: each whole month before the current one is summarised once and kept in the cache for
`STATISTICS_MONTH_MINUTES` (the `statistics_warm` job refreshes the last three years every few minutes,
so a request finds them ready); the period's partial months at either end, and the current month, are
counted live. The figures of a past month may so be up to that many minutes old; `STATISTICS_MONTH_MINUTES
= 0` counts everything live. The cache failing open only makes it slower.

Definitions, among the applications first submitted in the span, by their status now:
- decided (办结): accepted and approved (incl. announced, effective) or rejected; its decision time is
  `decided_at`, which every decision stamps (`workflow.DECISIONS`);
- overdue (超期): decided after its review deadline, or under review with the deadline passed (or
  flagged by the SLA sweep). A case waiting for a supplement has its clock stopped and is not overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypedDict

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from applications.models import Application, ApplicationStatus
from applications.workflow import APPROVED_STATUSES
from reviews.calendar import working_days_left_many

S = ApplicationStatus
STILL_OPEN = (S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.UNDER_REVIEW)
DECIDED_STATUSES = (*APPROVED_STATUSES, S.REJECTED)
# The columns each group counts.
COLUMNS = ("received", "accepted", "approved", "rejected", "withdrawn", "open", "decided", "overdue")
WARM_MONTHS = 36  # the months statistics_warm keeps ready: the longest period asked for (three years)
CACHE_KEY = "statistics:month:{month}"

Counts = dict[str, int]


class Summary(TypedDict):
    totals: Counts
    months: dict[str, Counts]  # "YYYY-MM"
    channels: dict[str, Counts]
    diseases: dict[int, Counts]
    districts: dict[str, Counts]  # the registry's region code, "" when not known
    days: dict[int, int]  # working days from acceptance to decision → how many decided cases


def cohort_summary(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> Summary:
    """The summary of the applications first submitted from `date_from` to `date_to` (both included,
    Beijing days): whole past months from the cache (or counted and kept), the rest counted live."""
    today = today or timezone.localdate()
    if not settings.STATISTICS_MONTH_MINUTES:
        return _summary(date_from=date_from, date_to=date_to, today=today)
    total = _empty()
    live_from: dt.date | None = None
    for first in _month_starts(date_from, date_to):
        last = first + relativedelta(months=1, days=-1)
        if first >= date_from and last <= date_to and last < today.replace(day=1):
            if live_from is not None:  # the live days gathered so far, before this whole month
                _merge(total, _summary(date_from=live_from, date_to=first - dt.timedelta(days=1), today=today))
                live_from = None
            _merge(total, month_summary(month=first, today=today))
        elif live_from is None:
            live_from = max(first, date_from)
    if live_from is not None:
        _merge(total, _summary(date_from=live_from, date_to=date_to, today=today))
    return total


def month_summary(*, month: dt.date, today: dt.date, refresh: bool = False) -> Summary:
    """One whole month's summary, from the cache unless `refresh` (or the cache is off or empty)."""
    minutes = settings.STATISTICS_MONTH_MINUTES
    key = CACHE_KEY.format(month=f"{month:%Y-%m}")
    if minutes and not refresh:
        kept: Summary | None = cache.get(key)
        if kept is not None:
            return kept
    summary = _summary(date_from=month, date_to=month + relativedelta(months=1, days=-1), today=today)
    if minutes:
        cache.set(key, summary, timeout=minutes * 60)
    return summary


def statistics_warm(*, on: dt.date) -> str:
    """Count the last WARM_MONTHS whole months again and keep them (a periodic job)."""
    current = on.replace(day=1)
    months = [current - relativedelta(months=n) for n in range(1, WARM_MONTHS + 1)]
    if not settings.STATISTICS_MONTH_MINUTES:
        return "statistics cache off (STATISTICS_MONTH_MINUTES = 0)"
    for month in months:
        month_summary(month=month, today=on, refresh=True)
    return f"counted {len(months)} months ({months[-1]:%Y-%m} to {months[0]:%Y-%m})"


def _summary(*, date_from: dt.date, date_to: dt.date, today: dt.date) -> Summary:
    """Counted live: the two grouped queries over the days, summed by each dimension."""
    summary = _empty()
    for row in statistics_rows(date_from=date_from, date_to=date_to, today=today):
        counts = {name: row[name] for name in COLUMNS}
        for target in (
            summary["totals"],
            summary["months"].setdefault(timezone.localtime(row["month"]).strftime("%Y-%m"), _zero()),
            summary["channels"].setdefault(row["channel"], _zero()),
            summary["diseases"].setdefault(row["disease_id"], _zero()),
            summary["districts"].setdefault(row["region_code"] or "", _zero()),
        ):
            _add(target, counts)
    pairs = [(row["accepted_on"], row["decided_on"], row["count"]) for row in decision_day_pairs(date_from, date_to)]
    for days, count in working_day_counts(pairs):
        summary["days"][days] = summary["days"].get(days, 0) + count
    return summary


def _counts(today: dt.date) -> dict[str, Count]:
    """Each column as a conditional count (COUNT(*) FILTER (WHERE …) on PostgreSQL)."""
    accepted = Q(accepted_at__isnull=False)
    decided = accepted & Q(status__in=DECIDED_STATUSES)
    late_open = Q(status=S.UNDER_REVIEW) & (Q(review_deadline__lt=today) | Q(overdue_since__isnull=False))
    late_decided = decided & Q(decided_at__date__gt=F("review_deadline"))
    columns = {
        "accepted": accepted,
        "approved": Q(status__in=APPROVED_STATUSES),
        "rejected": Q(status=S.REJECTED),
        "withdrawn": Q(status=S.WITHDRAWN),
        "open": Q(status__in=STILL_OPEN),
        "decided": decided,
        "overdue": late_open | late_decided,
    }
    return {"received": Count("*"), **{name: Count("pk", filter=q) for name, q in columns.items()}}


def statistics_rows(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> QuerySet[Any, Any]:
    """One row per (month, channel, disease, district) with every column counted: one scan of the days,
    at most a few thousand rows whatever the number of cases. On PostgreSQL the `application_submitted`
    index covers every column read (migrations applications/0028 and 0031)."""
    return (
        _cohort(date_from, date_to)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "channel", "disease_id", "region_code")
        .annotate(**_counts(today or timezone.localdate()))
        .order_by()
    )


def decision_day_pairs(date_from: dt.date, date_to: dt.date) -> QuerySet[Any, Any]:
    """The decided cases per distinct (day accepted, day decided), Beijing days."""
    return (
        _cohort(date_from, date_to)
        .filter(accepted_at__isnull=False, status__in=DECIDED_STATUSES, decided_at__isnull=False)
        .values(accepted_on=TruncDate("accepted_at"), decided_on=TruncDate("decided_at"))
        .annotate(count=Count("*"))
        .order_by()
    )


def working_day_counts(pairs: Iterable[tuple[dt.date, dt.date, int]]) -> list[tuple[int, int]]:
    """(working days, count) per (start, end, count), as `working_days_between(start=, end=)` counts
    them (0 for an end before the start), with a single calendar load for all of them."""
    pairs = list(pairs)
    if not pairs:
        return []
    first = min(start for start, _, _ in pairs)
    # Working days from `first` to every day met: the difference of two is the working days between them.
    index = working_days_left_many(today=first, deadlines={day for pair in pairs for day in pair[:2]})
    return [(max(index[end] - index[start], 0), count) for start, end, count in pairs]


def period_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From `date_from`'s midnight to the midnight after `date_to`, Beijing time."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))


def _cohort(date_from: dt.date, date_to: dt.date) -> QuerySet[Application]:
    start, end = period_bounds(date_from, date_to)
    return Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def _month_starts(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    first, months = date_from.replace(day=1), []
    while first <= date_to:
        months.append(first)
        first += relativedelta(months=1)
    return months


def _zero() -> Counts:
    return dict.fromkeys(COLUMNS, 0)


def _empty() -> Summary:
    return {"totals": _zero(), "months": {}, "channels": {}, "diseases": {}, "districts": {}, "days": {}}


def _add(target: Counts, counts: Counts) -> None:
    for name in COLUMNS:
        target[name] += counts[name]


def _merge(total: Summary, part: Summary) -> None:
    _add(total["totals"], part["totals"])
    for dimension in ("months", "channels", "diseases", "districts"):
        into: dict[Any, Counts] = total[dimension]
        for key, counts in part[dimension].items():
            _add(into.setdefault(key, _zero()), counts)
    total["days"] = dict(Counter(total["days"]) + Counter(part["days"]))
