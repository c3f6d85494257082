"""Input that cannot be encoded (a lone UTF-16 surrogate, which JSON can carry as an escape) is a 400
naming the field, and no error message echoes raw input back."""

import json

import pytest

from tests.api import bearer_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SURROGATE = "\ud800"


def post_json(client, url: str, body: str):
    return client.post(url, body, content_type="application/json")


DRAFT = {"disease_code": "M01600", "diagnosis_date": "2026-06-01", "diagnosing_hospital": "H1"}


def with_surrogate(**fields) -> str:
    """The draft's JSON with `fields` added; the marker becomes a lone surrogate's escape (valid JSON)."""
    return json.dumps({**DRAFT, **fields}).replace("MARK", "\\ud800")


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("kind", with_surrogate(kind="MARK")),
        ("disease_code", with_surrogate(disease_code="MARK")),
        ("agent.name", with_surrogate(agent={"name": "MARK", "id_number": "1", "phone": "1"})),
    ],
)
def test_an_unencodable_value_is_a_400_naming_the_field(field, body):
    response = post_json(bearer_client(UserFactory()), "/api/v1/applications/", body)
    assert response.status_code == 400
    problem = response.json()
    assert field in {error["field"] for error in problem["errors"]}
    assert SURROGATE not in response.content.decode("utf-8")


def test_an_invalid_choice_is_explained_in_chinese_without_echoing_the_input():
    body = json.dumps({**DRAFT, "kind": "<script>"})
    response = post_json(bearer_client(UserFactory()), "/api/v1/applications/", body)
    assert response.status_code == 400
    message = {e["field"]: e["message"] for e in response.json()["errors"]}["kind"]
    assert "<script>" not in response.content.decode() and "选项" in message
