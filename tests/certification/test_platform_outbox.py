"""Registration with the medical-insurance information platform through the outbox, against a real HTTP
fake of the platform: what is sent and how it is signed, retries with the same msgid, dead letters and
resend, refusals, order per person, and the simulator of the embedded default."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from applications.models import ApplicationStatus
from certification.models import (
    Certification,
    CertificationEvent,
    PlatformMessage,
    PlatformMessageStatus,
    PlatformStatus,
)
from certification.platform.outbox import platform_dispatch
from certification.services import certification_issue
from config.jobs import job_run
from notifications.models import Notification, NotificationKind
from tests.certification.helpers import at, holder
from tests.certification.platform_fake import fake_platform
from tests.factories import ApplicationFactory, DiseaseFactory, DocumentFactory, HospitalFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
SECRET = "platform-test-secret"
ON = dt.date(2026, 1, 5)
REGISTER_FIELDS = {
    "psn_no",
    "insutype",
    "opsp_dise_code",
    "opsp_dise_name",
    "tel",
    "addr",
    "insu_optins",
    "ide_fixmedins_no",
    "ide_fixmedins_name",
    "hosp_ide_date",
    "diag_dr_codg",
    "diag_dr_name",
    "begndate",
    "enddate",
}
ENVELOPE = {
    "infno",
    "msgid",
    "mdtrtarea_admvs",
    "insuplc_admdvs",
    "recer_sys_code",
    "infver",
    "opter_type",
    "opter",
    "opter_name",
    "inf_time",
    "sign_no",
    "input",
}


@pytest.fixture
def platform():
    with fake_platform() as fake, override_settings(NATIONAL_PLATFORM_URL=fake.url, NATIONAL_PLATFORM_SECRET=SECRET):
        yield fake


def issued() -> Certification:
    """A certification just issued for an insured employee with two designated points, after an
    appraisal by a designated institution."""
    appraiser = HospitalFactory(level=3, can_appraise=True, name="酒泉市人民医院")
    points = [HospitalFactory(level=3).code, HospitalFactory(level=1).code]
    person = holder(name="张三丰", phone="13912345678")
    with at(ON):
        application = ApplicationFactory(
            applicant=person,
            status=ApplicationStatus.EFFECTIVE,
            disease=DiseaseFactory(code="M01600", name="糖尿病", benefit_months=60),
            diagnosis_date=ON - dt.timedelta(days=60),
            submitted_at=timezone.now() - dt.timedelta(days=30),
            designated_points=points,
            diagnosing_doctor_name="李医生",
            diagnosing_doctor_code="D620902000123",
        )
        DocumentFactory(application=application, kind="hospital_appraisal", hospital=appraiser)
        return certification_issue(application=application, on=ON)


def dispatch_at(moment: dt.datetime):  # type: ignore[no-untyped-def]
    with time_machine.travel(moment, tick=False):
        return platform_dispatch()


def test_an_effective_benefit_sends_one_signed_2503_with_every_field_then_its_points(platform):
    certification = issued()

    report = platform_dispatch()

    assert str(report).startswith("2 sent")
    registrations = platform.messages("2503")
    assert len(registrations) == 1
    message = registrations[0]
    assert set(message) == ENVELOPE
    data = message["input"]["data"]
    assert set(data) == REGISTER_FIELDS
    assert data["psn_no"] == certification.holder.id_number and data["tel"] == "13912345678"
    assert (data["insutype"], data["opsp_dise_code"], data["opsp_dise_name"]) == ("310", "M01600", "糖尿病")
    assert (data["diag_dr_codg"], data["diag_dr_name"]) == ("D620902000123", "李医生")
    assert data["ide_fixmedins_name"] == "酒泉市人民医院"  # the appraising institution
    assert data["begndate"] == certification.benefit_start_date.isoformat()
    assert data["enddate"] == "2031-01-04"  # 60 months from 2026-01-05
    request = platform.received[0]
    assert request.headers["X-App-Id"] and len(message["msgid"]) == 30
    assert request.headers["X-Signature"] == hmac.new(SECRET.encode(), request.raw, hashlib.sha256).hexdigest()
    points = platform.messages("2505")[0]["input"]["data"]
    assert [(p["fix_srt_no"], p["fixmedins_code"]) for p in points] == [
        (1, certification.application.designated_points[0]),
        (2, certification.application.designated_points[1]),
    ]
    certification.refresh_from_db()
    assert certification.platform_status == PlatformStatus.REGISTERED
    assert certification.platform_registration_sn.startswith("FAKE")
    assert str(platform_dispatch()).startswith("0 sent")  # nothing twice
    assert len(platform.received) == 2


def test_a_platform_that_fails_three_times_gets_the_same_msgid_until_it_answers(platform):
    certification = issued()
    platform.fail_times = 3
    now = timezone.now()
    for minutes in (0, 2, 5, 10):  # retries come due after 1, 2, 4 minutes
        dispatch_at(now + dt.timedelta(minutes=minutes))
    sent = platform.messages("2503")
    assert len(sent) == 4 and len({m["msgid"] for m in sent}) == 1
    certification.refresh_from_db()
    assert certification.platform_status == PlatformStatus.REGISTERED
    history = list(CertificationEvent.objects.filter(certification=certification).values_list("reason", flat=True))
    assert sum("发送失败" in reason for reason in history) == 3
    assert any("登记门诊慢特病待遇成功" in reason for reason in history)


@override_settings(PLATFORM_MAX_ATTEMPTS=3)
def test_a_platform_down_past_the_retry_budget_dead_letters_tells_officers_and_resend_works(platform, client):
    staff = officer()
    certification = issued()
    platform.fail_times = 100
    now = timezone.now()
    for minutes in (0, 2, 5, 10, 30):
        dispatch_at(now + dt.timedelta(minutes=minutes))
    message = PlatformMessage.objects.get(certification=certification, infno="2503")
    assert (message.status, message.attempts) == (PlatformMessageStatus.DEAD, 3)
    assert len(platform.messages("2503")) == 3
    certification.refresh_from_db()
    assert certification.platform_status == PlatformStatus.FAILED
    told = Notification.objects.get(user=staff, kind=NotificationKind.PLATFORM_FAILED)
    assert message.msgid in told.body
    # The 2505 of the same person waits behind the dead 2503: order per person.
    assert (
        PlatformMessage.objects.get(certification=certification, infno="2505").status == PlatformMessageStatus.PENDING
    )

    platform.fail_times = 0
    client.force_login(staff)
    response = client.post(
        reverse("admin:certification_platformmessage_changelist"),
        {"action": "resend", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    dispatch_at(now + dt.timedelta(minutes=31))
    message.refresh_from_db()
    certification.refresh_from_db()
    assert message.status == PlatformMessageStatus.SENT
    assert certification.platform_status == PlatformStatus.REGISTERED
    assert {m["msgid"] for m in platform.messages("2503")} == {message.msgid}
    assert len(platform.messages("2505")) == 1


def test_a_refusal_is_not_retried_and_the_officer_sees_its_reason(platform):
    staff = officer()
    certification = issued()
    platform.refuse_with = "参保人员信息不存在"
    now = timezone.now()
    for minutes in (0, 5, 60):
        dispatch_at(now + dt.timedelta(minutes=minutes))
    assert len(platform.messages("2503")) == 1
    message = PlatformMessage.objects.get(certification=certification, infno="2503")
    assert message.status == PlatformMessageStatus.REFUSED and message.last_error == "参保人员信息不存在"
    told = Notification.objects.filter(user=staff, kind=NotificationKind.PLATFORM_FAILED, body__contains=message.msgid)
    assert "参保人员信息不存在" in told.get().body


def test_a_refusal_that_says_the_platform_is_busy_is_retried(platform):
    issued()
    platform.refuse_with = "系统繁忙，请稍后重试"
    now = timezone.now()
    dispatch_at(now)
    platform.refuse_with = ""
    dispatch_at(now + dt.timedelta(minutes=2))
    assert len(platform.messages("2503")) == 2


def test_an_answer_that_is_not_json_is_retried(platform):
    issued()
    platform.garbage = True
    dispatch_at(timezone.now())
    assert PlatformMessage.objects.get(infno="2503").status == PlatformMessageStatus.PENDING


def test_without_a_url_the_simulator_registers_every_benefit():
    certification = issued()
    assert str(platform_dispatch()).startswith("2 sent")
    certification.refresh_from_db()
    assert certification.platform_status == PlatformStatus.REGISTERED
    assert certification.platform_registration_sn.startswith("SIM")


def test_the_daily_reconcile_tells_officers_what_the_platform_does_not_hold(platform):
    staff = officer()
    kept, lost = issued(), issued()
    platform_dispatch()
    lost.refresh_from_db()
    for rows in platform.registrations.values():  # the platform lost one registration
        rows[:] = [r for r in rows if r["trt_dcla_detl_sn"] != lost.platform_registration_sn]

    report = job_run(name="platform_reconcile", on=timezone.localdate())

    assert "2 certifications checked, 1 mismatches" in report
    assert len(platform.messages("5301")) == 2
    told = Notification.objects.get(user=staff, kind=NotificationKind.PLATFORM_MISMATCH)
    assert lost.code in told.body and kept.code not in told.body
    assert lost.holder.id_number not in told.body  # masked


def test_the_dispatch_job_is_registered_and_sends_what_is_due(platform):
    issued()
    assert job_run(name="platform_dispatch", on=timezone.localdate()).startswith("2 sent")
