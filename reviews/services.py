"""Expert review: panel assignment, blind opinions, the round's outcome, and the review clock.

Every write locks the application row first, so two decisions sent at once are serialised and
exactly one of them can close a round.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from applications.models import Application, ApplicationKind, ApplicationStatus
from applications.notifications import notification_send
from applications.services import application_transition
from config.domain import Conflict, InvalidInput, InvalidState, NotFound
from reviews.calendar import working_days_add, working_days_between
from reviews.models import AssignmentRole, ClockSuspension, Decision, ExpertProfile, ReviewAssignment

logger = logging.getLogger(__name__)


def _lock_application(application_id: UUID | str) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("disease", "disease__category", "applicant")
        .get(pk=application_id)
    )


def moment_on(day: dt.date) -> dt.datetime:
    """Now, or noon of `day` when acting as another day (run_jobs --on, tests)."""
    now = timezone.now()
    if timezone.localdate(now) == day:
        return now
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


# --- the clock -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineExplanation:
    accepted_on: dt.date
    working_days: int
    suspended_working_days: int
    deadline: dt.date
    provisional: bool


def review_deadline_explain(*, application: Application) -> DeadlineExplanation | None:
    """How the review deadline is computed: N working days from acceptance, pushed back by the
    working days the clock stood still waiting for the applicant."""
    if application.accepted_at is None:
        return None
    accepted_on = application.review_clock_start or timezone.localdate(application.accepted_at)
    suspended = sum(
        s.working_days
        for s in application.clock_suspensions.all()
        if s.ended_on is not None and s.started_on >= accepted_on
    )
    working_days = panel_working_days(application)
    result = working_days_add(start=accepted_on, days=working_days + suspended)
    return DeadlineExplanation(
        accepted_on=accepted_on,
        working_days=working_days,
        suspended_working_days=suspended,
        deadline=result.deadline,
        provisional=result.provisional,
    )


def panel_working_days(application: Application) -> int:
    return settings.REVIEW_WORKING_DAYS


def clock_stop(*, application: Application, on: dt.date, reason: str) -> ClockSuspension:
    open_suspension = application.clock_suspensions.filter(ended_on__isnull=True).first()
    if open_suspension is not None:
        return open_suspension
    return ClockSuspension.objects.create(application=application, started_on=on, reason=reason)


def clock_resume(*, application: Application, on: dt.date) -> ClockSuspension | None:
    suspension = application.clock_suspensions.filter(ended_on__isnull=True).first()
    if suspension is None:
        return None
    suspension.ended_on = max(on, suspension.started_on)
    suspension.working_days = working_days_between(start=suspension.started_on, end=suspension.ended_on)
    suspension.save(update_fields=["ended_on", "working_days"])
    return suspension


# --- assignment ------------------------------------------------------------------------------------


def _pending_load() -> Count:
    """Open work: undecided assignments of the current round of cases still under review."""
    return Count(
        "user__review_assignments",
        filter=Q(
            user__review_assignments__is_active=True,
            user__review_assignments__decision="",
            user__review_assignments__application__status=ApplicationStatus.UNDER_REVIEW,
            user__review_assignments__round=F("user__review_assignments__application__review_round"),
        ),
    )


def experts_available(*, application: Application, exclude: set[int] | frozenset[int] = frozenset()) -> list[User]:
    """Active experts for the disease's category with room left, least loaded first."""
    profiles = (
        ExpertProfile.objects.filter(is_active=True, user__is_active=True, specialties=application.disease.category_id)
        .exclude(user_id__in=exclude)
        .exclude(user_id=application.applicant_id)  # nobody reviews their own case
        .annotate(load=_pending_load())
        .select_related("user")
        .order_by("load", "user_id")
    )
    return [profile.user for profile in profiles if profile.load < profile.capacity]  # type: ignore[attr-defined]


def review_panel_size(application: Application) -> int:
    if application.kind == ApplicationKind.ANNUAL_REVIEW:
        return settings.REVIEW_PANEL_SIZE_ANNUAL
    return settings.REVIEW_PANEL_SIZE


def review_start_round(
    *, application: Application, on: dt.date, assigned_by: User | None = None
) -> list[ReviewAssignment]:
    """Open a new review round and assign the panel. Called with the application row locked.

    The experts of the previous round keep the case when they are still available (they asked for
    the supplement and know it); the rest are chosen by specialty and current load.
    """
    previous = list(
        ReviewAssignment.objects.filter(
            application=application, round=application.review_round, is_active=True, role=AssignmentRole.PANEL
        ).values_list("expert_id", flat=True)
    )
    application.review_round += 1
    application.officer_decision_needed = False
    size = review_panel_size(application)
    available = experts_available(application=application)
    by_id = {expert.pk: expert for expert in available}
    chosen = [by_id[expert_id] for expert_id in previous if expert_id in by_id][:size]
    chosen += [expert for expert in available if expert not in chosen][: size - len(chosen)]
    assignments = [
        ReviewAssignment.objects.create(
            application=application, expert=expert, round=application.review_round, assigned_by=assigned_by
        )
        for expert in chosen
    ]
    if len(assignments) < size:
        application.officer_decision_needed = True
        notify_officers(
            application=application,
            kind="unassigned",
            title=f"申请{application.reference}缺少可分派的评审专家",
            body=f"第{application.review_round}轮需要{size}名专家，仅分派{len(assignments)}名，请在后台改派。",
            dedupe_key=f"unassigned:{application.pk}:{application.review_round}",
        )
    application.save(update_fields=["review_round", "officer_decision_needed", "updated_at"])
    for assignment in assignments:
        _notify_assigned(assignment=assignment, application=application)
    return assignments


def _notify_assigned(*, assignment: ReviewAssignment, application: Application) -> None:
    notification_send(
        user=assignment.expert,
        application=application,
        kind="assigned",
        title=f"新分派评审案件{application.reference}",
        body=f"请于{application.review_deadline:%Y年%m月%d日}前提交评审意见。",
        short_text=f"【医保慢特病】您有新的评审案件{application.reference}，请登录后台查看。",
        dedupe_key=f"assigned:{assignment.pk}",
    )


def review_accept(*, application: Application, on: dt.date) -> None:
    """The completeness check passed (受理, or re-acceptance after a supplement): run the clock and
    open a review round. Called with the application row locked, already moved to `under_review`."""
    if application.accepted_at is None:
        application.accepted_at = moment_on(on)
        application.review_clock_start = on
    else:
        clock_resume(application=application, on=on)
    application.save(update_fields=["accepted_at", "review_clock_start", "updated_at"])
    review_deadline_refresh(application=application)
    review_start_round(application=application, on=on)


def review_clock_restart(*, application: Application, on: dt.date) -> None:
    """A new review period (an appeal, an upheld objection): a full N working days from `on`."""
    application.review_clock_start = on
    application.save(update_fields=["review_clock_start", "updated_at"])
    review_deadline_refresh(application=application)


def review_deadline_refresh(*, application: Application) -> None:
    explanation = review_deadline_explain(application=application)
    assert explanation is not None
    application.review_deadline = explanation.deadline
    application.overdue_since = None
    application.save(update_fields=["review_deadline", "overdue_since", "updated_at"])


@transaction.atomic
def review_reassign(*, assignment_id: int, expert: User, by: User) -> ReviewAssignment:
    """An officer moves an undecided assignment to another expert."""
    old = ReviewAssignment.objects.select_related("application").get(pk=assignment_id)
    application = _lock_application(old.application_id)
    old = ReviewAssignment.objects.select_for_update().get(pk=assignment_id)
    if not old.is_pending or old.round != application.review_round:
        raise InvalidState("该分派已提交意见或已失效，不能改派。", code="assignment_closed")
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState("申请不在评审中，不能改派。", code="not_under_review")
    if not ExpertProfile.objects.filter(user=expert, is_active=True).exists():
        raise InvalidInput("只能改派给在岗的评审专家。", code="not_an_expert", field="expert")
    if ReviewAssignment.objects.filter(
        application=application, round=old.round, expert=expert, is_active=True
    ).exists():
        raise Conflict("该专家已在本轮评审组中。", code="already_assigned", field="expert")
    old.is_active = False
    old.save(update_fields=["is_active"])
    new = ReviewAssignment.objects.create(
        application=application, expert=expert, round=old.round, role=old.role, assigned_by=by
    )
    _notify_assigned(assignment=new, application=application)
    return new


@transaction.atomic
def review_assign_additional(*, application_id: UUID | str, expert: User, by: User) -> ReviewAssignment:
    """An officer adds an expert to the current round (e.g. to settle a split)."""
    application = _lock_application(application_id)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise InvalidState("申请不在评审中。", code="not_under_review")
    if not ExpertProfile.objects.filter(user=expert, is_active=True).exists():
        raise InvalidInput("只能分派给在岗的评审专家。", code="not_an_expert", field="expert")
    if ReviewAssignment.objects.filter(
        application=application, round=application.review_round, expert=expert, is_active=True
    ).exists():
        raise Conflict("该专家已在本轮评审组中。", code="already_assigned", field="expert")
    # A short panel is completed first; a full panel that split gets a further (escalation) expert.
    panel_count = ReviewAssignment.objects.filter(
        application=application, round=application.review_round, is_active=True, role=AssignmentRole.PANEL
    ).count()
    size = review_panel_size(application)
    role = AssignmentRole.PANEL if panel_count < size else AssignmentRole.ESCALATION
    assignment = ReviewAssignment.objects.create(
        application=application, expert=expert, round=application.review_round, role=role, assigned_by=by
    )
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
    application = _lock_application(application_id)
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
    application = _lock_application(application_id)
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
        _escalate_split(application=application, panel=panel)


def _escalate_split(*, application: Application, panel: list[ReviewAssignment]) -> None:
    involved = set(ReviewAssignment.objects.filter(application=application).values_list("expert_id", flat=True))
    candidates = experts_available(application=application, exclude=involved)
    if candidates:
        expert = candidates[0]
        assignment = ReviewAssignment.objects.create(
            application=application, expert=expert, round=application.review_round, role=AssignmentRole.ESCALATION
        )
        notification_send(
            user=expert,
            application=application,
            kind="assigned",
            title=f"意见分歧复核：{application.reference}",
            body="评审组意见不一致，请复核并作出结论。",
            short_text=f"【医保慢特病】您有新的复核案件{application.reference}，请登录后台查看。",
            dedupe_key=f"assigned:{assignment.pk}",
        )
        return
    application.officer_decision_needed = True
    application.save(update_fields=["officer_decision_needed", "updated_at"])
    notify_officers(
        application=application,
        kind="split",
        title=f"申请{application.reference}专家意见分歧，待裁决",
        body="评审组意见不一致且无其他专家可复核，请经办人员裁决或增派专家。",
        dedupe_key=f"split:{application.pk}:{application.review_round}",
    )


def _apply_outcome(
    *, application: Application, outcome: str, reasons: list[str], actor: User | None, on: dt.date
) -> None:
    label = "经办人员" if actor is not None else "评审专家组"
    application.officer_decision_needed = False
    if outcome == Decision.APPROVE and application.kind == ApplicationKind.ANNUAL_REVIEW:
        # An annual review that passes renews the certification; there is no announcement.
        from applications.renewals import annual_review_pass

        annual_review_pass(application=application, actor=actor, on=on, reason="年度资格复核通过（专家复查）")
    elif outcome == Decision.APPROVE:
        event = application_transition(
            application=application, to=ApplicationStatus.APPROVED, actor=actor, actor_label=label, reason="评审通过"
        )
        application.save(update_fields=["status", "officer_decision_needed", "updated_at"])
        notification_send(
            user=application.applicant,
            application=application,
            kind="approved",
            title=f"申请{application.reference}评审通过",
            body="您的申请已通过专家评审，将在医保局网站公示，公示期满无异议后待遇生效。",
            short_text=f"【医保慢特病】您的申请{application.reference}已通过评审，请登录查看。",
            dedupe_key=f"decision:{application.pk}:{event.pk}",
        )
    elif outcome == Decision.REJECT:
        reason = "；".join(r for r in reasons if r)
        event = application_transition(
            application=application, to=ApplicationStatus.REJECTED, actor=actor, actor_label=label, reason=reason
        )
        application.save(update_fields=["status", "officer_decision_needed", "updated_at"])
        notification_send(
            user=application.applicant,
            application=application,
            kind="rejected",
            title=f"申请{application.reference}未通过评审",
            body=f"未通过原因：{reason}。如有异议，可提交新的材料申诉一次。",
            short_text=f"【医保慢特病】您的申请{application.reference}评审结果已出，请登录查看。",
            dedupe_key=f"decision:{application.pk}:{event.pk}",
        )
    else:
        problems = [
            {"code": "expert_request", "field": "documents", "message": f"评审专家要求补充材料：{r}"} for r in reasons
        ]
        event = application_transition(
            application=application,
            to=ApplicationStatus.NEEDS_SUPPLEMENT,
            actor=actor,
            actor_label=label,
            reason="评审专家要求补充材料，评审计时暂停",
            data={"problems": problems},
        )
        application.problems = problems
        application.save(update_fields=["status", "problems", "officer_decision_needed", "updated_at"])
        clock_stop(application=application, on=on, reason="；".join(reasons))
        lines = "\n".join(f"{n}. {p['message']}" for n, p in enumerate(problems, 1))
        notification_send(
            user=application.applicant,
            application=application,
            kind="needs_supplement",
            title=f"申请{application.reference}需要补充材料",
            body=f"评审专家要求补充以下材料，补齐后请重新提交（等待期间不计入评审时限）：\n{lines}",
            short_text=f"【医保慢特病】您的申请{application.reference}需补充材料，请登录查看。",
            dedupe_key=f"decision:{application.pk}:{event.pk}",
        )


def notify_officers(*, application: Application | None, kind: str, title: str, body: str, dedupe_key: str) -> None:
    from applications.roles import OFFICERS

    for officer in User.objects.filter(groups__name=OFFICERS, is_active=True):
        notification_send(
            user=officer,
            application=application,
            kind=kind,
            title=title,
            body=body,
            short_text=f"【医保慢特病】{title}，请登录后台处理。",
            dedupe_key=dedupe_key,
        )
