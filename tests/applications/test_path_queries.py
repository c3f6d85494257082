"""What the applicant's busiest paths cost (issue 16): the queries of create, submit, upload, detail and the
public verify, counted exactly so a regression fails; the cached catalogue look-ups, forgotten on change;
and the verify throttle's single Redis round trip."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from redis.connection import Connection
from rest_framework.test import APIClient

from accounts.models import FamilyLink
from applications.lookups import disease_active_by_code, hospital_by_code, hospitals_by_code
from applications.models import Application, ApplicationStatus, Document
from config.cache import FailOpenRedisCache
from tests.api import bearer_client
from tests.certification.helpers import certified, holder
from tests.factories import ApplicationFactory, DiseaseFactory, DocumentFactory, HospitalFactory, UserFactory
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db
LIST = "/api/v1/applications/"


@pytest.fixture
def warm(disease, hospital):
    """The catalogue look-ups as a running service has them: cached by an earlier request."""
    assert disease_active_by_code(disease.code) == disease
    assert hospital_by_code(hospital.code) == hospital


def create(client, disease, hospital, **extra):
    body = {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code}
    return client.post(LIST, {**body, **extra}, format="json")


def counted(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code < 300, response.content
    return response, len(queries)


def test_create_answers_from_the_row_it_wrote(client, disease, hospital, warm):
    # The user, four checks and writes in two savepoints, and one read back: the new draft's events.
    response, queries = counted(lambda: create(client, disease, hospital))
    assert queries == 10
    body = response.json()
    assert body["documents"] == [] and [(e["from"], e["to"]) for e in body["events"]] == [("", "draft")]
    assert body["disease"] == {"code": disease.code, "name": disease.name}
    assert body["diagnosing_hospital"]["code"] == hospital.code
    assert body == client.get(f"{LIST}{body['id']}/").json()  # what a read of it says, to the letter


def test_submit_reads_the_application_once(client, draft):
    # User, the ownership read (id, applicant, status: the caller's own, so no family query), then the
    # service: lock, last submit, event, update (a savepoint around), and the output's documents and events.
    response, queries = counted(lambda: client.post(f"{LIST}{draft['id']}/submit/"))
    assert queries == 10
    body = response.json()
    assert body["status"] == "submitted" and body["submitted_at"] is not None
    assert [e["to"] for e in body["events"]] == ["draft", "submitted"]
    assert body == client.get(f"{LIST}{draft['id']}/").json()


def test_upload_checks_ownership_without_reading_documents_or_events(client, draft, hospital, warm):
    upload = {"kind": "id_card_front", "file": SimpleUploadedFile("a.png", png_bytes(), "image/png")}
    upload["hospital"] = hospital.code
    # User, the ownership read, then the service: lock, quota, duplicate, insert (a savepoint).
    response, queries = counted(lambda: client.post(f"{LIST}{draft['id']}/documents/", upload, format="multipart"))
    assert queries == 8
    assert Document.objects.get(pk=response.json()["id"]).hospital == hospital


def test_detail_is_one_scoped_read_with_its_documents_and_events(client, draft):
    response, queries = counted(lambda: client.get(f"{LIST}{draft['id']}/"))
    assert queries == 4  # user, the application with its joins, documents, events (own: no family query)
    assert response.json()["id"] == draft["id"]


@pytest.fixture
def pointed(client, disease, hospital):
    """A draft with its designated point chosen."""
    return create(client, disease, hospital, designated_points=[hospital.code]).json()


def test_precheck_reads_what_the_rules_read_and_nothing_twice(client, pointed, warm):
    # User, the application with its applicant, disease and hospital, its documents, the insured person
    # and the duplicate questions (one query); the designated points from the hospital cache.
    response, queries = counted(lambda: client.post(f"{LIST}{pointed['id']}/precheck/"))
    assert queries == 5
    body = response.json()
    assert body["complete"] is False and body["reused_documents"] == []
    assert "designated_points" not in {problem["field"] for problem in body["problems"]}


def test_precheck_names_a_designated_point_stopped_after_it_was_cached(client, pointed, hospital, warm):
    assert client.post(f"{LIST}{pointed['id']}/precheck/").status_code == 200  # the point now cached
    hospital.is_designated = False
    hospital.save()  # the admin's edit forgets the cached institution
    body = client.post(f"{LIST}{pointed['id']}/precheck/").json()
    assert [p["field"] for p in body["problems"] if p["code"] == "designated_points_invalid"] == ["designated_points"]


def test_the_light_ownership_read_keeps_the_family_rule(disease, hospital):
    owner, member = UserFactory(), UserFactory()
    FamilyLink.objects.create(owner=owner, member=member, relationship="父母", status=FamilyLink.Status.BOUND)
    application = ApplicationFactory(applicant=member, disease=disease, diagnosing_hospital=hospital)
    stranger = bearer_client(UserFactory())
    upload = {"kind": "id_card_front", "file": SimpleUploadedFile("a.png", png_bytes(), "image/png")}
    assert stranger.post(f"{LIST}{application.pk}/documents/", upload, format="multipart").status_code == 404
    assert stranger.post(f"{LIST}{application.pk}/submit/").status_code == 404
    upload["file"] = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    family = bearer_client(owner)
    assert family.post(f"{LIST}{application.pk}/documents/", upload, format="multipart").status_code == 201
    assert family.post(f"{LIST}{application.pk}/submit/").status_code == 202
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_verify_costs_two_queries():
    certification = certified(holder(name="张三丰"))
    response, queries = counted(lambda: APIClient().get(f"/api/v1/certificates/verify/{certification.code}/"))
    assert queries == 2  # the certificate with its joins, its designated points
    assert response.json()["valid"] is True


# --- the cached catalogue ---------------------------------------------------------------------------------


def test_a_disease_stopped_in_the_admin_is_refused_at_once(client, disease, hospital, warm):
    disease.is_active = False
    disease.save()
    response = create(client, disease, hospital)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_disease"


def test_a_hospital_whose_code_changed_is_not_found_under_the_old_code(hospital, warm):
    old = hospital.code
    hospital.code = "H62090200999"
    hospital.save()
    assert hospital_by_code(old) is None
    assert hospital_by_code("H62090200999") == hospital


def test_a_deleted_hospital_is_forgotten(hospital, warm):
    code = hospital.code
    hospital.delete()
    assert hospital_by_code(code) is None


def test_cached_look_ups_cost_no_query(disease, hospital, warm, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert disease_active_by_code(disease.code) == disease
        assert hospital_by_code(hospital.code) == hospital


def test_hospitals_by_code_reads_the_register_once_and_forgets_a_change(hospital, django_assert_num_queries):
    other = HospitalFactory()
    assert hospitals_by_code([hospital.code, "H00000000000", other.code]) == {
        hospital.code: hospital,
        other.code: other,
    }
    with django_assert_num_queries(0):
        assert set(hospitals_by_code([other.code, hospital.code])) == {hospital.code, other.code}
    other.name = "酒泉市改名医院"
    other.save()
    assert hospitals_by_code([other.code])[other.code].name == "酒泉市改名医院"
    code = hospital.code
    hospital.delete()
    assert hospitals_by_code([code]) == {}


@pytest.mark.skipif(
    not isinstance(caches["default"], FailOpenRedisCache), reason="the Redis client is only made with REDIS_URL"
)
def test_the_redis_cache_keeps_one_client():
    client = caches["default"]._cache.get_client("a", write=True)  # type: ignore[attr-defined]
    assert caches["default"]._cache.get_client("b", write=True) is client  # type: ignore[attr-defined]
    caches["default"].set("path-queries:kept", 1)
    assert caches["default"].get("path-queries:kept") == 1


# --- the verify throttle ----------------------------------------------------------------------------------


def redis_round_trips(monkeypatch) -> list[int]:
    sent: list[int] = []
    original = Connection.send_packed_command

    def send(self, command, check_health=True):  # type: ignore[no-untyped-def]
        sent.append(1)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", send)
    return sent


@pytest.mark.skipif(
    not isinstance(caches["default"], FailOpenRedisCache),
    reason="the Redis path of the throttle needs REDIS_URL",
)
def test_verify_throttle_costs_one_redis_round_trip(monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"verify": "2/minute"}}
    certification = certified(holder(name="张三丰"))
    sent = redis_round_trips(monkeypatch)
    client = APIClient()
    answers = [client.get(f"/api/v1/certificates/verify/{certification.code}/") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert len(sent) == 3  # one pipeline (SET NX, INCR, TTL) per request
    assert 0 < int(answers[2]["Retry-After"]) <= 60


def test_verify_goes_on_unthrottled_with_redis_down(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"verify": "1/minute"}}
    certification = certified(holder(name="张三丰"))
    with override_settings(CACHES={"default": {**down, "OPTIONS": {"socket_connect_timeout": 1}}}):
        client = APIClient()
        statuses = [client.get(f"/api/v1/certificates/verify/{certification.code}/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_the_detail_keeps_the_family_rule(disease, hospital):
    owner, member = UserFactory(), UserFactory()
    link = FamilyLink.objects.create(owner=owner, member=member, relationship="父母", status=FamilyLink.Status.BOUND)
    application = ApplicationFactory(applicant=member, disease=disease, diagnosing_hospital=hospital)
    family, stranger = bearer_client(owner), bearer_client(UserFactory())

    assert stranger.get(f"{LIST}{application.pk}/").status_code == 404
    family.get(f"{LIST}{application.pk}/")  # the designated points' hospitals are cached from now on
    with CaptureQueriesContext(connection) as ctx:
        response = family.get(f"{LIST}{application.pk}/")
    assert response.status_code == 200
    assert len(ctx.captured_queries) == 5  # a family member's case: the binding is asked once
    link.delete()  # unbound
    assert family.get(f"{LIST}{application.pk}/").status_code == 404


def test_the_list_is_four_queries_whatever_the_cases_hold(hospital):
    user = UserFactory()
    client = bearer_client(user)
    for _ in range(3):
        DocumentFactory(application=ApplicationFactory(applicant=user, disease=DiseaseFactory()))
    _, few = counted(lambda: client.get(LIST))
    for _ in range(12):
        application = ApplicationFactory(applicant=user, disease=DiseaseFactory(), diagnosing_hospital=hospital)
        DocumentFactory(application=application)
        DocumentFactory(application=application)
    response, many = counted(lambda: client.get(LIST))

    assert response.json()["count"] == 15
    assert few == many == 4  # user, family, count, the page with the applicant and disease joined


def test_the_list_decrypts_no_applicants_id_number_or_phone(hospital, monkeypatch):
    from config import fields

    user = UserFactory(name="王五")
    client = bearer_client(user)
    for _ in range(5):
        ApplicationFactory(applicant=user, disease=DiseaseFactory(), diagnosing_hospital=hospital)
    decrypted: list[str] = []
    decrypt = fields.decrypt

    def counting(token: str) -> str:
        if token:  # an empty value is not decrypted at all
            decrypted.append(token)
        return decrypt(token)

    monkeypatch.setattr(fields, "decrypt", counting)
    response = client.get(LIST)
    assert [row["applicant_name"] for row in response.json()["results"]] == ["王五"] * 5
    # Only the caller's own ID number and phone, read by the authentication (an empty value costs nothing).
    assert len(decrypted) == 2
