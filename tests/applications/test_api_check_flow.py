"""The completeness check seen through the API: submit, every problem at once, supplement, acceptance.

Celery runs eagerly in the tests; the check is queued on commit, so submits run inside
`django_capture_on_commit_callbacks(execute=True)`.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api import register as register_with_code
from tests.factories import HospitalFactory, InsuredPersonFactory, make_id_number
from tests.samples import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST = "/api/v1/applications/"
PASSWORD = "S3cure-pass-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def register(username: str = "zhangsan") -> str:
    id_number = make_id_number("620902", dt.date(1968, 3, 14), 217)
    response = register_with_code(
        APIClient(),
        {"username": username, "password": PASSWORD, "name": "张三", "id_number": id_number, "phone": "13912345678"},
    )
    assert response.status_code == 201, response.content
    return id_number


def login(username: str = "zhangsan") -> APIClient:
    client = APIClient()
    tokens = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    return client


def upload(client: APIClient, application_id: str, kind: str, content: bytes, name: str, **extra) -> dict:
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[name.rsplit(".", 1)[-1]]
    data = {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=content_type), **extra}
    response = client.post(f"{LIST}{application_id}/documents/", data, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def submit(client: APIClient, application_id: str, capture) -> dict:
    with capture(execute=True):
        response = client.post(f"{LIST}{application_id}/submit/")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "submitted"
    detail = client.get(f"{LIST}{application_id}/")
    assert detail.status_code == 200
    return detail.json()


def pairs(problems: list[dict]) -> list[tuple[str, str]]:
    return [(problem["code"], problem["field"]) for problem in problems]


@pytest.mark.usefixtures("official_calendar")
def test_incomplete_submission_lists_every_problem_then_supplement_is_accepted(
    disease,
    hospital,
    django_capture_on_commit_callbacks,
):
    clinic = HospitalFactory(code="H62090200999", name="某乡镇卫生院", level=1)
    with time_machine.travel(moment(dt.date(2026, 9, 16))) as traveller:
        id_number = register()
        InsuredPersonFactory(id_number=id_number, name="张三")
        client = login()
        draft = client.post(
            LIST,
            {
                "disease_code": disease.code,
                "diagnosis_date": "2026-06-01",
                "diagnosing_hospital": hospital.code,
                "designated_points": [hospital.code],
            },
            format="json",
        )
        assert draft.status_code == 201, draft.content
        application_id = draft.json()["id"]

        # First round: only some documents, one of them from a level-1 clinic.
        upload(client, application_id, "id_card_front", png_bytes(color="red"), "身份证正面.png")
        upload(
            client,
            application_id,
            "diagnosis_certificate",
            pdf_bytes(),
            "诊断证明.pdf",
            issued_on="2026-06-01",
            hospital=hospital.code,
        )
        clinic_record = upload(
            client,
            application_id,
            "medical_record",
            pdf_bytes(pages=2),
            "门诊病历.pdf",
            issued_on="2026-08-20",
            hospital=clinic.code,
        )

        body = submit(client, application_id, django_capture_on_commit_callbacks)
        assert body["status"] == "needs_supplement"
        first_round = body["problems"]
        assert pairs(first_round) == [
            ("document_missing", "documents.id_card_back"),
            ("document_missing", "documents.insurance_card"),
            ("document_missing", "documents.application_form"),
            ("document_hospital_level", f"documents.{clinic_record['id']}"),
            ("document_missing", "documents.medical_record"),
            ("document_missing", "documents.exam_report"),
        ]
        for problem in first_round:
            assert set(problem) == {"code", "field", "message", "kinds"}
            assert CJK.search(problem["message"])
        assert body["review_deadline"] is None and body["accepted_at"] is None
        listed = client.get(LIST).json()["results"]
        assert listed[0]["status"] == "needs_supplement" and listed[0]["problems"] == first_round

        # Two days later the applicant comes back, replaces the clinic record and adds the rest.
        traveller.move_to(moment(dt.date(2026, 9, 18)))
        client = login()
        deleted = client.delete(f"{LIST}{application_id}/documents/{clinic_record['id']}/")
        assert deleted.status_code == 204
        upload(client, application_id, "id_card_back", png_bytes(color="green"), "身份证反面.png")
        upload(client, application_id, "insurance_card", jpeg_bytes(), "医保电子凭证.jpg")
        upload(client, application_id, "application_form", pdf_bytes(pages=3), "申请表.pdf")
        upload(
            client,
            application_id,
            "medical_record",
            pdf_bytes(pages=4),
            "出院小结.pdf",
            issued_on="2026-09-01",
            hospital=hospital.code,
        )
        upload(
            client,
            application_id,
            "exam_report",
            pdf_bytes(pages=5),
            "糖化血红蛋白.pdf",
            issued_on="2026-09-10",
            hospital=hospital.code,
        )

        body = submit(client, application_id, django_capture_on_commit_callbacks)

    assert body["status"] == "under_review"
    assert body["problems"] == []
    assert body["accepted_at"] is not None
    assert dt.datetime.fromisoformat(body["accepted_at"]).astimezone(SHANGHAI).date() == dt.date(2026, 9, 18)
    assert body["review_deadline"] == "2026-10-22"

    events = body["events"]
    assert [(event["from"], event["to"]) for event in events] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "needs_supplement"),
        ("needs_supplement", "submitted"),
        ("submitted", "under_review"),
    ]
    assert events[2]["problems"] == first_round
    assert events[2]["actor"] == "系统"
    assert events[3]["reason"] == "补正后重新提交"
    assert events[4]["problems"] == []


@pytest.mark.usefixtures("official_calendar")
def test_complete_submission_is_accepted_in_one_round(
    disease,
    hospital,
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(moment(dt.date(2026, 9, 18))):
        InsuredPersonFactory(id_number=register())
        client = login()
        application_id = client.post(
            LIST,
            {
                "disease_code": disease.code,
                "diagnosis_date": "2026-06-01",
                "diagnosing_hospital": hospital.code,
                "designated_points": [hospital.code],
            },
            format="json",
        ).json()["id"]
        for number, kind in enumerate(["id_card_front", "id_card_back", "insurance_card", "application_form"]):
            upload(client, application_id, kind, pdf_bytes(pages=number + 1), f"{kind}.pdf")
        for number, kind in enumerate(["diagnosis_certificate", "medical_record", "exam_report"]):
            upload(
                client,
                application_id,
                kind,
                pdf_bytes(pages=number + 5),
                f"{kind}.pdf",
                issued_on="2026-09-01",
                hospital=hospital.code,
            )
        body = submit(client, application_id, django_capture_on_commit_callbacks)

    assert (body["status"], body["problems"], body["review_deadline"]) == ("under_review", [], "2026-10-22")
    assert [event["to"] for event in body["events"]] == ["draft", "submitted", "under_review"]


def test_applicant_outside_the_registry_learns_it_together_with_missing_documents(
    disease, hospital, django_capture_on_commit_callbacks
):
    with time_machine.travel(moment(dt.date(2026, 9, 18))):
        register()  # no registry row
        client = login()
        application_id = client.post(
            LIST,
            {
                "disease_code": disease.code,
                "diagnosis_date": "2026-06-01",
                "diagnosing_hospital": hospital.code,
                "designated_points": [hospital.code],
            },
            format="json",
        ).json()["id"]
        body = submit(client, application_id, django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert [problem["code"] for problem in body["problems"]] == ["document_missing"] * 7 + ["not_insured"]
