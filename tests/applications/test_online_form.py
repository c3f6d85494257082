"""The application form without a scanner: `GET /applications/{id}/form/` is a PDF of what the person
entered; `POST .../form/confirm/` with the commitment stores it as their `application_form` (time,
account, hash), which the completeness check counts while the data is unchanged and the disease does
not require the hospital's stamp; experts see it like any document."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from pypdf import PdfReader

from applications.form import COMMITMENT, FILE_NAME
from applications.models import Application, ApplicationStatus, Document, DocumentKind
from reviews.models import ReviewAssignment
from tests.api import bearer_client
from tests.applications.check_helpers import ON, add, application
from tests.factories import HospitalFactory, UserFactory
from tests.reviews.review_helpers import at, check, expert

pytestmark = pytest.mark.django_db

AGENT_ID = "620902198001011234"


def draft(**fields) -> Application:
    """A draft with every document but the application form."""
    app = application(base_kinds=("id_card_front", "id_card_back", "insurance_card"), **fields)
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.DRAFT, submitted_at=None)
    app.refresh_from_db()
    return app


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s*\n\s*", "", "".join(page.extract_text() for page in pages))


def get_form(app: Application, **headers):  # type: ignore[no-untyped-def]
    return bearer_client(app.applicant).get(f"/api/v1/applications/{app.pk}/form/", headers=headers)


def confirm(app: Application, body: dict | None = None):  # type: ignore[no-untyped-def]
    client = bearer_client(app.applicant)
    body = {"commitment": True} if body is None else body
    return client.post(f"/api/v1/applications/{app.pk}/form/confirm/", body, format="json")


def precheck_codes(app: Application) -> list[tuple[str, list[str]]]:
    with at(ON):
        body = bearer_client(app.applicant).post(f"/api/v1/applications/{app.pk}/precheck/").json()
    return [(problem["code"], problem["kinds"]) for problem in body["problems"]]


def test_the_form_is_a_pdf_of_what_the_person_entered_the_same_every_time():
    app = draft(agent_name="李四", agent_id_number=AGENT_ID, agent_phone="13800000001")
    app.applicant.name = "王䶮"
    app.applicant.save()
    first, second = get_form(app), get_form(app)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content == second.content  # deterministic: the hash confirmed is the hash seen
    assert first["ETag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    assert first["Cache-Control"].startswith("private")
    text = text_of(first.content)
    for expected in [
        "门诊慢特病待遇认定申请表",
        app.reference,
        "王䶮",
        app.applicant.id_number,  # the applicant's own form carries the full number
        app.disease.name,
        app.diagnosing_hospital.name,
        "酒泉市定点医院",
        "李四",
        AGENT_ID,
        COMMITMENT,
    ]:
        assert expected in text, expected
    assert "盖章" not in text

    assert get_form(app, **{"If-None-Match": first["ETag"]}).status_code == 304


def test_nobody_else_gets_the_form():
    app = draft()
    other = bearer_client(UserFactory()).get(f"/api/v1/applications/{app.pk}/form/")
    assert other.status_code == 404


def test_confirming_needs_the_commitment():
    app = draft()
    for body in ({}, {"commitment": False}):
        response = confirm(app, body)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "commitment"
    assert not app.documents.filter(kind=DocumentKind.APPLICATION_FORM).exists()


def test_a_confirmed_form_is_the_application_form_with_time_account_and_hash():
    app = draft()
    assert precheck_codes(app) == [("document_missing", ["application_form"])]
    seen = get_form(app)
    with at(ON):
        response = confirm(app, {"commitment": True, "form_sha256": seen["ETag"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    document = Document.objects.get(pk=body["document"])
    assert (document.kind, document.original_name, document.uploaded_by) == (
        DocumentKind.APPLICATION_FORM,
        FILE_NAME,
        app.applicant,
    )
    assert document.sha256 == hashlib.sha256(seen.content).hexdigest() == body["sha256"]
    with document.file.open("rb") as stored:
        assert stored.read() == seen.content
    assert body["confirmed"] is True and body["requires_stamp"] is False and body["commitment"] == COMMITMENT
    assert precheck_codes(app) == []
    # Confirming the same form again records nothing new.
    assert confirm(app).json()["document"] == body["document"]
    assert app.documents.filter(kind=DocumentKind.APPLICATION_FORM).count() == 1
    detail = bearer_client(app.applicant).get(f"/api/v1/applications/{app.pk}/").json()
    assert detail["form"]["confirmed"] is True and detail["form"]["url"].endswith(f"/{app.pk}/form/")


def test_a_form_changed_since_it_was_seen_is_not_confirmed():
    app = draft()
    stale = get_form(app)["ETag"]
    bearer_client(app.applicant).patch(
        f"/api/v1/applications/{app.pk}/", {"diagnosing_doctor_name": "赵医生"}, format="json"
    )
    response = confirm(app, {"commitment": True, "form_sha256": stale})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "form_sha256"
    assert not app.documents.exclude(form_digest="").exists()


def test_a_change_after_confirming_asks_for_a_new_confirmation_which_replaces_the_old():
    app = draft()
    old = confirm(app).json()["document"]
    other_point = HospitalFactory(code="H620902OTHER", name="酒泉市第二定点医院", level=3)
    response = bearer_client(app.applicant).patch(
        f"/api/v1/applications/{app.pk}/", {"designated_points": [other_point.code]}, format="json"
    )
    assert response.status_code == 200 and response.json()["form"]["confirmed"] is False
    assert precheck_codes(app) == [("application_form_outdated", ["application_form"])]
    assert "酒泉市第二定点医院" in text_of(get_form(app).content)

    new = confirm(app).json()
    assert new["confirmed"] is True and new["document"] != old
    confirmations = app.documents.exclude(form_digest="").values_list("pk", flat=True)
    assert [str(pk) for pk in confirmations] == [new["document"]]
    assert precheck_codes(app) == []


def test_a_disease_that_requires_the_hospital_stamp_takes_only_a_stamped_form():
    app = draft()
    app.disease.requires_stamped_form = True
    app.disease.save()
    assert "医疗机构医保办意见（盖章）" in text_of(get_form(app).content)
    assert confirm(app).status_code == 201
    assert precheck_codes(app) == [("application_form_stamp_required", ["application_form"])]
    add(app, DocumentKind.APPLICATION_FORM)  # the stamped form, photographed
    assert precheck_codes(app) == []


def test_the_form_cannot_be_confirmed_once_submitted():
    app = application(base_kinds=("id_card_front", "id_card_back", "insurance_card"))  # submitted
    response = confirm(app)
    assert response.status_code == 409 and response.json()["type"] == "documents_locked"


def test_the_expert_sees_the_confirmed_form():
    app = draft(disease__category__code="endocrine")
    confirm(app)
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.SUBMITTED)
    reviewer = expert(app.disease.category)
    app = check(app, on=ON)
    assert app.status == ApplicationStatus.UNDER_REVIEW, app.problems
    assignment = ReviewAssignment.objects.get(application=app, expert=reviewer)
    detail = bearer_client(reviewer).get(f"/api/v1/reviews/{assignment.pk}/").json()
    assert FILE_NAME in [document["original_name"] for document in detail["documents"]]
