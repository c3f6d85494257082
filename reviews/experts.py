"""Experts' profiles: the disease categories an expert reviews, their institution, how many open cases
they take (used by `create_expert` and the demo seed; officers edit them in the admin), and the count of
their open work that choosing a panel reads (`ExpertProfile.open_load`).

The count is kept by the services that open or close an assignment, in their own transaction and under
the application's row lock: an assignment opened +1 (`review_start_round`, reassign, additional, the
split's escalation), an opinion given or an assignment moved away -1, and when a case leaves review
(an outcome, a supplement request, withdrawal) its round's undecided assignments -1
(`expert_load_release_round`). `expert_load_recount` counts again from the assignments to find drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from accounts.models import User
from applications.models import Application, DiseaseCategory
from reviews.models import ExpertProfile, ReviewAssignment
from reviews.selectors import expert_load


def expert_profile_set(
    *, user: User, category_codes: list[str], institution: str = "", capacity: int = 30
) -> ExpertProfile:
    categories = list(DiseaseCategory.objects.filter(code__in=category_codes))
    unknown = sorted(set(category_codes) - {c.code for c in categories})
    if unknown or not categories:
        raise ValueError(f"未知的病种类别代码：{', '.join(unknown) or '（未指定）'}")
    profile, _ = ExpertProfile.objects.update_or_create(
        user=user, defaults={"institution": institution.strip(), "capacity": capacity, "is_active": True}
    )
    profile.specialties.set(categories)
    return profile


# --- the open-work counter ---------------------------------------------------------------------------


def expert_load_shift(*, expert_ids: Iterable[int], by: int) -> None:
    """Add `by` to the open load of each expert named (once each), never below zero. One UPDATE per
    expert in id order, so two transactions that touch the same experts lock their rows in one order."""
    for expert_id in sorted(set(expert_ids)):
        ExpertProfile.objects.filter(user_id=expert_id).update(open_load=Greatest(F("open_load") + by, 0))


def expert_load_release_round(*, application: Application) -> None:
    """A case under review leaves review (decided, sent back for a supplement, withdrawn): the undecided
    assignments of its round stop being anyone's open work. Called with the row locked, before or after
    the status changes, never for a case that was not under review."""
    open_assignments = ReviewAssignment.objects.filter(
        application=application, round=application.review_round, is_active=True, decision=""
    )
    expert_load_shift(expert_ids=open_assignments.values_list("expert_id", flat=True), by=-1)


@dataclass(frozen=True)
class LoadMismatch:
    expert_id: int
    stored: int
    counted: int


@transaction.atomic
def expert_load_recount(*, fix: bool = False, expert_ids: Iterable[int] | None = None) -> list[LoadMismatch]:
    """Count every expert's open work again from the assignments and list where the stored counter
    differs (`fix`: set it to the count). The profiles are locked first, so a change committed meanwhile is
    either waited for and counted, or waits and applies its own ±1 on top of the corrected value."""
    profiles = ExpertProfile.objects.order_by("user_id")
    if expert_ids is not None:
        profiles = profiles.filter(user_id__in=list(expert_ids))
    list(profiles.select_for_update().values_list("pk", flat=True))
    rows = profiles.annotate(counted=expert_load(expert_ref="user_id")).values_list("user_id", "open_load", "counted")
    mismatches = [LoadMismatch(expert_id=u, stored=s, counted=c) for u, s, c in rows if s != c]
    if fix:
        for row in mismatches:
            ExpertProfile.objects.filter(user_id=row.expert_id).update(open_load=row.counted)
    return mismatches
