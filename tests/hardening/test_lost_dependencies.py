"""A lost dependency is a 503, or nothing at all: with Redis out of reach, throttled endpoints and cached
pages go on (uncached, unthrottled, with a warning); with the database out of reach, every answer is a
503 with Retry-After in the error format, never a 500."""

import logging
import runpy
import socket
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from rest_framework.test import APIClient

from applications.models import Document
from config.cache import FailOpenRedisCache
from tests.api import bearer_client, register
from tests.applications.upload_helpers import png_bytes
from tests.factories import ApplicationFactory, make_id_number

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down(monkeypatch):
    """The cache production configures (base.py with a REDIS_URL), pointing at a port nothing listens on."""
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    caches = runpy.run_path(str(BASE_SETTINGS))["CACHES"]
    FailOpenRedisCache._last_warning = 0.0
    with override_settings(CACHES=caches):
        yield


@pytest.mark.django_db
def test_uploads_go_on_with_redis_down(redis_down, caplog):
    application = ApplicationFactory()
    client = bearer_client(application.applicant)
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            upload = {"kind": "id_card_front", "file": _png()}
            assert client.post(f"/api/v1/applications/{application.pk}/documents/", upload).status_code == 201
    assert Document.objects.count() == 2
    assert [r for r in caplog.records if r.name == "config.cache"]  # said once, not on every request


@pytest.mark.django_db
def test_registration_and_tokens_go_on_with_redis_down(redis_down):
    body = {
        "username": "wangwu",
        "password": "S3cure-pass-2026",
        "name": "王五",
        "id_number": make_id_number(),
        "phone": "13900000001",
    }
    assert register(APIClient(), body).status_code == 201
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "wangwu", "password": "S3cure-pass-2026"}, format="json"
    )
    assert token.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/diseases/", "/api/v1/announcements/", "/gongshi/"])
def test_cached_pages_are_served_uncached_with_redis_down(redis_down, url):
    assert Client().get(url).status_code == 200


def _png():  # type: ignore[no-untyped-def]
    import io

    handle = io.BytesIO(png_bytes())
    handle.name = "id.png"
    return handle


def database_down():  # type: ignore[no-untyped-def]
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("could not connect to server"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/diseases/", "/api/v1/certificates/verify/AAAA-BBBB-CCCC-DDDD-EEEE/"])
def test_an_api_answer_with_the_database_down_is_a_503_problem(url):
    client = APIClient()
    client.raise_request_exception = False
    with database_down():
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["type"] == "service_unavailable"


@pytest.mark.django_db
def test_a_page_with_the_database_down_is_a_503():
    client = Client()
    client.raise_request_exception = False
    with database_down():
        response = client.get("/gongshi/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
