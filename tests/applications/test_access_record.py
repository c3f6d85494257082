"""Least privilege on scans and the person's own access record: officers read a case's documents only once
it has been submitted; every read by the bureau is listed to the applicant at
GET /applications/{id}/access-log/ with its role and institution, never the staff member's name."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import DocumentAccess
from reviews.models import ExpertProfile
from tests.api import bearer_client
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory
from tests.reviews.review_helpers import category, expert, officer
from tests.reviews.workbench_helpers import assignment, file_url, read
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert1():  # type: ignore[no-untyped-def]
    return expert(category(), username="expert1", name="专家一")


def access_log(application, user=None):  # type: ignore[no-untyped-def]
    return bearer_client(user or application.applicant).get(f"/api/v1/applications/{application.pk}/access-log/")


def test_an_officer_cannot_open_a_scan_of_a_draft_never_submitted(client):
    draft = ApplicationFactory()
    scan = DocumentFactory(application=draft, file__data=png_bytes())
    client.force_login(officer())

    assert client.get(file_url(scan)).status_code == 404
    assert not DocumentAccess.objects.exists()

    draft.submitted_at = timezone.now()
    draft.save(update_fields=["submitted_at"])
    response = client.get(file_url(scan))
    assert response.status_code == 200 and read(response) == png_bytes()


def test_the_applicant_sees_an_experts_and_an_officers_read_with_role_and_institution_only(client, expert1):
    ExpertProfile.objects.filter(user=expert1).update(institution="酒泉市人民医院")
    case = assignment(expert1)
    scan = DocumentFactory(application=case.application, file__data=png_bytes(), kind="diagnosis_certificate")
    staff = officer(name="王经办")
    for reader in (expert1, staff):
        client.force_login(reader)
        assert client.get(file_url(scan)).status_code == 200
    bearer_client(case.application.applicant).get(  # the applicant's own read is not "someone else's"
        f"/api/v1/applications/{case.application.pk}/documents/{scan.pk}/file/"
    )

    response = access_log(case.application)

    assert response.status_code == 200
    records = response.json()["results"]
    assert [(r["role"], r["institution"]) for r in records] == [
        ("officer", settings.BUREAU_NAME),
        ("expert", "酒泉市人民医院"),
    ]
    assert {r["document"] for r in records} == {str(scan.pk)}
    assert records[0]["document_kind_display"] == "疾病诊断证明" and records[0]["role_display"] == "经办人员"
    body = response.content.decode()
    for name in (expert1.name, expert1.username, staff.name, staff.username):
        assert name and name not in body


def test_nobody_else_sees_the_access_record(expert1):
    case = assignment(expert1)
    assert access_log(case.application, UserFactory()).status_code == 404
    assert access_log(case.application, expert1).status_code == 404
