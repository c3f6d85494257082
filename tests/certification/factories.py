"""Certification-side factories: certifications (one trait per status, each with the history its status
implies) and remote-care filings."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.utils import timezone

from applications.models import ApplicationStatus, InsuranceType
from certification.models import (
    Certification,
    CertificationEvent,
    CertificationStatus,
    RemoteFiling,
    RemoteFilingStatus,
    RemoteFilingType,
)
from certification.rules import CERTIFICATION_TRANSITIONS, ISSUED, validity, verification_code_new
from tests.factories import ApplicationFactory, UserFactory

C = CertificationStatus


def _history(*steps: str):  # type: ignore[no-untyped-def]
    def write(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if not create:
            return
        path = [ISSUED, *steps]
        for source, target in itertools.pairwise(path):
            assert (source, target) in CERTIFICATION_TRANSITIONS, (source, target)
            CertificationEvent.objects.create(
                certification=obj, actor_label="系统", from_status=source, to_status=target, reason="测试数据"
            )

    return factory.PostGeneration(write)


class CertificationFactory(factory.django.DjangoModelFactory):
    """An active certification issued today for an effective application (traits: review_due, lapsed, revoked)."""

    class Meta:
        model = Certification
        skip_postgeneration_save = True

    application = factory.SubFactory(
        ApplicationFactory, status=ApplicationStatus.EFFECTIVE, submitted_at=factory.LazyFunction(timezone.now)
    )
    holder = factory.SelfAttribute("application.applicant")
    disease = factory.SelfAttribute("application.disease")
    code = factory.LazyFunction(verification_code_new)
    insurance_type = InsuranceType.EMPLOYEE
    status = C.ACTIVE
    effective_on = factory.LazyFunction(timezone.localdate)
    benefit_start_date = factory.SelfAttribute("application.diagnosis_date")
    next_review_due = factory.LazyAttribute(lambda o: validity(effective_on=o.effective_on)[0])
    valid_until = factory.LazyAttribute(lambda o: validity(effective_on=o.effective_on)[1])
    reimbursement_ratio = factory.LazyAttribute(lambda o: o.disease.employee_ratio)
    annual_limit = factory.LazyAttribute(lambda o: o.disease.employee_annual_limit)
    history = _history(C.ACTIVE)

    class Params:
        review_due = factory.Trait(
            status=C.REVIEW_DUE,
            effective_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=350)),
            history=_history(C.ACTIVE, C.REVIEW_DUE),
        )
        lapsed = factory.Trait(
            status=C.LAPSED,
            effective_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=420)),
            status_reason="逾期未完成年度资格复核",
            history=_history(C.ACTIVE, C.REVIEW_DUE, C.LAPSED),
        )
        revoked = factory.Trait(
            status=C.REVOKED, status_reason="经核实不符合认定条件", history=_history(C.ACTIVE, C.REVOKED)
        )


class RemoteFilingFactory(factory.django.DjangoModelFactory):
    """A temporary filing, granted at once (trait `long_term`: pending with a proof, due in 2 working days)."""

    class Meta:
        model = RemoteFiling

    holder = factory.SubFactory(UserFactory)
    type = RemoteFilingType.TEMPORARY
    place = "兰州市城关区"
    start_date = factory.LazyFunction(timezone.localdate)
    status = RemoteFilingStatus.GRANTED
    decided_at = factory.LazyFunction(timezone.now)
    decision_reason = "临时外出就医备案，即时办结"

    class Params:
        long_term = factory.Trait(
            type=RemoteFilingType.LONG_TERM,
            status=RemoteFilingStatus.PENDING,
            decided_at=None,
            decision_reason="",
            decide_by=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=4)),
            proof=factory.django.FileField(filename="proof.pdf", data=b"%PDF-1.4 placeholder"),
            proof_name="居住证.pdf",
            proof_content_type="application/pdf",
        )
