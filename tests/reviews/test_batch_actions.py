"""The officer's batch actions in the admin: one expert for many cases waiting for one (on the workbench
and on the applications list), and 催办 — a reminder to the experts of the chosen cases, one message per
expert, recorded in each case's history. Each goes through a page between the list and the work."""

from __future__ import annotations

import pytest

from applications.models import ApplicationEvent, ApplicationStatus
from notifications.models import Notification, NotificationKind
from reviews.calendar import working_days_add
from reviews.models import AssignmentRole, ReviewAssignment
from reviews.reminders import EVENT_REASON
from tests.factories import ApplicationFactory, DiseaseFactory
from tests.reviews.review_helpers import expert
from tests.reviews.workbench_helpers import CHANGELIST, ON, assignment, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_workbench_today")]
APPLICATIONS = "/admin/applications/application/"


def waiting_case(cat, *, holder, **fields) -> ReviewAssignment:
    """A case under review whose panel has one expert (`holder`) of two: it waits for an expert."""
    app = ApplicationFactory(
        under_review=True,
        review_round=1,
        officer_decision_needed=True,
        review_deadline=working_days_add(start=ON, days=15).deadline,
        disease=DiseaseFactory(category=cat),
        **fields,
    )
    return ReviewAssignment.objects.create(application=app, expert=holder, round=1)


def run_action(client, url: str, action: str, rows, **data):
    return client.post(url, {"action": action, "_selected_action": [str(row.pk) for row in rows], **data})


# --- 批量分派专家 ------------------------------------------------------------------------------------


def test_the_assign_action_asks_for_the_expert_first(client, endocrine, expert1, officer1):
    rows = [waiting_case(endocrine, holder=expert1) for _ in range(2)]
    expert3 = expert(endocrine, username="expert3", name="专家三")
    client.force_login(officer1)

    response = run_action(client, CHANGELIST, "batch_assign", rows)

    html = response.content.decode()
    assert response.status_code == 200
    assert "批量分派专家" in html and "2 件正在等待分派专家" in html
    assert f'<option value="{expert3.pk}">专家三（expert3，在办 0/30）</option>' in html
    for row in rows:
        assert f'name="_selected_action" value="{row.pk}"' in html and row.application.reference in html
    assert not ReviewAssignment.objects.filter(expert=expert3).exists()


def test_one_expert_is_assigned_to_every_waiting_case_and_each_refusal_is_told(
    client, endocrine, tumour, expert1, officer1
):
    expert3 = expert(endocrine, username="expert3", name="专家三")
    waiting = [waiting_case(endocrine, holder=expert1) for _ in range(2)]
    full = waiting_case(endocrine, holder=expert1)
    type(full.application).objects.filter(pk=full.application_id).update(officer_decision_needed=False)
    own = waiting_case(endocrine, holder=expert1, applicant=expert3)
    other_field = waiting_case(tumour, holder=expert1)
    client.force_login(officer1)

    response = run_action(
        client, CHANGELIST, "batch_assign", [*waiting, full, own, other_field], post="yes", expert=expert3.pk
    )

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    added = ReviewAssignment.objects.filter(expert=expert3)
    assert {a.application_id for a in added} == {row.application_id for row in waiting}
    assert all(a.role == AssignmentRole.PANEL and a.assigned_by == officer1 for a in added)
    for row in waiting:
        row.application.refresh_from_db()
        assert not row.application.officer_decision_needed
    said = messages_of(response)
    assert said[0].startswith("已为2件案件分派专家三")
    assert "3件案件未能分派，原因如下：" in said
    assert f"{full.application.reference}：本案评审组已满，无需分派专家（更换专家请在评审处理页改派）。" in said
    assert f"{own.application.reference}：专家不能评审本人的申请（回避）。" in said
    assert f"{other_field.application.reference}：该专家的擅长病种类别不含本案的“恶性肿瘤”。" in said


def test_the_expert_capacity_and_the_round_already_joined_are_respected(client, endocrine, expert1, officer1):
    expert3 = expert(endocrine, username="expert3", name="专家三", capacity=1)
    rows = sorted([waiting_case(endocrine, holder=expert1) for _ in range(2)], key=lambda r: r.application.reference)
    client.force_login(officer1)

    response = run_action(client, CHANGELIST, "batch_assign", rows, post="yes", expert=expert3.pk)
    again = run_action(client, CHANGELIST, "batch_assign", rows[1:], post="yes", expert=expert1.pk)

    assert ReviewAssignment.objects.filter(expert=expert3).get().application_id == rows[0].application_id
    assert f"{rows[1].application.reference}：该专家在办案件已达上限（1/1）。" in messages_of(response)
    assert f"{rows[1].application.reference}：该专家已参与本案本轮评审（盲审回避）。" in messages_of(again)


def test_an_expert_on_a_split_case_is_assigned_to_review_it(client, endocrine, expert1, expert2, officer1):
    split = waiting_case(endocrine, holder=expert1)
    ReviewAssignment.objects.create(application=split.application, expert=expert2, round=1)
    expert3 = expert(endocrine, username="expert3", name="专家三")
    client.force_login(officer1)

    run_action(client, CHANGELIST, "batch_assign", [split], post="yes", expert=expert3.pk)

    assert ReviewAssignment.objects.get(expert=expert3).role == AssignmentRole.ESCALATION


def test_cases_with_no_expert_at_all_are_assigned_from_the_applications_list(client, endocrine, expert1, officer1):
    apps = [
        ApplicationFactory(
            under_review=True, review_round=1, officer_decision_needed=True, disease=DiseaseFactory(category=endocrine)
        )
        for _ in range(2)
    ]
    client.force_login(officer1)

    listed = client.get(APPLICATIONS, {"review": "officer"}).content.decode()
    asked = run_action(client, APPLICATIONS, "batch_assign_cases", apps)
    response = run_action(client, APPLICATIONS, "batch_assign_cases", apps, post="yes", expert=expert1.pk)

    assert "批量分派评审专家（所选案件）" in listed
    assert asked.status_code == 200 and 'value="batch_assign_cases"' in asked.content.decode()
    assert response.status_code == 302
    assert set(ReviewAssignment.objects.filter(expert=expert1).values_list("application_id", flat=True)) == {
        app.pk for app in apps
    }


def test_experts_have_no_batch_actions(client, endocrine, expert1, expert2):
    mine = waiting_case(endocrine, holder=expert1)
    client.force_login(expert1)

    html = client.get(CHANGELIST).content.decode()
    run_action(client, CHANGELIST, "batch_assign", [mine], post="yes", expert=expert2.pk)

    assert 'name="action"' not in html
    assert not ReviewAssignment.objects.filter(expert=expert2).exists()


# --- 催办 -------------------------------------------------------------------------------------------


def test_the_reminder_page_offers_a_text_with_the_days_left(client, expert1, expert2, officer1):
    soon = assignment(expert1, deadline=working_days_add(start=ON, days=3).deadline)
    later = assignment(expert2)
    client.force_login(officer1)

    response = run_action(client, CHANGELIST, "batch_remind", [soon, later])

    html = response.content.decode()
    assert response.status_code == 200 and "催办评审专家" in html
    assert "最近的一件剩3个工作日" in html.split("<textarea", 1)[1]
    assert soon.application.reference in html and "专家二" in html
    assert not Notification.objects.filter(kind=NotificationKind.OFFICER_REMINDER).exists()


def test_each_expert_is_reminded_once_and_each_case_records_it(client, expert1, expert2, officer1):
    first, second = assignment(expert1), assignment(expert1)
    theirs = assignment(expert2)
    decided = assignment(expert2, approved=True)
    client.force_login(officer1)

    response = run_action(
        client, CHANGELIST, "batch_remind", [first, second, theirs, decided], post="yes", message="请本周内提交意见。"
    )

    assert response.status_code == 302
    notice = Notification.objects.get(user=expert1, kind=NotificationKind.OFFICER_REMINDER)
    assert notice.title == "经办人员催办2件评审案件"
    assert notice.body.startswith("请本周内提交意见。")
    assert first.application.reference in notice.body and second.application.reference in notice.body
    assert "剩15个工作日" in notice.body
    assert "请本周内提交意见" not in notice.short_text  # the SMS only says there is a reminder
    assert Notification.objects.filter(user=expert2, kind=NotificationKind.OFFICER_REMINDER).count() == 1
    for row, names in ((first, ["专家一"]), (theirs, ["专家二"])):
        event = ApplicationEvent.objects.get(application=row.application, reason=EVENT_REASON)
        assert (event.actor, event.actor_label, event.to_status) == (
            officer1,
            "经办人员",
            ApplicationStatus.UNDER_REVIEW,
        )
        assert event.data["reminder"] == {"by": "经办员一", "experts": names, "message": "请本周内提交意见。"}
    assert not ApplicationEvent.objects.filter(application=decided.application, reason=EVENT_REASON).exists()
    said = messages_of(response)
    assert any(m.startswith("已催办2位专家：") and first.application.reference in m for m in said)
    assert f"以下案件已提交意见或不在评审中，未催办：{decided.application.reference}。" in said


def test_a_reminder_needs_its_text(client, expert1, officer1):
    mine = assignment(expert1)
    client.force_login(officer1)

    response = run_action(client, CHANGELIST, "batch_remind", [mine], post="yes", message="   ")

    assert response.status_code == 200
    assert "该字段是必填项。" in response.content.decode()
    assert not Notification.objects.filter(kind=NotificationKind.OFFICER_REMINDER).exists()
    assert not ApplicationEvent.objects.filter(reason=EVENT_REASON).exists()
