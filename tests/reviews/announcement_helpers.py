"""Shared by the announcement-job tests (公示): days in China, approved applications to publish, and the
job's steps run as a given day. The official 2026 calendar is the `official_2026` fixture (conftest.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from applications.models import Application, ApplicationStatus, InsuranceType
from reviews.announcements import announcement_close, announcement_publish, announcements_daily
from reviews.models import AnnouncementBatch, AnnouncementEntry
from tests.factories import ApplicationFactory, DiseaseFactory, InsuredPersonFactory, UserFactory, make_id_number

SHANGHAI = ZoneInfo("Asia/Shanghai")

MON_NOV_2 = dt.date(2026, 11, 2)

# 5 working days after Monday 2 November: 3, 4, 5, 6 and (after the weekend) Monday 9 November.
NOV_2_ENDS = dt.date(2026, 11, 9)

_seq = itertools.count(100)


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
