"""A family member without a phone consents on paper: the account uploads the member's signed
authorisation (授权委托书), an officer opens it (the read is logged) and confirms the binding; no code
goes anywhere and a code cannot bind such a member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import FamilyLink
from applications.models import DocumentAccess
from config.sms import LocMemSmsBackend
from tests.api import bearer_client
from tests.applications.upload_helpers import png_bytes
from tests.factories import UserFactory, make_id_number
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
GRANDMOTHER = {"name": "马玉兰", "id_number": make_id_number("620902", dt.date(1939, 8, 9), 42), "phone": ""}


@pytest.fixture
def owner():
    return bearer_client(UserFactory(username="grandson", name="马强", phone="13900000031"))


@pytest.fixture
def link(owner):
    LocMemSmsBackend.outbox.clear()
    response = owner.post("/api/v1/family/", {**GRANDMOTHER, "relationship": "祖父母或外祖父母"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def upload(client, link_id: int, content: bytes | None = None, name: str = "授权委托书.png"):  # type: ignore[no-untyped-def]
    scan = SimpleUploadedFile(name, content if content is not None else png_bytes(), "image/png")
    return client.post(f"/api/v1/family/{link_id}/authorisation/", {"file": scan}, format="multipart")


def test_a_member_without_a_phone_gets_no_code_and_cannot_be_bound_by_one(owner, link):
    assert link["consent_by"] == "authorisation" and link["status"] == "pending"
    assert LocMemSmsBackend.outbox == []
    refused = owner.post(f"/api/v1/family/{link['id']}/confirm/", {"code": "123456"}, format="json")
    assert refused.status_code == 409 and refused.json()["type"] == "family_consent_by_authorisation"
    assert FamilyLink.objects.get().status == "pending"


def test_the_uploaded_authorisation_waits_for_an_officer_who_binds(owner, link, client):
    uploaded = upload(owner, link["id"])
    assert uploaded.status_code == 200, uploaded.json()
    assert uploaded.json()["status"] == "awaiting_officer"
    assert "file" not in uploaded.json() and "authorisation" not in uploaded.json()  # no public file URL
    checker = officer(username="checker")
    client.force_login(checker)
    changelist = client.get("/admin/accounts/familylink/")
    assert "待经办人员核实授权书" in changelist.content.decode()
    stored = FamilyLink.objects.get()
    read = client.get(f"/admin/accounts/familylink/{stored.pk}/authorisation/")
    assert read.status_code == 200 and b"".join(read.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    access = DocumentAccess.objects.get(family_link=stored)
    assert (access.user, access.role, access.document_id, access.application_id) == (checker, "officer", None, None)
    confirmed = client.post(
        "/admin/accounts/familylink/",
        {"action": "confirm_authorisation", "_selected_action": [stored.pk]},
    )
    assert confirmed.status_code == 302
    stored.refresh_from_db()
    assert (stored.status, stored.confirmed_by, stored.bound_at is not None) == ("bound", checker, True)
    assert owner.get("/api/v1/family/").json()[0]["status"] == "bound"


def test_only_officers_open_or_confirm_an_authorisation(owner, link, client):
    assert upload(owner, link["id"]).status_code == 200
    stored = FamilyLink.objects.get()
    client.force_login(UserFactory(is_staff=True, id_number="", username="someone"))
    assert client.get(f"/admin/accounts/familylink/{stored.pk}/authorisation/").status_code in (403, 404)
    from accounts.family import family_authorisation_confirm
    from config.domain import Forbidden

    with pytest.raises(Forbidden):
        family_authorisation_confirm(link=stored, officer=UserFactory(is_staff=True, id_number=""))
    stored.refresh_from_db()
    assert stored.status == "awaiting_officer" and not DocumentAccess.objects.exists()


def test_an_authorisation_is_checked_like_every_upload_and_a_new_one_replaces_the_old(owner, link):
    damaged = upload(owner, link["id"], content=b"\x89PNG\r\n\x1a\nnot really an image")
    assert damaged.status_code == 400 and damaged.json()["errors"][0]["field"] == "file"
    assert FamilyLink.objects.get().status == "pending"
    assert upload(owner, link["id"]).status_code == 200
    first = FamilyLink.objects.get().authorisation.name
    assert upload(owner, link["id"]).status_code == 200
    second = FamilyLink.objects.get().authorisation
    assert second.name != first and not second.storage.exists(first)


def test_a_member_with_a_phone_consents_by_code_not_on_paper(owner):
    with_phone = {**GRANDMOTHER, "phone": "13700000042"}
    link = owner.post("/api/v1/family/", {**with_phone, "relationship": "祖父母或外祖父母"}, format="json").json()
    assert link["consent_by"] == "sms"
    refused = upload(owner, link["id"])
    assert refused.status_code == 409 and refused.json()["type"] == "family_consent_by_sms"
    other = bearer_client(UserFactory(username="stranger"))
    assert upload(other, link["id"]).status_code == 404


def test_one_authorisation_file_per_upload(owner, link):
    files = [SimpleUploadedFile(f"{n}.png", png_bytes(), "image/png") for n in ("a", "b")]
    refused = owner.post(f"/api/v1/family/{link['id']}/authorisation/", {"file": files}, format="multipart")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "file"
    assert FamilyLink.objects.get().status == "pending"
