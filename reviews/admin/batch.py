"""The officer's batch actions, each with a page between the list and the work (like Django's delete
confirmation): 批量分派专家 (one expert for every selected case that waits for one; on the workbench
and on the applications list) and 催办 (remind the experts of the selected assignments, in the
officer's words). The services do the work (`reviews.assignment_batch`, `reviews.reminders`); the
actions collect the input and say what happened."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from applications.models import Application
from config.auth import authenticated_user
from config.domain import DomainError
from reviews.admin.case import require_officer
from reviews.assignment_batch import review_assign_batch
from reviews.forms import ExpertPickForm, ReminderForm, expert_label
from reviews.models import ReviewAssignment
from reviews.reminders import review_remind, review_reminder_default_text
from reviews.selectors import pending_work, working_days_left_for

SHOWN_FAILURES = 20  # one message each; the rest are counted


def _page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    template: str,
    **context: Any,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"admin/reviews/reviewassignment/{template}.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": action,
            **context,
        },
    )


def _cases(queryset: QuerySet[Any]) -> QuerySet[Application]:
    """The cases behind the selected rows: applications, or the assignments' applications."""
    if queryset.model is ReviewAssignment:
        ids = queryset.values_list("application_id", flat=True)
    else:
        ids = queryset.values_list("pk", flat=True)
    return Application.objects.filter(pk__in=list(ids)).select_related("disease").order_by("reference")


def _assign_expert(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], action: str) -> Any:
    require_officer(request)
    cases = list(_cases(queryset))
    form = ExpertPickForm(request.POST if request.POST.get("post") == "yes" else None)
    if form.is_bound and form.is_valid():
        expert = form.cleaned_data["expert"]
        outcome = review_assign_batch(
            application_ids=[case.pk for case in cases], expert=expert, by=authenticated_user(request)
        )
        if outcome.done:
            messages.success(
                request, f"已为{len(outcome.done)}件案件分派{expert_label(expert)}：{'、'.join(outcome.done)}。"
            )
        if outcome.failed:
            messages.error(request, f"{len(outcome.failed)}件案件未能分派，原因如下：")
            for failure in outcome.failed[:SHOWN_FAILURES]:
                messages.error(request, f"{failure.reference}：{failure.message}")
            if len(outcome.failed) > SHOWN_FAILURES:
                messages.error(request, f"另有{len(outcome.failed) - SHOWN_FAILURES}件未列出。")
        return None  # back to the list
    return _page(
        modeladmin,
        request,
        queryset,
        action=action,
        template="batch_assign",
        title="批量分派专家",
        form=form,
        cases=cases,
        waiting=sum(case.officer_decision_needed for case in cases),
    )


@admin.action(description="批量分派专家（所选案件）", permissions=["officer"])
def batch_assign(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """On the workbench: the cases of the selected assignments."""
    return _assign_expert(modeladmin, request, queryset, "batch_assign")


@admin.action(description="批量分派评审专家（所选案件）", permissions=["change"])
def batch_assign_cases(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """On the applications list (待经办人员处理: the cases waiting for an expert)."""
    return _assign_expert(modeladmin, request, queryset, "batch_assign_cases")


@admin.action(description="催办所选案件的评审专家", permissions=["officer"])
def batch_remind(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ReviewAssignment]) -> Any:
    require_officer(request)
    ids = list(queryset.values_list("pk", flat=True))
    posted = request.POST.get("post") == "yes"
    form = ReminderForm(
        request.POST if posted else None, initial={"message": review_reminder_default_text(assignment_ids=ids)}
    )
    if form.is_bound and form.is_valid():
        try:
            outcome = review_remind(
                assignment_ids=ids, by=authenticated_user(request), message=form.cleaned_data["message"]
            )
        except DomainError as exc:
            form.add_error("message", exc.message)
        else:
            if outcome.experts:
                reminded = "；".join(f"{name}（{'、'.join(refs)}）" for name, refs in outcome.experts.items())
                messages.success(request, f"已催办{len(outcome.experts)}位专家：{reminded}。")
            else:
                messages.warning(request, "所选案件中没有待提交意见的分派，未发送催办。")
            if outcome.skipped:
                messages.warning(request, f"以下案件已提交意见或不在评审中，未催办：{'、'.join(outcome.skipped)}。")
            return None
    rows = list(queryset.filter(pending_work()).select_related("application", "expert").order_by("expert__name", "id"))
    left = working_days_left_for(applications=[row.application for row in rows])
    return _page(
        modeladmin,
        request,
        queryset,
        action="batch_remind",
        template="batch_remind",
        title="催办评审专家",
        form=form,
        rows=[(row, left.get(row.application_id)) for row in rows],
        skipped=len(ids) - len(rows),
    )
