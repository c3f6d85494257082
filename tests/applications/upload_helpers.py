"""Sample files for the upload-check tests: every sample is generated here, so what each test feeds in
is visible; and `refusal`, the code and field of a refused upload."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from config.domain import InvalidInput


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
