"""Shared by the completeness-check tests (一次性告知): an application that passes every rule unless
told otherwise, its documents, and the problems `application_problems` finds in it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from applications.checks import application_problems
from applications.models import (
    MEDICAL_KINDS,
    Application,
    ApplicationStatus,
    Disease,
    Document,
    Hospital,
    InsuredPerson,
)
from tests.factories import ApplicationFactory, DiseaseFactory, DocumentFactory, HospitalFactory, InsuredPersonFactory

ON = dt.date(2026, 9, 18)  # a Friday; 20 working days later, across National Day, is 2026-10-22

SHANGHAI = ZoneInfo("Asia/Shanghai")

BASE_KINDS = ["id_card_front", "id_card_back", "insurance_card", "application_form"]

SIMPLE_RULE = {"all": ["diagnosis_certificate", "medical_record", "exam_report"]}


def hospital(*, level: int = 3, can_appraise: bool = False) -> Hospital:
    return HospitalFactory(level=level, can_appraise=can_appraise)


def disease(**fields) -> Disease:
    return DiseaseFactory(**{"evidence": SIMPLE_RULE, "record_max_age_days": 365, **fields})


def add(application: Application, kind: str, **fields) -> Document:
    """A document; a medical one is by default issued 10 days before ON by a level-3 hospital."""
    if kind in MEDICAL_KINDS:
        fields.setdefault("issued_on", ON - dt.timedelta(days=10))
        fields.setdefault("hospital", HospitalFactory(code="H620902RECORDS", name="酒泉市人民医院", level=3))
    return DocumentFactory(application=application, kind=kind, original_name=f"{kind}.pdf", **fields)


def application(
    *,
    evidence_kinds: tuple[str, ...] = ("diagnosis_certificate", "medical_record", "exam_report"),
    base_kinds: tuple[str, ...] = tuple(BASE_KINDS),
    insured: bool = True,
    **fields,
) -> Application:
    """A submitted application that passes every rule unless told otherwise."""
    fields.setdefault("disease", disease())
    fields.setdefault("diagnosing_hospital", hospital())
    fields.setdefault("diagnosis_date", ON - dt.timedelta(days=30))
    fields.setdefault("designated_points", [HospitalFactory(code="H620902POINT", name="酒泉市定点医院", level=3).code])
    app = ApplicationFactory(submitted=True, **fields)
    if insured:
        InsuredPersonFactory(id_number=app.applicant.id_number)
    for kind in (*base_kinds, *evidence_kinds):
        add(app, kind)
    return app


def problems_of(app: Application, *, on: dt.date = ON) -> list[dict[str, str]]:
    return application_problems(application=Application.objects.get(pk=app.pk), on=on)


def codes(problems: list[dict[str, str]]) -> list[str]:
    return [problem["code"] for problem in problems]


def registry(app: Application):
    return InsuredPerson.objects.filter(id_number=app.applicant.id_number)


def live_certification(app):
    """An earlier application of the same person and disease whose benefit is in effect."""
    from certification.services import certification_issue

    earlier = ApplicationFactory(
        applicant=app.applicant, disease=app.disease, status=ApplicationStatus.EFFECTIVE, submitted_at=app.submitted_at
    )
    return certification_issue(application=earlier, on=ON)
