"""Upload checks: broken or hostile images (truncated, bad checksums, decompression bombs) and broken,
encrypted or empty PDFs are refused, never crash."""

from __future__ import annotations

import io
import os
import time
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image, ImageFile
from pypdf import PdfWriter

from config.domain import InvalidInput
from config.uploads import upload_check
from tests.applications.upload_helpers import bomb_png, encrypted_pdf_bytes, jpeg_bytes, pdf_bytes, png_bytes, refusal

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
