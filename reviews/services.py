"""Expert review: panel assignment, blind opinions and the round's outcome.

Every write locks the application row first (`applications.workflow.application_lock`), so two
decisions sent at once are serialised and exactly one of them can close a round. The clock lives in
`reviews.clock`; the rules every page also asks (open work, load, blind review) in `reviews.selectors`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import experts_on_duty
from applications.models import Application, ApplicationKind, ApplicationStatus
from applications.workflow import application_lock, application_transition
from certification.services import annual_review_pass
from config.domain import Conflict, InvalidInput, InvalidState, NotFound
from notifications.models import NotificationKind
from notifications.services import notification_send, notify_officers
from reviews.clock import clock_stop, review_clock_set
from reviews.experts import expert_load_release_round, expert_load_shift
from reviews.models import AssignmentRole, Decision, ReviewAssignment
from reviews.selectors import assignment_is_pending, experts_available

logger = logging.getLogger(__name__)
PANEL_LABEL = "评审专家组"
OFFICER_LABEL = "经办人员"


def review_panel_size(application: Application) -> int:
    if application.kind == ApplicationKind.ANNUAL_REVIEW:
        return int(settings.REVIEW_PANEL_SIZE_ANNUAL)
    return int(settings.REVIEW_PANEL_SIZE)


# --- assignment ------------------------------------------------------------------------------------


def review_accept(*, application: Application, on: dt.date, update_fields: Sequence[str] = ()) -> None:
    """The completeness check passed (受理, or re-acceptance after a supplement): run the clock and
    open a review round. Called with the application row locked, already moved to `under_review`; the
    row is saved once, with the clock, the round and the caller's own changed `update_fields`."""
    clock_fields = review_clock_set(application=application, on=on)
    review_start_round(application=application, on=on, update_fields=[*update_fields, *clock_fields])


def review_start_round(
    *, application: Application, on: dt.date, assigned_by: User | None = None, update_fields: Sequence[str] = ()
) -> list[ReviewAssignment]:
    """Open a new review round and assign the panel. Called with the application row locked; its save
    also writes the caller's changed `update_fields`.

    The experts of the previous round keep the case when they are still available (they asked for
    the supplement and know it); the rest are chosen by specialty and current load.
    """
    # Rounds count from 1: a case never reviewed has no previous panel to read.
    previous = (
        list(
            ReviewAssignment.objects.filter(
                application=application, round=application.review_round, is_active=True, role=AssignmentRole.PANEL
            ).values_list("expert_id", flat=True)
        )
        if application.review_round
        else []
    )
    application.review_round += 1
    application.officer_decision_needed = False
    size = review_panel_size(application)
    available = experts_available(application=application)
    by_id = {expert.pk: expert for expert in available}
    chosen = [by_id[expert_id] for expert_id in previous if expert_id in by_id][:size]
    chosen += [expert for expert in available if expert not in chosen][: size - len(chosen)]
    # One INSERT for the panel (the rows come back with their ids, in this order).
    assignments = ReviewAssignment.objects.bulk_create(
        ReviewAssignment(
            application=application, expert=expert, round=application.review_round, assigned_by=assigned_by
        )
        for expert in chosen
    )
    # Entered from outside review (accepted, appealed, objection upheld): the previous round's work was
    # released when the case left review, so only the new panel counts.
    expert_load_shift(expert_ids=[a.expert_id for a in assignments], by=+1)
    if len(assignments) < size:
        application.officer_decision_needed = True
        notify_officers(
            application=application,
            kind=NotificationKind.UNASSIGNED,
            params={
                "reference": application.reference,
                "round": application.review_round,
                "size": size,
                "assigned": len(assignments),
            },
            dedupe_key=f"unassigned:{application.pk}:{application.review_round}",
        )
    application.save(
        update_fields=list(dict.fromkeys([*update_fields, "review_round", "officer_decision_needed", "updated_at"]))
    )
    for assignment in assignments:
        _notify_assigned(assignment=assignment, application=application)
    return assignments


def _notify_assigned(*, assignment: ReviewAssignment, application: Application) -> None:
    if assignment.role == AssignmentRole.ESCALATION:
        kind = NotificationKind.ESCALATION_ASSIGNED
        params: dict[str, object] = {"reference": application.reference}
    else:
        kind = NotificationKind.ASSIGNED
        params = {"reference": application.reference, "deadline": application.review_deadline}
    notification_send(
        user=assignment.expert,
        application=application,
        kind=kind,
        params=params,
        dedupe_key=f"assigned:{assignment.pk}",
    )


def _require_on_duty(expert: User) -> None:
    if not experts_on_duty().filter(pk=expert.pk).exists():
        raise InvalidInput("只能分派给在岗的评审专家。", code="not_an_expert", field="expert")


def _require_not_in_round(application: Application, expert: User, round: int) -> None:
    if ReviewAssignment.objects.filter(application=application, round=round, expert=expert, is_active=True).exists():
        raise Conflict("该专家已在本轮评审组中。", code="already_assigned", field="expert")


@transaction.atomic
def review_reassign(*, assignment_id: int, expert: User, by: User) -> ReviewAssignment:
    """An officer moves an undecided assignment to another expert."""
    old = ReviewAssignment.objects.select_related("application").get(pk=assignment_id)
    application = application_lock(application_id=old.application_id)
    old = ReviewAssignment.objects.select_for_update().get(pk=assignment_id)
    old.application = application
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState("申请不在评审中，不能改派。", code="not_under_review")
    if not assignment_is_pending(old):
        raise InvalidState("该分派已提交意见或已失效，不能改派。", code="assignment_closed")
    _require_on_duty(expert)
    _require_not_in_round(application, expert, old.round)
    old.is_active = False
    old.save(update_fields=["is_active"])
    new = ReviewAssignment.objects.create(
        application=application, expert=expert, round=old.round, role=old.role, assigned_by=by
    )
    expert_load_shift(expert_ids=[old.expert_id], by=-1)
    expert_load_shift(expert_ids=[new.expert_id], by=+1)
    _notify_assigned(assignment=new, application=application)
    return new


@transaction.atomic
def review_assign_additional(*, application_id: UUID | str, expert: User, by: User) -> ReviewAssignment:
    """An officer adds an expert to the current round (e.g. to settle a split)."""
    application = application_lock(application_id=application_id)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState("申请不在评审中。", code="not_under_review")
    _require_on_duty(expert)
    _require_not_in_round(application, expert, application.review_round)
    # A short panel is completed first; a full panel that split gets a further (escalation) expert.
    panel_count = ReviewAssignment.objects.filter(
        application=application, round=application.review_round, is_active=True, role=AssignmentRole.PANEL
    ).count()
    size = review_panel_size(application)
    role = AssignmentRole.PANEL if panel_count < size else AssignmentRole.ESCALATION
    assignment = ReviewAssignment.objects.create(
        application=application, expert=expert, round=application.review_round, role=role, assigned_by=by
    )
    expert_load_shift(expert_ids=[expert.pk], by=+1)
    if role == AssignmentRole.ESCALATION or panel_count + 1 >= size:
        application.officer_decision_needed = False
        application.save(update_fields=["officer_decision_needed", "updated_at"])
    _notify_assigned(assignment=assignment, application=application)
    return assignment


# --- decisions -------------------------------------------------------------------------------------


@transaction.atomic
def review_decide(*, assignment_id: int, expert: User, decision: str, reason: str = "") -> ReviewAssignment:
    """An expert's opinion on an assigned case. Once per assignment; a second or concurrent one is
    refused with a 409 and changes nothing."""
    reason = (reason or "").strip()
    if decision not in Decision.values:
        raise InvalidInput("评审意见只能为 approve、reject 或 request_supplement。", code="invalid", field="decision")
    if decision != Decision.APPROVE and not reason:
        raise InvalidInput("不通过或要求补充材料时必须填写理由。", code="reason_required", field="reason")
    application_id = (
        ReviewAssignment.objects.filter(pk=assignment_id, expert=expert)
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise NotFound("未找到该评审分派。")
    application = application_lock(application_id=application_id)
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment_id)
    if assignment.decision:
        raise Conflict("您已对该案件提交过评审意见，不能重复提交。", code="already_decided")
    if not assignment.is_active or assignment.round != application.review_round:
        raise InvalidState("该分派已失效（已改派或已进入新一轮评审）。", code="assignment_closed")
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState(
            f"申请当前状态为“{application.get_status_display()}”，不能提交评审意见。", code="not_under_review"
        )
    assignment.decision = decision
    assignment.reason = reason
    assignment.decided_at = timezone.now()
    assignment.save(update_fields=["decision", "reason", "decided_at"])
    expert_load_shift(expert_ids=[assignment.expert_id], by=-1)
    _close_round_if_complete(application=application, on=timezone.localdate())
    return assignment


@transaction.atomic
def review_decide_as_officer(*, application_id: UUID | str, officer: User, decision: str, reason: str) -> Application:
    """The officer settles a case the experts could not (a split with no further expert)."""
    reason = (reason or "").strip()
    if decision not in Decision.values:
        raise InvalidInput("裁决只能为 approve、reject 或 request_supplement。", code="invalid", field="decision")
    if not reason:
        raise InvalidInput("裁决必须填写理由。", code="reason_required", field="reason")
    application = application_lock(application_id=application_id)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState("申请不在评审中。", code="not_under_review")
    if not application.officer_decision_needed:
        raise InvalidState("本案由专家评审组决定，无需经办人员裁决。", code="no_officer_decision_needed")
    _apply_outcome(application=application, outcome=decision, reasons=[reason], actor=officer, on=timezone.localdate())
    return application


def _close_round_if_complete(*, application: Application, on: dt.date) -> None:
    assignments = list(
        ReviewAssignment.objects.filter(application=application, round=application.review_round, is_active=True)
    )
    escalation = [a for a in assignments if a.role == AssignmentRole.ESCALATION]
    panel = [a for a in assignments if a.role == AssignmentRole.PANEL]
    decided_escalation = [a for a in escalation if a.decision]
    if decided_escalation:
        final = decided_escalation[0]
        _apply_outcome(application=application, outcome=final.decision, reasons=[final.reason], actor=None, on=on)
        return
    if len(panel) < review_panel_size(application) or any(not a.decision for a in panel) or escalation:
        return  # still waiting for opinions (blind until all are in), or for the officer to complete the panel
    decisions = {a.decision for a in panel}
    if Decision.REQUEST_SUPPLEMENT in decisions:
        reasons = [a.reason for a in panel if a.decision == Decision.REQUEST_SUPPLEMENT]
        _apply_outcome(application=application, outcome=Decision.REQUEST_SUPPLEMENT, reasons=reasons, actor=None, on=on)
    elif decisions == {Decision.APPROVE}:
        _apply_outcome(application=application, outcome=Decision.APPROVE, reasons=[], actor=None, on=on)
    elif decisions == {Decision.REJECT}:
        reasons = [a.reason for a in panel]
        _apply_outcome(application=application, outcome=Decision.REJECT, reasons=reasons, actor=None, on=on)
    else:
        _escalate_split(application=application)


def _escalate_split(*, application: Application) -> None:
    involved = set(ReviewAssignment.objects.filter(application=application).values_list("expert_id", flat=True))
    candidates = experts_available(application=application, exclude=involved)
    if candidates:
        assignment = ReviewAssignment.objects.create(
            application=application,
            expert=candidates[0],
            round=application.review_round,
            role=AssignmentRole.ESCALATION,
        )
        expert_load_shift(expert_ids=[assignment.expert_id], by=+1)
        _notify_assigned(assignment=assignment, application=application)
        return
    application.officer_decision_needed = True
    application.save(update_fields=["officer_decision_needed", "updated_at"])
    notify_officers(
        application=application,
        kind=NotificationKind.SPLIT,
        params={"reference": application.reference},
        dedupe_key=f"split:{application.pk}:{application.review_round}",
    )


def _apply_outcome(
    *, application: Application, outcome: str, reasons: list[str], actor: User | None, on: dt.date
) -> None:
    label = OFFICER_LABEL if actor is not None else PANEL_LABEL
    expert_load_release_round(application=application)  # every outcome takes the case out of review
    application.officer_decision_needed = False
    fields = ["status", "officer_decision_needed", "updated_at"]
    if outcome == Decision.APPROVE and application.kind == ApplicationKind.ANNUAL_REVIEW:
        # An annual review that passes renews the certification; there is no announcement.
        annual_review_pass(application=application, actor=actor, on=on, reason="年度资格复核通过（专家复查）")
        application.save(update_fields=["officer_decision_needed", "updated_at"])
        return
    kind: NotificationKind
    params: dict[str, object] = {"reference": application.reference}
    if outcome == Decision.APPROVE:
        event = application_transition(
            application=application, to=ApplicationStatus.APPROVED, actor=actor, label=label, reason="评审通过"
        )
        kind = NotificationKind.APPROVED
    elif outcome == Decision.REJECT:
        reason = "；".join(dict.fromkeys(r for r in reasons if r))  # two experts' same words said once
        event = application_transition(
            application=application, to=ApplicationStatus.REJECTED, actor=actor, label=label, reason=reason
        )
        kind, params["reason"] = NotificationKind.REJECTED, reason
    else:
        problems = [
            {"code": "expert_request", "field": "documents", "message": f"评审专家要求补充材料：{r}"} for r in reasons
        ]
        event = application_transition(
            application=application,
            to=ApplicationStatus.NEEDS_SUPPLEMENT,
            actor=actor,
            label=label,
            reason="评审专家要求补充材料，评审计时暂停",
            data={"problems": problems},
        )
        application.problems = problems
        fields.append("problems")
        clock_stop(application=application, on=on, reason="；".join(reasons))
        kind = NotificationKind.SUPPLEMENT_REQUESTED
        params["lines"] = "\n".join(f"{n}. {p['message']}" for n, p in enumerate(problems, 1))
    application.save(update_fields=fields)
    notification_send(
        user=application.applicant,
        application=application,
        kind=kind,
        params=params,
        dedupe_key=f"decision:{application.pk}:{event.pk}",
    )
