"""What the review workbench's pages share: the days-left badge, the masked applicant, the list
filters (also used on the applications list), the opinions inline of an application, and the case
facts an expert and an officer read (completeness checks, the clock, the documents)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.identity import birth_date, mask_id_number, mask_name, sex_label
from accounts.models import User
from accounts.roles import is_officer
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Document,
    DocumentKind,
    Hospital,
    InsuredPerson,
)
from config.auth import authenticated_user
from reviews.clock import review_deadline_explain
from reviews.models import Decision, ReviewAssignment
from reviews.selectors import case_reader_role, due_soon_until, overdue, pending_work, working_days_left_for

# Amber from this many working days left (the SLA sweep reminds the experts then), red from 0.
DAYS_LEFT_SOON = settings.REVIEW_REMIND_WORKING_DAYS_LEFT

# A changelist column: a field or method name, or a callable taking the row.
Column = str | Callable[[ReviewAssignment], str | bool]


class ListedAssignment(Protocol):
    """A row of the workbench: its working days left, set for the whole page at once."""

    days_left_value: int | None


class CaseAssignment(Protocol):
    """An assignment on the officer's case page: whether it may still be reassigned (the template reads it)."""

    reassignable: bool


def request_is_officer(request: HttpRequest) -> bool:
    """`accounts.roles.is_officer` for the signed-in user, asked once per request."""
    cached = getattr(request, "_reviews_is_officer", None)
    if cached is None:
        cached = is_officer(authenticated_user(request))
        setattr(request, "_reviews_is_officer", cached)  # noqa: B010 - a per-request cache, not a field
    return bool(cached)


def require_officer(request: HttpRequest) -> None:
    if not request_is_officer(request):
        raise PermissionDenied


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

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("overdue", "已超期"), ("soon", f"{DAYS_LEFT_SOON}个工作日内到期")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(pending_work(), overdue(today=today, prefix="application__"))
        if self.value() == "soon":
            last = due_soon_until(today=today)
            return queryset.filter(pending_work(), application__review_deadline__range=(today, last))
        return queryset


class OpinionFilter(admin.SimpleListFilter):
    title = "评审意见"
    parameter_name = "opinion"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("pending", "待提交"), ("decided", "已提交")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "pending":
            return queryset.filter(pending_work())
        if self.value() == "decided":
            return queryset.exclude(decision="")
        return queryset


class ReviewOverdueFilter(admin.SimpleListFilter):
    """On the applications list: the officer's overview of cases past their review deadline or waiting for them."""

    title = "评审督办"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("overdue", "评审超期"), ("officer", "待经办人员处理")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        under_review = queryset.filter(status=ApplicationStatus.UNDER_REVIEW)
        if self.value() == "overdue":
            # Past the deadline, or flagged overdue by the SLA sweep.
            flagged = Q(status=ApplicationStatus.UNDER_REVIEW, overdue_since__isnull=False)
            return queryset.filter(overdue(today=timezone.localdate()) | flagged)
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


def case_application(application_id: object) -> Application:
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


def case_context(application: Application, *, reader: User) -> dict[str, Any]:
    """What an expert and an officer read on a case: the completeness checks, the clock, the documents
    (their contents only while the reader may open them: an expert's access ends with the review)."""
    checks = [
        {
            "event": event,
            "accepted": event.to_status == ApplicationStatus.UNDER_REVIEW,
            "problems": (event.data or {}).get("problems", []),
        }
        for event in application.events.all()
        if event.from_status == ApplicationStatus.SUBMITTED or (event.data or {}).get("problems")
    ]
    documents, forms = [], []
    # The application form (申请表) leads the documents: the case in the applicant's own words.
    ordered = sorted(application.documents.all(), key=lambda d: d.kind != DocumentKind.APPLICATION_FORM)
    for document in ordered:
        if document.content_type.startswith("image/"):
            preview = "image"
        elif document.content_type == "application/pdf":
            preview = "pdf"
        else:
            preview = ""
        url = reverse("admin:applications_document_file", args=[document.pk])
        documents.append({"document": document, "url": url, "preview": preview})
        if document.kind == DocumentKind.APPLICATION_FORM:
            forms.append(documents[-1])
    left = working_days_left_for(applications=[application]).get(application.pk)
    return {
        "application": application,
        "applicant_masked": masked_applicant(application),
        "checks": checks,
        "deadline": review_deadline_explain(application=application),
        "days_left": days_left_html(application, left),
        "suspensions": list(application.clock_suspensions.all()),
        "documents": documents,
        "application_forms": forms,
        "documents_readable": case_reader_role(user=reader, application=application) is not None,
    }


def applicant_profile(application: Application, *, today: dt.date | None = None) -> str:
    """女 · 58岁: sex and age from the ID number, what an expert may know of the applicant (blind review)."""
    number = application.applicant.id_number or ""
    born = birth_date(number)
    parts = [sex_label(number)]
    if born.year > 1:
        today = today or timezone.localdate()
        parts.append(f"{today.year - born.year - ((today.month, today.day) < (born.month, born.day))}岁")
    return " · ".join(part for part in parts if part) or "—"


def case_facts(application: Application, *, blind: bool) -> list[tuple[str, str]]:
    """The case at a glance, label and text, for the top of the case pages. `blind` (an expert): the
    applicant is only sex and age, no name, no ID number."""
    number = application.applicant.id_number or ""
    person = InsuredPerson.objects.filter(id_number=number).first() if number else None
    codes = list(application.designated_points or [])
    names = dict(Hospital.objects.filter(code__in=codes).values_list("code", "name"))
    hospital = application.diagnosing_hospital
    who = applicant_profile(application)
    if not blind:
        who = f"{masked_applicant(application)} · {who}"
    return [
        ("病种", f"{application.disease.name}（{application.disease.category.name}）"),
        ("确诊", f"{application.diagnosis_date:%Y-%m-%d} · {hospital.name if hospital else '—'}"),
        ("申请人", who),
        ("参保类型", person.get_insurance_type_display() if person else "未查询到参保登记"),
        ("申请渠道", application.get_channel_display()),
        ("申请类型", f"{application.get_kind_display()} · 第{application.review_round}轮评审"),
        ("定点医疗机构", "、".join(names.get(code, code) for code in codes) or "—"),
    ]


def earlier_rounds(application: Application) -> list[tuple[int, str]]:
    """Each earlier round's opinions in a line (no expert named): 第1轮 → 补充材料：缺少检验报告；通过."""
    rounds: dict[int, list[str]] = {}
    for opinion in (
        ReviewAssignment.objects.filter(application=application, round__lt=application.review_round, is_active=True)
        .exclude(decision="")
        .order_by("round", "decided_at", "id")
    ):
        text = Decision(opinion.decision).label
        rounds.setdefault(opinion.round, []).append(f"{text}：{opinion.reason}" if opinion.reason else text)
    return [(number, "；".join(lines)) for number, lines in rounds.items()]
