"""Upload checks: every sample is generated here, so what each test feeds in is visible."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import zlib
from unittest import mock

import pytest
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.core.handlers.exception import response_for_exception
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.test import RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image, ImageFile
from pypdf import PdfWriter
from reportlab.pdfgen import canvas
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.domain import InvalidInput, PayloadTooLarge
from config.uploads import CheckedFile, LimitedUploadHandler, UploadTooLarge, sanitize_filename, upload_check

MiB = 1024 * 1024


# --- sample files ---------------------------------------------------------------------------------


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    # Noise, so the JPEG has real entropy-coded data to truncate.
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for number in range(pages):
        page.drawString(72, 720, f"Diagnosis certificate, page {number + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def encrypted_pdf_bytes(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of all zeros: ~0.1 MB on disk, `width * height` bytes decoded."""
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    block = row * 1000
    idat = b"".join(compressor.compress(block) for _ in range(height // 1000))
    idat += compressor.compress(row * (height % 1000)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def refusal(exc_info: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str | None]:
    exc = exc_info.value
    return exc.code, exc.errors[0]["field"] if exc.errors else None


# --- accepted files -------------------------------------------------------------------------------


def test_valid_jpeg_is_accepted_with_type_size_hash_and_dimensions():
    content = jpeg_bytes(64, 48)

    checked = upload_check(file=SimpleUploadedFile("身份证正面.jpg", content, content_type="image/jpeg"))

    assert checked == CheckedFile(
        content_type="image/jpeg",
        extension="jpg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        original_name="身份证正面.jpg",
        pages=None,
        width=64,
        height=48,
    )


def test_valid_png_is_accepted_with_type_size_hash_and_dimensions():
    content = png_bytes(40, 30)

    checked = upload_check(file=SimpleUploadedFile("scan.png", content, content_type="image/png"))

    assert (checked.content_type, checked.extension) == ("image/png", "png")
    assert (checked.size, checked.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert (checked.width, checked.height, checked.pages) == (40, 30, None)


def test_valid_pdf_is_accepted_with_page_count():
    content = pdf_bytes(pages=3)

    checked = upload_check(file=SimpleUploadedFile("诊断证明.pdf", content, content_type="application/pdf"))

    assert (checked.content_type, checked.extension) == ("application/pdf", "pdf")
    assert (checked.size, checked.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert (checked.pages, checked.width, checked.height) == (3, None, None)


def test_png_named_pdf_and_sent_as_pdf_is_detected_as_png():
    checked = upload_check(file=SimpleUploadedFile("report.pdf", png_bytes(), content_type="application/pdf"))

    assert (checked.content_type, checked.extension) == ("image/png", "png")


def test_pdf_header_after_leading_bytes_within_first_kib_is_accepted():
    checked = upload_check(file=SimpleUploadedFile("scan.pdf", b"\r\n" * 100 + pdf_bytes()))

    assert checked.content_type == "application/pdf"


def test_file_is_left_at_position_zero_after_a_check():
    upload = SimpleUploadedFile("scan.png", png_bytes())
    upload.read(5)

    upload_check(file=upload)

    assert upload.tell() == 0


def test_file_is_left_at_position_zero_after_a_refusal():
    upload = SimpleUploadedFile("scan.png", b"<html></html>")

    with pytest.raises(InvalidInput):
        upload_check(file=upload)

    assert upload.tell() == 0


# --- wrong type, checked by content ---------------------------------------------------------------


def test_elf_executable_renamed_jpg_is_refused():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 56 + os.urandom(2000)

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("photo.jpg", elf, content_type="image/jpeg"))

    assert refusal(exc_info) == ("file_type_not_allowed", "file")
    assert "JPG、PNG或PDF" in exc_info.value.message


def test_html_named_png_is_refused():
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.png", html, content_type="image/png"))

    assert refusal(exc_info) == ("file_type_not_allowed", "file")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(gif_bytes(), id="gif"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', id="svg"),
        pytest.param(b"MZ\x90\x00" + b"\0" * 200, id="windows-exe"),
        pytest.param(b"PK\x03\x04" + b"\0" * 200, id="zip"),
        pytest.param("病历：无".encode(), id="text"),
        pytest.param(b" " * 1024 + b"%PDF-1.7\n", id="pdf-header-after-first-kib"),
    ],
)
def test_other_formats_are_refused_whatever_their_name(content):
    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.jpg", content, content_type="image/jpeg"))

    assert refusal(exc_info) == ("file_type_not_allowed", "file")


# --- broken or hostile images ---------------------------------------------------------------------


def test_truncated_jpeg_is_refused():
    content = jpeg_bytes(200, 200)

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.jpg", content[: len(content) // 2]))

    assert refusal(exc_info) == ("image_corrupt", "file")


def test_png_with_broken_checksum_is_refused():
    content = bytearray(png_bytes())
    content[-20] ^= 0xFF  # inside the IDAT data: its CRC no longer matches

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.png", bytes(content)))

    assert refusal(exc_info) == ("image_corrupt", "file")


def test_decompression_bomb_png_is_refused_quickly_without_decoding_pixels():
    content = bomb_png(30_000, 30_000)  # 900 million pixels in ~0.1 MB
    assert len(content) < 200_000

    started = time.monotonic()
    with (
        mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("pixels decoded")),
        pytest.raises(InvalidInput) as exc_info,
    ):
        upload_check(file=SimpleUploadedFile("scan.png", content))

    assert refusal(exc_info) == ("image_too_large", "file")
    assert time.monotonic() - started < 2


def test_image_over_our_pixel_limit_is_refused_even_with_pillow_limit_disabled(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # some other code turned Pillow's guard off

    with (
        mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("pixels decoded")),
        pytest.raises(InvalidInput) as exc_info,
    ):
        upload_check(file=SimpleUploadedFile("scan.png", bomb_png(30_000, 30_000)))

    assert refusal(exc_info) == ("image_too_large", "file")


@override_settings(UPLOAD_MAX_IMAGE_PIXELS=1000)
def test_image_over_the_configured_pixel_limit_is_refused():
    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.png", png_bytes(40, 30)))  # 1200 pixels

    assert refusal(exc_info) == ("image_too_large", "file")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_where_pillow_would_only_warn_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1200 pixels: warning zone, below 2x

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.png", png_bytes(40, 30)))

    assert refusal(exc_info) == ("image_too_large", "file")


# --- broken, encrypted or empty PDFs --------------------------------------------------------------


def test_truncated_pdf_is_refused():
    content = pdf_bytes(pages=2)

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", content[: int(len(content) * 0.8)]))

    assert refusal(exc_info) == ("pdf_corrupt", "file")


def test_pdf_truncated_after_an_earlier_revision_is_refused():
    # pypdf alone would read the first revision and call this a fine 1-page PDF.
    first = pdf_bytes(pages=1)
    writer = PdfWriter(io.BytesIO(first), incremental=True)
    writer.add_metadata({"/Subject": "x" * 4000})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(first)

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", updated[: len(first) + 3000]))

    assert refusal(exc_info) == ("pdf_corrupt", "file")


def test_pdf_with_garbage_body_is_refused():
    content = b"%PDF-1.7\n" + os.urandom(5000) + b"\n%%EOF\n"

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", content))

    assert refusal(exc_info) == ("pdf_corrupt", "file")


def test_pdf_encrypted_with_a_user_password_is_refused():
    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", encrypted_pdf_bytes(user_password="123456")))

    assert refusal(exc_info) == ("pdf_encrypted", "file")


def test_pdf_encrypted_with_an_empty_user_password_is_refused():
    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", encrypted_pdf_bytes(user_password="")))

    assert refusal(exc_info) == ("pdf_encrypted", "file")


def test_pdf_with_zero_pages_is_refused():
    out = io.BytesIO()
    PdfWriter().write(out)

    with pytest.raises(InvalidInput) as exc_info:
        upload_check(file=SimpleUploadedFile("scan.pdf", out.getvalue()))

    assert refusal(exc_info) == ("pdf_no_pages", "file")


def test_pdf_that_makes_pypdf_raise_anything_is_refused_not_crashed():
    with (
        mock.patch("config.uploads.PdfReader", side_effect=RecursionError("deep nesting")),
        pytest.raises(InvalidInput) as exc_info,
    ):
        upload_check(file=SimpleUploadedFile("scan.pdf", pdf_bytes()))

    assert refusal(exc_info) == ("pdf_corrupt", "file")


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
