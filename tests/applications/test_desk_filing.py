"""Filing in person: a hospital's 医保办 or a service window looks the person up in the registry and
files for them (the person is the applicant; their signed consent is required); a clerk sees only what
their institution filed; the channel is recorded; the person later registers and sees the case."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from applications.models import Application, DeskPost
from tests.api import bearer_client, register
from tests.applications.check_helpers import ON
from tests.factories import DiseaseFactory, HospitalFactory, InsuredPersonFactory, UserFactory, make_id_number
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
WALK_IN = make_id_number("620902", dt.date(1946, 5, 4), 61)
PHONE = "13700000066"


def desk(hospital=None, username: str = "clerk"):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username, is_staff=True, id_number="", name="医保办一")
    DeskPost.objects.create(user=user, hospital=hospital)
    return bearer_client(user)


@pytest.fixture
def people():
    home, other = HospitalFactory(level=3, name="酒泉市人民医院"), HospitalFactory(level=3, name="玉门市人民医院")
    InsuredPersonFactory(id_number=WALK_IN, name="赵桂兰")
    return {
        "home": home,
        "clerk": desk(home),
        "other_clerk": desk(other, "clerk2"),
        "window": desk(None, "window"),
        "disease": DiseaseFactory(),
    }


def file_for(client: APIClient, people: dict, id_number: str = WALK_IN):  # type: ignore[no-untyped-def]
    body = {
        "disease_code": people["disease"].code,
        "diagnosis_date": str(ON - dt.timedelta(days=30)),
        "diagnosing_hospital": people["home"].code,
        "designated_points": [people["home"].code],
        "for_person": {"id_number": id_number, "phone": PHONE},
    }
    return client.post("/api/v1/applications/", body, format="json")


def test_the_desk_looks_the_person_up_in_the_registry(people):
    found = people["clerk"].get(f"/api/v1/desk/insured/{WALK_IN}/")
    assert found.status_code == 200 and found.json()["name"] == "赵桂兰" and found.json()["has_account"] is False
    assert people["clerk"].get(f"/api/v1/desk/insured/{make_id_number()}/").status_code == 404
    assert bearer_client(UserFactory()).get(f"/api/v1/desk/insured/{WALK_IN}/").status_code == 403


def test_a_clerk_files_for_a_walk_in_person_with_their_consent(people):
    created = file_for(people["clerk"], people)
    assert created.status_code == 201, created.json()
    body = created.json()
    problems = people["clerk"].post(f"/api/v1/applications/{body['id']}/precheck/").json()["problems"]
    application = Application.objects.get(pk=body["id"])
    assert (application.applicant.id_number, application.applicant.name) == (WALK_IN, "赵桂兰")
    assert (application.channel, application.filed_at, application.filed_by.username) == (
        "hospital",
        people["home"],
        "clerk",
    )
    assert body["channel"] == "hospital" and body["events"][0]["actor"] == "酒泉市人民医院医保办"
    assert ("document_missing", ["consent_form"]) in [(p["code"], p["kinds"]) for p in problems]


def test_a_clerk_sees_only_what_their_institution_filed(people):
    application_id = file_for(people["clerk"], people).json()["id"]
    assert people["other_clerk"].get(f"/api/v1/applications/{application_id}/").status_code == 404
    assert people["window"].get(f"/api/v1/applications/{application_id}/").status_code == 404
    assert people["other_clerk"].get("/api/v1/applications/").json()["results"] == []
    assert [a["id"] for a in people["clerk"].get("/api/v1/applications/").json()["results"]] == [application_id]


def test_a_window_files_too_and_the_person_later_sees_it_in_their_own_account(people, settings):
    created = file_for(people["window"], people)
    assert created.status_code == 201 and created.json()["channel"] == "window"
    assert created.json()["events"][0]["actor"] == "医保经办窗口"
    settings.SMS_CODE_RESEND_SECONDS = 0
    person = {"username": "zhaoguilan", "password": "S3cure-pass-2026", "name": "赵桂兰", "id_number": WALK_IN}
    assert register(APIClient(), {**person, "phone": PHONE}).status_code == 201
    client = APIClient()
    tokens = client.post("/api/v1/auth/token/", {"username": "zhaoguilan", "password": "S3cure-pass-2026"}).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert [a["id"] for a in client.get("/api/v1/applications/").json()["results"]] == [created.json()["id"]]


def test_only_registered_people_and_only_desk_staff(people):
    refused = file_for(people["clerk"], people, id_number=make_id_number())
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "for_person.id_number"
    assert file_for(bearer_client(officer()), people).status_code == 403


def test_the_clerks_reads_of_the_scans_are_in_the_persons_access_record(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.applications.upload_helpers import png_bytes

    application_id = file_for(people["clerk"], people).json()["id"]
    upload = people["clerk"].post(
        f"/api/v1/applications/{application_id}/documents/",
        {"kind": "consent_form", "file": SimpleUploadedFile("consent.png", png_bytes(), "image/png")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    read = people["clerk"].get(upload.json()["file_url"])
    assert read.status_code == 200
    assert people["other_clerk"].get(upload.json()["file_url"]).status_code == 404
    applicant = Application.objects.get(pk=application_id).applicant
    record = bearer_client(applicant).get(f"/api/v1/applications/{application_id}/access-log/").json()["results"]
    assert [(r["role"], r["institution"], r["document_kind"]) for r in record] == [
        ("desk", "酒泉市人民医院医保办", "consent_form")
    ]


def test_the_desks_reads_of_the_record_itself_are_in_the_persons_access_record(people):
    application_id = file_for(people["clerk"], people).json()["id"]
    applicant = Application.objects.get(pk=application_id).applicant
    owner = bearer_client(applicant)

    def record() -> list[tuple[str, str, str, str]]:
        rows = owner.get(f"/api/v1/applications/{application_id}/access-log/").json()["results"]
        return [(r["subject"], r["role"], r["institution"], r["document_kind_display"]) for r in rows]

    assert record() == []  # filing it is not a read; the applicant's own reads are not logged either
    assert people["clerk"].get("/api/v1/applications/").status_code == 200
    assert record() == [("record", "desk", "酒泉市人民医院医保办", "申请记录")]
    assert people["clerk"].get(f"/api/v1/applications/{application_id}/").status_code == 200
    assert len(record()) == 2
    assert people["other_clerk"].get(f"/api/v1/applications/{application_id}/").status_code == 404
    assert len(record()) == 2  # a refused read reads nothing
