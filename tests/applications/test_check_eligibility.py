"""The completeness check (一次性告知), `application_problems` rule by rule: the diagnosis, the insurance
registry, and one open application or live certification per person and disease."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from applications.models import ApplicationKind, ApplicationStatus, InsuredStatus
from tests.applications.check_helpers import (
    ON,
    application,
    codes,
    disease,
    hospital,
    live_certification,
    problems_of,
    registry,
)
from tests.factories import ApplicationFactory, HospitalFactory

pytestmark = pytest.mark.django_db


# --- the diagnosis ---------------------------------------------------------------------------------


def test_diagnosing_hospital_of_level_1_is_a_problem():
    app = application(diagnosing_hospital=hospital(level=1))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("diagnosing_hospital_level", "diagnosing_hospital")]


def test_diagnosis_date_in_the_future_is_a_problem():
    app = application(diagnosis_date=ON + dt.timedelta(days=1))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("diagnosis_date_future", "diagnosis_date")]


def test_diagnosis_dated_on_the_check_day_is_fine():
    assert problems_of(application(diagnosis_date=ON)) == []


# --- insurance ---------------------------------------------------------------------------------------


def test_applicant_not_in_the_registry_is_a_problem():
    app = application(insured=False)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("not_insured", "insured")]


@pytest.mark.parametrize("status", [InsuredStatus.SUSPENDED, InsuredStatus.TERMINATED])
def test_registry_status_other_than_active_is_a_problem(status):
    app = application()
    registry(app).update(status=status)
    problems = problems_of(app)
    assert [(p["code"], p["field"]) for p in problems] == [("insurance_not_active", "insured")]
    assert InsuredStatus(status).label in problems[0]["message"]


def test_insured_outside_the_6209_pooling_region_is_a_problem():
    app = application()
    registry(app).update(region_code="620102")
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("insured_elsewhere", "insured")]


@override_settings(POOLING_REGION_PREFIX="6201")
def test_pooling_region_prefix_setting_is_honoured():
    lanzhou = application()
    registry(lanzhou).update(region_code="620102")
    jiuquan = application()
    assert problems_of(lanzhou) == []
    assert codes(problems_of(jiuquan)) == ["insured_elsewhere"]


def test_account_name_differing_from_the_registry_is_a_problem():
    app = application()
    registry(app).update(name="另一人")
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("name_mismatch", "insured")]


# --- one open application or live certification per person and disease ----------------------------


def test_second_open_application_for_the_same_disease_cannot_even_be_stored():
    """The partial unique constraint makes the check's duplicate rule unreachable in a consistent DB."""
    app = application()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(applicant=app.applicant, disease=app.disease, under_review=True)


def test_duplicate_open_application_rule_still_guards_if_the_constraint_is_missing():
    app = application()
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute('DROP INDEX "one_open_application_per_person_disease"')
    ApplicationFactory(applicant=app.applicant, disease=app.disease, under_review=True)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("duplicate_open_application", "disease_code")]


@pytest.mark.parametrize("status", [ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
def test_closed_application_for_the_same_disease_is_not_a_duplicate(status):
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=app.disease, status=status)
    assert problems_of(app) == []


def test_open_application_for_another_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=disease(), under_review=True)
    assert problems_of(app) == []


def test_open_annual_review_for_the_same_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=app.disease, kind=ApplicationKind.ANNUAL_REVIEW, submitted=True)
    assert problems_of(app) == []


def test_live_certification_for_the_same_disease_is_a_problem():
    app = application()
    live_certification(app)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("duplicate_certification", "disease_code")]


def test_another_persons_open_application_for_the_same_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(disease=app.disease, under_review=True)
    assert problems_of(app) == []


def test_lapsed_certification_for_the_same_disease_is_not_a_problem():
    app = application()
    live_certification(app).__class__.objects.update(status="lapsed")
    assert problems_of(app) == []


def test_change_application_for_a_certified_disease_is_not_a_duplicate():
    app = application()
    live_certification(app)
    type(app).objects.filter(pk=app.pk).update(kind=ApplicationKind.CHANGE)
    app.refresh_from_db()
    assert problems_of(app) == []


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "请选择1至3家定点医疗机构。"),
        (["H-NOWHERE"], "机构编码“H-NOWHERE”不存在。"),
        (["A", "B", "C", "D"], "定点医疗机构最多选择3家。"),
    ],
)
def test_a_missing_or_invalid_choice_of_designated_points_is_named(points, message):
    app = application(designated_points=points)
    assert [(p["code"], p["field"], p["message"]) for p in problems_of(app)] == [
        ("designated_points_invalid", "designated_points", message)
    ]


def test_a_hospital_that_is_not_designated_cannot_be_chosen():
    undesignated = HospitalFactory(level=3, is_designated=False, name="某私立医院")
    app = application(designated_points=[undesignated.code])
    assert [p["message"] for p in problems_of(app)] == ["某私立医院不是定点医疗机构。"]
