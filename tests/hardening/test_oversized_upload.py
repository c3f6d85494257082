"""An oversized upload still gets its answer: through a real HTTP server (gunicorn, keep-alive), an
11 MB or a 40 MB file is answered 413 with the Chinese message (the rest of the body is read and
discarded, not left in the connection: without that, the 40 MB client's send fails with a broken
pipe), and the same connection serves the next request."""

from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from tests.hardening.conftest import Populated

pytestmark = pytest.mark.xdist_group("bad-input-corpus")  # the populated server of that module's worker


def multipart(size: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nmedical_record\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + b"%PDF-1.4\n" + b"0" * size + f"\r\n--{boundary}--\r\n".encode(), boundary


@pytest.mark.parametrize("size", [11 * 1024 * 1024, 40 * 1024 * 1024], ids=["11MB", "40MB"])
def test_an_oversized_upload_is_answered_413_and_the_connection_goes_on(populated: Populated, size: int):
    url = urlsplit(populated.base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body, boundary = multipart(size)
    connection.request(
        "POST",
        f"/api/v1/applications/{populated.application}/documents/",
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {populated.applicant}",
        },
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    assert response.status == 413
    assert answer["status"] == 413 and "文件过大" in answer["detail"]

    connection.request("GET", "/api/v1/diseases/")  # the same connection
    again = connection.getresponse()
    assert again.status == 200 and json.loads(again.read())
    connection.close()
