"""An officer's reminder (催办) to the experts of chosen cases, in the officer's own words.

Only open work is reminded (`reviews.selectors.pending_work`): an opinion already given, a case no longer
under review, a reassigned expert are skipped and said so. Each expert gets one message (in the app, and
by SMS where configured) listing every case of theirs in the batch with its deadline and working days
left; each case records the reminder in its history (the officer, the time, the experts reminded). The
applicant's history shows only that the experts were reminded: no expert's name, no officer's text."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import User
from applications.models import ApplicationEvent, ApplicationStatus
from config.domain import InvalidInput
from notifications.models import NotificationKind
from notifications.services import notification_send
from reviews.models import ReviewAssignment
from reviews.selectors import pending_work, working_days_left_for

MESSAGE_MAX_LENGTH = 500
EVENT_REASON = "经办人员已催办评审专家"


@dataclass
class RemindOutcome:
    """Who was reminded of what, and the selected cases that were not open work."""

    experts: dict[str, list[str]] = field(default_factory=dict)  # expert's name → references
    skipped: list[str] = field(default_factory=list)


def _days_left_text(left: int | None) -> str:
    if left is None:
        return "未定截止日期"
    if left > 0:
        return f"剩{left}个工作日"
    return "今日到期" if left == 0 else f"已超期{-left}个工作日"


def review_reminder_default_text(*, assignment_ids: Iterable[int]) -> str:
    """The text the officer starts from: the nearest deadline among the selected open cases."""
    assignments = list(
        ReviewAssignment.objects.filter(pending_work(), pk__in=list(assignment_ids)).select_related("application")
    )
    left = working_days_left_for(applications=[a.application for a in assignments])
    nearest = min(left.values(), default=None)
    when = f"最近的一件{_days_left_text(nearest)}" if nearest is not None else "评审时限将至"
    return f"您好，您有分派的评审案件尚未提交意见，{when}，请尽快登录系统完成评审。"


@transaction.atomic
def review_remind(*, assignment_ids: Iterable[int], by: User, message: str) -> RemindOutcome:
    """Remind the experts of the selected assignments; one message per expert, one history row per case."""
    message = (message or "").strip()
    if not message:
        raise InvalidInput("请填写催办内容。", code="required", field="message")
    if len(message) > MESSAGE_MAX_LENGTH:
        raise InvalidInput(f"催办内容不能超过{MESSAGE_MAX_LENGTH}字。", code="too_long", field="message")
    selected = list(
        ReviewAssignment.objects.filter(pk__in=list(assignment_ids))
        .select_related("application", "expert")
        .order_by("application__review_deadline", "application__reference", "id")
    )
    pending_ids = set(
        ReviewAssignment.objects.filter(pending_work(), pk__in=[a.pk for a in selected]).values_list("pk", flat=True)
    )
    outcome = RemindOutcome()
    open_work = [a for a in selected if a.pk in pending_ids]
    outcome.skipped = sorted({a.application.reference for a in selected} - {a.application.reference for a in open_work})
    left = working_days_left_for(applications=[a.application for a in open_work])
    by_expert: dict[User, list[ReviewAssignment]] = {}
    for assignment in open_work:
        by_expert.setdefault(assignment.expert, []).append(assignment)
    batch = uuid.uuid4().hex
    for expert, assignments in by_expert.items():
        lines = [
            f"{n}. {a.application.reference}（截止{a.application.review_deadline:%Y-%m-%d}，"
            f"{_days_left_text(left.get(a.application_id))}）"
            if a.application.review_deadline
            else f"{n}. {a.application.reference}"
            for n, a in enumerate(assignments, 1)
        ]
        notification_send(
            user=expert,
            kind=NotificationKind.OFFICER_REMINDER,
            params={"count": len(assignments), "message": message, "lines": "\n".join(lines)},
            application=assignments[0].application if len(assignments) == 1 else None,
            dedupe_key=f"officer_reminder:{batch}:{expert.pk}",
        )
        outcome.experts[expert.name or expert.username] = [a.application.reference for a in assignments]
    cases: dict[object, list[ReviewAssignment]] = {}
    for assignment in open_work:
        cases.setdefault(assignment.application_id, []).append(assignment)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=assignments[0].application,
            actor=by,
            actor_label="经办人员",
            from_status=ApplicationStatus.UNDER_REVIEW,
            to_status=ApplicationStatus.UNDER_REVIEW,
            reason=EVENT_REASON,
            data={
                "reminder": {
                    "by": by.name or by.username,
                    "experts": [a.expert.name or a.expert.username for a in assignments],
                    "message": message,
                }
            },
        )
        for assignments in cases.values()
    )
    return outcome
