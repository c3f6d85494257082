"""The `retention` job: an abandoned draft is deleted with its stored files after the applicant was told;
scans of cases closed long ago are deleted; an ended benefit's holder is anonymised after its period;
nothing with an appeal under way is touched; a second run removes nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import User
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Document,
    RetentionPolicy,
    RetentionRecord,
)
from applications.retention import retention_sweep
from certification.models import CertificationEvent
from config.jobs import job_run
from notifications.models import Notification, NotificationKind
from tests.certification.factories import CertificationFactory
from tests.factories import ApplicationFactory, DocumentFactory
from tests.samples import png_bytes

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def at_noon(day: dt.date) -> time_machine.travel:
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(12))), tick=False)


def sweep(day: dt.date) -> str:
    with at_noon(day):
        return retention_sweep(on=day)


def aged(application: Application, *, days: int) -> Application:
    """The draft and its uploads as last touched `days` before TODAY."""
    then = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(9)))
    Application.objects.filter(pk=application.pk).update(updated_at=then, created_at=then)
    Document.objects.filter(application=application).update(uploaded_at=then)
    return application


def stored(document: Document) -> bool:
    return default_storage.exists(document.file.name)


def test_policy_rows_ship_with_the_defaults():
    rows = {p.record: (p.days, p.reminder_days) for p in RetentionPolicy.objects.all()}
    assert rows == {
        RetentionRecord.DRAFT: (90, 14),
        RetentionRecord.CLOSED_CASE_SCANS: (1095, 0),
        RetentionRecord.ENDED_CERTIFICATION: (1825, 0),
    }


def test_an_abandoned_draft_is_deleted_with_its_file_only_after_the_reminder():
    draft = ApplicationFactory()
    scan = DocumentFactory(application=draft, file__data=png_bytes())
    aged(draft, days=91)  # past the 90 days, but nobody was told yet
    assert stored(scan)

    assert "1 drafts reminded, 0 drafts deleted" in sweep(TODAY)
    reminder = Notification.objects.get(user=draft.applicant, kind=NotificationKind.DRAFT_EXPIRING)
    assert "2026年12月15日" in reminder.body and draft.reference in reminder.short_text
    assert Application.objects.filter(pk=draft.pk).exists() and stored(scan)
    assert "0 drafts reminded, 0 drafts deleted" in sweep(TODAY)  # told once

    assert "0 drafts reminded, 0 drafts deleted" in sweep(TODAY + dt.timedelta(days=13))  # 14 days' notice
    report = sweep(TODAY + dt.timedelta(days=14))
    assert "1 drafts deleted, 1 files deleted" in report
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not Document.objects.filter(pk=scan.pk).exists() and not stored(scan)
    assert (
        sweep(TODAY + dt.timedelta(days=14))
        == "0 drafts reminded, 0 drafts deleted, 0 files deleted, 0 accounts anonymised, "
        "0 spent codes and expired tokens deleted"
    )


def test_a_draft_touched_after_the_reminder_is_kept_and_told_again_later():
    draft = aged(ApplicationFactory(), days=80)
    sweep(TODAY)
    with at_noon(TODAY + dt.timedelta(days=3)):
        DocumentFactory(application=draft, file__data=png_bytes())  # the applicant came back
    assert "0 drafts deleted" in sweep(TODAY + dt.timedelta(days=20))
    assert Application.objects.filter(pk=draft.pk).exists()
    later = TODAY + dt.timedelta(days=3 + 77)
    assert "1 drafts reminded" in sweep(later)
    assert Notification.objects.filter(user=draft.applicant, kind=NotificationKind.DRAFT_EXPIRING).count() == 2


def test_a_young_draft_or_a_submitted_case_is_left_alone():
    young = aged(ApplicationFactory(), days=30)
    submitted = aged(ApplicationFactory(submitted=True), days=400)
    assert sweep(TODAY).startswith("0 drafts reminded, 0 drafts deleted")
    assert Application.objects.filter(pk__in=[young.pk, submitted.pk]).count() == 2


def closed(status: str, *, days_ago: int) -> tuple[Application, Document]:
    application = ApplicationFactory(status=status, submitted_at=timezone.now())
    scan = DocumentFactory(application=application, file__data=png_bytes())
    event = ApplicationEvent.objects.create(
        application=application, from_status="under_review", to_status=status, actor_label="系统"
    )
    then = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(9)))
    ApplicationEvent.objects.filter(pk=event.pk).update(at=then)
    return application, scan


def test_scans_of_a_case_closed_over_three_years_ago_are_deleted_and_the_record_stays():
    old, old_scan = closed(ApplicationStatus.REJECTED, days_ago=1096)
    withdrawn, withdrawn_scan = closed(ApplicationStatus.WITHDRAWN, days_ago=1200)
    _, recent_scan = closed(ApplicationStatus.REJECTED, days_ago=1000)

    assert "2 files deleted" in sweep(TODAY)

    for scan in (old_scan, withdrawn_scan):
        scan.refresh_from_db()
        assert scan.purged_at is not None and not scan.file.name
    recent_scan.refresh_from_db()
    assert recent_scan.purged_at is None and stored(recent_scan)
    assert Application.objects.filter(pk__in=[old.pk, withdrawn.pk]).count() == 2  # the case record stays
    assert "0 files deleted" in sweep(TODAY)


def test_a_case_with_an_appeal_under_way_is_never_touched():
    appealed, scan = closed(ApplicationStatus.REJECTED, days_ago=2000)
    Application.objects.filter(pk=appealed.pk).update(status=ApplicationStatus.UNDER_REVIEW, appealed_at=timezone.now())
    assert "0 files deleted" in sweep(TODAY)
    scan.refresh_from_db()
    assert scan.purged_at is None and stored(scan)


def ended(*, days_ago: int, **fields):  # type: ignore[no-untyped-def]
    certification = CertificationFactory(lapsed=True, **fields)
    DocumentFactory(application=certification.application, file__data=png_bytes())
    then = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(9)))
    CertificationEvent.objects.filter(certification=certification).update(at=then)
    return certification


def test_an_ended_benefit_past_five_years_anonymises_its_holder_and_deletes_the_scans():
    certification = ended(days_ago=5 * 365 + 1)
    holder_id = certification.holder_id

    assert "1 files deleted, 1 accounts anonymised" in sweep(TODAY)

    holder = User.objects.get(pk=holder_id)
    assert (holder.name, holder.id_number, holder.phone, holder.is_active) == ("", "", "", False)
    assert not holder.has_usable_password()
    assert Document.objects.get(application=certification.application).purged_at is not None
    assert (
        sweep(TODAY) == "0 drafts reminded, 0 drafts deleted, 0 files deleted, 0 accounts anonymised, "
        "0 spent codes and expired tokens deleted"
    )


def test_a_holder_with_another_live_benefit_keeps_the_account():
    certification = ended(days_ago=5 * 365 + 1)
    CertificationFactory(application__applicant=certification.holder)
    assert "0 accounts anonymised" in sweep(TODAY)
    assert User.objects.get(pk=certification.holder_id).is_active


def test_the_job_is_registered_and_replayable_by_day():
    draft = aged(ApplicationFactory(), days=91)
    with at_noon(TODAY):
        assert "1 drafts reminded" in job_run(name="retention", on=TODAY)
    assert Application.objects.filter(pk=draft.pk).exists()
