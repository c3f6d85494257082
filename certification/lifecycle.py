"""A benefit after it took effect, beyond the annual review: ended by the holder (cured, leaving) or an
officer (death, insurance ended, fraud) or by the end of its period; suspended while the insured
registry says paying is suspended, restored when it is active again, ended when it is terminated. Each
change is a `certification_transition` (history), tells the holder, and registers or cancels it on the
platform through the outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction

from accounts.identity import mask_id_number, mask_name
from accounts.models import User
from applications.models import InsuredPerson, InsuredStatus
from certification.models import (
    HOLDER_END_REASONS,
    LIVE_CERTIFICATION_STATUSES,
    OFFICER_END_REASONS,
    Certification,
    CertificationStatus,
    EndReason,
)
from certification.platform.outbox import platform_cancel, platform_register
from certification.services import certification_transition
from config.domain import InvalidInput, InvalidState
from notifications.models import NotificationKind
from notifications.services import notification_send, notify_officers

logger = logging.getLogger(__name__)
C = CertificationStatus


@transaction.atomic
def certification_end(
    *, certification: Certification, reason: str, actor: User | None, on: dt.date, note: str = ""
) -> Certification:
    """End a benefit for good. The holder may give `cured` or `voluntary`; an officer `death`,
    `insurance_ended` or `fraud` (with a note); the system `period_over`."""
    certification = Certification.objects.select_for_update().select_related("disease").get(pk=certification.pk)
    if actor is None:
        allowed = [EndReason.PERIOD_OVER, EndReason.INSURANCE_ENDED]
    elif actor.pk == certification.holder_id:
        allowed = HOLDER_END_REASONS
    else:
        allowed = OFFICER_END_REASONS
    if reason not in allowed:
        labels = "、".join(str(EndReason(r).label) for r in allowed)
        raise InvalidInput(f"终止原因应为：{labels}。", code="end_reason_invalid", field="reason")
    if certification.status == C.ENDED:
        return certification
    if certification.status == C.REVOKED:
        raise InvalidState("该待遇认定已撤销，无需终止。", code="certification_not_live")
    text = str(EndReason(reason).label) + (f"：{note.strip()}" if note.strip() else "")
    certification_transition(certification=certification, to=C.ENDED, actor=actor, reason=text)
    certification.end_reason = reason
    certification.save(update_fields=["status", "status_reason", "end_reason", "updated_at"])
    platform_cancel(certification=certification, memo=f"待遇终止：{text}")
    notification_send(
        user=certification.holder,
        kind=NotificationKind.CERTIFICATION_ENDED,
        params={"disease": certification.disease.name, "on": on, "reason": text},
        dedupe_key=f"ended:{certification.pk}",
    )
    logger.info("certification %s ended (%s) by %s", certification.pk, reason, getattr(actor, "pk", "system"))
    return certification


def certification_suspend(*, certification: Certification, insured_status: str) -> bool:
    """Paying is suspended: the benefit pauses (verify: not valid). Called with the row locked."""
    if certification.status not in LIVE_CERTIFICATION_STATUSES:
        return False
    label = InsuredStatus(insured_status).label
    certification_transition(
        certification=certification, to=C.SUSPENDED, actor=None, reason=f"参保状态为“{label}”，待遇暂停"
    )
    certification.save(update_fields=["status", "status_reason", "updated_at"])
    platform_cancel(certification=certification, memo="参保状态暂停")
    notification_send(
        user=certification.holder,
        kind=NotificationKind.CERTIFICATION_SUSPENDED,
        params={"disease": certification.disease.name, "insured_status": label},
        dedupe_key=f"suspended:{certification.pk}:{certification.updated_at:%Y%m%d%H%M%S%f}",
    )
    return True


def certification_restore(*, certification: Certification, on: dt.date) -> bool:
    """Paying is normal again: a suspended benefit resumes and is registered on the platform again."""
    if certification.status != C.SUSPENDED:
        return False
    certification_transition(certification=certification, to=C.ACTIVE, actor=None, reason="恢复正常参保，待遇恢复")
    certification.platform_registration_sn = ""
    certification.save(update_fields=["status", "status_reason", "platform_registration_sn", "updated_at"])
    platform_register(certification=certification)
    notification_send(
        user=certification.holder,
        kind=NotificationKind.CERTIFICATION_RESTORED,
        params={"disease": certification.disease.name, "on": on},
        dedupe_key=f"restored:{certification.pk}:{certification.updated_at:%Y%m%d%H%M%S%f}",
    )
    return True


@dataclass
class RegistryEffects:
    """What a registry update did to benefits: one line per certification, masked, for the officers."""

    lines: list[str] = field(default_factory=list)


def insured_status_changed(
    *, person: InsuredPerson, previous: str, on: dt.date, effects: RegistryEffects | None = None
) -> RegistryEffects:
    """Follow a person's insured status: suspended → live benefits suspended; terminated → ended;
    back to active → suspended benefits restored."""
    effects = effects or RegistryEffects()
    if person.status == previous:
        return effects
    holder = User.objects.filter(id_number=person.id_number).first()
    if holder is None:
        return effects
    for pk in Certification.objects.filter(holder=holder).values_list("pk", flat=True):
        with transaction.atomic():
            certification = Certification.objects.select_for_update().select_related("disease").get(pk=pk)
            before = certification.get_status_display()
            if person.status == InsuredStatus.SUSPENDED:
                changed = certification_suspend(certification=certification, insured_status=person.status)
            elif person.status == InsuredStatus.TERMINATED:
                changed = certification.status in [*LIVE_CERTIFICATION_STATUSES, C.SUSPENDED]
                if changed:
                    certification_end(certification=certification, reason=EndReason.INSURANCE_ENDED, actor=None, on=on)
            else:
                changed = certification_restore(certification=certification, on=on)
        if changed:
            certification.refresh_from_db()
            effects.lines.append(
                f"{mask_name(holder.name)} {mask_id_number(holder.id_number)} {certification.disease.name}："
                f"{before} → {certification.get_status_display()}"
            )
    return effects


def insured_statuses_changed(
    *, changes: list[tuple[InsuredPerson, str]], on: dt.date, effects: RegistryEffects
) -> RegistryEffects:
    """`insured_status_changed` for a registry import's changes: one query finds the few people among
    them who hold a certification, and only those are followed."""
    numbers = [person.id_number for person, previous in changes if person.status != previous]
    if not numbers:
        return effects
    holders = set(
        Certification.objects.filter(holder__id_number__in=numbers).values_list("holder__id_number", flat=True)
    )
    for person, previous in changes:
        if person.id_number in holders:
            insured_status_changed(person=person, previous=previous, on=on, effects=effects)
    return effects


def registry_effects_report(*, effects: RegistryEffects, on: dt.date) -> None:
    """Tell the officers which benefits an import changed (once per import day and content)."""
    if not effects.lines:
        return
    notify_officers(
        kind=NotificationKind.REGISTRY_AFFECTED,
        dedupe_key=f"registry:{on:%Y%m%d}:{hashlib.sha256(chr(10).join(effects.lines).encode()).hexdigest()[:16]}",
        params={"count": len(effects.lines), "lines": "\n".join(effects.lines)},
    )
