"""Errors in the schema: one `Problem` component, referenced by every 4xx answer of every operation, and
every 4xx the API actually gives documented on that operation; each answer carries an `instance` id
that is also in the server's log line."""

import logging
import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.api import bearer_client
from tests.factories import ApplicationFactory, UserFactory

SCHEMA = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())
PROBLEM_REF = "#/components/schemas/Problem"


def operations():
    for path, methods in SCHEMA["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def documented(method: str, path: str) -> set[int]:
    return {int(code) for code in SCHEMA["paths"][path][method.lower()]["responses"]}


def test_the_problem_component_has_the_error_format():
    problem = SCHEMA["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])


@pytest.mark.parametrize(("method", "path", "operation"), list(operations()), ids=lambda v: str(v)[:60])
def test_every_4xx_and_the_503_of_every_operation_is_a_problem(method, path, operation):
    assert "503" in operation["responses"]
    errors = {code: r for code, r in operation["responses"].items() if code.startswith("4") or code == "503"}
    for code, response in errors.items():
        assert response["content"]["application/json"]["schema"]["$ref"] == PROBLEM_REF, (method, path, code)


# --- what the API really answers is documented ---------------------------------------------------


@pytest.fixture
def applicant(db):
    return UserFactory()


def answer(client: APIClient, method: str, url: str, **kwargs) -> int:
    response = getattr(client, method.lower())(url, **kwargs)
    assert response.status_code >= 400, (url, response.status_code)
    body = response.json()
    assert body["status"] == response.status_code and body["instance"].startswith("urn:uuid:")
    return response.status_code


@pytest.mark.django_db
def test_each_error_the_api_gives_is_in_the_schema(applicant):
    anonymous, signed_in = APIClient(), bearer_client(applicant)
    app = ApplicationFactory(applicant=applicant, under_review=True)
    unknown = uuid.uuid4()
    cases = [
        (anonymous, "GET", "/api/v1/applications/", "/api/v1/applications/", {}),
        (signed_in, "GET", "/api/v1/applications/?page=99", "/api/v1/applications/", {}),
        (signed_in, "POST", "/api/v1/applications/", "/api/v1/applications/", {"data": {}, "format": "json"}),
        (
            signed_in,
            "POST",
            "/api/v1/applications/",
            "/api/v1/applications/",
            {"data": "x", "content_type": "text/plain"},
        ),
        (signed_in, "GET", f"/api/v1/applications/{unknown}/", "/api/v1/applications/{id}/", {}),
        (signed_in, "POST", f"/api/v1/applications/{app.pk}/submit/", "/api/v1/applications/{id}/submit/", {}),
        (signed_in, "GET", "/api/v1/reviews/", "/api/v1/reviews/", {}),
        (anonymous, "POST", "/api/v1/auth/token/", "/api/v1/auth/token/", {"data": {"username": "x", "password": "y"}}),
        (anonymous, "GET", "/api/v1/calendar/deadline/?from=x", "/api/v1/calendar/deadline/", {}),
        (anonymous, "GET", "/api/v1/hospitals/?level=9", "/api/v1/hospitals/", {}),
        (
            signed_in,
            "POST",
            f"/api/v1/applications/{app.pk}/withdraw/",
            "/api/v1/applications/{id}/withdraw/",
            {"data": {"reason": "x" * 600}, "format": "json"},
        ),
    ]
    for client, method, url, template, kwargs in cases:
        status = answer(client, method, url, **kwargs)
        assert status in documented(method, template), (method, url, status)


@pytest.mark.django_db
def test_a_throttled_answer_is_documented():
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "verify": "1/min"}
    with override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}):
        client = APIClient(REMOTE_ADDR="10.9.9.9")
        client.get("/api/v1/certificates/verify/AAAA-BBBB-CCCC-DDDD-EEEE/")
        status = answer(client, "GET", "/api/v1/certificates/verify/AAAA-BBBB-CCCC-DDDD-EEEE/")
    assert status == 429
    assert 429 in documented("GET", "/api/v1/certificates/verify/{code}/")


@pytest.mark.django_db
def test_the_instance_of_an_answer_is_in_the_server_log(caplog):
    with caplog.at_level(logging.INFO, logger="config.api.errors"):
        body = APIClient().get("/api/v1/applications/").json()
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", body["instance"])
    lines = [record.getMessage() for record in caplog.records if body["instance"] in record.getMessage()]
    assert lines == [f"problem {body['instance']} status=401 type=not_authenticated path=/api/v1/applications/"]


@pytest.mark.django_db
def test_two_answers_have_two_instances():
    client = APIClient()
    first, second = (client.get("/api/v1/applications/").json()["instance"] for _ in range(2))
    assert first != second
