"""The application status machine: the allowed changes in one table, the one function that makes a
change (and appends its event), and the one function that creates an application.

Part of the kernel every app may import (see `pyproject.toml`, import-linter): the review side, the
announcement and the certification move applications through here, never on their own.

    draft ──submit──▶ submitted ──check fails──▶ needs_supplement ──resubmit──▶ submitted
                          │ check passes (accepted, clock starts)
                          ▼
                     under_review ──reject──▶ rejected ──appeal──▶ under_review
                          │ approve            ▲
                          ▼                    │ objection upheld
                      approved ──batch──▶ in_announcement ──period ends──▶ effective
    any state before a decision ──withdraw──▶ withdrawn
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.family import family_owner_of
from accounts.models import User
from applications.models import Application, ApplicationEvent, ApplicationKind, ApplicationStatus, DeskPost
from config.domain import InvalidState

S = ApplicationStatus
CREATED = ""  # the "from" of an application's first event

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (CREATED, S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
        (S.NEEDS_SUPPLEMENT, S.SUBMITTED),
        (S.SUBMITTED, S.NEEDS_SUPPLEMENT),  # the completeness check lists what is missing
        (S.SUBMITTED, S.UNDER_REVIEW),  # accepted (受理)
        (S.SUBMITTED, S.EFFECTIVE),  # an annual review that needs no expert passes on the check
        (S.UNDER_REVIEW, S.NEEDS_SUPPLEMENT),  # an expert asks for more (the clock stops)
        (S.UNDER_REVIEW, S.APPROVED),
        (S.UNDER_REVIEW, S.REJECTED),
        (S.UNDER_REVIEW, S.EFFECTIVE),  # an annual review approved by its expert
        (S.REJECTED, S.UNDER_REVIEW),  # the one appeal
        (S.APPROVED, S.IN_ANNOUNCEMENT),
        (S.IN_ANNOUNCEMENT, S.EFFECTIVE),
        (S.IN_ANNOUNCEMENT, S.UNDER_REVIEW),  # an objection upheld
        (S.DRAFT, S.WITHDRAWN),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.NEEDS_SUPPLEMENT, S.WITHDRAWN),
        (S.UNDER_REVIEW, S.WITHDRAWN),
    }
)

# The bureau's decisions: approving or rejecting a case, or renewing a benefit on its annual review (on
# the check or by its expert). Each stamps the application's `decided_at` (the statistics' 办结).
DECISIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.UNDER_REVIEW, S.APPROVED),
        (S.UNDER_REVIEW, S.REJECTED),
        (S.SUBMITTED, S.EFFECTIVE),
        (S.UNDER_REVIEW, S.EFFECTIVE),
    }
)

# The states in which the applicant may withdraw: every state with an edge to `withdrawn`.
WITHDRAWABLE_STATUSES = frozenset(source for source, target in TRANSITIONS if target == S.WITHDRAWN)

SYSTEM = "系统"


def transition_allowed(*, source: str, target: str) -> bool:
    return (source, target) in TRANSITIONS


def actor_label(*, application: Application, user: User | None) -> str:
    """How an event names who acted, for the applicant's eyes (no staff names)."""
    if user is None:
        return SYSTEM
    if user.pk == application.applicant_id:
        return "代办人" if application.has_agent else "申请人"
    if user.is_staff:
        post = DeskPost.objects.select_related("hospital").filter(user=user).first()
        return post.label if post is not None else "经办人员"
    return "家属（亲情账户）" if family_owner_of(user=user, member_id=application.applicant_id) else "用户"


def application_transition(
    *,
    application: Application,
    to: ApplicationStatus,
    actor: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    label: str | None = None,
) -> ApplicationEvent:
    """Move `application` (locked by the caller) to `to` and append the event; any change the table
    does not allow is refused. The caller saves the row."""
    if not transition_allowed(source=application.status, target=to):
        raise InvalidState(
            f"申请当前状态为“{application.get_status_display()}”，不能变为“{ApplicationStatus(to).label}”。",
            code="transition_not_allowed",
        )
    event = _event(
        application=application,
        source=application.status,
        target=to,
        actor=actor,
        reason=reason,
        data=data,
        label=label,
    )
    if (application.status, to) in DECISIONS:
        # Written at once: callers save the row with the fields they changed, never this one.
        application.decided_at = event.at
        Application.objects.filter(pk=application.pk).update(decided_at=event.at)
    application.status = to
    return event


def _event(
    *,
    application: Application,
    source: str,
    target: str,
    actor: User | None,
    reason: str,
    data: dict[str, Any] | None = None,
    label: str | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        actor_label=label or actor_label(application=application, user=actor),
        from_status=source,
        to_status=target,
        reason=reason,
        data=data or {},
    )


# The bureau has approved the case: approved, then announced, then in effect.
APPROVED_STATUSES = frozenset({S.APPROVED, S.IN_ANNOUNCEMENT, S.EFFECTIVE})


def application_decision(*, application: Application) -> ApplicationEvent | None:
    """The event of the bureau's decision on the case as it stands (what its decision letter is about):
    the newest rejection of a rejected case; the newest approval of an approved, announced or effective
    one; for an annual review, the pass that renewed the benefit. None before a decision."""
    decided: ApplicationStatus | None
    if application.status == S.REJECTED:
        decided = S.REJECTED
    elif application.kind == ApplicationKind.ANNUAL_REVIEW:
        decided = S.EFFECTIVE if application.status == S.EFFECTIVE else None
    elif application.status in APPROVED_STATUSES:
        decided = S.APPROVED
    else:
        decided = None
    if decided is None:
        return None
    return application.events.filter(to_status=decided).order_by("-at", "-id").first()


def appeal_deadline(*, application: Application) -> dt.date | None:
    """The last day of the one appeal (申诉) of a rejection: `APPEAL_WINDOW_DAYS` after the decision."""
    decision = application_decision(application=application) if application.status == S.REJECTED else None
    if decision is None:
        return None
    return timezone.localdate(decision.at) + dt.timedelta(days=settings.APPEAL_WINDOW_DAYS)


def application_lock(*, application_id: UUID | str, related: bool = True) -> Application:
    """The application row locked for a state change (only its own row: joined catalogue rows stay free).
    `related=False`: the row alone, for a write that reads nothing of its disease, applicant or hospital
    (adding or removing a scan): the joins were a quarter of an upload's time."""
    queryset = Application.objects.select_for_update(of=("self",))
    if related:
        queryset = queryset.select_related("disease", "disease__category", "applicant", "diagnosing_hospital")
    return queryset.get(pk=application_id)


def reference_new() -> str:
    """受理编号: MT + the day + 8 random digits."""
    return f"MT{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


def application_create_record(*, applicant: User, actor: User, reason: str, **fields: Any) -> Application:
    """Create an application (a draft) with its reference number and first event: the one way new,
    change and annual-review applications come into being. Any IntegrityError other than a reference
    collision (e.g. the one-open-application constraint) reaches the caller."""
    assert transition_allowed(source=CREATED, target=S.DRAFT)
    for _ in range(5):
        application = Application(reference=reference_new(), applicant=applicant, status=S.DRAFT, **fields)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            if Application.objects.filter(reference=application.reference).exists():
                continue  # two applications drew the same number: draw again
            raise
        _event(application=application, source=CREATED, target=S.DRAFT, actor=actor, reason=reason)
        return application
    raise RuntimeError("could not draw a unique reference number")
