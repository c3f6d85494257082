"""The daily announcement job (公示): publishing approved applications in batches, the period on the
official calendar, and closing it so benefits take effect (DESIGN §2 steps 5–6, §6)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import OFFICERS
from applications.models import Application, ApplicationEvent, ApplicationStatus, InsuranceType
from certification.models import Certification, CertificationStatus
from notifications.models import Notification
from reviews.announcements import announcement_close, announcement_publish, announcements_daily
from reviews.calendar import calendar_seed
from reviews.models import AnnouncementBatch, AnnouncementEntry, EntryStatus
from tests.factories import (
    ApplicationFactory,
    DiseaseFactory,
    InsuredPersonFactory,
    UserFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MON_NOV_2 = dt.date(2026, 11, 2)
# 5 working days after Monday 2 November: 3, 4, 5, 6 and (after the weekend) Monday 9 November.
NOV_2_ENDS = dt.date(2026, 11, 9)
CODE_RE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){4}$")
_seq = itertools.count(100)


@pytest.fixture(autouse=True)
def official_2026(db):
    return calendar_seed(years=[2026])


def at(day: dt.date, hour: int = 8, minute: int = 30) -> time_machine.travel:
    """Act as `day` in China (the beat runs the job at 08:30)."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False)


def approved(
    *,
    name: str = "张三明",
    region: str | None = "620902",
    id_region: str = "620902",
    insurance_type: str = InsuranceType.EMPLOYEE,
    disease=None,
    diagnosed: dt.date = dt.date(2026, 9, 1),
    submitted: dt.date = dt.date(2026, 10, 1),
    id_number: str | None = None,
) -> Application:
    """An approved application whose applicant is in the registry at `region` (None: not registered)."""
    id_number = id_number or make_id_number(id_region, dt.date(1970, 1, 1) + dt.timedelta(days=next(_seq)), 123)
    applicant = UserFactory(name=name, id_number=id_number)
    if region is not None:
        InsuredPersonFactory(id_number=id_number, name=name, region_code=region, insurance_type=insurance_type)
    submitted_at = dt.datetime(submitted.year, submitted.month, submitted.day, 10, tzinfo=SHANGHAI)
    return ApplicationFactory(
        applicant=applicant,
        status=ApplicationStatus.APPROVED,
        disease=disease or DiseaseFactory(name="糖尿病"),
        diagnosis_date=diagnosed,
        submitted_at=submitted_at,
        accepted_at=submitted_at + dt.timedelta(hours=1),
        review_round=1,
    )


def publish(on: dt.date) -> list[AnnouncementBatch]:
    with at(on):
        return announcement_publish(on=on)


def close(on: dt.date) -> int:
    with at(on):
        return announcement_close(on=on)


def daily(on: dt.date) -> str:
    with at(on):
        return announcements_daily(on=on)


def run_jobs(on: dt.date) -> str:
    out = StringIO()
    with at(on):
        call_command("run_jobs", "announcements", "--on", on.isoformat(), stdout=out)
    return out.getvalue()


def refreshed(application: Application) -> Application:
    application.refresh_from_db()
    return application


def entry_of(application: Application) -> AnnouncementEntry:
    return AnnouncementEntry.objects.select_related("batch").get(application=application)


def id_number_ending_in_x() -> str:
    """A valid 620902 ID number whose check digit is X (the mask must keep it)."""
    for seq in range(1000):
        number = make_id_number("620902", dt.date(1980, 5, 17), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit in 1000 sequence numbers")


# --- publish: batches --------------------------------------------------------------------------------


def test_publish_puts_counties_of_one_pooling_region_into_one_batch():
    suzhou = approved(region="620902")
    yumen = approved(region="620981", name="李四")

    batches = publish(MON_NOV_2)

    # POOLING_REGION_PREFIX is "6209": the batch region is the prefecture 620900 (酒泉市).
    assert len(batches) == 1
    batch = AnnouncementBatch.objects.get()
    assert (batch.region_code, batch.region_name) == ("620900", "酒泉市")
    assert (batch.published_on, batch.ends_on) == (MON_NOV_2, NOV_2_ENDS)
    assert set(batch.entries.values_list("application", flat=True)) == {suzhou.pk, yumen.pk}


def test_publish_makes_a_separate_batch_for_another_pooling_region():
    approved(region="620902")
    approved(region="620102", name="李四")  # 兰州市城关区: prefix 6201, not 6209

    publish(MON_NOV_2)

    assert list(AnnouncementBatch.objects.order_by("region_code").values_list("region_code", "region_name")) == [
        ("620100", "兰州市"),
        ("620900", "酒泉市"),
    ]


def test_publish_with_county_level_pooling_makes_a_batch_per_county(settings):
    # Only the length of the prefix matters: 6 digits pools by county.
    settings.POOLING_REGION_PREFIX = "620902"
    approved(region="620902")
    approved(region="620981", name="李四")

    publish(MON_NOV_2)

    assert list(AnnouncementBatch.objects.order_by("region_code").values_list("region_code", "region_name")) == [
        ("620902", "肃州区"),
        ("620981", "玉门市"),
    ]


def test_running_publish_twice_the_same_day_creates_no_second_batch_or_entry():
    application = approved()
    publish(MON_NOV_2)

    second = publish(MON_NOV_2)

    assert second == []
    assert AnnouncementBatch.objects.count() == 1
    assert AnnouncementEntry.objects.filter(application=application).count() == 1


def test_application_approved_later_the_same_day_joins_that_days_batch_on_rerun():
    first = approved()
    publish(MON_NOV_2)
    later = approved(name="李四", region="620981")

    publish(MON_NOV_2)

    batch = AnnouncementBatch.objects.get()
    assert entry_of(later).batch == batch == entry_of(first).batch
    assert batch.entries.count() == 2


def test_application_approved_the_next_day_goes_into_a_new_batch():
    first = approved()
    publish(MON_NOV_2)
    later = approved(name="李四")

    publish(MON_NOV_2 + dt.timedelta(days=1))

    assert AnnouncementBatch.objects.count() == 2
    assert entry_of(later).batch.published_on == dt.date(2026, 11, 3)
    assert entry_of(later).batch.ends_on == dt.date(2026, 11, 10)
    assert entry_of(first).batch.published_on == MON_NOV_2


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ],
)
def test_publish_ignores_applications_that_are_not_approved(status):
    application = approved()
    Application.objects.filter(pk=application.pk).update(status=status)

    assert publish(MON_NOV_2) == []
    assert not AnnouncementEntry.objects.exists()
    assert refreshed(application).status == status


def test_daily_job_from_run_jobs_publishes_once_per_day():
    application = approved()

    run_jobs(MON_NOV_2)
    run_jobs(MON_NOV_2)

    assert AnnouncementBatch.objects.count() == 1
    assert AnnouncementEntry.objects.filter(application=application).count() == 1


def test_beat_task_acts_as_the_day_in_china():
    from reviews.tasks import announcements_daily_task

    application = approved()
    publish(MON_NOV_2)

    # 07:00 on 10 November in China is still 9 November (the last day of the period) in UTC.
    with at(dt.date(2026, 11, 10), hour=7, minute=0):
        announcements_daily_task()

    assert refreshed(application).status == ApplicationStatus.EFFECTIVE
    assert Certification.objects.get(application=application).effective_on == dt.date(2026, 11, 10)


# --- publish: what the public sees ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "masked"), [("张三明", "张*明"), ("李四", "李*"), ("欧阳娜娜", "欧**娜")])
def test_entry_shows_the_masked_name(name, masked):
    application = approved(name=name)

    publish(MON_NOV_2)

    assert entry_of(application).masked_name == masked


def test_entry_shows_id_number_with_first_four_and_last_four_only():
    number = id_number_ending_in_x()
    application = approved(id_number=number)

    publish(MON_NOV_2)

    masked = entry_of(application).masked_id_number
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert re.fullmatch(r"6209\*{10}\d{3}X", masked)


@pytest.mark.parametrize(("region", "district"), [("620902", "肃州区"), ("620981", "玉门市")])
def test_entry_shows_disease_and_district_of_the_insured_region(region, district):
    application = approved(region=region, disease=DiseaseFactory(name="慢性肾功能不全"))

    publish(MON_NOV_2)

    entry = entry_of(application)
    assert (entry.disease_name, entry.district) == ("慢性肾功能不全", district)


def test_insured_region_wins_over_the_birthplace_in_the_id_number():
    application = approved(id_region="110101", region="620981")  # born in Beijing, insured in 玉门

    publish(MON_NOV_2)

    entry = entry_of(application)
    assert (entry.batch.region_code, entry.district) == ("620900", "玉门市")


def test_entry_region_falls_back_to_the_city_of_the_id_number_when_not_in_the_registry():
    # Only the city: the county digits of the ID number are what its published mask hides.
    application = approved(id_region="620981", region=None)

    publish(MON_NOV_2)

    entry = entry_of(application)
    assert (entry.batch.region_code, entry.district) == ("620900", "酒泉市")


def test_entry_holds_no_unmasked_identity():
    application = approved(name="欧阳娜娜")

    publish(MON_NOV_2)

    entry = entry_of(application)
    stored = " ".join(str(getattr(entry, field.attname)) for field in AnnouncementEntry._meta.concrete_fields)
    assert "欧阳娜娜" not in stored
    assert application.applicant.id_number not in stored
    assert application.applicant.id_number[4:14] not in stored


# --- publish: the application ---------------------------------------------------------------------------


def test_publish_moves_application_to_in_announcement_with_an_event():
    application = approved()

    publish(MON_NOV_2)

    assert refreshed(application).status == ApplicationStatus.IN_ANNOUNCEMENT
    event = ApplicationEvent.objects.filter(application=application).latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("approved", "in_announcement", None)
    assert "2026年11月09日" in event.reason


def test_applicant_is_notified_once_when_announced():
    application = approved()

    publish(MON_NOV_2)
    publish(MON_NOV_2)

    notes = Notification.objects.filter(user=application.applicant, kind="announced")
    assert notes.count() == 1
    assert notes.get().application == application


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
