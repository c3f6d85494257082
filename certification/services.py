"""Writes for certifications: issue when the announcement ends, renew on a passed annual review,
revoke. Every change goes through `certification_transition`, which checks the rules' table and
appends a `CertificationEvent`; the daily job's bulk changes write the same events in bulk (jobs.py)."""

from __future__ import annotations

import datetime as dt
import logging

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from applications.models import Application, ApplicationKind, ApplicationStatus, InsuranceType, InsuredPerson
from applications.workflow import SYSTEM, application_transition
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    CertificationEvent,
    CertificationStatus,
)
from certification.platform.outbox import platform_cancel, platform_register
from certification.points import designated_points_open
from certification.rules import (
    CERTIFICATION_TRANSITIONS,
    ISSUED,
    benefit_ends_on,
    benefit_start_date,
    reimbursement_for,
    valid_until_capped,
    validity,
    verification_code_new,
)
from config.domain import InvalidInput, InvalidState
from notifications.models import NotificationKind
from notifications.services import notification_send

logger = logging.getLogger(__name__)
OFFICER = "经办人员"


def certification_actor_label(*, certification: Certification, user: User | None) -> str:
    """How the history names who acted, for the holder's eyes (no staff names)."""
    if user is None:
        return SYSTEM
    return "持证人" if user.pk == certification.holder_id else OFFICER


def certification_transition(
    *, certification: Certification, to: CertificationStatus, actor: User | None, reason: str
) -> CertificationEvent:
    """Move `certification` (locked by the caller) to `to`, record why, append the event. The caller saves."""
    if (certification.status, to) not in CERTIFICATION_TRANSITIONS:
        raise InvalidState(
            f"凭证状态为“{certification.get_status_display()}”，不能变为“{CertificationStatus(to).label}”。",
            code="certification_transition_not_allowed",
        )
    event = CertificationEvent.objects.create(
        certification=certification,
        actor=actor,
        actor_label=certification_actor_label(certification=certification, user=actor),
        from_status=certification.status,
        to_status=to,
        reason=reason,
    )
    certification.status = to
    certification.status_reason = reason
    return event


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
    next_review_due, _ = validity(effective_on=on)
    ends_on = benefit_ends_on(effective_on=on, months=application.disease.benefit_months)
    valid_until = valid_until_capped(next_review_due=next_review_due, ends_on=ends_on)
    starts = benefit_start_date(diagnosis_date=application.diagnosis_date, applied_on=applied_on)
    if person is not None and starts < person.insured_since:
        starts = person.insured_since  # never a benefit for days before the person was insured
    if application.kind == ApplicationKind.CHANGE:
        # A changed condition of the same disease replaces the earlier certification; a change
        # that adds a disease simply stands beside the others.
        replaced = Certification.objects.select_for_update().filter(
            holder=application.applicant, disease=application.disease, status__in=LIVE_CERTIFICATION_STATUSES
        )
        for old in replaced:
            certification_transition(
                certification=old,
                to=CertificationStatus.REVOKED,
                actor=None,
                reason=f"已由变更申请{application.reference}的新认定替代",
            )
            old.save(update_fields=["status", "status_reason", "updated_at"])
            platform_cancel(certification=old, memo=f"病情变更，由申请{application.reference}的新认定替代")
    for _ in range(5):
        try:
            with transaction.atomic():
                certification = Certification.objects.create(
                    code=verification_code_new(),
                    holder=application.applicant,
                    application=application,
                    disease=application.disease,
                    insurance_type=insurance_type,
                    status=CertificationStatus.ACTIVE,
                    effective_on=on,
                    benefit_start_date=starts,
                    valid_until=valid_until,
                    benefit_ends_on=ends_on,
                    next_review_due=next_review_due,
                    reimbursement_ratio=ratio,
                    annual_limit=limit,
                )
        except IntegrityError:
            continue  # a code collision (2^-100): draw again
        CertificationEvent.objects.create(
            certification=certification,
            actor_label=SYSTEM,
            from_status=ISSUED,
            to_status=CertificationStatus.ACTIVE,
            reason=f"公示期满，待遇认定生效（申请{application.reference}）",
        )
        designated_points_open(certification=certification, codes=application.designated_points, on=on)
        platform_register(certification=certification)
        return certification
    raise RuntimeError("could not draw a unique verification code")


@transaction.atomic
def certification_revoke(*, certification: Certification, officer: User, reason: str) -> Certification:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("撤销必须填写理由。", code="reason_required", field="reason")
    certification = Certification.objects.select_for_update().select_related("disease").get(pk=certification.pk)
    if certification.status == CertificationStatus.REVOKED:
        return certification
    certification_transition(certification=certification, to=CertificationStatus.REVOKED, actor=officer, reason=reason)
    certification.save(update_fields=["status", "status_reason", "updated_at"])
    platform_cancel(certification=certification, memo=f"撤销：{reason}")
    notification_send(
        user=certification.holder,
        kind=NotificationKind.CERTIFICATION_REVOKED,
        params={"disease": certification.disease.name, "reason": reason},
        dedupe_key=f"revoked:{certification.pk}",
    )
    logger.info("certification %s revoked by user %s", certification.pk, officer.pk)
    return certification


def annual_review_pass(*, application: Application, actor: User | None, on: dt.date, reason: str) -> Certification:
    """The review passed (on the check, or by an expert): the certification runs for another year.
    Called with the application row locked."""
    assert application.reviewed_certification_id is not None, "an annual review names its certification"
    assert application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
    certification = (
        Certification.objects.select_for_update(of=("self",))
        .select_related("disease")
        .get(pk=application.reviewed_certification_id)
    )
    event = application_transition(
        application=application,
        to=ApplicationStatus.EFFECTIVE,
        actor=actor,
        label=SYSTEM if actor is None else None,
        reason=reason,
    )
    application.save(update_fields=["status", "updated_at"])
    if certification.status != CertificationStatus.REVOKED:
        certification.next_review_due = certification.next_review_due + relativedelta(
            months=settings.CERTIFICATION_REVIEW_MONTHS
        )
        certification.valid_until = valid_until_capped(
            next_review_due=certification.next_review_due, ends_on=certification.benefit_ends_on
        )
        certification_transition(
            certification=certification,
            to=CertificationStatus.ACTIVE,
            actor=actor,
            reason=f"{on:%Y年%m月%d日}年度复核通过",
        )
        certification.save(update_fields=["next_review_due", "valid_until", "status", "status_reason", "updated_at"])
    notification_send(
        user=application.applicant,
        application=application,
        kind=NotificationKind.ANNUAL_REVIEW_PASSED,
        params={"disease": certification.disease.name, "next_review_due": certification.next_review_due},
        dedupe_key=f"annual-passed:{application.pk}:{event.pk}",
    )
    return certification
