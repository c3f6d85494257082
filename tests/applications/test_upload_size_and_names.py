"""Upload checks: empty and oversized files, sanitized file names, and oversized requests stopped by
`LimitedUploadHandler` while they stream."""

from __future__ import annotations

import io
import os

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.core.handlers.exception import response_for_exception
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.test import RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.domain import InvalidInput, PayloadTooLarge
from config.uploads import LimitedUploadHandler, UploadTooLarge, sanitize_filename, upload_check
from tests.applications.upload_helpers import jpeg_bytes, png_bytes, refusal

MiB = 1024 * 1024


# --- size -----------------------------------------------------------------------------------------


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.jpg", b""))

    assert refusal(exc_info) == ("file_empty", "file")


def test_twelve_megabyte_file_is_refused_as_payload_too_large():
    upload = TemporaryUploadedFile("scan.jpg", "image/jpeg", 12 * MiB, None)
    try:
        upload.write(jpeg_bytes())
        upload.write(b"\0" * (12 * MiB - upload.tell()))
        upload.seek(0)

        with pytest.raises(PayloadTooLarge) as exc_info:
            upload_check(file=upload)

        assert exc_info.value.status_code == 413
        assert refusal(exc_info) == ("file_too_large", "file")
        assert "不能超过10MB" in exc_info.value.message
    finally:
        upload.close()


def test_file_larger_than_its_declared_size_is_refused_while_streaming():
    upload = SimpleUploadedFile("scan.png", png_bytes() + b"\0" * 5000)
    upload.size = 10  # a lying size must not let the content through

    with pytest.raises(PayloadTooLarge):
        upload_check(file=upload, max_bytes=1000)


def test_max_bytes_overrides_the_setting():
    with pytest.raises(PayloadTooLarge):
        upload_check(file=SimpleUploadedFile("scan.png", png_bytes()), max_bytes=10)


# --- file names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("../../etc/passwd", "passwd", id="unix-traversal"),
        pytest.param("..\\..\\windows\\x.jpg", "x.jpg", id="windows-traversal"),
        pytest.param("\x00evil.pdf", "evil.pdf", id="nul"),
        pytest.param("scan\r\n\t.pdf", "scan.pdf", id="control-characters"),
        pytest.param("身份证正面.jpg", "身份证正面.jpg", id="chinese"),
        pytest.param(".hidden", "hidden", id="leading-dot"),
        pytest.param("..", "upload", id="only-dots"),
        pytest.param("", "upload", id="empty"),
        pytest.param("\x00\x01/", "upload", id="nothing-left"),
        pytest.param("report\u202egpj.exe", "reportgpj.exe", id="right-to-left-override"),
        pytest.param('C:\\a<b>"c".jpg', "a_b__c_.jpg", id="windows-reserved"),
        pytest.param("e\u0301.jpg", "\u00e9.jpg", id="nfc"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw) == expected


def test_sanitize_filename_limits_long_names_to_120_characters_keeping_the_extension():
    name = sanitize_filename("病" * 300 + ".pdf")

    assert len(name) == 120
    assert name == "病" * 116 + ".pdf"


# --- oversized requests (LimitedUploadHandler) ----------------------------------------------------


SMALL_LIMIT = 1024  # cut-off is this + 1 MiB, so the requests below stay small


def multipart_request(file_bytes: int):
    body = {"kind": "id_card_front", "file": SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"\0" * file_bytes)}
    return RequestFactory().post("/upload/", data=body)


class UploadView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    def post(self, request):
        return Response({"size": request.data["file"].size})


@override_settings(UPLOAD_MAX_FILE_BYTES=SMALL_LIMIT)
def test_upload_handler_stops_django_multipart_parser_past_the_cutoff():
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("scan.jpg", b"\0" * 2 * MiB)})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [LimitedUploadHandler(), MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    stream = io.BytesIO(body)

    with pytest.raises(UploadTooLarge) as exc_info:
        DjangoMultiPartParser(meta, stream, handlers).parse()

    assert (exc_info.value.status_code, exc_info.value.code) == (413, "file_too_large")
    assert stream.tell() < SMALL_LIMIT + MiB + 2 * 64 * 1024  # stopped reading near the cut-off


@override_settings(UPLOAD_MAX_FILE_BYTES=SMALL_LIMIT)
def test_oversized_upload_gets_a_413_problem_body_from_a_drf_view():
    response = UploadView.as_view()(multipart_request(2 * MiB))
    response.render()

    assert response.status_code == 413
    assert response.data["type"] == "file_too_large"
    assert response.data["errors"] == [{"field": "file", "code": "file_too_large", "message": response.data["detail"]}]


@override_settings(UPLOAD_MAX_FILE_BYTES=SMALL_LIMIT)
def test_upload_under_the_cutoff_reaches_the_view():
    response = UploadView.as_view()(multipart_request(MiB))  # over the limit, under limit + 1 MiB

    assert response.status_code == 200
    assert response.data["size"] == MiB + 3


@override_settings(UPLOAD_MAX_FILE_BYTES=SMALL_LIMIT, FILE_UPLOAD_MAX_MEMORY_SIZE=1)
def test_oversized_upload_leaves_no_partial_temporary_file():
    request = multipart_request(2 * MiB)

    with pytest.raises(UploadTooLarge):
        request.POST

    partial = request.upload_handlers[-1].file
    assert partial.closed
    assert not os.path.exists(partial.temporary_file_path())


@override_settings(UPLOAD_MAX_FILE_BYTES=SMALL_LIMIT)
def test_oversized_upload_read_outside_drf_is_a_400_not_a_500():
    request = multipart_request(2 * MiB)

    with pytest.raises(UploadTooLarge) as exc_info:
        request.POST  # what the CSRF middleware does on admin forms

    assert isinstance(exc_info.value, SuspiciousOperation)
    assert response_for_exception(request, exc_info.value).status_code == 400
