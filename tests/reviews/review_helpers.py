"""Builders for the expert-review tests: experts, officers, and a submitted application that passes
the completeness check, so acceptance always runs through the real `application_check`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import EXPERTS, OFFICERS
from applications.models import Application, ApplicationStatus, DiseaseCategory, Document
from applications.services import application_check, application_submit
from reviews.experts import expert_load_recount
from reviews.models import ExpertProfile, ReviewAssignment
from reviews.services import review_decide
from tests.factories import (
    ApplicationFactory,
    DiseaseCategoryFactory,
    DiseaseFactory,
    DocumentFactory,
    HospitalFactory,
    InsuredPersonFactory,
    UserFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE_KINDS = ("id_card_front", "id_card_back", "insurance_card", "application_form")
# DiseaseFactory's evidence rule: {"all": ["diagnosis_certificate", "medical_record", "exam_report"]}
EVIDENCE_KINDS = ("diagnosis_certificate", "medical_record", "exam_report")


def at(day: dt.date, hour: int = 10) -> time_machine.travel:
    """Act as `day` (10:00 in China) for everything inside the block."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def category(code: str = "endocrine", name: str = "内分泌系统疾病") -> DiseaseCategory:
    return DiseaseCategoryFactory(code=code, name=name)


def expert(*specialties: DiseaseCategory, capacity: int = 30, active: bool = True, **user_fields) -> User:
    """A medical expert with a profile for `specialties`, in the experts' group."""
    user = _staff_user(**user_fields)
    user.groups.add(Group.objects.get(name=EXPERTS))
    profile = ExpertProfile.objects.create(user=user, capacity=capacity, is_active=active)
    profile.specialties.set(specialties)
    return user


def officer(**user_fields) -> User:
    """A case officer, in the group the migration creates."""
    user = _staff_user(**user_fields)
    user.groups.add(Group.objects.get(name=OFFICERS))
    return user


def _staff_user(**fields) -> User:
    return UserFactory(is_staff=True, id_number="", **fields)


def complete_application(*, cat: DiseaseCategory | None = None, on: dt.date, **fields) -> Application:
    """A `submitted` application of a disease in `cat` that passes every completeness rule on `on`."""
    fields.setdefault("disease", DiseaseFactory(category=cat or category()))
    fields.setdefault("diagnosing_hospital", HospitalFactory(level=3))
    fields.setdefault("diagnosis_date", on - dt.timedelta(days=30))
    app = ApplicationFactory(submitted=True, **fields)
    InsuredPersonFactory(id_number=app.applicant.id_number)
    records_from = HospitalFactory(level=3)
    for kind in BASE_KINDS:
        add_document(app, kind)
    for kind in EVIDENCE_KINDS:
        add_document(app, kind, issued_on=on - dt.timedelta(days=10), hospital=records_from)
    return app


def add_document(app: Application, kind: str, **fields) -> Document:
    return DocumentFactory(application=app, kind=kind, original_name=f"{kind}.pdf", **fields)


def check(app: Application, *, on: dt.date) -> Application:
    """Run the completeness check as day `on` and return the fresh row."""
    with at(on):
        application_check(application_id=app.pk, on=on)
    app.refresh_from_db()
    return app


def accepted(*, cat: DiseaseCategory | None = None, on: dt.date, **fields) -> Application:
    """An application accepted (受理) on `on`: under review, with its first panel assigned."""
    app = check(complete_application(cat=cat, on=on, **fields), on=on)
    assert app.status == ApplicationStatus.UNDER_REVIEW, app.problems
    return app


def resubmit(app: Application, *, on: dt.date) -> Application:
    """The applicant resubmits after a supplement request and the check runs the same day."""
    with at(on):
        application_submit(application=app, user=app.applicant)
    return check(app, on=on)


def panel(app: Application, *, round: int | None = None) -> list[ReviewAssignment]:
    """The active assignments of a round (the current one by default), in assignment order."""
    app.refresh_from_db()
    return list(
        ReviewAssignment.objects.filter(application=app, round=round or app.review_round, is_active=True).order_by(
            "assigned_at", "id"
        )
    )


def decide(assignment: ReviewAssignment, decision: str, reason: str = "") -> ReviewAssignment:
    return review_decide(assignment_id=assignment.pk, expert=assignment.expert, decision=decision, reason=reason)


def pending_load(user: User, *, count: int, cat: DiseaseCategory) -> None:
    """Give `user` `count` undecided assignments on other cases under review."""
    for _ in range(count):
        other = ApplicationFactory(under_review=True, review_round=1, disease=DiseaseFactory(category=cat))
        ReviewAssignment.objects.create(application=other, expert=user, round=1)
    expert_load_recount(fix=True, expert_ids=[user.pk])  # written past the services: count as they would
