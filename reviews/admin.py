from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.identity import mask_id_number, mask_name
from accounts.models import User
from applications.models import Application, ApplicationEvent, ApplicationStatus, Document
from applications.roles import EXPERTS
from config.auth import authenticated_user
from config.domain import DomainError
from reviews.calendar import (
    PROVISIONAL_WARNING,
    SeedResult,
    calendar_day_save,
    calendar_provisional_years,
    calendar_seed,
    official_package_years,
    working_days_add,
)
from reviews.forms import ExpertPickForm, OfficerDecisionForm, ReviewDecisionForm, active_experts, expert_label
from reviews.models import (
    AssignmentRole,
    CalendarDay,
    CalendarDaySource,
    CalendarYear,
    Decision,
    ExpertProfile,
    ReviewAssignment,
)
from reviews.selectors import is_officer, opinions_visible_to, working_days_left_for
from reviews.services import (
    review_assign_additional,
    review_deadline_explain,
    review_decide,
    review_decide_as_officer,
    review_reassign,
)

WEEKDAYS = "一二三四五六日"


def _warn_provisional_years(request: HttpRequest) -> None:
    """Warn on the changelist about this year, next year and every year entered but not yet official."""
    this_year = timezone.localdate().year
    candidates = {
        this_year,
        this_year + 1,
        *CalendarYear.objects.filter(is_official=False).values_list("year", flat=True),
    }
    for year in calendar_provisional_years(years=candidates):
        messages.warning(request, PROVISIONAL_WARNING.format(year=year))


def _report_seed(request: HttpRequest, result: SeedResult) -> None:
    years = f"{result.years[0]}–{result.years[-1]}" if len(result.years) > 1 else str(result.years[0])
    summary = (
        f"已从官方数据包载入 {years} 年：新增 {result.created} 天，更新 {result.updated} 天，删除 {result.deleted} 天，"
        f"保留人工录入 {result.kept_manual} 天"
    )
    if result.years_marked_official:
        summary += "；标记为正式：" + "、".join(f"{year}年" for year in result.years_marked_official)
    messages.success(request, summary + "。" if result.changed else summary + "（无变化）。")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "source", "notes"]
    list_filter = ["is_official"]
    search_fields = ["year", "source", "notes"]
    actions = ["reseed_selected"]
    change_list_template = "admin/reviews/calendaryear/change_list.html"

    @admin.display(description="状态", ordering="is_official")
    def status(self, obj: CalendarYear) -> str:
        return "正式" if obj.is_official else "⚠ 临时：" + PROVISIONAL_WARNING.format(year=obj.year)

    def get_urls(self):  # type: ignore[no-untyped-def]
        seed = self.admin_site.admin_view(require_POST(self.seed_view))
        return [path("seed/", seed, name="reviews_calendaryear_seed"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET":
            _warn_provisional_years(request)
        extra_context = {**(extra_context or {}), "can_seed": self._can_seed(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def _can_seed(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and request.user.has_perm("reviews.change_calendarday")

    def seed_view(self, request: HttpRequest) -> HttpResponse:
        if not self._can_seed(request):
            raise PermissionDenied
        _report_seed(request, calendar_seed())
        return HttpResponseRedirect(reverse("admin:reviews_calendaryear_changelist"))

    @admin.action(description="从官方数据包重新载入所选年份", permissions=["change"])
    def reseed_selected(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        available = set(official_package_years())
        years = sorted(year for year in queryset.values_list("year", flat=True) if year in available)
        others = sorted(set(queryset.values_list("year", flat=True)) - available)
        if others:
            messages.warning(
                request,
                "官方数据包没有以下年份的数据，请按国务院通知人工录入：" + "、".join(f"{year}年" for year in others),
            )
        if years:
            try:
                _report_seed(request, calendar_seed(years=years))
            except DomainError as exc:
                messages.error(request, exc.message)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "is_working_day", "name", "source", "year_status"]
    list_filter = ["kind", "is_working_day", "source"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"
    ordering = ["date"]
    fields = ["date", "kind", "name", "is_working_day", "source", "updated_at"]
    readonly_fields = ["is_working_day", "source", "updated_at"]

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "周" + WEEKDAYS[obj.date.weekday()]

    @admin.display(description="年度状态", ordering="year_official")
    def year_status(self, obj: CalendarDay) -> str:
        return "正式" if getattr(obj, "year_official", False) else "⚠ 临时（尚未录入国务院通知）"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarDay]:
        official = CalendarYear.objects.filter(year=ExtractYear(OuterRef("date")), is_official=True)
        return super().get_queryset(request).annotate(year_official=Exists(official))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET":
            _warn_provisional_years(request)
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        calendar_day_save(day=obj)

    def has_delete_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        # Deleting an official day would be undone by the next seed: edit it instead (it becomes manual).
        if obj is not None and obj.source == CalendarDaySource.OFFICIAL:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the per-row rule above
        return actions


# --- Expert review workbench (评审案件) ---------------------------------------------------------------
#
# One admin over ReviewAssignment serves both roles. An expert sees only their own active
# assignments (any other id is "not found"); an officer sees every assignment and, per application,
# a review page to reassign, add an expert or settle a split. Every change goes through a service.

DAYS_LEFT_SOON = 5  # amber from this many working days left, red from 0

# A changelist column: a field or method name, or a callable taking the row.
_Column = str | Callable[[ReviewAssignment], str | bool]


class _ListedAssignment(Protocol):
    """A row of the workbench: its working days left, set for the whole page at once."""

    days_left_value: int | None


class _CaseAssignment(Protocol):
    """An assignment on the officer's case page: whether it may still be reassigned (the template reads it)."""

    reassignable: bool


def _is_officer(request: HttpRequest) -> bool:
    """Officer or superuser; asked once per request."""
    if not hasattr(request, "_reviews_is_officer"):
        request._reviews_is_officer = is_officer(authenticated_user(request))  # type: ignore[attr-defined]
    return request._reviews_is_officer  # type: ignore[attr-defined]


def _require_officer(request: HttpRequest) -> None:
    if not _is_officer(request):
        raise PermissionDenied


def _pending() -> Q:
    """An assignment still waiting for its opinion: active, undecided, of the current round of a case under review."""
    return Q(
        is_active=True,
        decision="",
        application__status=ApplicationStatus.UNDER_REVIEW,
        round=F("application__review_round"),
    )


def _is_pending(assignment: ReviewAssignment) -> bool:
    application = assignment.application
    return (
        assignment.is_pending
        and application.status == ApplicationStatus.UNDER_REVIEW
        and assignment.round == application.review_round
    )


def days_left_html(application: Application, left: int | None) -> str:
    """The working days left as a coloured badge: green > 5, amber 1–5, red on the day and after."""
    if application.status != ApplicationStatus.UNDER_REVIEW or left is None:
        return "—"
    if left > DAYS_LEFT_SOON:
        css, text = "ok", f"剩{left}个工作日"
    elif left > 0:
        css, text = "soon", f"剩{left}个工作日"
    elif left == 0:
        css, text = "overdue", "今日到期"
    else:
        css, text = "overdue", f"超期{-left}个工作日"
    return format_html('<span class="days-left days-left--{}">{}</span>', css, text)


def masked_applicant(application: Application) -> str:
    applicant = application.applicant
    return f"{mask_name(applicant.name)} {mask_id_number(applicant.id_number)}".strip()


class AssignmentDeadlineFilter(admin.SimpleListFilter):
    title = "评审时限"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("overdue", "已超期"), ("soon", f"{DAYS_LEFT_SOON}个工作日内到期")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(_pending(), application__review_deadline__lt=today)
        if self.value() == "soon":
            last = working_days_add(start=today, days=DAYS_LEFT_SOON).deadline
            return queryset.filter(_pending(), application__review_deadline__range=(today, last))
        return queryset


class OpinionFilter(admin.SimpleListFilter):
    title = "评审意见"
    parameter_name = "opinion"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("pending", "待提交"), ("decided", "已提交")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "pending":
            return queryset.filter(_pending())
        if self.value() == "decided":
            return queryset.exclude(decision="")
        return queryset


class ReviewOverdueFilter(admin.SimpleListFilter):
    """On the applications list: the officer's overview of cases past their review deadline or waiting for them."""

    title = "评审督办"
    parameter_name = "review"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("overdue", "评审超期"), ("officer", "待经办人员处理")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        under_review = queryset.filter(status=ApplicationStatus.UNDER_REVIEW)
        if self.value() == "overdue":
            return under_review.filter(Q(review_deadline__lt=timezone.localdate()) | Q(overdue_since__isnull=False))
        if self.value() == "officer":
            return under_review.filter(officer_decision_needed=True)
        return queryset


class ReviewAssignmentInline(admin.TabularInline):
    """On the application page (officers): every expert's part in every round, with the opinions."""

    model = ReviewAssignment
    extra = 0
    can_delete = False
    template = "admin/reviews/reviewassignment/application_inline.html"
    fields = ("round", "role", "expert_name", "is_active", "decision", "reason", "decided_at", "assigned_at")
    readonly_fields = fields
    verbose_name = "评审意见"
    verbose_name_plural = "专家评审意见"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewAssignment]:
        return super().get_queryset(request).select_related("expert").order_by("round", "assigned_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="专家")
    def expert_name(self, obj: ReviewAssignment) -> str:
        return f"{obj.expert.name or obj.expert.username}（{obj.expert.username}）"


def _case_application(application_id: object) -> Application:
    """The application with what its review page shows, in a fixed number of queries."""
    return get_object_or_404(
        Application.objects.select_related(
            "applicant", "disease", "disease__category", "diagnosing_hospital"
        ).prefetch_related(
            Prefetch("documents", queryset=Document.objects.select_related("hospital").order_by("uploaded_at", "id")),
            Prefetch("events", queryset=ApplicationEvent.objects.order_by("at", "id")),
            "clock_suspensions",
        ),
        pk=application_id,
    )


def _case_context(application: Application) -> dict:
    """What an expert and an officer read on a case: the completeness checks, the clock, the documents."""
    checks = [
        {
            "event": event,
            "accepted": event.to_status == ApplicationStatus.UNDER_REVIEW,
            "problems": (event.data or {}).get("problems", []),
        }
        for event in application.events.all()
        if event.from_status == ApplicationStatus.SUBMITTED or (event.data or {}).get("problems")
    ]
    documents = []
    for document in application.documents.all():
        if document.content_type.startswith("image/"):
            preview = "image"
        elif document.content_type == "application/pdf":
            preview = "pdf"
        else:
            preview = ""
        url = reverse("admin:applications_document_file", args=[document.pk])
        documents.append({"document": document, "url": url, "preview": preview})
    left = working_days_left_for(applications=[application]).get(application.pk)
    return {
        "application": application,
        "applicant_masked": masked_applicant(application),
        "checks": checks,
        "deadline": review_deadline_explain(application=application),
        "days_left": days_left_html(application, left),
        "suspensions": list(application.clock_suspensions.all()),
        "documents": documents,
    }


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    """The workbench (评审案件): an expert's queue of assigned cases, every assignment for an officer."""

    list_display_base: list[_Column] = [
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
        if not _is_officer(request):
            queryset = queryset.filter(expert=request.user, is_active=True)
        return queryset

    def get_ordering(self, request: HttpRequest) -> list:
        # Open work first, the soonest deadline first.
        open_first = Case(When(_pending(), then=Value(0)), default=Value(1)).asc()
        return [open_first, "application__review_deadline", "assigned_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_list_display(self, request: HttpRequest) -> list[_Column]:
        if _is_officer(request):
            return [
                *self.list_display_base[:4],
                "expert_name",
                *self.list_display_base[4:],
                "application_status",
                "case_link",
            ]
        return self.list_display_base

    def get_list_filter(self, request: HttpRequest) -> list:
        filters: list = [AssignmentDeadlineFilter, OpinionFilter]
        if _is_officer(request):
            filters += [("expert", admin.RelatedOnlyFieldListFilter), "role", "application__disease__category"]
        return filters

    def get_changelist_instance(self, request: HttpRequest):  # type: ignore[no-untyped-def]
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
        row = cast(_ListedAssignment, obj)
        if not hasattr(row, "days_left_value"):  # the change page: one row
            row.days_left_value = working_days_left_for(applications=[obj.application]).get(obj.application_id)
        return days_left_html(obj.application, row.days_left_value)

    @admin.display(description="意见", ordering="decision")
    def opinion(self, obj: ReviewAssignment) -> str:
        if obj.decision:
            return obj.get_decision_display()
        if _is_pending(obj):
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

    def get_urls(self):  # type: ignore[no-untyped-def]
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/", wrap(require_POST(self.decide_view)), name="reviews_reviewassignment_decide"
            ),
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

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        officer = _is_officer(request)
        extra_context = {
            **(extra_context or {}),
            "title": "评审案件（全部分派）" if officer else "我的评审案件",
            "is_officer": officer,
        }
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        assignment = self.get_object(request, unquote(object_id))
        if assignment is None:  # not found, or another expert's: the admin redirects without data
            return super().change_view(request, object_id, form_url, extra_context)
        application = _case_application(assignment.application_id)
        assignment.application = application
        context = {**_case_context(application), "assignment": assignment, "is_officer": _is_officer(request)}
        context["title"] = f"评审案件 {application.reference}"
        if assignment.expert_id == request.user.pk:
            context["opinions"] = opinions_visible_to(assignment=assignment)
            # Blind review: the round's other opinions show once every panel opinion is in.
            context["blind"] = application.assignments.filter(
                round=assignment.round, is_active=True, role=AssignmentRole.PANEL, decision=""
            ).exists()
            if _is_pending(assignment):
                context["decision_form"] = ReviewDecisionForm()
        if context["is_officer"] and _is_pending(assignment):
            current = set(
                application.assignments.filter(is_active=True, round=application.review_round).values_list(
                    "expert_id", flat=True
                )
            )
            context["experts"] = [(u.pk, expert_label(u)) for u in active_experts(exclude=current)]
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The expert's decision form: `review_decide` checks and records it."""
        assignment = self.get_object(request, unquote(object_id))
        if assignment is None:
            raise Http404
        form = ReviewDecisionForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
        else:
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
            else:
                messages.success(
                    request, f"已提交评审意见：{Decision(decision).label}（{assignment.application.reference}）。"
                )
                # Back to the queue: reloading the case page would fetch (and log) every document again.
                return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_changelist"))
        return HttpResponseRedirect(reverse("admin:reviews_reviewassignment_change", args=[assignment.pk]))

    def reassign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        _require_officer(request)
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
        _require_officer(request)
        application = _case_application(application_id)
        assignments = list(application.assignments.select_related("expert", "assigned_by").order_by("round", "id"))
        for assignment in assignments:
            assignment.application = application
            cast(_CaseAssignment, assignment).reassignable = _is_pending(assignment)
        under_review = application.status == ApplicationStatus.UNDER_REVIEW
        current = {a.expert_id for a in assignments if a.is_active and a.round == application.review_round}
        context = {
            **self.admin_site.each_context(request),
            **_case_context(application),
            "opts": self.opts,
            "title": f"评审处理：{application.reference}",
            "assignments": assignments,
            "under_review": under_review,
            "experts": [(u.pk, expert_label(u)) for u in active_experts(exclude=current)] if under_review else [],
            "settle_form": OfficerDecisionForm() if under_review and application.officer_decision_needed else None,
        }
        return TemplateResponse(request, "admin/reviews/reviewassignment/case.html", context)

    def add_expert_view(self, request: HttpRequest, application_id: str) -> HttpResponse:
        _require_officer(request)
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
        _require_officer(request)
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


def _form_errors(request: HttpRequest, form) -> None:  # type: ignore[no-untyped-def]
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["expert", "username", "specialty_list", "is_active", "capacity", "current_load"]
    list_filter = ["is_active", "specialties"]
    search_fields = ["user__username", "user__name"]
    filter_horizontal = ["specialties"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpertProfile]:
        open_work = Q(
            user__review_assignments__is_active=True,
            user__review_assignments__decision="",
            user__review_assignments__application__status=ApplicationStatus.UNDER_REVIEW,
            user__review_assignments__round=F("user__review_assignments__application__review_round"),
        )
        return (
            super()
            .get_queryset(request)
            .annotate(load=Count("user__review_assignments", filter=open_work))
            .prefetch_related("specialties")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: ExpertProfile | None = None) -> list[str]:
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user":
            # Only members of the experts' group can open the workbench; the group is given by an admin.
            kwargs["queryset"] = User.objects.filter(groups__name=EXPERTS, is_active=True, expert_profile__isnull=True)
            kwargs["help_text"] = "只列出“评审专家”组中尚无专家档案的账户。"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="专家", ordering="user__name")
    def expert(self, obj: ExpertProfile) -> str:
        return obj.user.name or obj.user.username

    @admin.display(description="账户", ordering="user__username")
    def username(self, obj: ExpertProfile) -> str:
        return obj.user.username

    @admin.display(description="擅长病种类别")
    def specialty_list(self, obj: ExpertProfile) -> str:
        return "、".join(category.name for category in obj.specialties.all())

    @admin.display(description="在办/上限", ordering="load")
    def current_load(self, obj: ExpertProfile) -> str:
        return f"{obj.load}/{obj.capacity}"  # type: ignore[attr-defined]
