"""An annual review of a disease that needs a yearly re-examination: the evidence it must carry, and
the expert whose decision renews the certification or leaves it due."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import Application, ApplicationStatus
from certification.models import CertificationStatus
from reviews.models import ReviewAssignment
from reviews.services import review_decide
from tests.certification.annual_review_helpers import DUE, REVIEW_DAY, open_review, run
from tests.certification.helpers import at, certified, client_for, submit, upload_base, upload_medical
from tests.factories import DiseaseFactory, HospitalFactory
from tests.reviews.review_helpers import category, expert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_calendar", "_empty_sms_outbox")]


# Re-examination evidence: a recent lab report and an imaging report (180 days for this disease).
REEXAM = {"all": ["exam_report", "imaging_report"]}


@pytest.fixture
def reexam_certification(person):
    cat = category("kidney", "慢性肾脏病")
    disease = DiseaseFactory(
        code="M07800",
        name="慢性肾功能不全",
        category=cat,
        requires_annual_reexam=True,
        reexam_evidence=REEXAM,
        record_max_age_days=180,
    )
    return certified(person, disease=disease, due=DUE)


@pytest.fixture
def kidney_expert(reexam_certification):
    return expert(reexam_certification.disease.category, username="kidney-expert")


def test_a_reexam_review_without_the_evidence_needs_supplement(
    reexam_certification, person, django_capture_on_commit_callbacks
):
    client = client_for(person)

    with at(REVIEW_DAY):
        review = open_review(client, reexam_certification)
        upload_base(client, review["id"])
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert [(p["code"], p["field"]) for p in body["problems"]] == [
        ("document_missing", "documents.exam_report"),
        ("document_missing", "documents.imaging_report"),
    ]
    reexam_certification.refresh_from_db()
    assert reexam_certification.next_review_due == DUE


def test_a_reexam_review_with_stale_evidence_names_the_old_report(
    reexam_certification, person, django_capture_on_commit_callbacks
):
    client = client_for(person)
    hospital = HospitalFactory(level=3)

    with at(REVIEW_DAY):
        review = open_review(client, reexam_certification)
        upload_base(client, review["id"])
        old = upload_medical(
            client, review["id"], "exam_report", issued_on=REVIEW_DAY - dt.timedelta(days=181), hospital=hospital
        )
        upload_medical(client, review["id"], "imaging_report", issued_on=REVIEW_DAY, hospital=hospital)
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert [(p["code"], p["field"]) for p in body["problems"]] == [
        ("document_too_old", f"documents.{old['id']}"),
        ("document_missing", "documents.exam_report"),
    ]


def submit_complete_reexam(client, certification, capture) -> dict:
    hospital = HospitalFactory(level=3)
    review = open_review(client, certification)
    upload_base(client, review["id"])
    for kind in REEXAM["all"]:
        upload_medical(client, review["id"], kind, issued_on=REVIEW_DAY - dt.timedelta(days=20), hospital=hospital)
    return submit(client, review["id"], capture)


def test_a_complete_reexam_review_goes_to_one_expert(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    expert(reexam_certification.disease.category, username="second-kidney-expert")

    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)

    assert body["status"] == "under_review", body["problems"]
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])
    assert assignment.round == 1
    reexam_certification.refresh_from_db()
    assert reexam_certification.next_review_due == DUE  # not renewed before the expert decides


def test_the_experts_approval_renews_the_certification(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])

    with at(REVIEW_DAY + dt.timedelta(days=3)):
        review_decide(assignment_id=assignment.pk, expert=kidney_expert, decision="approve")

    review = Application.objects.get(pk=body["id"])
    assert review.status == ApplicationStatus.EFFECTIVE
    reexam_certification.refresh_from_db()
    assert reexam_certification.status == CertificationStatus.ACTIVE
    assert reexam_certification.next_review_due == dt.date(2027, 12, 31)
    assert reexam_certification.valid_until == dt.date(2028, 1, 30)


def test_the_experts_rejection_leaves_the_certification_due(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])

    with at(REVIEW_DAY + dt.timedelta(days=3)):
        review_decide(assignment_id=assignment.pk, expert=kidney_expert, decision="reject", reason="复查指标不符合")

    assert Application.objects.get(pk=body["id"]).status == ApplicationStatus.REJECTED
    reexam_certification.refresh_from_db()
    assert reexam_certification.status == CertificationStatus.REVIEW_DUE
    assert reexam_certification.next_review_due == DUE
