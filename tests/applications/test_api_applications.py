import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application, ApplicationEvent, ApplicationStatus
from tests.api import bearer_client, register
from tests.factories import ApplicationFactory, DiseaseFactory, HospitalFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db
LIST = "/api/v1/applications/"


def errors_by_field(response):
    return {error["field"]: error for error in response.json().get("errors", [])}


def test_create_draft_records_creation_event(draft):
    assert draft["status"] == "draft"
    assert draft["disease"] == {"code": "M01600", "name": "糖尿病"}
    assert draft["reference"].startswith("MT")
    assert [(e["from"], e["to"]) for e in draft["events"]] == [("", "draft")]
    assert draft["events"][0]["actor"] == "申请人"


def test_create_requires_authentication(disease, hospital):
    from rest_framework.test import APIClient

    response = APIClient().post(LIST, {"disease_code": disease.code}, format="json")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_create_names_every_bad_field(client, hospital):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        LIST, {"disease_code": "NOPE", "diagnosis_date": future, "diagnosing_hospital": "H000"}, format="json"
    )
    assert response.status_code == 400
    assert {"disease_code", "diagnosis_date", "diagnosing_hospital"} <= errors_by_field(response).keys()


def test_second_open_application_for_same_disease_is_a_conflict(client, draft, disease, hospital):
    response = client.post(
        LIST,
        {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 409
    assert errors_by_field(response)["disease_code"]["code"] == "duplicate_open_application"


def test_new_application_allowed_after_withdrawal(client, draft, disease, hospital):
    assert client.post(f"{LIST}{draft['id']}/withdraw/", {}, format="json").status_code == 200
    response = client.post(
        LIST,
        {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 201


def test_agent_is_recorded_and_masked(client, disease, hospital):
    agent_id = make_id_number("620921", dt.date(1990, 2, 3), 77)
    response = client.post(
        LIST,
        {
            "disease_code": disease.code,
            "diagnosis_date": "2026-06-01",
            "diagnosing_hospital": hospital.code,
            "agent": {"name": "王五", "id_number": agent_id, "phone": "13800138000", "relationship": "子女"},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["agent"] == {
        "name": "王五",
        "id_number": agent_id[:4] + "*" * 10 + agent_id[-4:],
        "phone": "138****8000",
        "relationship": "子女",
    }
    application = Application.objects.get(pk=body["id"])
    assert application.agent_id_number == agent_id
    assert body["events"][0]["actor"] == "代办人"


def test_agent_with_invalid_id_number_is_refused(client, disease, hospital):
    response = client.post(
        LIST,
        {
            "disease_code": disease.code,
            "diagnosis_date": "2026-06-01",
            "diagnosing_hospital": hospital.code,
            "agent": {
                "name": "王五",
                "id_number": "620902199002031230",
                "phone": "13800138000",
                "relationship": "好友",
            },
        },
        format="json",
    )
    assert response.status_code == 400
    assert "agent.id_number" in errors_by_field(response)
    assert "关系" in errors_by_field(response)["agent.relationship"]["message"]


def test_list_shows_only_own_applications(client, draft, other_applicant):
    ApplicationFactory(applicant=other_applicant)
    results = client.get(LIST).json()["results"]
    assert [a["id"] for a in results] == [draft["id"]]


def test_other_applicant_gets_404_for_detail_submit_withdraw(other_client, draft):
    url = f"{LIST}{draft['id']}/"
    assert other_client.get(url).status_code == 404
    assert other_client.post(f"{url}submit/").status_code == 404
    assert other_client.post(f"{url}withdraw/", {}, format="json").status_code == 404
    assert Application.objects.get(pk=draft["id"]).status == ApplicationStatus.DRAFT


def test_unknown_or_malformed_id_is_a_json_404(client):
    assert client.get(f"{LIST}00000000-0000-0000-0000-000000000000/").status_code == 404
    response = client.get(f"{LIST}not-a-uuid/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_submit_moves_draft_to_submitted_with_event(client, draft):
    response = client.post(f"{LIST}{draft['id']}/submit/")
    assert response.status_code == 202
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"]
    assert [e["to"] for e in response.json()["events"]] == ["draft", "submitted"]


def test_submit_twice_does_not_duplicate(client, draft):
    client.post(f"{LIST}{draft['id']}/submit/")
    second = client.post(f"{LIST}{draft['id']}/submit/")
    assert second.status_code == 202
    assert ApplicationEvent.objects.filter(application_id=draft["id"], to_status="submitted").count() == 1


def test_idempotency_key_replay_returns_first_answer_even_after_state_moved(client, draft):
    first = client.post(f"{LIST}{draft['id']}/submit/", HTTP_IDEMPOTENCY_KEY="abc-123")
    Application.objects.filter(pk=draft["id"]).update(status=ApplicationStatus.NEEDS_SUPPLEMENT)
    replay = client.post(f"{LIST}{draft['id']}/submit/", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert replay.status_code == 202
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Application.objects.get(pk=draft["id"]).status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert ApplicationEvent.objects.filter(application_id=draft["id"], to_status="submitted").count() == 1


def test_idempotency_key_reused_for_another_application_is_a_conflict(client, draft, hospital):
    from tests.factories import DiseaseFactory

    other = client.post(
        LIST,
        {"disease_code": DiseaseFactory().code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    ).json()
    client.post(f"{LIST}{draft['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1")
    response = client.post(f"{LIST}{other['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 409
    assert Application.objects.get(pk=other["id"]).status == ApplicationStatus.DRAFT


def test_submit_queues_the_check_on_commit(client, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"{LIST}{draft['id']}/submit/")
    assert len(callbacks) == 1


@pytest.mark.parametrize("state", ["under_review", "rejected", "withdrawn"])
def test_submit_refused_outside_draft_or_supplement(applicant, state):
    application = ApplicationFactory(applicant=applicant, **{state: True})
    # Submitted a day ago, as such a case was (a submit seconds after the last one is its retry).
    application.events.update(at=timezone.now() - dt.timedelta(days=1))
    response = bearer_client(applicant).post(f"{LIST}{application.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["type"] == "cannot_submit"


def test_withdraw_refused_after_decision(applicant):
    application = ApplicationFactory(applicant=applicant, rejected=True)
    response = bearer_client(applicant).post(f"{LIST}{application.pk}/withdraw/", {}, format="json")
    assert response.status_code == 409


def test_withdraw_records_reason(client, draft):
    response = client.post(f"{LIST}{draft['id']}/withdraw/", {"reason": "已在线下办理"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["events"][-1]["reason"] == "已在线下办理"


def test_staff_account_without_ownership_cannot_read_application(draft):
    officer = UserFactory(is_staff=True)
    assert bearer_client(officer).get(f"{LIST}{draft['id']}/").status_code == 404


def test_new_application_refused_while_benefit_for_disease_is_effective(client, applicant, disease, hospital):
    from certification.services import certification_issue

    earlier = ApplicationFactory(applicant=applicant, disease=disease, status=ApplicationStatus.EFFECTIVE)
    certification_issue(application=earlier, on=dt.date(2026, 6, 1))
    response = client.post(
        LIST,
        {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 409
    assert errors_by_field(response)["disease_code"]["code"] == "duplicate_certification"


def test_staff_account_cannot_open_an_application(disease, hospital):
    officer = UserFactory(is_staff=True, id_number="")
    response = bearer_client(officer).post(
        LIST,
        {"disease_code": disease.code, "diagnosis_date": "2026-06-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["type"] == "applicants_only"


def test_diagnosis_before_birth_is_refused(client, disease, hospital):
    response = client.post(
        LIST,
        {"disease_code": disease.code, "diagnosis_date": "0001-01-01", "diagnosing_hospital": hospital.code},
        format="json",
    )
    assert response.status_code == 400
    assert errors_by_field(response)["diagnosis_date"]["code"] == "before_birth"


@pytest.mark.parametrize("name", ["··", "1234", "张·", "·张"])
def test_implausible_names_are_refused(name):
    from rest_framework.test import APIClient

    response = register(
        APIClient(),
        {
            "username": "someone",
            "password": "S3cure-pass-2026",
            "name": name,
            "id_number": make_id_number("620902", dt.date(1980, 1, 1), 9),
            "phone": "13909370001",
        },
        format="json",
    )
    assert "name" in errors_by_field(response)


@pytest.mark.parametrize("name", ["𠮷祥", "李〇", "买买提·艾力"])
def test_rare_characters_and_minority_names_are_accepted(name):
    from rest_framework.test import APIClient

    response = register(
        APIClient(),
        {
            "username": "someone",
            "password": "S3cure-pass-2026",
            "name": name,
            "id_number": make_id_number("620902", dt.date(1980, 1, 1), 9),
            "phone": "13909370001",
        },
        format="json",
    )
    assert response.status_code == 201


def test_a_draft_takes_its_designated_points_and_doctor_and_may_change_them_until_submitted(client):
    applicant = UserFactory()
    first, second = HospitalFactory(level=3), HospitalFactory(level=2)
    api = bearer_client(applicant)
    created = api.post(
        LIST,
        {
            "disease_code": DiseaseFactory().code,
            "diagnosis_date": "2026-06-01",
            "diagnosing_hospital": first.code,
            "designated_points": [first.code],
            "diagnosing_doctor_name": "李医生",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [p["code"] for p in body["designated_points"]] == [first.code]
    assert body["designated_points"][0]["level"] == 3 and body["diagnosing_doctor_name"] == "李医生"

    changed = api.patch(
        f"{LIST}{body['id']}/",
        {"designated_points": [second.code, first.code], "diagnosing_doctor_code": "D1"},
        format="json",
    )
    assert changed.status_code == 200
    assert [p["code"] for p in changed.json()["designated_points"]] == [second.code, first.code]
    assert changed.json()["diagnosing_doctor_code"] == "D1"
    too_many = api.patch(f"{LIST}{body['id']}/", {"designated_points": ["A", "B", "C", "D"]}, format="json")
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["field"] == "designated_points"

    Application.objects.filter(pk=body["id"]).update(status="submitted")
    assert api.patch(f"{LIST}{body['id']}/", {"designated_points": [first.code]}, format="json").status_code == 409
