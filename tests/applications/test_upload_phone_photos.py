"""Phone photos and long PDFs: HEIC/HEIF (what iPhones take) is accepted, checked like any image and
stored as JPEG; a photo is stored upright and without its EXIF (no GPS position); a PDF over the page
limit is refused, counted page by page without walking a huge file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import NameObject, NumberObject

from applications.models import Document
from config.domain import InvalidInput
from config.uploads import upload_check
from tests.api import bearer_client
from tests.factories import ApplicationFactory

GPS_IFD, ORIENTATION = 0x8825, 0x0112


def photo(format: str, *, size: tuple[int, int] = (40, 20), gps: bool = True, orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, "red")
    exif = image.getexif()
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 44.0, 0.0), 3: "E", 4: (98.0, 29.0, 0.0)})
    exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format=format, exif=exif.tobytes())
    return out.getvalue()


def stored_image(checked) -> Image.Image:  # type: ignore[no-untyped-def]
    return Image.open(io.BytesIO(checked.stored))


def test_a_heic_photo_is_accepted_and_stored_as_jpeg_without_its_gps_position():
    upload = SimpleUploadedFile("IMG_0001.HEIC", photo("HEIF"), content_type="image/heic")
    checked = upload_check(file=upload)
    assert (checked.content_type, checked.extension) == ("image/jpeg", "jpg")
    image = stored_image(checked)
    assert image.format == "JPEG" and image.size == (40, 20)
    assert not image.getexif().get_ifd(GPS_IFD) and GPS_IFD not in image.getexif()
    assert checked.size == len(checked.stored)


def test_a_jpeg_with_a_position_is_stored_without_it_and_upright():
    checked = upload_check(
        file=SimpleUploadedFile("photo.jpg", photo("JPEG", orientation=6), content_type="image/jpeg")
    )
    image = stored_image(checked)
    assert image.size == (20, 40)  # orientation 6: turned a quarter, as the phone showed it
    assert len(image.getexif()) == 0


def test_a_plain_scan_is_stored_as_it_came():
    plain = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(plain, format="JPEG")
    assert upload_check(file=SimpleUploadedFile("scan.jpg", plain.getvalue())).stored is None


def test_a_damaged_heic_is_refused_in_chinese():
    content = photo("HEIF")[:200]
    with pytest.raises(InvalidInput) as refused:
        upload_check(file=SimpleUploadedFile("IMG.HEIC", content))
    assert refused.value.code in ("image_corrupt", "file_type_not_allowed")
    assert "图片" in refused.value.message or "格式" in refused.value.message


def pdf_of(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_over_the_page_limit_is_refused_with_its_limit(settings):
    settings.UPLOAD_MAX_PDF_PAGES = 50
    assert upload_check(file=SimpleUploadedFile("fifty.pdf", pdf_of(50))).pages == 50
    with pytest.raises(InvalidInput) as refused:
        upload_check(file=SimpleUploadedFile("fifty-one.pdf", pdf_of(51)))
    assert refused.value.code == "pdf_too_many_pages" and "50页" in refused.value.message


def test_a_pdf_that_understates_its_page_count_is_counted_for_real(settings):
    settings.UPLOAD_MAX_PDF_PAGES = 50
    writer = PdfWriter()
    for _ in range(60):
        writer.add_blank_page(width=200, height=200)
    writer._root_object["/Pages"].get_object()[NameObject("/Count")] = NumberObject(3)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InvalidInput) as refused:
        upload_check(file=SimpleUploadedFile("liar.pdf", out.getvalue()))
    assert refused.value.code == "pdf_too_many_pages"


@pytest.mark.django_db
def test_the_api_stores_a_heic_upload_as_a_jpeg_document():
    application = ApplicationFactory()
    response = bearer_client(application.applicant).post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"kind": "id_card_front", "file": SimpleUploadedFile("IMG_0001.HEIC", photo("HEIF"))},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/jpeg"
    document = Document.objects.get()
    with document.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG" and GPS_IFD not in image.getexif()
