"""The lapse after the grace period: the last day of grace, the lapse and its notice, verify, what a
lapsed holder may still do, and no lapse while the bureau has a review submitted in time."""

from __future__ import annotations

import datetime as dt

import pytest

from certification.models import CertificationStatus
from tests.certification.annual_review_helpers import days, run, run_command, verify
from tests.certification.helpers import API, at, certified, client_for, notifications, reminder_stages
from tests.factories import DiseaseFactory, HospitalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_calendar", "_empty_sms_outbox")]


LAPSE_DUE = dt.date(2026, 10, 1)


@pytest.fixture
def due_in_october(person):
    return certified(person, disease=DiseaseFactory(code="M03900", name="高血压"), due=LAPSE_DUE)


def test_on_the_last_day_of_grace_the_certification_is_still_review_due(due_in_october):
    # Due 10-01 + 30 days of grace: 10-31 is the last day.
    run(dt.date(2026, 10, 31))

    due_in_october.refresh_from_db()
    assert due_in_october.status == CertificationStatus.REVIEW_DUE
    assert notifications(due_in_october.holder, "certification_lapsed") == []


def test_on_the_last_day_of_grace_verify_still_says_valid(due_in_october):
    run(dt.date(2026, 10, 31))

    with at(dt.date(2026, 10, 31), hour=15):
        body = verify(due_in_october.code)
    assert body["valid"] is True
    assert body["status"] == "review_due"
    assert body["valid_until"] == "2026-10-31"


def test_the_day_after_the_grace_period_the_certification_lapses(due_in_october):
    run(dt.date(2026, 11, 1))

    due_in_october.refresh_from_db()
    assert due_in_october.status == CertificationStatus.LAPSED
    assert "逾期未完成年度资格复核" in due_in_october.status_reason


def test_a_lapse_sends_one_notice_across_replays(due_in_october, person):
    run(dt.date(2026, 11, 1))
    run(dt.date(2026, 11, 1))
    run(dt.date(2026, 11, 2))

    (notice,) = notifications(person, "certification_lapsed")
    assert "高血压" in notice.body
    assert "30天宽限期" in notice.body


def test_the_due_day_reminder_is_the_last_one_before_the_lapse(due_in_october):
    for day in days(dt.date(2026, 9, 1), dt.date(2026, 11, 5)):
        run(day)

    assert reminder_stages(due_in_october) == ["d30", "d7", "d0"]
    due_in_october.refresh_from_db()
    assert due_in_october.status == CertificationStatus.LAPSED


def test_a_lapsed_certificate_is_not_valid_on_verify(due_in_october):
    run(dt.date(2026, 11, 1))

    with at(dt.date(2026, 11, 1), hour=15):
        body = verify(due_in_october.code)
    assert body["valid"] is False
    assert body["status"] == "lapsed"


def test_a_lapse_found_late_by_a_replay_is_still_noticed_once(due_in_october, person):
    # Nothing ran for the whole grace period; the operator's first run acts as 11-20.
    run_command(dt.date(2026, 11, 20), today=dt.date(2026, 11, 21))
    run_command(dt.date(2026, 11, 20), today=dt.date(2026, 11, 21))

    due_in_october.refresh_from_db()
    assert due_in_october.status == CertificationStatus.LAPSED
    assert len(notifications(person, "certification_lapsed")) == 1
    # Past the grace period there is nothing left to remind about.
    assert reminder_stages(due_in_october) == []


def test_a_lapsed_certificate_cannot_be_reviewed(due_in_october, person):
    run(dt.date(2026, 11, 1))

    with at(dt.date(2026, 11, 2)):
        response = client_for(person).post(f"{API}/certificates/{due_in_october.pk}/reviews/")
    assert response.status_code == 409
    assert response.json()["type"] == "certification_not_live"


def test_a_lapsed_holder_may_apply_again_for_the_disease(due_in_october, person):
    run(dt.date(2026, 11, 1))
    hospital = HospitalFactory(level=3)

    with at(dt.date(2026, 11, 2)):
        response = client_for(person).post(
            f"{API}/applications/",
            {
                "disease_code": due_in_october.disease.code,
                "diagnosis_date": "2026-10-20",
                "diagnosing_hospital": hospital.code,
                "designated_points": [hospital.code],
            },
            format="json",
        )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(("review_status", "lapses"), [("under_review", False), ("submitted", False), ("draft", True)])
def test_no_lapse_while_the_bureau_reviews_a_review_submitted_in_time(due_in_october, person, review_status, lapses):
    from tests.factories import ApplicationFactory

    ApplicationFactory(
        applicant=person,
        disease=due_in_october.disease,
        kind="annual_review",
        reviewed_certification=due_in_october,
        status=review_status,
    )
    run(dt.date(2026, 11, 1))

    due_in_october.refresh_from_db()
    assert (due_in_october.status == CertificationStatus.LAPSED) is lapses
