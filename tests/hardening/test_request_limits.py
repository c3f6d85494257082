"""Requests beyond what the service takes: a second file in one upload field, too many files, a JSON
body over the size limit, a page number below 1. Each is a 400 in the error format, logged as a warning
(no traceback), and nothing of it is stored."""

import io
import json
import logging

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from applications.models import Document
from tests.api import bearer_client
from tests.applications.upload_helpers import png_bytes
from tests.factories import ApplicationFactory
from tests.reviews.factories import AnnouncementEntryFactory

pytestmark = pytest.mark.django_db


def upload(client, application, files: list[tuple[str, bytes]]):
    payload = {"kind": "id_card_front", "file": [io.BytesIO(data) for _, data in files]}
    for handle, (name, _) in zip(payload["file"], files, strict=True):
        handle.name = name
    return client.post(f"/api/v1/applications/{application.pk}/documents/", payload, format="multipart")


def test_two_files_in_one_upload_field_are_refused_not_half_stored():
    application = ApplicationFactory()
    response = upload(
        bearer_client(application.applicant), application, [("a.png", png_bytes()), ("b.png", png_bytes())]
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"file"}
    assert not Document.objects.exists()


def test_more_files_than_a_request_may_carry_is_a_400(caplog):
    application = ApplicationFactory()
    files = [(f"{n}.png", png_bytes()) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    with caplog.at_level(logging.INFO):
        response = upload(bearer_client(application.applicant), application, files)
    assert response.status_code == 400
    assert response.json()["type"] == "request_too_large"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not Document.objects.exists()


def test_a_json_body_over_the_limit_is_a_400_logged_as_a_warning(caplog):
    body = json.dumps({"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    with caplog.at_level(logging.INFO):
        response = APIClient().post("/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "request_too_large" and "2MB" in problem["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and problem["instance"] in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].exc_info is None


def test_a_form_body_over_the_limit_on_a_public_page_is_a_warning_too(caplog, client):
    entry = AnnouncementEntryFactory()
    with caplog.at_level(logging.INFO):
        response = client.post(
            f"/gongshi/{entry.batch_id}/objection/", {"reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
        )
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in caplog.records if r.name == "django.security.RequestDataTooBig" and r.exc_info is None]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page": "-3"}, "page"), ({"page": "二"}, "page"), ({"page_size": "0"}, "page_size")],
)
def test_a_page_number_or_size_below_1_is_a_400_naming_it(query, field):
    application = ApplicationFactory()
    response = bearer_client(application.applicant).get("/api/v1/applications/", query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field and "不小于1的整数" in error["message"]


def test_page_one_and_the_last_page_are_answered_and_a_page_past_it_is_a_404():
    application = ApplicationFactory()
    client = bearer_client(application.applicant)
    assert client.get("/api/v1/applications/", {"page": "1"}).json()["count"] == 1
    assert client.get("/api/v1/applications/", {"page": "last", "page_size": "500"}).status_code == 200
    assert client.get("/api/v1/applications/", {"page": "2"}).status_code == 404
