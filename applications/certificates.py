"""Certifications: the benefit right that takes effect after the announcement, and its rules."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import (
    LIVE_CERTIFICATION_STATUSES,
    Application,
    ApplicationKind,
    Certification,
    CertificationStatus,
    Disease,
    InsuranceType,
    InsuredPerson,
)


def verification_code_new() -> str:
    """100 random bits in RFC 4648 base32 (A–Z, 2–7), grouped for reading aloud: ABCD-EFGH-IJKL-MNOP-QRST."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode()[:20]
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def benefit_start_date(*, diagnosis_date: dt.date, applied_on: dt.date) -> dt.date:
    """Within N months of diagnosis: from the diagnosis date; later: from N months before applying."""
    window = relativedelta(months=settings.BENEFIT_BACKDATE_MONTHS)
    if applied_on <= diagnosis_date + window:
        return diagnosis_date
    return applied_on - window


def reimbursement_for(*, disease: Disease, insurance_type: str) -> tuple[Decimal, int]:
    """Ratio and annual limit from the policy data: flexible employment is treated as employee."""
    if insurance_type == InsuranceType.RESIDENT:
        return disease.resident_ratio, disease.resident_annual_limit
    return disease.employee_ratio, disease.employee_annual_limit


def validity(*, effective_on: dt.date) -> tuple[dt.date, dt.date]:
    """(next_review_due, valid_until): reviewed yearly; still valid through the grace period."""
    next_review_due = effective_on + relativedelta(months=settings.CERTIFICATION_REVIEW_MONTHS)
    return next_review_due, next_review_due + dt.timedelta(days=settings.REVIEW_GRACE_DAYS)


@transaction.atomic
def certification_issue(*, application: Application, on: dt.date) -> Certification:
    """Create the certification for an application whose announcement ended. Idempotent."""
    existing = Certification.objects.filter(application=application).first()
    if existing is not None:
        return existing
    person = InsuredPerson.objects.filter(id_number=application.applicant.id_number).first()
    insurance_type = person.insurance_type if person else InsuranceType.RESIDENT
    ratio, limit = reimbursement_for(disease=application.disease, insurance_type=insurance_type)
    applied_on = timezone.localdate(application.submitted_at) if application.submitted_at else on
    next_review_due, valid_until = validity(effective_on=on)
    if application.kind == ApplicationKind.CHANGE:
        # A changed condition of the same disease replaces the earlier certification; a change
        # that adds a disease simply stands beside the others.
        Certification.objects.filter(
            holder=application.applicant, disease=application.disease, status__in=LIVE_CERTIFICATION_STATUSES
        ).update(
            status=CertificationStatus.REVOKED,
            status_reason=f"已由变更申请{application.reference}的新认定替代",
            updated_at=timezone.now(),
        )
    for _ in range(5):
        try:
            with transaction.atomic():
                return Certification.objects.create(
                    code=verification_code_new(),
                    holder=application.applicant,
                    application=application,
                    disease=application.disease,
                    insurance_type=insurance_type,
                    status=CertificationStatus.ACTIVE,
                    effective_on=on,
                    benefit_start_date=benefit_start_date(
                        diagnosis_date=application.diagnosis_date, applied_on=applied_on
                    ),
                    valid_until=valid_until,
                    next_review_due=next_review_due,
                    reimbursement_ratio=ratio,
                    annual_limit=limit,
                )
        except IntegrityError:
            continue  # a code collision (2^-100): draw again
    raise RuntimeError("could not draw a unique verification code")


def certification_is_valid(*, certification: Certification, on: dt.date) -> bool:
    """Valid while active or awaiting its annual review, up to the end of the grace period."""
    live = certification.status in (CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE)
    return live and on <= certification.valid_until
