"""The review workbench (评审案件): one admin over ReviewAssignment serves both roles. An expert sees
only their own active assignments (any other id is "not found"); an officer sees every assignment
and, per application, a review page to reassign, add an expert or settle a split. Every change goes
through a service; every rule (open work, blind review, load) is asked of `reviews.selectors`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from applications.models import ApplicationStatus
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user
from config.domain import DomainError
from reviews.admin.batch import batch_assign, batch_remind
from reviews.admin.case import (
    AssignmentDeadlineFilter,
    CaseAssignment,
    Column,
    ListedAssignment,
    OpinionFilter,
    case_application,
    case_context,
    case_facts,
    days_left_html,
    earlier_rounds,
    masked_applicant,
    request_is_officer,
    require_officer,
)
from reviews.forms import ExpertPickForm, OfficerDecisionForm, ReviewDecisionForm, expert_label
from reviews.models import AssignmentRole, Decision, ReviewAssignment
from reviews.selectors import (
    assignment_is_pending,
    experts_with_load,
    opinions_visible_to,
    pending_work,
    round_panel_complete,
    working_days_left_for,
)
from reviews.services import (
    review_assign_additional,
    review_decide,
    review_decide_as_officer,
    review_reassign,
)


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The workbench (评审案件): an expert's queue of assigned cases, every assignment for an officer."""

    list_display_base: list[Column] = [
        "reference",
        "applicant",
        "disease",
        "round_role",
        "review_deadline",
        "days_left",
        "opinion",
    ]
    # What the column headers show as sorted; the queryset's order is get_ordering's.
    ordering = ["application__review_deadline"]
    search_fields = ["=application__reference"]
    list_per_page = 50
    change_list_template = "admin/reviews/reviewassignment/change_list.html"
    change_form_template = "admin/reviews/reviewassignment/change_form.html"
    actions = [batch_assign, batch_remind]  # officers only (has_officer_permission)
    fieldsets = [
        (
            "案件",
            {
                "fields": [
                    "reference",
                    "applicant",
                    "disease",
                    "application_kind",
                    "application_status",
                    "review_deadline",
                    "days_left",
                ]
            },
        ),
        ("分派与意见", {"fields": ["expert_name", "round", "role", "is_active", "decision", "reason", "decided_at"]}),
    ]
    readonly_fields = [
        "reference",
        "applicant",
        "disease",
        "application_kind",
        "application_status",
        "review_deadline",
        "days_left",
        "expert_name",
        "round",
        "role",
        "is_active",
        "decision",
        "reason",
        "decided_at",
    ]

    # --- scope and permissions: the assignment's fields are never edited here, only through services

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewAssignment]:
        queryset = (
            super().get_queryset(request).select_related("application__applicant", "application__disease", "expert")
        )
        if not request_is_officer(request):
            queryset = queryset.filter(expert=request.user, is_active=True)
        return queryset

    def has_officer_permission(self, request: HttpRequest) -> bool:
        return request_is_officer(request)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # Open work first, the soonest deadline first.
        open_first = Case(When(pending_work(), then=Value(0)), default=Value(1)).asc()
        return [open_first, "application__review_deadline", "assigned_at"]

    def get_list_display(self, request: HttpRequest) -> list[Column]:
        if request_is_officer(request):
            return [
                *self.list_display_base[:4],
                "expert_name",
                *self.list_display_base[4:],
                "application_status",
                "case_link",
            ]
        return self.list_display_base

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters: list[Any] = [AssignmentDeadlineFilter, OpinionFilter]
        if request_is_officer(request):
            filters += [("expert", admin.RelatedOnlyFieldListFilter), "role", "application__disease__category"]
        return filters

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        """Working days left for the whole page with one calendar load, not one per row."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # evaluates the page once; the template reuses the cache
        left = working_days_left_for(applications=[row.application for row in rows])
        for row in rows:
            row.days_left_value = left.get(row.application_id)
        return changelist

    # --- columns and read-only fields

    @admin.display(description="受理编号", ordering="application__reference")
    def reference(self, obj: ReviewAssignment) -> str:
        return obj.application.reference

    @admin.display(description="申请人")
    def applicant(self, obj: ReviewAssignment) -> str:
        return masked_applicant(obj.application)

    @admin.display(description="病种", ordering="application__disease__code")
    def disease(self, obj: ReviewAssignment) -> str:
        return obj.application.disease.name

    @admin.display(description="申请类型")
    def application_kind(self, obj: ReviewAssignment) -> str:
        return obj.application.get_kind_display()

    @admin.display(description="申请状态", ordering="application__status")
    def application_status(self, obj: ReviewAssignment) -> str:
        return obj.application.get_status_display()

    @admin.display(description="轮次", ordering="round")
    def round_role(self, obj: ReviewAssignment) -> str:
        if obj.role == AssignmentRole.ESCALATION:
            return f"第{obj.round}轮 · 复核"
        return f"第{obj.round}轮"

    @admin.display(description="评审截止日期", ordering="application__review_deadline")
    def review_deadline(self, obj: ReviewAssignment) -> object:
        return obj.application.review_deadline or "—"

    @admin.display(description="剩余工作日")
    def days_left(self, obj: ReviewAssignment) -> str:
        row = cast(ListedAssignment, obj)
        if not hasattr(row, "days_left_value"):  # the change page: one row
            row.days_left_value = working_days_left_for(applications=[obj.application]).get(obj.application_id)
        return days_left_html(obj.application, row.days_left_value)

    @admin.display(description="意见", ordering="decision")
    def opinion(self, obj: ReviewAssignment) -> str:
        if obj.decision:
            return obj.get_decision_display()
        if assignment_is_pending(obj):
            return format_html('<span class="opinion-pending">{}</span>', "待提交")
        return "未提交（已结束）"

    @admin.display(description="专家", ordering="expert__name")
    def expert_name(self, obj: ReviewAssignment) -> str:
        return obj.expert.name or obj.expert.username

    @admin.display(description="评审处理")
    def case_link(self, obj: ReviewAssignment) -> str:
        url = reverse("admin:reviews_reviewassignment_case", args=[obj.application_id])
        return format_html('<a href="{}">处理</a>', url)

    # --- pages

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/decide/", wrap(self.decide_view), name="reviews_reviewassignment_decide"),
            path(
                "<path:object_id>/reassign/",
                wrap(require_POST(self.reassign_view)),
                name="reviews_reviewassignment_reassign",
            ),
            path("case/<uuid:application_id>/", wrap(self.case_view), name="reviews_reviewassignment_case"),
            path(
                "case/<uuid:application_id>/add-expert/",
                wrap(require_POST(self.add_expert_view)),
                name="reviews_reviewassignment_add_expert",
            ),
            path(
                "case/<uuid:application_id>/settle/",
                wrap(require_POST(self.settle_view)),
                name="reviews_reviewassignment_settle",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        officer = request_is_officer(request)
        extra_context = {
            **(extra_context or {}),
            "title": "评审案件（全部分派）" if officer else "我的评审案件",
            "is_officer": officer,
        }
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        assignment = self.get_object(request, unquote(object_id))
        if assignment is None:  # not found, or another expert's: the admin redirects without data
            return super().change_view(request, object_id, form_url, extra_context)
        context = self._case_page_context(request, assignment)
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def _case_page_context(
        self, request: HttpRequest, assignment: ReviewAssignment, decision_form: ReviewDecisionForm | None = None
    ) -> dict[str, Any]:
        """The case page of one assignment: the facts on top (the applicant blind for an expert), the
        documents, and beside them the decision form (bound again after a refused decision)."""
        application = case_application(assignment.application_id)
        assignment.application = application
        officer = request_is_officer(request)
        context = {
            **case_context(application, reader=authenticated_user(request)),
            "assignment": assignment,
            "is_officer": officer,
            "facts": case_facts(application, blind=not officer),
            "earlier_rounds": earlier_rounds(application),
        }
        context["title"] = f"评审案件 {application.reference}"
        if assignment.expert_id == request.user.pk:
            context["opinions"] = opinions_visible_to(assignment=assignment)
            # Blind review: the round's other opinions show once every panel opinion is in.
            context["blind"] = not round_panel_complete(application_id=application.pk, round=assignment.round)
            if assignment_is_pending(assignment):
                context["decision_form"] = decision_form or ReviewDecisionForm()
        if officer and assignment_is_pending(assignment):
            current = set(
                application.assignments.filter(is_active=True, round=application.review_round).values_list(
                    "expert_id", flat=True
                )
            )
            context["experts"] = [(u.pk, expert_label(u)) for u in experts_with_load(exclude=current)]
        return context

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The expert's decision form: `review_decide` checks and records it."""
        assignment = self.get_object(request, unquote(object_id))
        if assignment is None:
            raise Http404
        if request.method != "POST":  # the address of a refused form, reloaded or opened again: the case
            return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_change", args=[assignment.pk]))
        form = ReviewDecisionForm(request.POST)
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                review_decide(
                    assignment_id=assignment.pk,
                    expert=authenticated_user(request),
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                field = next((e["field"] for e in exc.errors or [] if e.get("field") in form.fields), None)
                form.add_error(field, exc.message)
            else:
                messages.success(
                    request, f"已提交评审意见：{Decision(decision).label}（{assignment.application.reference}）。"
                )
                # Back to the queue: reloading the case page would fetch (and log) every document again.
                return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_changelist"))
        assignment.refresh_from_db()
        if not assignment_is_pending(assignment):  # decided meanwhile, reassigned: nothing to fill in again
            return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_change", args=[assignment.pk]))
        # The page again with the expert's choice and words kept, and the errors beside them.
        context = {
            **self.admin_site.each_context(request),
            **self._case_page_context(request, assignment, decision_form=form),
            "opts": self.opts,
            "original": assignment,
            "change": True,
            "add": False,
            "has_view_permission": True,
            "media": self.media,
        }
        return TemplateResponse(request, self.change_form_template, context)

    def reassign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        require_officer(request)
        assignment = self.get_object(request, unquote(object_id))
        if assignment is None:
            raise Http404
        form = ExpertPickForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            expert = form.cleaned_data["expert"]
            try:
                review_reassign(assignment_id=assignment.pk, expert=expert, by=authenticated_user(request))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已将第{assignment.round}轮的分派改派给{expert_label(expert)}。")
        return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_case", args=[assignment.application_id]))

    def case_view(self, request: HttpRequest, application_id: str) -> HttpResponse:
        """The officer's review page of one application: every round, and what can be done about it."""
        require_officer(request)
        application = case_application(application_id)
        assignments = list(application.assignments.select_related("expert", "assigned_by").order_by("round", "id"))
        for assignment in assignments:
            assignment.application = application
            cast(CaseAssignment, assignment).reassignable = assignment_is_pending(assignment)
        under_review = application.status == ApplicationStatus.UNDER_REVIEW
        current = {a.expert_id for a in assignments if a.is_active and a.round == application.review_round}
        context = {
            **self.admin_site.each_context(request),
            **case_context(application, reader=authenticated_user(request)),
            "facts": case_facts(application, blind=False),
            "earlier_rounds": earlier_rounds(application),
            "opts": self.opts,
            "title": f"评审处理：{application.reference}",
            "assignments": assignments,
            "under_review": under_review,
            "experts": [(u.pk, expert_label(u)) for u in experts_with_load(exclude=current)] if under_review else [],
            "settle_form": OfficerDecisionForm() if under_review and application.officer_decision_needed else None,
        }
        return TemplateResponse(request, "admin/reviews/reviewassignment/case.html", context)

    def add_expert_view(self, request: HttpRequest, application_id: str) -> HttpResponse:
        require_officer(request)
        form = ExpertPickForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            expert = form.cleaned_data["expert"]
            try:
                added = review_assign_additional(
                    application_id=application_id, expert=expert, by=authenticated_user(request)
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if added.role == AssignmentRole.ESCALATION:
                    messages.success(request, f"已增派{expert_label(expert)}为复核专家，其意见即为本轮结论。")
                else:
                    messages.success(request, f"已增派{expert_label(expert)}补足评审组。")
        return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_case", args=[application_id]))

    def settle_view(self, request: HttpRequest, application_id: str) -> HttpResponse:
        require_officer(request)
        form = OfficerDecisionForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
            decision = form.cleaned_data["decision"]
            try:
                review_decide_as_officer(
                    application_id=application_id,
                    officer=authenticated_user(request),
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已裁决：{Decision(decision).label}。")
        return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_case", args=[application_id]))


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))
