"""Reads for the review side, scoped to the caller: an expert sees only their own assignments."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from applications.models import Application, ApplicationEvent, Document
from applications.roles import OFFICERS
from reviews.calendar import working_days_left_many
from reviews.models import AssignmentRole, ReviewAssignment


def is_officer(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=OFFICERS).exists())


def assignment_list(*, expert: User, pending_only: bool = True) -> QuerySet[ReviewAssignment]:
    """The expert's queue, soonest deadline first."""
    queryset = ReviewAssignment.objects.filter(expert=expert, is_active=True).select_related(
        "application", "application__disease", "application__disease__category"
    )
    if pending_only:
        # Only the current round: an undecided assignment of a closed round is no longer work.
        queryset = queryset.filter(
            decision="", application__status="under_review", round=F("application__review_round")
        )
    return queryset.order_by("application__review_deadline", "assigned_at", "id")


def assignment_get(*, expert: User, assignment_id: object) -> ReviewAssignment:
    """An assignment of the caller's (also a decided or past one, to read it back), or 404."""
    return get_object_or_404(
        # A reassigned expert no longer sees the case.
        ReviewAssignment.objects.filter(expert=expert, is_active=True)
        .select_related(
            "application",
            "application__applicant",
            "application__disease",
            "application__disease__category",
            "application__diagnosing_hospital",
        )
        .prefetch_related(
            Prefetch("application__documents", queryset=Document.objects.select_related("hospital")),
            Prefetch("application__events", queryset=ApplicationEvent.objects.order_by("at", "id")),
            "application__clock_suspensions",
        ),
        pk=assignment_id,
    )


def expert_can_read(*, user: User, application_id: UUID | str) -> bool:
    """An expert reads a case's documents while it is assigned to them (any round)."""
    # Access ends with the review: an expert does not keep reading a case once it is decided.
    return ReviewAssignment.objects.filter(
        expert=user, application_id=application_id, is_active=True, application__status="under_review"
    ).exists()


def opinions_visible_to(*, assignment: ReviewAssignment) -> list[ReviewAssignment]:
    """Other experts' opinions the holder of `assignment` may see: earlier rounds always; the
    current round only once every panel opinion of it is in (blind review)."""
    others = list(
        ReviewAssignment.objects.filter(application_id=assignment.application_id, is_active=True)
        .exclude(pk=assignment.pk)
        .exclude(decision="")
        .select_related("expert")
        .order_by("round", "decided_at")
    )
    current_panel = ReviewAssignment.objects.filter(
        application_id=assignment.application_id, round=assignment.round, is_active=True, role=AssignmentRole.PANEL
    )
    round_complete = not current_panel.filter(decision="").exists()
    return [a for a in others if a.round < assignment.round or (a.round == assignment.round and round_complete)]


def working_days_left_for(*, applications: list[Application], today: dt.date | None = None) -> dict[object, int]:
    """application pk → working days left (negative when overdue), one calendar load for all."""
    today = today or timezone.localdate()
    deadlines = [a.review_deadline for a in applications if a.review_deadline]
    left = working_days_left_many(today=today, deadlines=deadlines)
    return {a.pk: left[a.review_deadline] for a in applications if a.review_deadline}
