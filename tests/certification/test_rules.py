"""The rules of a certification (待遇认定): benefit start date (seed 000: within 6 months of diagnosis
from the diagnosis date, later from 6 months before applying), reimbursement by insurance type,
validity and the verification code (DESIGN §2 step 6)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.models import Application, ApplicationStatus, InsuranceType
from applications.services import application_submit
from certification.models import Certification, CertificationStatus
from certification.rules import (
    benefit_start_date,
    certification_is_valid,
    reimbursement_for,
    validity,
    verification_code_new,
)
from certification.services import certification_issue
from tests.factories import ApplicationFactory, DiseaseFactory, InsuredPersonFactory, UserFactory, make_id_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")  # Crockford base32
_seq = itertools.count(200)


def shanghai(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def in_announcement(
    *,
    diagnosed: dt.date = dt.date(2026, 6, 1),
    submitted_at: dt.datetime | None = None,
    insurance_type: str | None = InsuranceType.EMPLOYEE,
    disease=None,
) -> Application:
    """An application whose announcement is running, its applicant in the registry (unless None)."""
    number = make_id_number("620902", dt.date(1975, 1, 1) + dt.timedelta(days=next(_seq)), 321)
    applicant = UserFactory(name="张三明", id_number=number)
    if insurance_type is not None:
        InsuredPersonFactory(id_number=number, insurance_type=insurance_type)
    application = ApplicationFactory(
        applicant=applicant,
        status=ApplicationStatus.IN_ANNOUNCEMENT,
        disease=disease or DiseaseFactory(name="糖尿病"),
        diagnosis_date=diagnosed,
        submitted_at=submitted_at if submitted_at is not None else shanghai(dt.date(2026, 9, 1)),
    )
    application.refresh_from_db()  # as the close job reads it: submitted_at comes back in UTC
    return application


# --- benefit start date ----------------------------------------------------------------------------------


def test_benefit_starts_on_the_diagnosis_date_when_applied_within_six_months():
    assert benefit_start_date(diagnosis_date=dt.date(2026, 1, 15), applied_on=dt.date(2026, 4, 1)) == dt.date(
        2026, 1, 15
    )


def test_benefit_starts_on_the_diagnosis_date_when_applied_the_same_day():
    assert benefit_start_date(diagnosis_date=dt.date(2026, 1, 15), applied_on=dt.date(2026, 1, 15)) == dt.date(
        2026, 1, 15
    )


def test_benefit_starts_on_the_diagnosis_date_when_applied_exactly_six_months_after():
    # "Within 6 months" includes the day six calendar months on: applied_on <= diagnosis + 6 months.
    assert benefit_start_date(diagnosis_date=dt.date(2026, 1, 15), applied_on=dt.date(2026, 7, 15)) == dt.date(
        2026, 1, 15
    )


def test_benefit_starts_six_months_before_applying_when_applied_one_day_past_six_months():
    assert benefit_start_date(diagnosis_date=dt.date(2026, 1, 15), applied_on=dt.date(2026, 7, 16)) == dt.date(
        2026, 1, 16
    )


def test_benefit_starts_six_months_before_applying_when_applied_years_later():
    assert benefit_start_date(diagnosis_date=dt.date(2020, 3, 3), applied_on=dt.date(2026, 9, 10)) == dt.date(
        2026, 3, 10
    )


def test_six_months_after_august_31_is_the_last_day_of_february():
    diagnosed = dt.date(2026, 8, 31)

    assert benefit_start_date(diagnosis_date=diagnosed, applied_on=dt.date(2027, 2, 28)) == diagnosed
    assert benefit_start_date(diagnosis_date=diagnosed, applied_on=dt.date(2027, 3, 1)) == dt.date(2026, 9, 1)


def test_six_months_before_an_application_on_august_31_is_the_last_day_of_february():
    assert benefit_start_date(diagnosis_date=dt.date(2026, 1, 1), applied_on=dt.date(2027, 8, 31)) == dt.date(
        2027, 2, 28
    )


def test_backdate_months_is_a_setting(settings):
    settings.BENEFIT_BACKDATE_MONTHS = 3
    diagnosed = dt.date(2026, 1, 15)

    assert benefit_start_date(diagnosis_date=diagnosed, applied_on=dt.date(2026, 4, 15)) == diagnosed
    assert benefit_start_date(diagnosis_date=diagnosed, applied_on=dt.date(2026, 4, 16)) == dt.date(2026, 1, 16)
    assert benefit_start_date(diagnosis_date=diagnosed, applied_on=dt.date(2026, 7, 15)) == dt.date(2026, 4, 15)


@pytest.mark.django_db
def test_issued_certification_counts_the_application_date_in_china_time():
    # 00:30 on 16 July in China is still 15 July in UTC: the application came one day past six months.
    application = in_announcement(diagnosed=dt.date(2026, 1, 15), submitted_at=shanghai(dt.date(2026, 7, 16), 0, 30))

    cert = certification_issue(application=application, on=dt.date(2026, 11, 10))

    assert cert.benefit_start_date == dt.date(2026, 1, 16)


@pytest.mark.django_db
def test_issued_certification_at_the_six_month_boundary_starts_on_the_diagnosis_date():
    application = in_announcement(diagnosed=dt.date(2026, 1, 15), submitted_at=shanghai(dt.date(2026, 7, 15), 23, 30))

    cert = certification_issue(application=application, on=dt.date(2026, 11, 10))

    assert cert.benefit_start_date == dt.date(2026, 1, 15)


@pytest.mark.django_db
def test_a_resubmission_after_a_supplement_does_not_move_the_application_date():
    application = ApplicationFactory(
        applicant=UserFactory(name="张三明"),
        status=ApplicationStatus.NEEDS_SUPPLEMENT,
        diagnosis_date=dt.date(2026, 1, 15),
        submitted_at=shanghai(dt.date(2026, 7, 10)),
    )
    with time_machine.travel(shanghai(dt.date(2026, 8, 20)), tick=False):
        application_submit(application=application, user=application.applicant)
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.IN_ANNOUNCEMENT)
    application.refresh_from_db()

    cert = certification_issue(application=application, on=dt.date(2026, 11, 10))

    assert cert.benefit_start_date == dt.date(2026, 1, 15)


# --- reimbursement ----------------------------------------------------------------------------------------


@pytest.fixture
def disease(db):
    return DiseaseFactory(
        employee_ratio=Decimal("0.90"),
        employee_annual_limit=20000,
        resident_ratio=Decimal("0.70"),
        resident_annual_limit=15000,
    )


@pytest.mark.parametrize(
    ("insurance_type", "expected"),
    [
        (InsuranceType.EMPLOYEE, (Decimal("0.90"), 20000)),
        (InsuranceType.FLEXIBLE, (Decimal("0.90"), 20000)),
        (InsuranceType.RESIDENT, (Decimal("0.70"), 15000)),
    ],
)
def test_reimbursement_follows_the_disease_policy_by_insurance_type(disease, insurance_type, expected):
    assert reimbursement_for(disease=disease, insurance_type=insurance_type) == expected


@pytest.mark.django_db
def test_issued_certification_carries_the_flexible_workers_employee_terms(disease):
    application = in_announcement(insurance_type=InsuranceType.FLEXIBLE, disease=disease)

    cert = certification_issue(application=application, on=dt.date(2026, 11, 10))

    assert (cert.insurance_type, cert.reimbursement_ratio, cert.annual_limit) == ("flexible", Decimal("0.90"), 20000)


# --- validity -----------------------------------------------------------------------------------------------


def test_review_is_due_a_year_on_and_valid_through_thirty_days_grace():
    assert validity(effective_on=dt.date(2026, 11, 10)) == (dt.date(2027, 11, 10), dt.date(2027, 12, 10))


def test_review_due_a_year_after_a_leap_day_is_february_28():
    assert validity(effective_on=dt.date(2028, 2, 29)) == (dt.date(2029, 2, 28), dt.date(2029, 3, 30))


def test_review_interval_and_grace_are_settings(settings):
    settings.CERTIFICATION_REVIEW_MONTHS = 6
    settings.REVIEW_GRACE_DAYS = 10

    assert validity(effective_on=dt.date(2026, 11, 10)) == (dt.date(2027, 5, 10), dt.date(2027, 5, 20))


# --- certification_issue ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_creates_an_active_certification_effective_on_the_given_day():
    application = in_announcement()

    cert = certification_issue(application=application, on=dt.date(2026, 11, 10))

    assert cert.status == CertificationStatus.ACTIVE
    assert (cert.holder, cert.application, cert.disease) == (application.applicant, application, application.disease)
    assert (cert.effective_on, cert.next_review_due, cert.valid_until) == (
        dt.date(2026, 11, 10),
        dt.date(2027, 11, 10),
        dt.date(2027, 12, 10),
    )
    assert CODE_RE.fullmatch(cert.code)


@pytest.mark.django_db
def test_issuing_twice_returns_the_first_certification():
    application = in_announcement()
    first = certification_issue(application=application, on=dt.date(2026, 11, 10))

    second = certification_issue(application=application, on=dt.date(2026, 11, 17))

    assert second == first
    assert second.effective_on == dt.date(2026, 11, 10)
    assert Certification.objects.count() == 1


@pytest.mark.django_db
def test_issue_draws_a_new_code_when_the_first_one_is_taken():
    taken = "AAAA-AAAA-AAAA-AAAA-AAAA"
    with mock.patch("certification.services.verification_code_new", return_value=taken):
        certification_issue(application=in_announcement(), on=dt.date(2026, 11, 10))
    codes = iter([taken, "BBBB-BBBB-BBBB-BBBB-BBBB"])

    with mock.patch("certification.services.verification_code_new", side_effect=lambda: next(codes)):
        cert = certification_issue(application=in_announcement(), on=dt.date(2026, 11, 10))

    assert cert.code == "BBBB-BBBB-BBBB-BBBB-BBBB"
    assert Certification.objects.count() == 2


# --- certification_is_valid ---------------------------------------------------------------------------------


VALID_UNTIL = dt.date(2027, 12, 10)


def certification(status: str) -> Certification:
    # Unsaved: the check reads only status and valid_until.
    return Certification(status=status, valid_until=VALID_UNTIL, next_review_due=dt.date(2027, 11, 10))


@pytest.mark.parametrize("status", [CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE])
def test_live_certification_is_valid_through_its_last_day(status):
    assert certification_is_valid(certification=certification(status), on=dt.date(2026, 11, 10))
    assert certification_is_valid(certification=certification(status), on=VALID_UNTIL)


@pytest.mark.parametrize("status", [CertificationStatus.ACTIVE, CertificationStatus.REVIEW_DUE])
def test_live_certification_is_invalid_after_valid_until(status):
    assert not certification_is_valid(certification=certification(status), on=VALID_UNTIL + dt.timedelta(days=1))


@pytest.mark.parametrize("status", [CertificationStatus.LAPSED, CertificationStatus.REVOKED])
def test_lapsed_or_revoked_certification_is_invalid_even_before_valid_until(status):
    assert not certification_is_valid(certification=certification(status), on=dt.date(2026, 11, 10))


# --- verification code ---------------------------------------------------------------------------------------


def test_verification_code_is_five_groups_of_four_base32_characters():
    assert CODE_RE.fullmatch(verification_code_new())


def test_no_two_characters_of_a_verification_code_look_alike():
    used = set("".join(verification_code_new() for _ in range(500)).replace("-", ""))
    assert not used & set("OILU")  # the look-alikes of 0, 1 and V are never printed
    assert len(used) == 32  # and every other digit and capital is


def test_verification_code_fits_the_code_column():
    assert len(verification_code_new()) <= Certification._meta.get_field("code").max_length


def test_a_thousand_verification_codes_are_all_distinct():
    codes = [verification_code_new() for _ in range(1000)]

    assert all(CODE_RE.fullmatch(code) for code in codes)
    assert len(set(codes)) == 1000
