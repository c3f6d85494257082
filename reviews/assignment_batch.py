"""An officer gives one expert many cases at once (批量分派专家): for every case that needs an expert,
`reviews.services.review_assign_additional` — the service the case page's 增派 calls — in a transaction
of its own, so one refused case leaves the others assigned. Before it, with the case and the expert's
profile locked, the rules automatic assignment keeps (`reviews.selectors.experts_available`) are asked
here too, since one click reaches many cases: only a case waiting for an expert, no expert on their own
case (回避), an expert of the case's disease category, none who already took part in the round (blind
review), and no more open cases than the expert's capacity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction

from accounts.models import User
from applications.models import Application
from applications.workflow import application_lock
from config.domain import Conflict, DomainError, InvalidInput, InvalidState
from reviews.models import AssignmentRole, ExpertProfile, ReviewAssignment
from reviews.services import review_assign_additional


@dataclass(frozen=True)
class BatchFailure:
    reference: str
    message: str


@dataclass
class BatchOutcome:
    """What a batch did: the references done, and each refused one with the service's reason."""

    done: list[str] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)


def review_assign_batch(*, application_ids: Iterable[UUID | str], expert: User, by: User) -> BatchOutcome:
    """Assign `expert` to each case (in reference order), one transaction per case."""
    outcome = BatchOutcome()
    references = dict(
        Application.objects.filter(pk__in=list(application_ids)).order_by("reference").values_list("pk", "reference")
    )
    for application_id, reference in references.items():
        try:
            with transaction.atomic():
                assignment = _assign_one(application_id=application_id, expert=expert, by=by)
        except DomainError as exc:
            outcome.failed.append(BatchFailure(reference=reference, message=exc.message))
        else:
            label = "复核专家" if assignment.role == AssignmentRole.ESCALATION else "评审组"
            outcome.done.append(f"{reference}（{label}）")
    return outcome


def _assign_one(*, application_id: UUID | str, expert: User, by: User) -> ReviewAssignment:
    application = application_lock(application_id=application_id)
    # The profile row is the expert's capacity: two batches for one expert are counted one after the other.
    profile = ExpertProfile.objects.select_for_update().filter(user=expert).first()
    if profile is None or not profile.is_active or not expert.is_active:
        raise InvalidInput("只能分派给在岗的评审专家。", code="not_an_expert", field="expert")
    if not application.officer_decision_needed:
        raise InvalidState("本案评审组已满，无需分派专家（更换专家请在评审处理页改派）。", code="no_expert_needed")
    if expert.pk == application.applicant_id or (
        expert.id_number and expert.id_number == application.applicant.id_number
    ):
        raise Conflict("专家不能评审本人的申请（回避）。", code="own_case")
    if not profile.specialties.filter(pk=application.disease.category_id).exists():
        raise InvalidInput(
            f"该专家的擅长病种类别不含本案的“{application.disease.category.name}”。",
            code="not_a_specialty",
            field="expert",
        )
    if ReviewAssignment.objects.filter(application=application, round=application.review_round, expert=expert).exists():
        raise Conflict("该专家已参与本案本轮评审（盲审回避）。", code="already_assigned")
    load = profile.open_load  # read under the profile's lock
    if load >= profile.capacity:
        raise InvalidState(f"该专家在办案件已达上限（{load}/{profile.capacity}）。", code="expert_at_capacity")
    return review_assign_additional(application_id=application.pk, expert=expert, by=by)
