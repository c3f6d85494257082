"""From certificate to benefit: designated treatment points (chosen, checked, changed once a year, an
officer's override), the benefit period, the holder's exit and an officer's end, the insured registry's
suspension, termination and restoration, each followed on the platform (2503/2504/2505/2506) and by
the public verification."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from applications.importers import insured_import
from applications.models import InsuredPerson
from certification.jobs import annual_reviews
from certification.models import CertificationStatus, EndReason, PlatformStatus
from certification.platform.outbox import platform_dispatch
from certification.services import certification_revoke
from tests.certification.helpers import API, certified, client_for, holder
from tests.certification.platform_fake import fake_platform
from tests.factories import DiseaseFactory, HospitalFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 1, 5)


@pytest.fixture
def platform():
    with fake_platform() as fake, override_settings(NATIONAL_PLATFORM_URL=fake.url, NATIONAL_PLATFORM_SECRET="s"):
        yield fake


def registered(**fields):  # type: ignore[no-untyped-def]
    """A benefit registered on the platform, with one level-3 designated point."""
    person = holder(phone="13912345678")
    certification = certified(
        person, on=ON, application_fields={"designated_points": [HospitalFactory(level=3).code]}, **fields
    )
    platform_dispatch()
    certification.refresh_from_db()
    assert certification.platform_status == PlatformStatus.REGISTERED
    return certification


def verify(certification) -> dict:  # type: ignore[no-untyped-def]
    return client_for(certification.holder).get(f"{API}/certificates/verify/{certification.code}/").json()


def cancelled(platform, certification) -> bool:  # type: ignore[no-untyped-def]
    platform_dispatch()
    certification.refresh_from_db()
    numbers = [m["input"]["data"]["trt_dcla_detl_sn"] for m in platform.messages("2504")]
    return numbers == [certification.platform_registration_sn] and (
        certification.platform_status == PlatformStatus.CANCELLED
    )


def test_the_holder_exits_the_benefit_and_it_is_cancelled_everywhere(platform):
    certification = registered()
    response = client_for(certification.holder).post(
        f"{API}/certificates/{certification.pk}/exit/", {"reason": "cured"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["end_reason"], body["end_reason_display"]) == ("ended", "cured", "已治愈")
    assert cancelled(platform, certification)
    assert verify(certification) | {"valid": False} == verify(certification)
    assert verify(certification)["note"] == "待遇已终止"
    assert any(
        event["to"] == "ended"
        for event in client_for(certification.holder).get(f"{API}/certificates/{certification.pk}/").json()["events"]
    )


def test_the_holder_may_not_give_an_officers_reason():
    certification = certified(holder(), on=ON)
    response = client_for(certification.holder).post(
        f"{API}/certificates/{certification.pk}/exit/", {"reason": "death"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"


def test_revoke_lapse_and_an_officers_end_each_send_a_cancellation(platform, client):
    revoked, lapsing, ended = registered(), registered(), registered()
    certification_revoke(certification=revoked, officer=officer(), reason="材料造假")
    assert cancelled(platform, revoked)

    staff = officer()
    client.force_login(staff)
    response = client.post(
        reverse("admin:certification_certification_end", args=[ended.pk]),
        {"decision": "death", "reason": "2026-03-01 死亡"},
    )
    assert response.status_code == 302
    ended.refresh_from_db()
    assert (ended.status, ended.end_reason) == (CertificationStatus.ENDED, EndReason.DEATH)

    with time_machine.travel(dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        assert "1 lapsed" in annual_reviews(on=dt.date(2027, 3, 1))
        platform_dispatch()
    lapsing.refresh_from_db()
    assert lapsing.status == CertificationStatus.LAPSED
    numbers = {m["input"]["data"]["trt_dcla_detl_sn"] for m in platform.messages("2504")}
    for certification in (revoked, lapsing, ended):
        certification.refresh_from_db()
        assert certification.platform_registration_sn in numbers
        assert verify(certification)["valid"] is False


def test_insurance_suspended_then_restored_pauses_and_registers_the_benefit_again(platform):
    staff = officer()
    certification = registered()
    person = InsuredPerson.objects.get(id_number=certification.holder.id_number)
    first_number = certification.platform_registration_sn

    result = insured_import(file=io.StringIO(_registry_csv(person, status="suspended")))
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.SUSPENDED
    assert any("暂停" in line for line in result.affected)
    assert verify(certification) == {**verify(certification), "valid": False, "note": "待遇暂停"}
    assert "参保" not in verify(certification)["note"]  # a neutral reason, nothing of the person's insurance
    assert cancelled(platform, certification)
    assert staff.notifications.filter(kind="registry_affected").exists()

    insured_import(file=io.StringIO(_registry_csv(person, status="active")))
    platform_dispatch()
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE and verify(certification)["valid"] is True
    assert len(platform.messages("2503")) == 2
    assert certification.platform_registration_sn not in ("", first_number)
    assert certification.platform_status == PlatformStatus.REGISTERED


def test_insurance_terminated_ends_the_benefit(platform):
    certification = registered()
    person = InsuredPerson.objects.get(id_number=certification.holder.id_number)
    insured_import(file=io.StringIO(_registry_csv(person, status="terminated")))
    certification.refresh_from_db()
    assert (certification.status, certification.end_reason) == (CertificationStatus.ENDED, EndReason.INSURANCE_ENDED)
    assert cancelled(platform, certification)


def _registry_csv(person: InsuredPerson, *, status: str) -> str:
    return (
        "id_number,name,insurance_type,region_code,insured_since,status\n"
        f"{person.id_number},{person.name},{person.insurance_type},{person.region_code},"
        f"{person.insured_since:%Y-%m-%d},{status}\n"
    )


def test_changing_designated_points_sends_2506_then_2505_once_a_year_and_an_officer_may_override(platform, client):
    certification = registered()
    old = certification.application.designated_points[0]
    new = [HospitalFactory(level=2).code, HospitalFactory(level=1).code]
    holder_client = client_for(certification.holder)
    url = f"{API}/certificates/{certification.pk}/designated-points/"
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        response = holder_client.put(url, {"points": new}, format="json")
        assert response.status_code == 200, response.json()
        points = response.json()["designated_points"]
        assert [p["code"] for p in points] == new and points[0]["begins_on"] == "2026-03-11"  # the next day
        again = holder_client.put(url, {"points": [old]}, format="json")
    assert again.status_code == 409
    assert "每个自然年度可变更1次" in again.json()["detail"]
    platform_dispatch()
    infnos = [m["infno"] for m in platform.messages()]
    assert infnos[-2:] == ["2506", "2505"]
    assert [p["fixmedins_code"] for p in platform.messages("2506")[0]["input"]["data"]] == [old]

    staff = officer()
    client.force_login(staff)
    with time_machine.travel(dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC), tick=False):
        response = client.post(
            reverse("admin:certification_certification_points", args=[certification.pk]),
            {"decision": "change", "points": old, "reason": "原定点医院停业"},
        )
    assert response.status_code == 302
    history = [e["reason"] for e in holder_client.get(f"{API}/certificates/{certification.pk}/").json()["events"]]
    assert any("经办人员变更，理由：原定点医院停业" in reason for reason in history)


def test_a_choice_without_a_level_2_hospital_is_refused_in_chinese():
    certification = certified(
        holder(), on=ON, application_fields={"designated_points": [HospitalFactory(level=3).code]}
    )
    response = client_for(certification.holder).put(
        f"{API}/certificates/{certification.pk}/designated-points/",
        {"points": [HospitalFactory(level=1).code]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "所选定点医疗机构中至少应有一家二级及以上医院。"


def test_the_benefit_period_is_data_and_ends_the_benefit_when_it_is_over():
    certification = certified(holder(), on=ON, disease=DiseaseFactory(benefit_months=24))
    assert certification.benefit_ends_on == dt.date(2028, 1, 4)
    assert certification.valid_until <= certification.benefit_ends_on
    with time_machine.travel(dt.datetime(2028, 1, 5, 12, tzinfo=dt.UTC), tick=False):
        report = annual_reviews(on=dt.date(2028, 1, 5))
    certification.refresh_from_db()
    assert "1 ended at the end of their period" in report
    assert (certification.status, certification.end_reason) == (CertificationStatus.ENDED, EndReason.PERIOD_OVER)


def test_the_benefit_never_starts_before_the_person_was_insured():
    person = holder()
    InsuredPerson.objects.filter(id_number=person.id_number).update(insured_since=dt.date(2025, 12, 20))
    certification = certified(person, on=ON)  # diagnosed 60 days before ON: 2025-11-06
    assert certification.benefit_start_date == dt.date(2025, 12, 20)


def test_hospitals_say_whether_they_are_designated_and_their_level(client):
    HospitalFactory(code="HX1", level=3, is_designated=True)
    HospitalFactory(code="HX2", level=2, is_designated=False)
    rows = {h["code"]: h for h in client.get(f"{API}/hospitals/").json()}
    assert (rows["HX1"]["is_designated"], rows["HX1"]["level"]) == (True, 3)
    assert rows["HX2"]["is_designated"] is False
    designated = {h["code"] for h in client.get(f"{API}/hospitals/", {"is_designated": "true"}).json()}
    assert "HX1" in designated and "HX2" not in designated
