"""Upload checks: the accepted files (JPEG, PNG, PDF) and what is recorded of them, and files of another
type refused by their content whatever their name."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.domain import InvalidInput
from config.uploads import CheckedFile, upload_check
from tests.applications.upload_helpers import gif_bytes, jpeg_bytes, pdf_bytes, png_bytes, refusal


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
    assert "JPG、PNG、HEIC（手机照片）或PDF" in exc_info.value.message


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
