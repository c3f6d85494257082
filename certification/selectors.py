"""Reads of certifications and remote filings, scoped to the caller: a holder sees only their own."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.identity import mask_name
from accounts.models import User
from applications.models import Disease
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    CertificationEvent,
    CertificationStatus,
    DesignatedPoint,
    RemoteFiling,
    RemoteFilingStatus,
)
from certification.rules import certification_is_valid, verification_code_candidates


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


def certification_live(*, holder: User, disease: Disease) -> QuerySet[Certification]:
    """The person's live benefit for the disease, if any (a new application is refused)."""
    return Certification.objects.filter(holder=holder, disease=disease, status__in=LIVE_CERTIFICATION_STATUSES)


def certification_live_exists(*, holder: User, disease: Disease) -> bool:
    return certification_live(holder=holder, disease=disease).exists()


def certification_holds_any_live(*, holder: User) -> bool:
    return Certification.objects.filter(holder=holder, status__in=LIVE_CERTIFICATION_STATUSES).exists()


PUBLIC_COLUMNS = (
    "code",
    "status",
    "benefit_start_date",
    "valid_until",
    "holder__name",
    "disease__name",
)


def certification_by_code(*, raw_code: str) -> Certification | None:
    """The certification a typed or scanned code names, or None (also for a malformed code)."""
    codes = verification_code_candidates(raw_code)
    if not codes:
        return None
    # What the public verification shows (`certification_public_facts`) and nothing more: reading the
    # holder's whole row would also decrypt an ID number and a phone no answer needs.
    return (
        Certification.objects.select_related("holder", "disease")
        .only(*PUBLIC_COLUMNS)
        .filter(code__in=codes)
        .order_by("pk")
        .first()
    )


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


# What anyone is told about an invalid certificate: that it is, never why (a suspension of the insurance,
# a fraud finding or a death is the holder's own business).
PUBLIC_NOTES: dict[str, str] = {
    CertificationStatus.LAPSED: "待遇暂停",
    CertificationStatus.SUSPENDED: "待遇暂停",
    CertificationStatus.REVOKED: "已撤销",
    CertificationStatus.ENDED: "待遇已终止",
}


def certification_public_facts(*, certification: Certification | None, on: dt.date) -> dict[str, object]:
    """The public verification of a code (the API and the page): valid or not, and for a known code
    the masked holder, the disease, the dates and the designated points; nothing more."""
    if certification is None:
        return {"valid": False}
    valid = certification_is_valid(certification=certification, on=on)
    points = (
        DesignatedPoint.objects.filter(certification=certification, ends_on__isnull=True)
        .order_by("order")
        .values_list("hospital__name", flat=True)
    )
    facts: dict[str, object] = {
        "valid": valid,
        "status": certification.status,
        "holder": mask_name(certification.holder.name),
        "disease": certification.disease.name,
        "benefit_start_date": certification.benefit_start_date,
        "valid_until": certification.valid_until,
        "designated_points": list(points),
    }
    if not valid:
        facts["note"] = PUBLIC_NOTES.get(certification.status, "已过有效期")
    return facts
