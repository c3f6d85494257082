import io
import os

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from accounts.roles import OFFICERS
from applications.models import Application, ApplicationStatus, Document, DocumentAccess
from tests.api import bearer_client
from tests.factories import UserFactory
from tests.reviews.review_helpers import officer
from tests.samples import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def upload(client, application_id, content, name="scan.png", kind="id_card_front", **extra):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="image/png"), **extra}
    return client.post(f"/api/v1/applications/{application_id}/documents/", data, format="multipart")


def error(response):
    body = response.json()
    assert body["status"] == response.status_code
    return body["errors"][0] if body.get("errors") else body


def test_upload_png_is_stored_privately_under_generated_name(client, draft):
    response = upload(client, draft["id"], png_bytes(), name="身份证正面.png")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "身份证正面.png"
    assert body["content_type"] == "image/png"
    document = Document.objects.get(pk=body["id"])
    assert "身份证" not in document.file.name
    assert document.file.name.startswith(f"documents/{draft['id']}/")
    assert body["file_url"] == f"/api/v1/applications/{draft['id']}/documents/{body['id']}/file/"


def test_medical_document_keeps_issue_date_and_hospital(client, draft, hospital):
    response = upload(
        client,
        draft["id"],
        pdf_bytes(),
        name="诊断证明.pdf",
        kind="diagnosis_certificate",
        issued_on="2026-06-01",
        hospital=hospital.code,
    )
    assert response.status_code == 201
    assert response.json()["issued_on"] == "2026-06-01"
    assert response.json()["hospital"] == hospital.code


def test_unknown_hospital_on_document_is_refused(client, draft):
    response = upload(client, draft["id"], pdf_bytes(), kind="diagnosis_certificate", hospital="H-NOPE")
    assert response.status_code == 400
    assert error(response)["field"] == "hospital"


def test_executable_renamed_jpg_is_refused(client, draft):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    response = upload(client, draft["id"], elf, name="photo.jpg")
    assert response.status_code == 400
    assert error(response)["field"] == "file"
    assert error(response)["code"] == "file_type_not_allowed"


def test_html_named_png_is_refused(client, draft):
    response = upload(client, draft["id"], b"<!DOCTYPE html><script>alert(1)</script>", name="scan.png")
    assert response.status_code == 400
    assert error(response)["code"] == "file_type_not_allowed"


def test_corrupt_pdf_is_refused(client, draft):
    response = upload(client, draft["id"], pdf_bytes()[:60], name="report.pdf")
    assert response.status_code == 400
    assert error(response)["code"] == "pdf_corrupt"


def test_encrypted_pdf_is_refused(client, draft):
    response = upload(client, draft["id"], pdf_bytes(password="secret"), name="report.pdf")
    assert response.status_code == 400
    assert error(response)["code"] == "pdf_encrypted"


def test_decompression_bomb_png_is_refused(client, draft):
    import struct
    import zlib

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    width = height = 40000  # 1.6 gigapixels claimed in a file of a few hundred bytes
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )
    response = upload(client, draft["id"], bomb, name="bomb.png")
    assert response.status_code == 400
    assert error(response)["code"] == "image_too_large"


def test_twelve_megabyte_file_is_refused_with_413(client, draft):
    big = png_bytes() + os.urandom(12 * 1024 * 1024)
    response = upload(client, draft["id"], big, name="big.png")
    assert response.status_code == 413
    assert error(response)["field"] == "file"
    assert not Document.objects.exists()


def test_empty_file_is_refused(client, draft):
    response = upload(client, draft["id"], b"", name="empty.pdf")
    assert response.status_code == 400
    assert error(response)["code"] == "file_empty"


def test_unknown_kind_is_refused(client, draft):
    response = upload(client, draft["id"], png_bytes(), kind="passport_photo")
    assert response.status_code == 400
    assert error(response)["field"] == "kind"


def test_missing_file_is_refused(client, draft):
    response = client.post(
        f"/api/v1/applications/{draft['id']}/documents/", {"kind": "id_card_front"}, format="multipart"
    )
    assert response.status_code == 400
    assert error(response)["field"] == "file"


def test_path_trick_file_name_is_kept_as_data_and_stored_safely(client, draft):
    response = upload(client, draft["id"], png_bytes(), name="../../../etc/passwd.png")
    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    assert "/" not in document.original_name and ".." not in document.original_name
    assert ".." not in document.file.name and "passwd" not in document.file.name
    assert os.path.realpath(document.file.path).startswith(os.path.realpath(document.file.storage.location))


def test_duplicate_upload_within_application_is_flagged(client, draft):
    first = upload(client, draft["id"], jpeg_bytes(), name="a.jpg").json()
    second = upload(client, draft["id"], jpeg_bytes(), name="b.jpg", kind="id_card_back").json()
    assert second["duplicate_of"] == first["id"]
    assert first["duplicate_of"] is None


@override_settings(UPLOAD_MAX_APPLICATION_BYTES=150_000)
def test_per_application_quota(client, draft):
    payload = png_bytes() + b"\x00" * 100_000  # a valid PNG with trailing bytes
    assert upload(client, draft["id"], payload).status_code == 201
    response = upload(client, draft["id"], payload + b"\x01")
    assert response.status_code == 413
    assert error(response)["code"] == "application_quota_exceeded"


def test_upload_refused_after_submit(client, draft):
    client.post(f"/api/v1/applications/{draft['id']}/submit/")
    Application.objects.filter(pk=draft["id"]).update(status=ApplicationStatus.UNDER_REVIEW)
    response = upload(client, draft["id"], png_bytes())
    assert response.status_code == 409
    assert error(response)["type"] == "documents_locked"


def test_upload_allowed_while_needs_supplement(client, draft):
    Application.objects.filter(pk=draft["id"]).update(status=ApplicationStatus.NEEDS_SUPPLEMENT)
    assert upload(client, draft["id"], png_bytes()).status_code == 201


def test_other_applicant_cannot_upload_list_download_or_delete(client, other_client, draft):
    document = upload(client, draft["id"], png_bytes()).json()
    base = f"/api/v1/applications/{draft['id']}/documents/"
    assert upload(other_client, draft["id"], png_bytes()).status_code == 404
    assert other_client.get(base).status_code == 404
    assert other_client.get(f"{base}{document['id']}/file/").status_code == 404
    assert other_client.delete(f"{base}{document['id']}/").status_code == 404
    assert Document.objects.count() == 1
    assert not DocumentAccess.objects.exists()


def test_owner_download_returns_bytes_and_is_logged(client, applicant, draft):
    content = png_bytes()
    document = upload(client, draft["id"], content).json()
    response = client.get(document["file_url"], HTTP_USER_AGENT="pytest-agent")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    access = DocumentAccess.objects.get()
    assert (access.user, access.role, access.document_id) == (applicant, "owner", Document.objects.get().pk)
    assert access.user_agent == "pytest-agent"


def submitted(draft) -> None:  # type: ignore[no-untyped-def]
    Application.objects.filter(pk=draft["id"]).update(submitted_at=timezone.now())


def test_officer_can_download_once_submitted_and_is_logged(client, draft):
    document = upload(client, draft["id"], png_bytes()).json()
    assert bearer_client(officer()).get(document["file_url"]).status_code == 404  # the applicant's own draft
    submitted(draft)
    response = bearer_client(officer()).get(document["file_url"])
    assert response.status_code == 200
    assert DocumentAccess.objects.get().role == "officer"


def test_staff_who_is_no_officer_cannot_download_even_with_the_permission(client, draft):
    document = upload(client, draft["id"], png_bytes()).json()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_document"))
    assert bearer_client(staff).get(document["file_url"]).status_code == 404
    assert not DocumentAccess.objects.exists()


def test_officer_whose_group_lost_the_permission_cannot_download(client, draft):
    document = upload(client, draft["id"], png_bytes()).json()
    submitted(draft)
    Group.objects.get(name=OFFICERS).permissions.remove(Permission.objects.get(codename="view_document"))
    assert bearer_client(officer()).get(document["file_url"]).status_code == 404


def test_delete_document_removes_row_and_bytes(client, draft, django_capture_on_commit_callbacks):
    document = upload(client, draft["id"], png_bytes()).json()
    stored = Document.objects.get(pk=document["id"])
    storage, name = stored.file.storage, stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/applications/{draft['id']}/documents/{document['id']}/")
    assert response.status_code == 204
    assert not Document.objects.exists()
    assert not storage.exists(name)


def test_delete_refused_after_submit(client, draft):
    document = upload(client, draft["id"], png_bytes()).json()
    client.post(f"/api/v1/applications/{draft['id']}/submit/")
    response = client.delete(f"/api/v1/applications/{draft['id']}/documents/{document['id']}/")
    assert response.status_code == 409
    assert Document.objects.count() == 1


def test_documents_appear_in_application_detail(client, draft):
    upload(client, draft["id"], io.BytesIO(png_bytes()).getvalue())
    detail = client.get(f"/api/v1/applications/{draft['id']}/").json()
    assert [d["kind"] for d in detail["documents"]] == ["id_card_front"]
