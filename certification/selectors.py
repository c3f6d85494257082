"""Reads of certifications and remote filings, scoped to the caller: a holder sees only their own."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from applications.models import Disease
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    CertificationEvent,
    DesignatedPoint,
    RemoteFiling,
    RemoteFilingStatus,
)
from certification.rules import verification_code_normalize


def certification_list(*, user: User) -> QuerySet[Certification]:
    """The caller's own certifications with their history, newest first. Nobody else's, whatever their role."""
    return (
        Certification.objects.filter(holder=user)
        .select_related("disease", "holder")
        .prefetch_related(
            Prefetch("events", queryset=CertificationEvent.objects.order_by("at", "id")),
            Prefetch(
                "designated_points",
                queryset=DesignatedPoint.objects.filter(ends_on__isnull=True).select_related("hospital"),
                to_attr="current_points",
            ),
        )
        .order_by("-issued_at")
    )


def certification_get(*, user: User, certification_id: object) -> Certification:
    """The caller's own certification, or 404 (never 403: others' certificates are not revealed)."""
    return get_object_or_404(certification_list(user=user), pk=certification_id)


def certification_live_exists(*, holder: User, disease: Disease) -> bool:
    """Whether the person already holds a live benefit for the disease (a new application is refused)."""
    return Certification.objects.filter(holder=holder, disease=disease, status__in=LIVE_CERTIFICATION_STATUSES).exists()


def certification_holds_any_live(*, holder: User) -> bool:
    return Certification.objects.filter(holder=holder, status__in=LIVE_CERTIFICATION_STATUSES).exists()


def certification_by_code(*, raw_code: str) -> Certification | None:
    """The certification a typed or scanned code names, or None (also for a malformed code)."""
    code = verification_code_normalize(raw_code)
    if code is None:
        return None
    return Certification.objects.select_related("holder", "disease").filter(code=code).first()


def remote_filing_list(*, user: User) -> QuerySet[RemoteFiling]:
    return RemoteFiling.objects.filter(holder=user).order_by("-created_at")


def remote_filing_overlapping(*, holder: User, start_date: dt.date, end_date: dt.date | None) -> RemoteFiling | None:
    """The holder's granted or pending filing whose period meets [start_date, end_date] (no end date:
    open-ended), if any. A person is filed for one place at a time."""
    overlapping = RemoteFiling.objects.filter(
        holder=holder, status__in=[RemoteFilingStatus.PENDING, RemoteFilingStatus.GRANTED]
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    return overlapping.order_by("start_date").first()
