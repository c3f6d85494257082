"""A populated embedded server for the tests that attack the API over HTTP: gunicorn on `make run`'s
SQLite default, with rate limits raised so that a generated request reaches the code behind the
throttle, an applicant with a draft and one uploaded scan, and the demo expert and officer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hardening.embedded_server import call, embedded_server, register

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
UNTHROTTLED = {f"THROTTLE_{scope}": "100000/minute" for scope in ("REGISTER", "TOKEN", "UPLOAD", "VERIFY", "OBJECTION")}
DEMO_PASSWORD = "demo-pass-123"


@dataclass(frozen=True)
class Populated:
    base: str
    applicant: str  # bearer tokens
    expert: str
    officer: str
    application: str  # ids
    document: str


def token(base: str, username: str, password: str) -> str:
    status, body = call(base, "POST", "/api/v1/auth/token/", {"username": username, "password": password})
    assert status == 200, body
    return str(body["access"])


def upload_status(base: str, bearer: str, application: str, kind: str, sample: str) -> int:
    """Upload one of the sample scans; the answer's status code."""
    return upload(base, bearer, application, kind, sample)[0]


def upload(base: str, bearer: str, application: str, kind: str, sample: str) -> tuple[int, dict]:
    """Upload one of the sample scans (docs/samples/) as `kind`: the answer's status and body."""
    boundary = uuid.uuid4().hex
    content = (SAMPLES / sample).read_bytes()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{sample}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(f"{base}/api/v1/applications/{application}/documents/", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return error.code, dict(json.loads(error.read() or b"{}"))


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    with embedded_server(tmp_path_factory.mktemp("attacked"), **UNTHROTTLED) as base:
        password = "Jiuquan-2026!"
        person = {"name": "李秀兰", "id_number": "620902196508220245", "phone": "13909370001"}
        status, body = register(base, {"username": "lixiulan", "password": password, **person})
        assert status == 201, body
        applicant = token(base, "lixiulan", password)
        draft = {
            "disease_code": "M01600",
            "diagnosis_date": "2026-10-01",
            "diagnosing_hospital": "H62090200001",
            "designated_points": ["H62090200001"],
        }
        status, body = call(base, "POST", "/api/v1/applications/", draft, applicant)
        assert status == 201, body
        application = str(body["id"])
        status, document = upload(base, applicant, application, "id_card_front", "id_front.jpg")
        assert status == 201, document
        yield Populated(
            base=base,
            applicant=applicant,
            expert=token(base, "expert1", DEMO_PASSWORD),
            officer=token(base, "officer1", DEMO_PASSWORD),
            application=application,
            document=str(document["id"]),
        )
