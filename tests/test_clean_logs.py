"""Logs stay clean: the whole flow (register, log in, apply, upload, submit, the check, the experts'
decisions, the announcement, the certificate and its public verification, a wrong password, a refused
request) runs with every logger at DEBUG and the production SMS adapter, and no log line carries the
person's full ID number, phone, name, diagnosis, password or a token."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from applications.models import Application, ApplicationStatus
from certification.models import Certification
from config.jobs import job_run
from tests.api import bearer_client, register
from tests.factories import DiseaseFactory, HospitalFactory, InsuredPersonFactory, make_id_number
from tests.reviews.public_helpers import experts_for
from tests.reviews.review_helpers import BASE_KINDS, EVIDENCE_KINDS, add_document, at, category, panel

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 9, 14)
NAME, PHONE, PASSWORD = "欧阳锦绣", "13912345678", "Secret-Pass-2026!"
DISEASE = "慢性肾衰竭（透析治疗）"


@override_settings(SMS_BACKEND="config.sms.LogSmsBackend", NOTIFY_EMAIL=True)
def test_no_log_line_carries_personal_data_or_a_secret(caplog, official_calendar, django_capture_on_commit_callbacks):
    id_number = make_id_number(region="620902", birth=dt.date(1961, 4, 2), seq=77)
    cat = category(code="kidney", name="慢性肾病")
    experts = experts_for(cat)
    disease = DiseaseFactory(name=DISEASE, category=cat)
    hospital = HospitalFactory(level=3)
    InsuredPersonFactory(id_number=id_number, name=NAME)
    caplog.set_level(logging.DEBUG)
    anonymous = APIClient()
    committed = django_capture_on_commit_callbacks  # the work queued on commit (checks, deliveries) runs
    with at(ON):
        registered = register(
            anonymous,
            {"username": "ouyang", "password": PASSWORD, "name": NAME, "id_number": id_number, "phone": PHONE},
        )
        assert registered.status_code == 201
        assert anonymous.post("/api/v1/auth/token/", {"username": "ouyang", "password": "wrong"}).status_code == 401
        tokens = anonymous.post("/api/v1/auth/token/", {"username": "ouyang", "password": PASSWORD}).json()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        draft = client.post(
            "/api/v1/applications/",
            {
                "disease_code": disease.code,
                "diagnosis_date": str(ON - dt.timedelta(days=30)),
                "diagnosing_hospital": hospital.code,
                "designated_points": [hospital.code],
            },
            format="json",
        ).json()
        application = Application.objects.get(pk=draft["id"])
        assert client.post("/api/v1/applications/", {"disease_code": "nope"}, format="json").status_code == 400
        for kind in BASE_KINDS:
            add_document(application, kind)
        for kind in EVIDENCE_KINDS:
            add_document(application, kind, issued_on=ON - dt.timedelta(days=10), hospital=hospital)
        with committed(execute=True):
            assert client.post(f"/api/v1/applications/{application.pk}/submit/").status_code == 202
        application.refresh_from_db()
        assert application.status == ApplicationStatus.UNDER_REVIEW, application.problems
        for assignment in panel(application):
            expert = next(e for e in experts if e.pk == assignment.expert_id)
            with committed(execute=True):
                decided = bearer_client(expert).post(
                    f"/api/v1/reviews/{assignment.pk}/decision/", {"decision": "approve"}, format="json"
                )
            assert decided.status_code == 200
        with committed(execute=True):
            job_run(name="announcements", on=ON)
    with at(ON + dt.timedelta(days=10)):
        with committed(execute=True):
            job_run(name="announcements", on=ON + dt.timedelta(days=10))
        certification = Certification.objects.get(application=application)
        client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")  # expired: 401
        later = anonymous.post("/api/v1/auth/token/", {"username": "ouyang", "password": PASSWORD}).json()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {later['access']}")
        assert client.get(f"/api/v1/certificates/{certification.pk}/pdf/").status_code == 200
        assert anonymous.get(f"/api/v1/certificates/verify/{certification.code}/").json()["valid"] is True

    lines = [record.getMessage() + " " + str(record.args or "") for record in caplog.records]
    assert len(lines) > 10  # the flow did log
    secrets = {
        "ID number": id_number,
        "phone": PHONE,
        "name": NAME,
        "diagnosis": DISEASE,
        "password": PASSWORD,
        "access token": tokens["access"],
        "refresh token": tokens["refresh"],
        "later access token": later["access"],
        "verification code": certification.code,
    }
    for line in lines:
        for what, secret in secrets.items():
            assert secret not in line, f"{what} in a log line: {line[:200]}"
