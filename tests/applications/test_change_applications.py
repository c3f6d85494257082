"""Change applications (kind `change`): a certified person adds a disease or reports a changed condition
through the same flow (documents, check, expert review, announcement). On effect a new disease's
certification stands beside the old one; a changed condition of the same disease replaces it."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.models import Application, ApplicationKind, ApplicationStatus
from certification.models import Certification, CertificationStatus
from certification.services import certification_issue
from tests.certification.helpers import (
    API,
    at,
    certified,
    client_for,
    error,
    holder,
    submit,
    through_announcement,
    upload_base,
    upload_medical,
)
from tests.factories import ApplicationFactory, DiseaseFactory, HospitalFactory
from tests.reviews.review_helpers import EVIDENCE_KINDS, decide, panel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2026", "experts")]

CERTIFIED_ON = dt.date(2026, 1, 5)
APPLIED_ON = dt.date(2026, 5, 11)  # Monday
DECIDED_ON = dt.date(2026, 5, 20)


@pytest.fixture
def hospital():
    return HospitalFactory(code="H62090200001", name="酒泉市人民医院", level=3)


@pytest.fixture
def diabetes(cat):
    return DiseaseFactory(code="M01600", name="糖尿病", category=cat)


@pytest.fixture
def hypertension(cat):
    return DiseaseFactory(code="M03900", name="高血压", category=cat)


@pytest.fixture
def person():
    return holder(username="holder", name="张三丰")


@pytest.fixture
def first(person, diabetes, hospital) -> Certification:
    """The person is certified for diabetes."""
    return certified(person, disease=diabetes, on=CERTIFIED_ON, hospital=hospital)


def create(client, disease, hospital, *, kind: str | None):
    data = {
        "disease_code": disease.code,
        "diagnosis_date": "2026-04-01",
        "diagnosing_hospital": hospital.code,
        "designated_points": [hospital.code],
    }
    if kind is not None:
        data["kind"] = kind
    with at(APPLIED_ON):
        return client.post(f"{API}/applications/", data, format="json")


def submitted_change(client, disease, hospital, capture) -> dict:
    """A complete change application for `disease`, submitted and checked on APPLIED_ON."""
    response = create(client, disease, hospital, kind="change")
    assert response.status_code == 201, response.content
    application_id = response.json()["id"]
    with at(APPLIED_ON):
        upload_base(client, application_id)
        for kind in EVIDENCE_KINDS:
            upload_medical(client, application_id, kind, issued_on=dt.date(2026, 4, 20), hospital=hospital)
        return submit(client, application_id, capture)


def to_effective(application_id) -> Application:
    application = Application.objects.get(pk=application_id)
    with at(DECIDED_ON):
        for assignment in panel(application):
            decide(assignment, "approve")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    return through_announcement(application, on=DECIDED_ON)


def test_a_change_application_is_created_with_its_kind(first, person, hypertension, hospital):
    response = create(client_for(person), hypertension, hospital, kind="change")

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "change"
    assert response.json()["status"] == "draft"


def test_a_change_for_another_disease_is_checked_and_accepted(
    first, person, hypertension, hospital, django_capture_on_commit_callbacks
):
    body = submitted_change(client_for(person), hypertension, hospital, django_capture_on_commit_callbacks)

    assert body["status"] == "under_review", body["problems"]
    assert len(panel(Application.objects.get(pk=body["id"]))) == 2


def test_a_change_for_another_disease_stands_beside_the_first_certification(
    first, person, hypertension, hospital, django_capture_on_commit_callbacks
):
    body = submitted_change(client_for(person), hypertension, hospital, django_capture_on_commit_callbacks)

    application = to_effective(body["id"])

    assert application.status == ApplicationStatus.EFFECTIVE
    second = Certification.objects.get(application=application)
    assert second.disease == hypertension
    assert second.status == CertificationStatus.ACTIVE
    first.refresh_from_db()
    assert first.status == CertificationStatus.ACTIVE
    codes = {item["disease"]["code"] for item in client_for(person).get(f"{API}/certificates/").json()["results"]}
    assert codes == {"M01600", "M03900"}


def test_a_change_for_the_same_disease_passes_the_check(
    first, person, diabetes, hospital, django_capture_on_commit_callbacks
):
    body = submitted_change(client_for(person), diabetes, hospital, django_capture_on_commit_callbacks)

    assert body["status"] == "under_review", body["problems"]


def test_a_change_for_the_same_disease_replaces_the_old_certification(
    first, person, diabetes, hospital, django_capture_on_commit_callbacks
):
    body = submitted_change(client_for(person), diabetes, hospital, django_capture_on_commit_callbacks)

    application = to_effective(body["id"])

    new = Certification.objects.get(application=application)
    assert new.status == CertificationStatus.ACTIVE
    first.refresh_from_db()
    assert first.status == CertificationStatus.REVOKED
    assert first.status_reason == f"已由变更申请{application.reference}的新认定替代"


def test_issuing_a_same_disease_change_revokes_the_old_certification(first, person, diabetes):
    # The replacement rule of certification_issue on its own (the flow above is blocked at the check).
    change = ApplicationFactory(
        applicant=person, kind=ApplicationKind.CHANGE, status=ApplicationStatus.EFFECTIVE, disease=diabetes
    )

    with at(DECIDED_ON):
        new = certification_issue(application=change, on=DECIDED_ON)

    first.refresh_from_db()
    assert first.status == CertificationStatus.REVOKED
    assert first.status_reason == f"已由变更申请{change.reference}的新认定替代"
    assert new.status == CertificationStatus.ACTIVE
    assert new.disease == diabetes


def test_issuing_a_change_for_another_disease_leaves_the_old_certification_alone(first, person, hypertension):
    change = ApplicationFactory(
        applicant=person, kind=ApplicationKind.CHANGE, status=ApplicationStatus.EFFECTIVE, disease=hypertension
    )

    with at(DECIDED_ON):
        certification_issue(application=change, on=DECIDED_ON)

    first.refresh_from_db()
    assert first.status == CertificationStatus.ACTIVE


@pytest.mark.parametrize("kind", [None, "new"])
def test_a_new_application_for_a_certified_disease_is_refused(first, person, diabetes, hospital, kind):
    response = create(client_for(person), diabetes, hospital, kind=kind)

    assert response.status_code == 409
    assert response.json()["type"] == "duplicate_certification"
    assert error(response)["field"] == "disease_code"


def test_a_second_open_change_for_the_same_disease_is_refused(first, person, hypertension, hospital):
    client = client_for(person)
    assert create(client, hypertension, hospital, kind="change").status_code == 201

    response = create(client, hypertension, hospital, kind="change")

    assert response.status_code == 409
    assert response.json()["type"] == "duplicate_open_application"


def test_an_annual_review_kind_cannot_be_created_directly(first, person, diabetes, hospital):
    response = create(client_for(person), diabetes, hospital, kind="annual_review")

    assert response.status_code == 400
    assert error(response)["field"] == "kind"
