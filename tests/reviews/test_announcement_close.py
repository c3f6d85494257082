"""The announcement period on the official calendar and its close (DESIGN §2 step 6, §6): entries take
effect, certifications are issued, held or objected entries do not."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts.roles import OFFICERS
from applications.models import ApplicationEvent, ApplicationStatus, InsuranceType
from certification.models import Certification, CertificationStatus
from notifications.models import Notification
from reviews.models import AnnouncementEntry, EntryStatus
from tests.factories import DiseaseFactory, UserFactory
from tests.reviews.announcement_helpers import (
    MON_NOV_2,
    NOV_2_ENDS,
    approved,
    at,
    close,
    daily,
    entry_of,
    publish,
    refreshed,
    run_jobs,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("official_2026")]


CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")  # Crockford base32


# --- the period on the official calendar ---------------------------------------------------------------


def test_period_across_national_day_ends_on_the_makeup_saturday():
    # Official 2026 calendar: 国庆节 1–7 October off, Saturday 10 October a make-up working day.
    # Working days after Monday 28 September: 29 Sep (1), 30 Sep (2), 8 Oct (3), 9 Oct (4), Sat 10 Oct (5).
    approved()

    (batch,) = publish(dt.date(2026, 9, 28))

    assert batch.ends_on == dt.date(2026, 10, 10)


def test_period_over_a_plain_weekend_ends_on_the_following_monday():
    approved()

    (batch,) = publish(MON_NOV_2)

    assert batch.ends_on == NOV_2_ENDS


def test_period_length_is_a_setting(settings):
    settings.ANNOUNCEMENT_WORKING_DAYS = 3
    approved()

    (batch,) = publish(MON_NOV_2)

    assert batch.ends_on == dt.date(2026, 11, 5)


def test_period_across_national_day_takes_effect_only_from_october_11():
    application = approved()
    publish(dt.date(2026, 9, 28))

    assert close(dt.date(2026, 10, 10)) == 0
    assert refreshed(application).status == ApplicationStatus.IN_ANNOUNCEMENT
    assert close(dt.date(2026, 10, 11)) == 1
    assert refreshed(application).status == ApplicationStatus.EFFECTIVE


# --- close ----------------------------------------------------------------------------------------------


def test_nothing_takes_effect_on_the_last_day_of_the_period():
    application = approved()
    publish(MON_NOV_2)

    assert close(NOV_2_ENDS) == 0

    assert entry_of(application).status == EntryStatus.LISTED
    assert refreshed(application).status == ApplicationStatus.IN_ANNOUNCEMENT
    assert not Certification.objects.exists()


def test_close_the_day_after_the_period_makes_the_entry_and_application_effective():
    application = approved()
    publish(MON_NOV_2)

    assert close(NOV_2_ENDS + dt.timedelta(days=1)) == 1

    assert entry_of(application).status == EntryStatus.EFFECTIVE
    assert refreshed(application).status == ApplicationStatus.EFFECTIVE
    event = ApplicationEvent.objects.filter(application=application).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("in_announcement", "effective", None)


def test_close_replayed_a_week_later_with_run_jobs_takes_effect_as_that_day():
    application = approved()
    publish(MON_NOV_2)
    replay_day = dt.date(2026, 11, 16)

    output = run_jobs(replay_day)

    assert "1 entries took effect" in output
    assert refreshed(application).status == ApplicationStatus.EFFECTIVE
    assert Certification.objects.get(application=application).effective_on == replay_day


def test_close_issues_an_active_certification_dated_the_close_day():
    application = approved(insurance_type=InsuranceType.EMPLOYEE)
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))

    cert = Certification.objects.get(application=application)
    assert cert.status == CertificationStatus.ACTIVE
    assert (cert.holder, cert.disease) == (application.applicant, application.disease)
    assert cert.insurance_type == InsuranceType.EMPLOYEE
    assert cert.effective_on == dt.date(2026, 11, 10)
    assert cert.next_review_due == dt.date(2027, 11, 10)
    assert cert.valid_until == dt.date(2027, 12, 10)  # review due + 30 days' grace
    assert CODE_RE.fullmatch(cert.code)


def test_each_certification_gets_its_own_code():
    approved()
    approved(name="李四")
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))

    codes = list(Certification.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 2


def test_certification_benefit_starts_on_the_diagnosis_date_when_applied_within_six_months():
    application = approved(diagnosed=dt.date(2026, 6, 15), submitted=dt.date(2026, 9, 1))
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))

    assert Certification.objects.get(application=application).benefit_start_date == dt.date(2026, 6, 15)


def test_certification_benefit_starts_six_months_before_a_late_application():
    application = approved(diagnosed=dt.date(2025, 1, 10), submitted=dt.date(2026, 9, 1))
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))

    assert Certification.objects.get(application=application).benefit_start_date == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("insurance_type", "ratio", "limit"),
    [
        (InsuranceType.EMPLOYEE, Decimal("0.85"), 18000),
        (InsuranceType.FLEXIBLE, Decimal("0.85"), 18000),  # flexible employment is treated as employee
        (InsuranceType.RESIDENT, Decimal("0.55"), 8000),
    ],
)
def test_certification_reimbursement_comes_from_the_disease_by_insurance_type(insurance_type, ratio, limit):
    disease = DiseaseFactory(
        employee_ratio=Decimal("0.85"),
        employee_annual_limit=18000,
        resident_ratio=Decimal("0.55"),
        resident_annual_limit=8000,
    )
    application = approved(insurance_type=insurance_type, disease=disease)
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))

    cert = Certification.objects.get(application=application)
    assert (cert.insurance_type, cert.reimbursement_ratio, cert.annual_limit) == (insurance_type, ratio, limit)


def test_applicant_is_notified_once_when_effective():
    application = approved()
    publish(MON_NOV_2)

    close(dt.date(2026, 11, 10))
    close(dt.date(2026, 11, 11))

    notes = Notification.objects.filter(user=application.applicant, kind="effective")
    assert notes.count() == 1
    cert = Certification.objects.get(application=application)
    assert cert.code in notes.get().body


def test_effective_email_and_sms_do_not_name_the_disease(settings, mailoutbox):
    from notifications.services import notification_deliver

    settings.NOTIFY_EMAIL = True
    application = approved(disease=DiseaseFactory(name="艾滋病"))
    type(application.applicant).objects.filter(pk=application.applicant.pk).update(email="zhang@example.com")
    publish(MON_NOV_2)
    close(dt.date(2026, 11, 10))
    note = Notification.objects.get(user=application.applicant, kind="effective")

    notification_deliver(notification_id=note.pk)

    assert "艾滋病" not in note.short_text
    assert [(mail.subject, mail.body) for mail in mailoutbox if "艾滋病" in mail.subject + mail.body] == []


def test_running_close_twice_changes_nothing():
    application = approved()
    publish(MON_NOV_2)
    close(dt.date(2026, 11, 10))
    cert = Certification.objects.get()
    events = ApplicationEvent.objects.filter(application=application).count()
    notes = Notification.objects.count()

    assert close(dt.date(2026, 11, 10)) == 0

    assert Certification.objects.get() == cert
    assert Certification.objects.get().code == cert.code
    assert ApplicationEvent.objects.filter(application=application).count() == events
    assert Notification.objects.count() == notes


def test_held_entry_does_not_take_effect():
    application = approved()
    publish(MON_NOV_2)
    AnnouncementEntry.objects.filter(application=application).update(status=EntryStatus.HELD)

    assert close(dt.date(2026, 11, 16)) == 0

    assert entry_of(application).status == EntryStatus.HELD
    assert refreshed(application).status == ApplicationStatus.IN_ANNOUNCEMENT
    assert not Certification.objects.exists()


def test_entry_with_an_open_objection_does_not_take_effect():
    from reviews.announcements import objection_file

    application = approved()
    publish(MON_NOV_2)
    with at(dt.date(2026, 11, 5), hour=15):
        objection_file(
            entry_id=entry_of(application).pk, reason="此人并未患病", contact_name="王五", contact_phone="13900000000"
        )

    close(dt.date(2026, 11, 10))

    assert entry_of(application).status == EntryStatus.HELD
    assert not Certification.objects.exists()


def test_dismissed_objection_lets_the_entry_take_effect_at_the_next_close():
    from reviews.announcements import objection_file, objection_resolve

    officer = UserFactory(is_staff=True, id_number="", name="经办员")
    officer.groups.add(Group.objects.get_or_create(name=OFFICERS)[0])
    application = approved()
    publish(MON_NOV_2)
    with at(dt.date(2026, 11, 5), hour=15):
        objection = objection_file(
            entry_id=entry_of(application).pk, reason="此人并未患病", contact_name="王五", contact_phone="13900000000"
        )
    close(dt.date(2026, 11, 10))
    with at(dt.date(2026, 11, 12), hour=15):
        objection_resolve(objection_id=objection.pk, officer=officer, upheld=False, resolution="经核实诊断属实")

    assert close(dt.date(2026, 11, 13)) == 1

    assert refreshed(application).status == ApplicationStatus.EFFECTIVE
    assert Certification.objects.get(application=application).effective_on == dt.date(2026, 11, 13)


def test_upheld_objection_entry_never_takes_effect():
    from reviews.announcements import objection_file, objection_resolve

    officer = UserFactory(is_staff=True, id_number="", name="经办员")
    officer.groups.add(Group.objects.get_or_create(name=OFFICERS)[0])
    application = approved()
    publish(MON_NOV_2)
    with at(dt.date(2026, 11, 5), hour=15):
        objection = objection_file(
            entry_id=entry_of(application).pk, reason="此人并未患病", contact_name="王五", contact_phone="13900000000"
        )
        objection_resolve(objection_id=objection.pk, officer=officer, upheld=True, resolution="诊断证明存疑")

    close(dt.date(2026, 11, 10))

    assert entry_of(application).status == EntryStatus.WITHDRAWN
    assert refreshed(application).status == ApplicationStatus.UNDER_REVIEW
    assert not Certification.objects.exists()


def test_batch_is_marked_closed_only_when_no_entry_is_listed_or_held():
    done = approved()
    held = approved(name="李四")
    publish(MON_NOV_2)
    AnnouncementEntry.objects.filter(application=held).update(status=EntryStatus.HELD)

    close(dt.date(2026, 11, 10))
    assert entry_of(done).batch.closed_at is None

    AnnouncementEntry.objects.filter(application=held).update(status=EntryStatus.WITHDRAWN)
    close(dt.date(2026, 11, 11))
    assert entry_of(done).batch.closed_at is not None


def test_daily_job_closes_ended_periods_and_publishes_new_approvals_the_same_day():
    old = approved()
    publish(MON_NOV_2)
    new = approved(name="李四")

    summary = daily(dt.date(2026, 11, 10))

    assert refreshed(old).status == ApplicationStatus.EFFECTIVE
    assert refreshed(new).status == ApplicationStatus.IN_ANNOUNCEMENT
    assert entry_of(new).batch.published_on == dt.date(2026, 11, 10)
    assert summary.startswith("1 entries took effect; 1 batches published today")
