"""The bureau's counts of applications, for officers (GET /api/v1/stats/): how many were submitted in a
period, by month and by channel (online, family account, agent, hospital 医保办, service window), and
where they stand now. Aggregate queries only: one grouped count per table, whatever the size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from applications.models import Application, ApplicationChannel, ApplicationStatus

DECIDED_APPROVED = (ApplicationStatus.APPROVED, ApplicationStatus.IN_ANNOUNCEMENT, ApplicationStatus.EFFECTIVE)
STATS_MAX_DAYS = 3 * 366

# What each column counts, among the applications first submitted in the period, by their status now.
COLUMNS = {
    "received": Q(),
    "accepted": Q(accepted_at__isnull=False),
    "approved": Q(status__in=DECIDED_APPROVED),
    "rejected": Q(status=ApplicationStatus.REJECTED),
    "withdrawn": Q(status=ApplicationStatus.WITHDRAWN),
    "open": Q(
        status__in=(
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.NEEDS_SUPPLEMENT,
            ApplicationStatus.UNDER_REVIEW,
        )
    ),
}


def _counts() -> dict[str, Any]:
    return {name: Count("id", filter=condition) for name, condition in COLUMNS.items()}


def application_statistics(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """Applications first submitted from `date_from` to `date_to` (both included): the totals, each month
    and each channel (every channel listed, zero when none came that way)."""
    period = Application.objects.filter(submitted_at__date__gte=date_from, submitted_at__date__lte=date_to)
    totals = period.aggregate(**_counts())
    months = period.annotate(month=TruncMonth("submitted_at")).values("month").annotate(**_counts()).order_by("month")
    by_channel = {row["channel"]: row for row in period.values("channel").annotate(**_counts())}
    empty = dict.fromkeys(COLUMNS, 0)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": totals,
        "by_month": [{**row, "month": row["month"].strftime("%Y-%m")} for row in months],
        "by_channel": [
            {
                "channel": channel.value,
                "channel_display": channel.label,
                **{**empty, **by_channel.get(channel.value, {})},
            }
            for channel in ApplicationChannel
        ],
    }
