"""After approval: the annual qualification review (资格复核) — reminders, `review_due`, lapse after the
grace period, the review itself through the API — and revocation by an officer.

The daily job is `certification.jobs.annual_reviews(on=…)`, also run as
`manage.py run_jobs annual_reviews --on YYYY-MM-DD`. Deliveries are queued when the job's writes
commit; the helpers run the commit callbacks and Celery runs eagerly, so the SMS outbox fills during
the call.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from rest_framework.test import APIClient

from applications.models import Application, ApplicationKind, ApplicationStatus
from applications.services import annual_review_open
from certification.jobs import annual_reviews
from certification.models import CertificationStatus
from certification.services import certification_revoke
from config.domain import InvalidInput
from notifications.channels import LocMemSmsBackend
from notifications.models import DeliveryStatus, Notification
from reviews.calendar import calendar_seed
from reviews.models import ReviewAssignment
from reviews.services import review_decide
from tests.certification.helpers import (
    API,
    at,
    certified,
    client_for,
    error,
    holder,
    notifications,
    reminder_stages,
    sms_to,
    submit,
    upload_base,
    upload_medical,
)
from tests.factories import DiseaseFactory, HospitalFactory, UserFactory
from tests.reviews.review_helpers import category, expert, officer

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 31)
LAPSE_DUE = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _calendar(db):
    calendar_seed(years=[2026])


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    LocMemSmsBackend.outbox.clear()
    yield
    LocMemSmsBackend.outbox.clear()


@pytest.fixture
def person():
    return holder(username="holder", name="张三丰", phone="13912345678")


@pytest.fixture
def certification(person):
    return certified(person, disease=DiseaseFactory(code="M01600", name="糖尿病"), due=DUE)


def run(day: dt.date) -> str:
    """The daily job as it runs on `day` (today is `day`), its deliveries sent as its writes commit."""
    with at(day, hour=7), TestCase.captureOnCommitCallbacks(execute=True):
        return annual_reviews(on=day)


def run_command(day: dt.date, *, today: dt.date | None = None) -> None:
    """`manage.py run_jobs annual_reviews --on day`, run on `today` (default: that same day)."""
    with at(today or day, hour=7), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_jobs", "annual_reviews", "--on", day.isoformat(), stdout=_Discard())


class _Discard:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def verify(code: str) -> dict:
    response = APIClient().get(f"{API}/certificates/verify/{code}/")
    assert response.status_code == 200
    return response.json()


# --- reminders and review_due ----------------------------------------------------------------------


def test_thirty_days_before_the_due_date_the_certification_becomes_review_due(certification):
    run(dt.date(2026, 12, 1))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVIEW_DUE


def test_thirty_days_before_the_due_date_the_first_reminder_is_sent(certification, person):
    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == ["d30"]
    (reminder,) = notifications(person, "annual_review_reminder")
    assert "2026年12月31日" in reminder.body
    assert "糖尿病" in reminder.body


def test_thirty_one_days_before_the_due_date_nothing_happens(certification):
    run(dt.date(2026, 11, 30))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE
    assert reminder_stages(certification) == []


def test_replaying_the_same_day_sends_no_second_reminder(certification, person):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == ["d30"]
    assert len(sms_to(person)) == 1


def test_seven_days_before_the_due_date_the_second_reminder_is_sent(certification):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))

    assert reminder_stages(certification) == ["d30", "d7"]


def test_on_the_due_date_the_third_reminder_is_sent(certification):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))
    run(dt.date(2026, 12, 31))

    assert reminder_stages(certification) == ["d30", "d7", "d0"]


def test_daily_runs_replayed_twice_a_day_send_each_reminder_exactly_once(certification, person):
    for day in days(dt.date(2026, 11, 25), dt.date(2027, 1, 10)):
        run(day)
        run(day)

    assert reminder_stages(certification) == ["d30", "d7", "d0"]
    assert len(sms_to(person)) == 3


def test_run_jobs_command_sends_each_reminder_once_across_replays(certification, person):
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 24), dt.date(2026, 12, 31)):
        run_command(day)
        run_command(day)
    # An operator replays the whole month afterwards: nothing new goes out.
    for day in days(dt.date(2026, 12, 1), dt.date(2026, 12, 31)):
        run_command(day, today=dt.date(2027, 1, 2))

    assert reminder_stages(certification) == ["d30", "d7", "d0"]
    assert len(sms_to(person)) == 3


def test_run_jobs_refuses_to_act_as_a_future_day(certification):
    with pytest.raises(CommandError, match="later than today"):
        run_command(dt.date(2026, 12, 1), today=dt.date(2026, 11, 30))

    assert reminder_stages(certification) == []


def test_a_missed_thirty_day_run_is_caught_up_on_the_next_run(certification):
    # The job did not run on 12-01; its first run is on 12-05.
    run(dt.date(2026, 12, 5))

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVIEW_DUE
    assert reminder_stages(certification) == ["d30"]


def test_a_caught_up_reminder_states_the_days_really_left(certification, person):
    run(dt.date(2026, 12, 5))

    (reminder,) = notifications(person, "annual_review_reminder")
    assert "30天后" not in reminder.body


def test_a_caught_up_reminder_is_never_sent_again(certification, person):
    for day in days(dt.date(2026, 12, 5), dt.date(2026, 12, 23)):
        run(day)

    assert reminder_stages(certification) == ["d30"]
    assert len(sms_to(person)) == 1


def test_reminders_go_out_by_sms_too(certification, person):
    run(dt.date(2026, 12, 1))
    run(dt.date(2026, 12, 24))
    run(dt.date(2026, 12, 31))

    texts = sms_to(person)
    assert len(texts) == 3
    assert all("年度复核" in text for text in texts)
    # SMS carries no disease name (sensitive medical data).
    assert not any("糖尿病" in text for text in texts)


def test_bulk_created_reminders_are_marked_delivered(certification):
    run(dt.date(2026, 12, 1))

    (reminder,) = Notification.objects.filter(kind="annual_review_reminder")
    assert reminder.sms_status == DeliveryStatus.SENT
    assert reminder.delivery_attempts == 1


def test_one_reminder_per_certification_in_a_batch(person):
    others = [certified(holder(), due=DUE) for _ in range(3)]
    mine = certified(person, due=DUE)

    run(dt.date(2026, 12, 1))

    for certification in [*others, mine]:
        assert reminder_stages(certification) == ["d30"]
    assert len(LocMemSmsBackend.outbox) == 4


def test_no_reminder_while_an_annual_review_is_open(certification, person):
    with at(dt.date(2026, 12, 1)):
        annual_review_open(certification=certification, user=person)

    run(dt.date(2026, 12, 1))

    assert reminder_stages(certification) == []
    assert sms_to(person) == []


def test_reminders_resume_when_the_open_review_is_withdrawn(certification, person):
    with at(dt.date(2026, 12, 1)):
        review = annual_review_open(certification=certification, user=person)
    run(dt.date(2026, 12, 1))
    review.status = ApplicationStatus.WITHDRAWN
    review.save(update_fields=["status"])

    run(dt.date(2026, 12, 2))

    assert reminder_stages(certification) == ["d30"]


@pytest.mark.parametrize("status", [CertificationStatus.REVOKED, CertificationStatus.LAPSED])
def test_a_dead_certification_gets_no_reminder(person, status):
    certification = certified(person, due=DUE, status=status)

    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 24), dt.date(2026, 12, 31)):
        run(day)

    certification.refresh_from_db()
    assert certification.status == status
    assert reminder_stages(certification) == []
    assert sms_to(person) == []


# --- lapse after the grace period ------------------------------------------------------------------


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
            },
            format="json",
        )
    assert response.status_code == 201, response.content


# --- the annual review through the API -------------------------------------------------------------


REVIEW_DAY = dt.date(2026, 12, 7)


def open_review(client: APIClient, certification) -> object:
    response = client.post(f"{API}/certificates/{certification.pk}/reviews/")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_holder_opens_an_annual_review_as_a_draft(certification, person):
    run(dt.date(2026, 12, 1))

    with at(REVIEW_DAY):
        response = client_for(person).post(f"{API}/certificates/{certification.pk}/reviews/")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "annual_review"
    assert body["status"] == "draft"
    assert body["disease"]["code"] == "M01600"
    review = Application.objects.get(pk=body["id"])
    assert review.reviewed_certification_id == certification.pk


def test_a_second_annual_review_while_one_is_open_is_refused(certification, person):
    client = client_for(person)
    with at(REVIEW_DAY):
        open_review(client, certification)
        response = client.post(f"{API}/certificates/{certification.pk}/reviews/")

    assert response.status_code == 409
    assert response.json()["type"] == "annual_review_open"
    assert Application.objects.filter(kind=ApplicationKind.ANNUAL_REVIEW).count() == 1


def test_another_user_cannot_open_a_review_of_my_certificate(certification):
    stranger = client_for(UserFactory(username="stranger"))

    with at(REVIEW_DAY):
        response = stranger.post(f"{API}/certificates/{certification.pk}/reviews/")

    assert response.status_code == 404
    assert not Application.objects.filter(kind=ApplicationKind.ANNUAL_REVIEW).exists()


def test_a_review_without_reexam_evidence_passes_on_the_check(
    certification, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    client = client_for(person)

    with at(REVIEW_DAY):
        review = open_review(client, certification)
        upload_base(client, review["id"])
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "effective", body["problems"]
    assert not ReviewAssignment.objects.filter(application_id=review["id"]).exists()


def test_a_passed_review_moves_the_next_review_a_year_on(certification, person, django_capture_on_commit_callbacks):
    run(dt.date(2026, 12, 1))
    client = client_for(person)

    with at(REVIEW_DAY):
        review = open_review(client, certification)
        upload_base(client, review["id"])
        submit(client, review["id"], django_capture_on_commit_callbacks)

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE
    assert certification.next_review_due == dt.date(2027, 12, 31)
    assert certification.valid_until == dt.date(2028, 1, 30)
    assert len(notifications(person, "annual_review_passed")) == 1


def test_after_a_passed_review_no_more_reminders_this_year(certification, person, django_capture_on_commit_callbacks):
    run(dt.date(2026, 12, 1))
    client = client_for(person)
    with at(REVIEW_DAY):
        review = open_review(client, certification)
        upload_base(client, review["id"])
        submit(client, review["id"], django_capture_on_commit_callbacks)

    for day in (dt.date(2026, 12, 24), dt.date(2026, 12, 31), dt.date(2027, 2, 1)):
        run(day)

    assert reminder_stages(certification) == ["d30"]
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE


def test_a_second_review_in_the_same_year_does_not_push_the_due_date_further(
    certification, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    client = client_for(person)
    with at(REVIEW_DAY):
        first = open_review(client, certification)
        upload_base(client, first["id"])
        submit(client, first["id"], django_capture_on_commit_callbacks)
        # The fix may refuse the second review (not due yet) or let it pass without moving the date.
        again = client.post(f"{API}/certificates/{certification.pk}/reviews/")
        if again.status_code == 201:
            upload_base(client, again.json()["id"])
            submit(client, again.json()["id"], django_capture_on_commit_callbacks)

    certification.refresh_from_db()
    assert certification.next_review_due == dt.date(2027, 12, 31)


def test_a_review_missing_its_base_documents_needs_supplement(
    certification, person, django_capture_on_commit_callbacks
):
    client = client_for(person)

    with at(REVIEW_DAY):
        review = open_review(client, certification)
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert {p["field"] for p in body["problems"]} >= {"documents.id_card_front", "documents.insurance_card"}


# Re-examination evidence: a recent lab report and an imaging report (180 days for this disease).
REEXAM = {"all": ["exam_report", "imaging_report"]}


@pytest.fixture
def reexam_certification(person):
    cat = category("kidney", "慢性肾脏病")
    disease = DiseaseFactory(
        code="M07800",
        name="慢性肾功能不全",
        category=cat,
        requires_annual_reexam=True,
        reexam_evidence=REEXAM,
        record_max_age_days=180,
    )
    return certified(person, disease=disease, due=DUE)


@pytest.fixture
def kidney_expert(reexam_certification):
    return expert(reexam_certification.disease.category, username="kidney-expert")


def test_a_reexam_review_without_the_evidence_needs_supplement(
    reexam_certification, person, django_capture_on_commit_callbacks
):
    client = client_for(person)

    with at(REVIEW_DAY):
        review = open_review(client, reexam_certification)
        upload_base(client, review["id"])
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert [(p["code"], p["field"]) for p in body["problems"]] == [
        ("document_missing", "documents.exam_report"),
        ("document_missing", "documents.imaging_report"),
    ]
    reexam_certification.refresh_from_db()
    assert reexam_certification.next_review_due == DUE


def test_a_reexam_review_with_stale_evidence_names_the_old_report(
    reexam_certification, person, django_capture_on_commit_callbacks
):
    client = client_for(person)
    hospital = HospitalFactory(level=3)

    with at(REVIEW_DAY):
        review = open_review(client, reexam_certification)
        upload_base(client, review["id"])
        old = upload_medical(
            client, review["id"], "exam_report", issued_on=REVIEW_DAY - dt.timedelta(days=181), hospital=hospital
        )
        upload_medical(client, review["id"], "imaging_report", issued_on=REVIEW_DAY, hospital=hospital)
        body = submit(client, review["id"], django_capture_on_commit_callbacks)

    assert body["status"] == "needs_supplement"
    assert [(p["code"], p["field"]) for p in body["problems"]] == [
        ("document_too_old", f"documents.{old['id']}"),
        ("document_missing", "documents.exam_report"),
    ]


def submit_complete_reexam(client, certification, capture) -> dict:
    hospital = HospitalFactory(level=3)
    review = open_review(client, certification)
    upload_base(client, review["id"])
    for kind in REEXAM["all"]:
        upload_medical(client, review["id"], kind, issued_on=REVIEW_DAY - dt.timedelta(days=20), hospital=hospital)
    return submit(client, review["id"], capture)


def test_a_complete_reexam_review_goes_to_one_expert(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    expert(reexam_certification.disease.category, username="second-kidney-expert")

    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)

    assert body["status"] == "under_review", body["problems"]
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])
    assert assignment.round == 1
    reexam_certification.refresh_from_db()
    assert reexam_certification.next_review_due == DUE  # not renewed before the expert decides


def test_the_experts_approval_renews_the_certification(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])

    with at(REVIEW_DAY + dt.timedelta(days=3)):
        review_decide(assignment_id=assignment.pk, expert=kidney_expert, decision="approve")

    review = Application.objects.get(pk=body["id"])
    assert review.status == ApplicationStatus.EFFECTIVE
    reexam_certification.refresh_from_db()
    assert reexam_certification.status == CertificationStatus.ACTIVE
    assert reexam_certification.next_review_due == dt.date(2027, 12, 31)
    assert reexam_certification.valid_until == dt.date(2028, 1, 30)


def test_the_experts_rejection_leaves_the_certification_due(
    reexam_certification, kidney_expert, person, django_capture_on_commit_callbacks
):
    run(dt.date(2026, 12, 1))
    with at(REVIEW_DAY):
        body = submit_complete_reexam(client_for(person), reexam_certification, django_capture_on_commit_callbacks)
    (assignment,) = ReviewAssignment.objects.filter(application_id=body["id"])

    with at(REVIEW_DAY + dt.timedelta(days=3)):
        review_decide(assignment_id=assignment.pk, expert=kidney_expert, decision="reject", reason="复查指标不符合")

    assert Application.objects.get(pk=body["id"]).status == ApplicationStatus.REJECTED
    reexam_certification.refresh_from_db()
    assert reexam_certification.status == CertificationStatus.REVIEW_DUE
    assert reexam_certification.next_review_due == DUE


# --- revocation ------------------------------------------------------------------------------------


def test_an_officer_revokes_with_a_reason(certification):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇，经核查属实")

    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVOKED
    assert certification.status_reason == "骗取待遇，经核查属实"


def test_a_revocation_notifies_the_holder_once(certification, person):
    by = officer()
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=by, reason="骗取待遇")
        certification_revoke(certification=certification, officer=by, reason="骗取待遇")

    (notice,) = notifications(person, "certification_revoked")
    assert "骗取待遇" in notice.body


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_revocation_needs_a_reason(certification, reason):
    with at(dt.date(2026, 6, 1)), pytest.raises(InvalidInput) as raised:
        certification_revoke(certification=certification, officer=officer(), reason=reason)

    assert raised.value.code == "reason_required"
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.ACTIVE


def test_a_revoked_certificate_is_not_valid_on_verify(certification):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇")
        body = verify(certification.code)

    assert body["valid"] is False
    assert body["status"] == "revoked"


def test_a_revoked_certificate_cannot_be_reviewed(certification, person):
    with at(dt.date(2026, 6, 1)):
        certification_revoke(certification=certification, officer=officer(), reason="骗取待遇")
        response = client_for(person).post(f"{API}/certificates/{certification.pk}/reviews/")

    assert response.status_code == 409
    assert error(response)["type"] == "certification_not_live"


def test_annual_review_cannot_be_opened_before_its_window(certification, person):
    from config.domain import InvalidState

    with at(dt.date(2026, 11, 30)), pytest.raises(InvalidState) as refused:
        annual_review_open(certification=certification, user=person)
    assert refused.value.code == "annual_review_not_due"


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
