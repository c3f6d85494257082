"""亲情账户: binding needs the member's code, stops at five, either side unbinds; a bound member's
application belongs to the member, the family account files and follows it and gets its messages;
a member without an account later claims the one made for them."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import FamilyLink, User
from applications.models import Application
from config.sms import LocMemSmsBackend
from notifications.models import Notification, NotificationKind
from notifications.services import notification_send
from tests.api import bearer_client, register
from tests.factories import DiseaseFactory, HospitalFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db
MOTHER = {"name": "王秀英", "id_number": make_id_number("620902", dt.date(1948, 3, 2), 51), "phone": "13700000001"}


def add(client: APIClient, member: dict, relationship: str = "父母"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/family/", {**member, "relationship": relationship}, format="json")


def code_to(phone: str) -> str:
    texts = [text for to, text in LocMemSmsBackend.outbox if to == phone and "亲情账户" in text]
    return texts[-1].split("验证码")[1][:6]


def confirm(client: APIClient, link_id: int, code: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/family/{link_id}/confirm/", {"code": code}, format="json")


@pytest.fixture
def son():
    return UserFactory(username="son", name="李明", phone="13900000009")


@pytest.fixture
def bound(son):
    client = bearer_client(son)
    link = add(client, MOTHER).json()
    assert confirm(client, link["id"], code_to(MOTHER["phone"])).status_code == 200
    return client, link


def test_binding_needs_the_members_code(son):
    client = bearer_client(son)
    created = add(client, MOTHER)
    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert created.json()["name"] == "王*英" and created.json()["role"] == "owner"
    link_id = created.json()["id"]
    right = code_to(MOTHER["phone"])
    wrong = confirm(client, link_id, "000000" if right != "000000" else "111111")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "code"
    consent = [text for to, text in LocMemSmsBackend.outbox if to == MOTHER["phone"]][-1]
    assert "李*（手机尾号0009）申请将您添加为亲情账户家庭成员" in consent
    assert confirm(client, link_id, right).json()["status"] == "bound"


def test_an_existing_account_consents_on_its_own_phone_whatever_phone_is_typed(son):
    mother = UserFactory(name="王秀英", id_number=MOTHER["id_number"], phone="13700000002")
    LocMemSmsBackend.outbox.clear()
    assert add(bearer_client(son), {**MOTHER, "phone": "13900000009"}).status_code == 201
    assert [phone for phone, _ in LocMemSmsBackend.outbox] == [mother.phone]


def test_five_members_at_most(son):
    client = bearer_client(son)
    for n in range(5):
        person = {
            "name": "王芳",
            "id_number": make_id_number("620902", dt.date(1950, 1, 1), n),
            "phone": f"1370000010{n}",
        }
        assert add(client, person, "其他亲属").status_code == 201
    sixth = {"name": "王芳", "id_number": make_id_number("620902", dt.date(1950, 1, 1), 9), "phone": "13700000119"}
    response = add(client, sixth, "其他亲属")
    assert response.status_code == 409 and response.json()["type"] == "family_limit"
    wrong_word = add(client, sixth, "朋友").json()["errors"][0]
    assert (wrong_word["field"], wrong_word["code"]) == ("relationship", "relationship_invalid")
    assert "配偶" in wrong_word["message"] and "其他亲属" in wrong_word["message"]


def test_a_bound_members_application_is_the_members_and_the_family_account_follows_it(bound, son, settings):
    client, link = bound
    settings.SMS_CODE_RESEND_SECONDS = 0  # her registration code follows the consent code at once
    disease, hospital = DiseaseFactory(), HospitalFactory(level=3)
    body = {
        "disease_code": disease.code,
        "diagnosis_date": "2026-06-01",
        "diagnosing_hospital": hospital.code,
        "designated_points": [hospital.code],
        "for_person": {"family_member": link["id"]},
    }
    created = client.post("/api/v1/applications/", body, format="json")
    assert created.status_code == 201, created.json()
    application = Application.objects.get(pk=created.json()["id"])
    mother = User.objects.get(id_number=MOTHER["id_number"])
    assert application.applicant == mother and application.channel == "family"
    assert created.json()["channel"] == "family" and created.json()["events"][0]["actor"] == "家属（亲情账户）"
    listed = client.get("/api/v1/applications/").json()["results"]
    assert [(a["id"], a["channel"], a["applicant_name"]) for a in listed] == [(str(application.pk), "family", "王秀英")]

    notification_send(
        user=mother,
        kind=NotificationKind.ACCEPTED,
        params={"reference": application.reference, "working_days": 20, "deadline": dt.date(2026, 12, 30)},
        dedupe_key="accepted",
        application=application,
    )
    assert set(Notification.objects.filter(dedupe_key="accepted").values_list("user_id", flat=True)) == {
        mother.pk,
        son.pk,
    }

    # The mother, who had no account, claims the one made for her by registering on her phone.
    registered = register(APIClient(), {"username": "wangxiuying", "password": "S3cure-pass-2026", **MOTHER})
    assert registered.status_code == 201
    assert User.objects.get(username="wangxiuying") == mother
    her_client = APIClient()
    tokens = her_client.post(
        "/api/v1/auth/token/", {"username": "wangxiuying", "password": "S3cure-pass-2026"}, format="json"
    ).json()
    her_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert [a["id"] for a in her_client.get("/api/v1/applications/").json()["results"]] == [str(application.pk)]
    # She unbinds from her side: her son no longer follows her case.
    assert her_client.delete(f"/api/v1/family/{link['id']}/").status_code == 204
    assert client.get(f"/api/v1/applications/{application.pk}/").status_code == 404


def test_an_unconfirmed_member_cannot_be_filed_for(son):
    client = bearer_client(son)
    link = add(client, MOTHER).json()
    disease, hospital = DiseaseFactory(), HospitalFactory(level=3)
    body = {
        "disease_code": disease.code,
        "diagnosis_date": "2026-06-01",
        "diagnosing_hospital": hospital.code,
        "for_person": {"family_member": link["id"]},
    }
    assert client.post("/api/v1/applications/", body, format="json").status_code == 404
    assert not FamilyLink.objects.filter(status="bound").exists()


def test_officers_see_the_links_in_the_admin_and_cannot_make_one(bound, client):
    from tests.reviews.review_helpers import officer

    client.force_login(officer())
    page = client.get("/admin/accounts/familylink/")
    assert page.status_code == 200 and "父母" in page.content.decode()
    assert client.get("/admin/accounts/familylink/add/").status_code == 403


def test_the_family_account_reads_the_members_scans_and_the_read_is_logged(bound):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.upload_helpers import png_bytes

    client, link = bound
    disease, hospital = DiseaseFactory(), HospitalFactory(level=3)
    body = {
        "disease_code": disease.code,
        "diagnosis_date": "2026-06-01",
        "diagnosing_hospital": hospital.code,
        "for_person": {"family_member": link["id"]},
    }
    application_id = client.post("/api/v1/applications/", body, format="json").json()["id"]
    scan = SimpleUploadedFile("id.png", png_bytes(), "image/png")
    document = client.post(
        f"/api/v1/applications/{application_id}/documents/", {"kind": "id_card_front", "file": scan}, format="multipart"
    ).json()
    assert client.get(document["file_url"]).status_code == 200
    record = client.get(f"/api/v1/applications/{application_id}/access-log/").json()["results"]
    assert [(r["role"], r["institution"]) for r in record] == [("family", "亲情账户")]


def test_a_wrong_phone_typed_by_someone_else_cannot_keep_the_person_from_registering(son, settings):
    settings.SMS_CODE_RESEND_SECONDS = 0
    add(bearer_client(son), {**MOTHER, "phone": "13700000099"})  # a wrong phone: the link stays pending
    registered = register(APIClient(), {"username": "wangxiuying", "password": "S3cure-pass-2026", **MOTHER})
    assert registered.status_code == 201
    mother = User.objects.get(id_number=MOTHER["id_number"])
    assert (mother.username, mother.phone) == ("wangxiuying", MOTHER["phone"])
    assert FamilyLink.objects.get().status == "pending"  # the pending link now needs a code to her own phone


def test_a_case_filed_for_the_person_is_claimed_only_on_the_phone_given_with_it(bound, settings):
    client, link = bound
    disease, hospital = DiseaseFactory(), HospitalFactory(level=3)
    body = {
        "disease_code": disease.code,
        "diagnosis_date": "2026-06-01",
        "diagnosing_hospital": hospital.code,
        "for_person": {"family_member": link["id"]},
    }
    assert client.post("/api/v1/applications/", body, format="json").status_code == 201
    settings.SMS_CODE_RESEND_SECONDS = 0
    other_phone = {**MOTHER, "phone": "13700000088"}
    registered = register(APIClient(), {"username": "impostor", "password": "S3cure-pass-2026", **other_phone})
    assert registered.status_code == 201  # the same answer, and nothing was taken over
    assert not User.objects.filter(username="impostor").exists()
    assert not User.objects.get(id_number=MOTHER["id_number"]).has_usable_password()


def test_no_reset_code_for_an_account_made_for_the_person(bound):
    LocMemSmsBackend.outbox.clear()
    response = APIClient().post("/api/v1/auth/sms-code/", {"phone": MOTHER["phone"], "purpose": "reset"}, format="json")
    assert response.status_code == 202 and LocMemSmsBackend.outbox == []


def test_staff_accounts_bind_no_family_members(son):
    staff = bearer_client(UserFactory(is_staff=True, id_number=""))
    response = add(staff, MOTHER)
    assert response.status_code == 403 and not FamilyLink.objects.exists()
