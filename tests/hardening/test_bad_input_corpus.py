"""A corpus of malformed requests against every write endpoint of the schema, through a real HTTP
server (gunicorn on the embedded default): broken and hostile bodies, every field of the operation's
schema replaced by values of the wrong kind, hostile headers and hostile files. Not one answer may be a
5xx, and every refusal is in the error format. The corpus is sent over a raw socket, byte for byte, so
that nothing a client library would clean up is cleaned up.

The write endpoints are read from `openapi.yaml`: an endpoint added to the API is attacked without
this file changing."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.hardening.conftest import SAMPLES, Populated

# The module shares one server: its tests go to one pytest-xdist worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("bad-input-corpus")
SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
WRITES = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Request:
    what: str  # says what the case tries, in the failure report
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    token: str | None = "applicant"  # the role whose token goes with it; None: no Authorization header
    # Refused by the HTTP server (gunicorn) before the application sees it: a 4xx in its own format.
    protocol: bool = False


def write_operations() -> list[tuple[str, str]]:
    return [(method, path) for path, item in SCHEMA["paths"].items() for method in item if method in WRITES]


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def fields_of(method: str, path: str) -> list[str]:
    content = SCHEMA["paths"][path][method].get("requestBody", {}).get("content", {})
    for media in ("application/json", "multipart/form-data"):
        if media in content:
            return list(resolve(content[media]["schema"]).get("properties", {}))
    return []


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "corpus-boundary") -> bytes:
    """(field, filename or None, content) parts as one multipart/form-data body."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


MULTIPART = "multipart/form-data; boundary=corpus-boundary"
JPEG = (SAMPLES / "id_front.jpg").read_bytes()
WRONG_VALUES: dict[str, bytes] = {
    "null": b"null",
    "an array": b"[]",
    "an object": b'{"a": {"b": []}}',
    "true": b"true",
    "a huge integer": b"9" * 5000,
    "an overflowing float": b"1e999999",
    "a negative number": b"-1",
    "a lone surrogate": b'"\\ud800"',
    "a NUL character": b'"a\\u0000b"',
    "100,000 characters": json.dumps("长" * 100_000).encode(),
    "right-to-left overrides": json.dumps("\u202e\u2066abc\u2069").encode(),
    "a date out of range": b'"9999-99-99"',
    "an SQL fragment": json.dumps("'; DROP TABLE users; --").encode(),
    "markup": json.dumps("<script>alert(1)</script>").encode(),
    "a path": json.dumps("../../../../etc/passwd").encode(),
}


def body_cases(fields: list[str]) -> Iterator[Request]:
    yield Request("an empty JSON body")
    yield Request("truncated JSON", b'{"a": ')
    yield Request("JSON null", b"null")
    yield Request("a JSON array", b"[1, 2, 3]")
    yield Request("a JSON string", b'"x"')
    yield Request("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000)
    yield Request("objects nested 20,000 deep", b'{"a":' * 20_000 + b"1" + b"}" * 20_000)
    yield Request("bytes that are not UTF-8", b'{"a": "\xff\xfe\xc0"}')
    yield Request("a byte-order mark", b'\xef\xbb\xbf{"a": 1}')
    yield Request("UTF-16", '{"a": 1}'.encode("utf-16"))
    yield Request("NaN and Infinity", b'{"a": NaN, "b": Infinity}')
    yield Request("duplicate keys", b'{"a": 1, "a": 2}')
    yield Request("XML", b"<?xml version='1.0'?><a/>", "application/xml")
    yield Request("plain text", b"hello", "text/plain")
    yield Request("no content type", b'{"a": 1}', None)
    yield Request("a content type with a bad charset", b'{"a": 1}', "application/json; charset=klingon")
    yield Request("a form with bad percent-encoding", b"a=%ff%fe%zz&b=%", "application/x-www-form-urlencoded")
    yield Request("multipart without a boundary", b"--x\r\n\r\n", "multipart/form-data")
    yield Request("multipart that never ends", b"--corpus-boundary\r\nContent-Disposition: form-data", MULTIPART)
    yield Request(
        "multipart with a bad header", b"--corpus-boundary\r\n\xff\xfe: x\r\n\r\n1\r\n--corpus-boundary--", MULTIPART
    )
    for field in fields:
        for what, value in WRONG_VALUES.items():
            yield Request(f"{field} as {what}", b'{"' + field.encode() + b'": ' + value + b"}")
            if what in ("a lone surrogate", "a NUL character", "100,000 characters", "a path"):
                form = field.encode() + b"=" + json.loads(value).encode("utf-8", "surrogatepass")
                yield Request(f"{field} as {what} in a form", form, "application/x-www-form-urlencoded")


def file_cases() -> Iterator[Request]:
    def upload(what: str, filename: str | None, content: bytes, kind: bytes = b"id_card_front") -> Request:
        return Request(what, multipart([("kind", None, kind), ("file", filename, content)]), MULTIPART)

    yield upload("an empty file", "a.jpg", b"")
    yield upload("HTML named .jpg", "a.jpg", b"<html><script>alert(1)</script></html>")
    yield upload("a truncated JPEG", "a.jpg", JPEG[: len(JPEG) // 3])
    yield upload("a JPEG with garbage in the middle", "a.jpg", JPEG[:2000] + b"\x00" * 5000 + JPEG[7000:])
    yield upload("a PDF that is only a header", "a.pdf", b"%PDF-1.7\n%%EOF")
    yield upload("a ZIP named .pdf", "a.pdf", b"PK\x03\x04" + b"\x00" * 100)
    yield upload("a path as the file name", "../../../../etc/passwd", JPEG)
    yield upload("a NUL in the file name", "a\x00.jpg", JPEG)
    yield upload("a file name of 5,000 characters", "长" * 5000 + ".jpg", JPEG)
    yield upload("no file name", None, JPEG)
    yield upload("an unknown kind", "a.jpg", JPEG, kind=b"passport_of_mars")
    yield upload("a kind that is not UTF-8", "a.jpg", JPEG, kind=b"\xff\xfe")
    yield Request("two files in one field", multipart([("file", "a.jpg", JPEG), ("file", "b.jpg", JPEG)]), MULTIPART)
    yield Request("a file where a field is", multipart([("kind", "kind.txt", b"id_card_front")]), MULTIPART)


def header_cases() -> Iterator[Request]:
    yield Request("no Authorization header", b"{}", token=None)
    yield Request("a Bearer without a token", b"{}", headers=(("Authorization", "Bearer"),), token=None)
    yield Request("a forged token", b"{}", headers=(("Authorization", "Bearer a.b.c"),), token=None)
    yield Request(
        "a token signed with none", b"{}", headers=(("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30."),), token=None
    )
    yield Request("Basic credentials", b"{}", headers=(("Authorization", "Basic YWRtaW46YWRtaW4="),), token=None)
    yield Request(
        "a token of 20,000 characters",
        b"{}",
        headers=(("Authorization", "Bearer " + "a" * 20_000),),
        token=None,
        protocol=True,
    )
    yield Request("an Idempotency-Key of 5,000 characters", b"{}", headers=(("Idempotency-Key", "k" * 5000),))
    yield Request(
        "an Idempotency-Key with control characters",
        b"{}",
        headers=(("Idempotency-Key", "a\x01b\x7f"),),
        protocol=True,
    )
    yield Request("a Latin-1 Idempotency-Key", b"{}", headers=(("Idempotency-Key", "clé-ÿ"),))
    yield Request("a hostile Accept-Language", b"{}", headers=(("Accept-Language", "zz-ZZ;q=abc, *;q=-1"),))
    yield Request("an Accept nobody serves", b"{}", headers=(("Accept", "application/x-klingon"),))
    yield Request("a forged X-Forwarded-For", b"{}", headers=(("X-Forwarded-For", "not-an-ip, ::::, 999.1.1.1"),))
    yield Request("a wrong role's token", b"{}", token="expert")
    yield Request("an officer's token", b"{}", token="officer")


def send(populated: Populated, method: str, path: str, case: Request) -> tuple[int, bytes, str]:
    url = urlsplit(populated.base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.putrequest(method.upper(), path, skip_accept_encoding=True)
        if case.content_type is not None:
            connection.putheader("Content-Type", case.content_type)
        if case.token is not None:
            connection.putheader("Authorization", f"Bearer {getattr(populated, case.token)}")
        for name, value in case.headers:
            connection.putheader(name, value.encode("latin-1"))
        connection.putheader("Content-Length", str(len(case.body)))
        connection.endheaders(case.body)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        connection.close()


def concrete(path: str, populated: Populated) -> str:
    """The path with real ids where the populated server has them, a well-formed unknown id elsewhere."""
    if path.startswith("/api/v1/applications/{id}"):
        path = path.replace("{id}", populated.application).replace("{document_id}", populated.document)
    return path.replace("{id}", str(uuid.uuid4()) if "applications" in path or "certificates" in path else "1")


@pytest.mark.parametrize(("method", "path"), write_operations(), ids=lambda value: value)
def test_no_malformed_request_gets_a_server_error(populated, method, path):
    cases = [*body_cases(fields_of(method, path)), *header_cases()]
    if "multipart/form-data" in SCHEMA["paths"][path][method].get("requestBody", {}).get("content", {}):
        cases += list(file_cases())
    failures = []
    for case in cases:
        status, body, content_type = send(populated, method, concrete(path, populated), case)
        if status >= 500:
            failures.append(f"{case.what}: {status} {body[:300]!r}")
        elif case.protocol:
            if status < 400:
                failures.append(f"{case.what}: accepted ({status})")
        elif status >= 400 and content_type.startswith("application/json") and b"Traceback" in body:
            failures.append(f"{case.what}: a traceback in the answer")
        elif status >= 400 and status != 405 and not content_type.startswith("application/problem+json"):
            if not content_type.startswith("application/json") or b'"status"' not in body:
                failures.append(f"{case.what}: {status} not in the error format ({content_type}) {body[:200]!r}")
    assert not failures, f"{method.upper()} {path}:\n" + "\n".join(failures)
