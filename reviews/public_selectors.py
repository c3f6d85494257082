"""Reads for the public announcement (公示) API and pages.

Only the de-identified columns of an entry are ever loaded here (`.only(...)`): public code never
touches the application or the applicant, so nothing personal can reach a public response by accident.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When

from reviews.models import AnnouncementBatch, AnnouncementEntry, EntryStatus

# Withdrawn entries (objection upheld, back to review) leave the public list.
PUBLIC_ENTRY_STATUSES = (EntryStatus.LISTED, EntryStatus.HELD, EntryStatus.EFFECTIVE)
BATCH_FIELDS = ("id", "region_code", "region_name", "published_on", "ends_on")
ENTRY_FIELDS = ("id", "batch", "masked_name", "masked_id_number", "disease_name", "district")


def public_entries() -> QuerySet[AnnouncementEntry]:
    return AnnouncementEntry.objects.filter(status__in=PUBLIC_ENTRY_STATUSES).only(*ENTRY_FIELDS).order_by("id")


def announcement_public_entries(*, batch_id: int) -> QuerySet[AnnouncementEntry]:
    """The public entries of one batch in their stable order (publication order, the primary key), for
    a page of them: the batch's foreign-key index finds them, a page is a LIMIT/OFFSET over them."""
    return public_entries().filter(batch_id=batch_id)


def announcement_public_list(*, today: dt.date) -> QuerySet[AnnouncementBatch]:
    """Batches published by `today`: current ones (period not over) first, then those that ended within
    the last ANNOUNCEMENT_PUBLIC_DAYS days, newest first. Batches with no public entry are left out.
    Each carries `entry_count` and `is_current`; its entries are read a page at a time
    (`announcement_public_entries`)."""
    shown_since = today - dt.timedelta(days=settings.ANNOUNCEMENT_PUBLIC_DAYS)
    return (
        AnnouncementBatch.objects.filter(published_on__lte=today, ends_on__gte=shown_since)
        .only(*BATCH_FIELDS)
        .annotate(
            entry_count=Count("entries", filter=Q(entries__status__in=PUBLIC_ENTRY_STATUSES)),
            is_current=Case(
                When(ends_on__gte=today, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .filter(entry_count__gt=0)
        .order_by("-is_current", "-published_on", "region_code", "id")
    )


def announcement_public_get(*, batch_id: int, today: dt.date) -> AnnouncementBatch | None:
    """One batch as the public sees it (without its entries), or None when it is not (or no longer) public."""
    return announcement_public_list(today=today).filter(pk=batch_id).first()
