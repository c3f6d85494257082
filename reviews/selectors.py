"""Reads for the review side, and the review rules every page and service asks: which assignments are
open work, how much open work an expert has, who may be given a case, what an expert may read and see.

Scoped to the caller: an expert sees only their own assignments.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.family import family_owner_of
from accounts.models import User
from accounts.roles import experts_on_duty, is_officer
from applications.models import Application, ApplicationEvent, ApplicationStatus, DeskPost, Document, ReaderRole
from reviews.calendar import working_days_add, working_days_left_many
from reviews.models import AssignmentRole, ExpertProfile, ReviewAssignment

# --- open work -------------------------------------------------------------------------------------


def pending_work() -> Q:
    """An assignment still waiting for its opinion: active, undecided, of the current round of a case
    under review. (The partial index `open_assignment_by_expert` holds the first two conditions; each
    expert's count of it is kept in `ExpertProfile.open_load`.)"""
    return Q(
        is_active=True,
        decision="",
        application__status=ApplicationStatus.UNDER_REVIEW,
        round=F("application__review_round"),
    )


def assignment_is_pending(assignment: ReviewAssignment) -> bool:
    """`pending_work` for an assignment already loaded with its application."""
    application = assignment.application
    return (
        assignment.is_active
        and not assignment.decision
        and application.status == ApplicationStatus.UNDER_REVIEW
        and assignment.round == application.review_round
    )


def expert_load(*, expert_ref: str = "pk") -> Coalesce:
    """The open work of the expert `OuterRef(expert_ref)` names, counted from the assignments (a correlated
    count through the partial index): what `ExpertProfile.open_load` keeps, for checking it
    (`reviews.experts.expert_load_recount`) and for pages that show a few experts."""
    count = (
        ReviewAssignment.objects.filter(pending_work(), expert=OuterRef(expert_ref))
        .order_by()
        .values("expert")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def experts_with_load(*, exclude: set[int] | frozenset[int] = frozenset()) -> QuerySet[User]:
    """Experts on duty, least loaded first, each with `load` (for the officer's expert pickers)."""
    return (
        experts_on_duty()
        .exclude(pk__in=exclude)
        .select_related("expert_profile")
        .annotate(load=F("expert_profile__open_load"))
        .order_by("load", "name", "username")
    )


def experts_available_profiles(
    *, application: Application, exclude: set[int] | frozenset[int] = frozenset()
) -> QuerySet[ExpertProfile]:
    """The profiles behind `experts_available`: one query over the profiles alone, whatever the history
    of assignments (the open work is the profile's own counter, `open_load`)."""
    return (
        ExpertProfile.objects.filter(
            user__in=experts_on_duty(), specialties=application.disease.category_id, open_load__lt=F("capacity")
        )
        .exclude(user_id__in=exclude)
        .exclude(user_id=application.applicant_id)  # nobody reviews their own case
        .select_related("user")
        .order_by("open_load", "user_id")
    )


def experts_available(*, application: Application, exclude: set[int] | frozenset[int] = frozenset()) -> list[User]:
    """Experts who may be given this case: on duty, of the disease's category, not the applicant, with
    room left under their capacity; least loaded first."""
    return [profile.user for profile in experts_available_profiles(application=application, exclude=exclude)]


# --- overdue and due soon ----------------------------------------------------------------------------


def overdue(*, today: dt.date, prefix: str = "") -> Q:
    """A case under review past its deadline (`prefix` "application__" from an assignment)."""
    return Q(**{f"{prefix}status": ApplicationStatus.UNDER_REVIEW, f"{prefix}review_deadline__lt": today})


def application_is_overdue(application: Application, *, today: dt.date) -> bool:
    """`overdue` for an application already loaded."""
    deadline = application.review_deadline
    return application.status == ApplicationStatus.UNDER_REVIEW and deadline is not None and deadline < today


def due_soon_until(*, today: dt.date) -> dt.date:
    """The last day of "due soon": the day the SLA sweep's reminder threshold of working days ends."""
    return working_days_add(start=today, days=settings.REVIEW_REMIND_WORKING_DAYS_LEFT).deadline


# --- the expert's queue and case -------------------------------------------------------------------


def assignment_list(*, expert: User, pending_only: bool = True) -> QuerySet[ReviewAssignment]:
    """The expert's queue, soonest deadline first."""
    queryset = ReviewAssignment.objects.filter(expert=expert, is_active=True).select_related(
        "application", "application__disease", "application__disease__category"
    )
    if pending_only:
        # Only the current round: an undecided assignment of a closed round is no longer work.
        queryset = queryset.filter(pending_work())
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


def case_reader_role(*, user: User, application: Application) -> ReaderRole | None:
    """In which role the user may read the application's documents, or None (least privilege): the
    applicant (owner); the family account they are bound to; the hospital 医保办 or service window that
    filed it; an officer holding the view permission, once the application has been submitted
    (a draft is the applicant's own until then); an expert while the case is assigned to them and under
    review."""
    if application.applicant_id == user.pk:
        return ReaderRole.OWNER
    if family_owner_of(user=user, member_id=application.applicant_id):
        return ReaderRole.FAMILY
    post = DeskPost.objects.filter(user=user).first() if user.is_staff and user.is_active else None
    if post is not None and Application.objects.filter(post.scope(), pk=application.pk).exists():
        return ReaderRole.DESK
    if is_officer(user) and user.has_perm("applications.view_document") and application.submitted_at is not None:
        return ReaderRole.OFFICER
    if user.is_active and expert_can_read(user=user, application_id=application.pk):
        return ReaderRole.EXPERT
    return None


def expert_can_read(*, user: User, application_id: UUID | str) -> bool:
    """An expert reads a case's documents while it is assigned to them (any round) and under review."""
    return ReviewAssignment.objects.filter(
        expert=user, application_id=application_id, is_active=True, application__status=ApplicationStatus.UNDER_REVIEW
    ).exists()


# --- blind review ----------------------------------------------------------------------------------


def _panel_undecided(*, application_id: UUID | str, round: int) -> QuerySet[ReviewAssignment]:
    """The round's panel opinions not yet in."""
    return ReviewAssignment.objects.filter(
        application_id=application_id, round=round, is_active=True, role=AssignmentRole.PANEL, decision=""
    )


def round_panel_complete(*, application_id: UUID | str, round: int) -> bool:
    """Every panel opinion of the round is in: until then the round's opinions stay blind."""
    return not _panel_undecided(application_id=application_id, round=round).exists()


def opinions_visible_to(*, assignment: ReviewAssignment) -> list[ReviewAssignment]:
    """Other experts' opinions the holder of `assignment` may see: earlier rounds always; the
    current round only once every panel opinion of it is in (blind review, `round_panel_complete`).
    One query: the others' decided assignments, each with the round's completeness as a subquery."""
    round_open = Exists(_panel_undecided(application_id=assignment.application_id, round=assignment.round))
    others = list(
        ReviewAssignment.objects.filter(application_id=assignment.application_id, is_active=True)
        .exclude(pk=assignment.pk)
        .exclude(decision="")
        .annotate(round_open=round_open)
        .select_related("expert")
        .order_by("round", "decided_at")
    )
    return [a for a in others if a.round < assignment.round or (a.round == assignment.round and not a.round_open)]


def working_days_left_for(*, applications: list[Application], today: dt.date | None = None) -> dict[object, int]:
    """application pk → working days left (negative when overdue), one calendar load for all."""
    today = today or timezone.localdate()
    deadlines = [a.review_deadline for a in applications if a.review_deadline]
    left = working_days_left_many(today=today, deadlines=deadlines)
    return {a.pk: left[a.review_deadline] for a in applications if a.review_deadline}
