"""Publishing approved applications for announcement (公示, DESIGN §2 step 5): the batches per pooling
region, what an entry shows the public, and the application moved to `in_announcement`."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from applications.models import Application, ApplicationEvent, ApplicationStatus
from certification.models import Certification
from notifications.models import Notification
from reviews.models import AnnouncementBatch, AnnouncementEntry
from tests.factories import DiseaseFactory, make_id_number
from tests.reviews.announcement_helpers import (
    MON_NOV_2,
    NOV_2_ENDS,
    approved,
    at,
    entry_of,
    publish,
    refreshed,
    run_jobs,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("official_2026")]


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
