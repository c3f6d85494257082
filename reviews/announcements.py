"""Public announcement (公示), objections, and the benefits taking effect when the period ends."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum import numdb

from accounts.identity import mask_id_number, mask_name
from accounts.models import User
from applications.models import Application, ApplicationStatus, Disease, InsuredPerson, PublicationLevel
from applications.workflow import application_lock, application_transition
from certification.services import certification_issue
from config.domain import InvalidInput, InvalidState
from notifications.models import NotificationKind
from notifications.services import notification_send, notify_officers
from reviews.calendar import working_days_add
from reviews.clock import review_clock_restart
from reviews.models import AnnouncementBatch, AnnouncementEntry, EntryStatus, Objection, ObjectionStatus
from reviews.public_cache import announcement_public_changed
from reviews.services import review_start_round

logger = logging.getLogger(__name__)


def region_name(code: str) -> str:
    """Place name of a region code from the national table (肃州区, 酒泉市…), or the code itself."""
    info: dict[str, str] = {}
    for _, props in numdb.get("cn/loc").info(code.ljust(6, "0")):
        info.update(props)
    name = info.get("county") or info.get("prefecture") or info.get("province") or code
    return name.split("]")[-1].split(",")[0]


def _region_of(application: Application) -> tuple[str, str]:
    """(batch region code, district name) of the applicant's insurance."""
    person = InsuredPerson.objects.filter(id_number=application.applicant.id_number).first()
    prefix = settings.POOLING_REGION_PREFIX
    if person is None:
        # Without a registry row only the city is known: the county digits of an ID number are
        # exactly what its published mask hides, so they are not used for the district.
        batch_code = application.applicant.id_number[: len(prefix)].ljust(6, "0")
        return batch_code, region_name(batch_code)
    batch_code = person.region_code[: len(prefix)].ljust(6, "0")
    return batch_code, region_name(person.region_code)


# What an entry shows instead of a disease that must not be named in public.
GENERIC_DISEASE_LABEL = "门诊慢特病"


def entry_public_values(*, application: Application) -> dict[str, str]:
    """The columns of the application's announcement entry, by its disease's publication level: the
    disease by name, by category only, or not at all (then neither the masked ID number nor the district
    either: in a small district they and a masked name can point at one person)."""
    disease = application.disease
    values = {"masked_name": mask_name(application.applicant.name)}
    if disease.publication == PublicationLevel.NONE:
        return {**values, "masked_id_number": "", "disease_name": GENERIC_DISEASE_LABEL, "district": ""}
    label = disease.category.name if disease.publication == PublicationLevel.CATEGORY else disease.name
    return {
        **values,
        "masked_id_number": mask_id_number(application.applicant.id_number),
        "disease_name": label,
        "district": _region_of(application)[1],
    }


def announcement_entries_republish(*, disease: Disease) -> int:
    """Rewrite every announcement entry of the disease by its current publication level (after an
    officer or a catalogue import changed it). Returns the count."""
    entries = list(
        AnnouncementEntry.objects.filter(application__disease=disease).select_related(
            "application__applicant", "application__disease__category"
        )
    )
    for entry in entries:
        for name, value in entry_public_values(application=entry.application).items():
            setattr(entry, name, value)
    AnnouncementEntry.objects.bulk_update(
        entries, ["masked_name", "masked_id_number", "disease_name", "district"], batch_size=1000
    )
    announcement_public_changed(batch_ids={entry.batch_id for entry in entries})
    return len(entries)


def announcement_ends_on(*, published_on: dt.date) -> dt.date:
    """An announcement published on day P ends with the N-th working day after P."""
    return working_days_add(start=published_on, days=settings.ANNOUNCEMENT_WORKING_DAYS).deadline


def announcement_publish(*, on: dt.date) -> list[AnnouncementBatch]:
    """Put every approved application into that day's batch of its region. Idempotent per day."""
    # A replayed past day still publishes today: the public must get the whole period to object.
    on = max(on, timezone.localdate())
    touched: dict[int, AnnouncementBatch] = {}
    ids = list(
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .order_by("updated_at", "reference")  # approval order; the reference breaks ties
        .values_list("pk", flat=True)
    )
    ends_on = announcement_ends_on(published_on=on)
    for application_id in ids:
        with transaction.atomic():
            application = application_lock(application_id=application_id)
            if application.status != ApplicationStatus.APPROVED:
                continue
            batch_code = _region_of(application)[0]
            batch, _ = AnnouncementBatch.objects.get_or_create(
                region_code=batch_code,
                published_on=on,
                defaults={"ends_on": ends_on, "region_name": region_name(batch_code)},
            )
            AnnouncementEntry.objects.create(
                batch=batch, application=application, **entry_public_values(application=application)
            )
            announcement_public_changed(batch_ids=[batch.pk])
            event = application_transition(
                application=application,
                to=ApplicationStatus.IN_ANNOUNCEMENT,
                actor=None,
                reason=f"{on:%Y年%m月%d日}起公示，至{batch.ends_on:%Y年%m月%d日}止",
            )
            application.save(update_fields=["status", "updated_at"])
            notification_send(
                user=application.applicant,
                application=application,
                kind=NotificationKind.ANNOUNCED,
                params={"reference": application.reference, "starts_on": on, "ends_on": batch.ends_on},
                dedupe_key=f"announced:{application.pk}:{event.pk}",
            )
            touched[batch.pk] = batch
    return list(touched.values())


def announcement_close(*, on: dt.date) -> int:
    """Entries whose period ended before `on` and that carry no open or upheld objection take effect:
    the application becomes `effective` and the certification is issued. Idempotent."""
    effective = 0
    entry_ids = list(
        AnnouncementEntry.objects.filter(status=EntryStatus.LISTED, batch__ends_on__lt=on)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for entry_id in entry_ids:
        with transaction.atomic():
            entry = AnnouncementEntry.objects.select_for_update().select_related("batch").get(pk=entry_id)
            application = application_lock(application_id=entry.application_id)
            if entry.status != EntryStatus.LISTED or application.status != ApplicationStatus.IN_ANNOUNCEMENT:
                continue
            entry.status = EntryStatus.EFFECTIVE
            entry.save(update_fields=["status"])
            announcement_public_changed(batch_ids=[entry.batch_id])
            event = application_transition(
                application=application,
                to=ApplicationStatus.EFFECTIVE,
                actor=None,
                reason="公示期满，无成立的异议，待遇生效",
            )
            application.save(update_fields=["status", "updated_at"])
            certification = certification_issue(application=application, on=on)
            notification_send(
                user=application.applicant,
                application=application,
                kind=NotificationKind.EFFECTIVE,
                params={
                    "reference": application.reference,
                    "benefit_start_date": certification.benefit_start_date,
                    "code": certification.code,
                },
                dedupe_key=f"effective:{application.pk}:{event.pk}",
            )
            effective += 1
    AnnouncementBatch.objects.filter(ends_on__lt=on, closed_at__isnull=True).exclude(
        entries__status__in=[EntryStatus.LISTED, EntryStatus.HELD]
    ).update(closed_at=timezone.now())
    return effective


def announcements_daily(*, on: dt.date) -> str:
    """The daily job: close what ended, then publish the newly approved."""
    effective = announcement_close(on=on)
    batches = announcement_publish(on=on)
    entries = sum(batch.entries.filter(status=EntryStatus.LISTED).count() for batch in batches)
    return f"{effective} entries took effect; {len(batches)} batches published today hold {entries} listed entries"


@transaction.atomic
def objection_file(
    *, entry_id: int, reason: str, contact_name: str, contact_phone: str, batch_id: int | None = None
) -> Objection:
    """Anyone may object to an entry during its period; the entry is held until an officer decides."""
    if not (reason or "").strip():
        raise InvalidInput("请填写异议理由。", code="reason_required", field="reason")
    if not (contact_name or "").strip():
        raise InvalidInput("请填写联系人姓名。", code="contact_name_required", field="contact_name")
    entries = AnnouncementEntry.objects.select_for_update().select_related("batch").filter(pk=entry_id)
    if batch_id is not None:
        entries = entries.filter(batch_id=batch_id)
    entry = entries.first()
    if entry is None:
        raise InvalidInput("该公示名单中没有此条目。", code="unknown_entry", field="entry")
    if not entry.batch.open_for_objections(timezone.localdate()):
        raise InvalidState("该条目不在公示期内，不能提出异议。", code="announcement_period_over", field="entry")
    if entry.status not in (EntryStatus.LISTED, EntryStatus.HELD):
        raise InvalidState("该条目已处理完毕，不能提出异议。", code="entry_closed", field="entry")
    objection = Objection.objects.create(
        entry=entry, reason=reason.strip(), contact_name=contact_name.strip(), contact_phone=contact_phone
    )
    if entry.status == EntryStatus.LISTED:
        entry.status = EntryStatus.HELD
        entry.save(update_fields=["status"])
        announcement_public_changed(batch_ids=[entry.batch_id])
    notify_officers(
        application=entry.application,
        kind=NotificationKind.OBJECTION,
        params={"batch": str(entry.batch)},
        dedupe_key=f"objection:{objection.pk}",
    )
    return objection


@transaction.atomic
def objection_resolve(*, objection_id: int, officer: User, upheld: bool, resolution: str) -> Objection:
    """Dismissed: the entry proceeds (if no other objection is open). Upheld: the entry is withdrawn and
    the application goes back to expert review, with the objection attached for the experts."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("请填写处理意见。", code="resolution_required", field="resolution")
    objection = Objection.objects.select_for_update().select_related("entry", "entry__batch").get(pk=objection_id)
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidState("该异议已处理。", code="objection_resolved")
    entry = AnnouncementEntry.objects.select_for_update().get(pk=objection.entry_id)
    application = application_lock(application_id=entry.application_id)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolved_at = timezone.now()
    objection.resolved_by = officer
    objection.resolution = resolution
    objection.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    if not upheld:
        if entry.status == EntryStatus.HELD and not entry.objections.filter(status=ObjectionStatus.OPEN).exists():
            entry.status = EntryStatus.LISTED
            entry.save(update_fields=["status"])
            announcement_public_changed(batch_ids=[entry.batch_id])
        return objection

    entry.status = EntryStatus.WITHDRAWN
    entry.save(update_fields=["status"])
    announcement_public_changed(batch_ids=[entry.batch_id])
    for other in entry.objections.filter(status=ObjectionStatus.OPEN):
        other.status = ObjectionStatus.UPHELD
        other.resolved_at, other.resolved_by = timezone.now(), officer
        other.resolution = f"随异议 #{objection.pk} 一并处理"
        other.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    if application.status == ApplicationStatus.IN_ANNOUNCEMENT:
        event = application_transition(
            application=application,
            to=ApplicationStatus.UNDER_REVIEW,
            actor=officer,
            label="经办人员",
            reason=f"公示异议成立，退回专家评审。异议内容：{objection.reason}；处理意见：{resolution}",
            data={"objection": {"id": objection.pk, "reason": objection.reason, "resolution": resolution}},
        )
        application.save(update_fields=["status", "updated_at"])
        review_clock_restart(application=application, on=timezone.localdate())
        review_start_round(application=application, on=timezone.localdate())
        notification_send(
            user=application.applicant,
            application=application,
            kind=NotificationKind.OBJECTION_UPHELD,
            params={"reference": application.reference, "resolution": resolution},
            dedupe_key=f"objection-upheld:{application.pk}:{event.pk}",
        )
    return objection
