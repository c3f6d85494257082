"""The working-day calendar in the admin: years (official or provisional) and their holidays and
make-up working days. Every change goes through `reviews.deadlines`, which recomputes the deadlines
it moves and reports how many."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from config.domain import Conflict, DomainError, InvalidInput
from reviews.calendar import PROVISIONAL_WARNING, SeedResult, calendar_provisional_years, official_package_years
from reviews.calendar_notice import (
    HOLIDAY_EXAMPLE,
    WEEKDAYS,
    NoticePlan,
    calendar_notice_apply,
    calendar_notice_initial,
    calendar_notice_parse,
    calendar_notice_preview,
)
from reviews.deadlines import (
    Recomputed,
    calendar_day_remove,
    calendar_day_update,
    calendar_load,
    calendar_year_remove,
    calendar_year_update,
)
from reviews.models import CALENDAR_MAX_YEAR, CALENDAR_MIN_YEAR, CalendarDay, CalendarDaySource, CalendarYear


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


def _report_recomputed(request: HttpRequest, recomputed: Recomputed) -> None:
    if recomputed.review_deadlines or recomputed.announcement_periods or recomputed.remote_filings:
        messages.info(request, str(recomputed) + "。")


def _report_seed(request: HttpRequest, result: SeedResult) -> None:
    years = f"{result.years[0]}–{result.years[-1]}" if len(result.years) > 1 else str(result.years[0])
    summary = (
        f"已从官方数据包载入 {years} 年：新增 {result.created} 天，更新 {result.updated} 天，删除 {result.deleted} 天，"
        f"保留人工录入 {result.kept_manual} 天"
    )
    if result.years_marked_official:
        summary += "；标记为正式：" + "、".join(f"{year}年" for year in result.years_marked_official)
    messages.success(request, summary + "。" if result.changed else summary + "（无变化）。")


class CalendarNoticeForm(forms.Form):
    """A year's State Council notice as text: one holiday per line, then the make-up working days.

    Text rather than a formset: the officer types (or pastes) seven short lines straight from the
    notice, needs no date pickers and no script, and every error points at its line number."""

    holidays = forms.CharField(
        label="放假安排",
        required=False,  # the service says what is missing, with an example
        widget=forms.Textarea(attrs={"rows": 9, "cols": 60, "placeholder": f"{HOLIDAY_EXAMPLE}\n清明节 2027-04-05"}),
        help_text=(
            "每行一段假期：节日名称、开始日期、结束日期（只放一天时只写一个日期）。日期可写作 2027-02-06、"
            "2027年2月6日 或 2月6日；也可直接粘贴通知原文，如“春节：2月6日（农历除夕）至13日放假调休，共8天。”"
            "日期段内的周六、周日自动算作假期，无需另填。"
        ),
    )
    makeup_days = forms.CharField(
        label="调休上班日",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60, "placeholder": "2027-02-20 春节调休\n2027-02-21"}),
        help_text="每行一个或几个日期（只能是周六或周日），名称可省略，省略时按最近的假期命名，如“春节调休”。",
    )
    is_official = forms.BooleanField(
        label="标记为正式（已录入国务院通知）",
        required=False,
        help_text="勾选后，该年只按本次录入的节假日和调休上班日计算期限；不勾选则仍按法定节日临时推算，本次录入的日期优先。",
    )
    source = forms.CharField(label="通知文号", required=False, max_length=200, help_text="例如：国办发明电〔2026〕7号")


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "status", "source", "notes", "notice_link"]
    list_filter = ["is_official"]
    search_fields = ["year", "source", "notes"]
    actions = ["reseed_selected"]
    change_list_template = "admin/reviews/calendaryear/change_list.html"

    @admin.display(description="状态", ordering="is_official")
    def status(self, obj: CalendarYear) -> str:
        return "正式" if obj.is_official else "⚠ 临时：" + PROVISIONAL_WARNING.format(year=obj.year)

    @admin.display(description="按通知录入")
    def notice_link(self, obj: CalendarYear) -> str:
        url = reverse("admin:reviews_calendaryear_notice", args=[obj.year])
        return format_html('<a href="{}">录入/修改{}年</a>', url, obj.year)

    def get_urls(self) -> list[URLPattern]:
        seed = self.admin_site.admin_view(require_POST(self.seed_view))
        notice = self.admin_site.admin_view(self.notice_view)
        notice_start = self.admin_site.admin_view(self.notice_start_view)
        return [
            path("seed/", seed, name="reviews_calendaryear_seed"),
            path("notice/", notice_start, name="reviews_calendaryear_notice_start"),
            path("notice/<int:year>/", notice, name="reviews_calendaryear_notice"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            _warn_provisional_years(request)
        extra_context = {
            **(extra_context or {}),
            "can_seed": self._can_seed(request),
            "notice_year": timezone.localdate().year + 1,
        }
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        _report_recomputed(request, calendar_year_update(year=obj))

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        _report_recomputed(request, calendar_year_remove(year=obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in queryset:
            self.delete_model(request, year)

    def _can_seed(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and request.user.has_perm("reviews.change_calendarday")

    def seed_view(self, request: HttpRequest) -> HttpResponse:
        if not self._can_seed(request):
            raise PermissionDenied
        result, recomputed = calendar_load()
        _report_seed(request, result)
        _report_recomputed(request, recomputed)
        return HttpResponseRedirect(reverse("admin:reviews_calendaryear_changelist"))

    def notice_start_view(self, request: HttpRequest) -> HttpResponse:
        """`?year=` from the page's year switcher; next year by default."""
        year = timezone.localdate().year + 1
        typed = request.GET.get("year", "").strip()
        if typed.isdigit() and CALENDAR_MIN_YEAR <= int(typed) <= CALENDAR_MAX_YEAR:
            year = int(typed)
        elif typed:
            messages.error(request, f"年份须在{CALENDAR_MIN_YEAR}年至{CALENDAR_MAX_YEAR}年之间。")
        return HttpResponseRedirect(reverse("admin:reviews_calendaryear_notice", args=[year]))

    def notice_view(self, request: HttpRequest, year: int) -> HttpResponse:
        """Enter a year's notice: the form, then a preview with what moves, then the confirmed write."""
        if not self._can_seed(request):
            raise PermissionDenied
        if not CALENDAR_MIN_YEAR <= year <= CALENDAR_MAX_YEAR:
            raise Http404
        plan: NoticePlan | None = None
        saved = False
        if request.method != "POST":
            form = CalendarNoticeForm(initial=calendar_notice_initial(year=year))
        else:
            form = CalendarNoticeForm(request.POST)
            if form.is_valid():
                plan, saved = _notice_post(request, form, year)
        if saved and plan is not None:
            messages.success(request, _notice_saved_message(plan))
            _report_recomputed(request, plan.recomputed)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"按国务院通知录入{year}年节假日安排",
            "year": year,
            "form": form,
            "plan": plan,
            "saved": saved,
            "moves": [(move, _change_url(request, move.model, move.pk)) for move in plan.moves] if plan else [],
            "days_url": reverse("admin:reviews_calendarday_changelist") + f"?date__year={year}",
        }
        return TemplateResponse(request, "admin/reviews/calendaryear/notice.html", context)

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
                result, recomputed = calendar_load(years=years)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                _report_seed(request, result)
                _report_recomputed(request, recomputed)


def _notice_post(request: HttpRequest, form: CalendarNoticeForm, year: int) -> tuple[NoticePlan | None, bool]:
    """Preview, or save when a preview's fingerprint comes back with 确认保存; errors go to the form."""
    try:
        notice = calendar_notice_parse(year=year, **form.cleaned_data)
        fingerprint = request.POST.get("fingerprint")
        if "confirm" in request.POST and fingerprint:
            try:
                return calendar_notice_apply(notice=notice, expected=fingerprint), True
            except Conflict as exc:  # the text or the table changed since the preview: preview again
                messages.warning(request, exc.message)
        return calendar_notice_preview(notice=notice), False
    except InvalidInput as exc:
        for error in exc.errors or [{"field": "", "message": exc.message}]:
            field = error.get("field")
            form.add_error(field if field in form.fields else None, error["message"])
    except DomainError as exc:
        messages.error(request, exc.message)
    return None, False


def _notice_saved_message(plan: NoticePlan) -> str:
    notice = plan.notice
    status = "已标记为正式" if notice.is_official else "仍为临时（未标记为正式）"
    return (
        f"已保存{notice.year}年节假日安排：{len(notice.holidays)} 段假期，{len(notice.makeups)} 个调休上班日，"
        f"变动 {plan.changed_days} 天；该年度{status}。"
    )


def _change_url(request: HttpRequest, model: type[Any], pk: Any) -> str:
    """The admin page of a record whose deadline moved, if the user may open it."""
    opts = model._meta
    perms = (f"{opts.app_label}.{action}_{opts.model_name}" for action in ("view", "change"))
    if not any(request.user.has_perm(perm) for perm in perms):
        return ""
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


WORKING_WORDS = {True: "上班", False: "休息"}


class WorkingDayFilter(admin.SimpleListFilter):
    title = "上班"
    parameter_name = "is_working_day__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", WORKING_WORDS[True]), ("0", WORKING_WORDS[False])]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> QuerySet[CalendarDay]:
        if self.value() in ("1", "0"):
            return queryset.filter(is_working_day=self.value() == "1")
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    # 上班 is a generated column: the admin would write its value as True/False, so it is shown (and
    # filtered) in words here.
    list_display = ["date", "weekday", "kind", "working", "name", "source", "year_status"]
    list_filter = ["kind", WorkingDayFilter, "source"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"
    ordering = ["date"]
    fields = ["date", "kind", "name", "working", "source", "updated_at"]
    readonly_fields = ["working", "source", "updated_at"]

    @admin.display(description="上班", ordering="is_working_day")
    def working(self, obj: CalendarDay) -> str:
        if obj.is_working_day is None:  # a day not yet saved: the database computes it
            return "—"
        return WORKING_WORDS[bool(obj.is_working_day)]

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "周" + WEEKDAYS[obj.date.weekday()]

    @admin.display(description="年度状态", ordering="year_official")
    def year_status(self, obj: CalendarDay) -> str:
        return "正式" if getattr(obj, "year_official", False) else "⚠ 临时（尚未录入国务院通知）"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarDay]:
        official = CalendarYear.objects.filter(year=ExtractYear(OuterRef("date")), is_official=True)
        return super().get_queryset(request).annotate(year_official=Exists(official))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            _warn_provisional_years(request)
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        _report_recomputed(request, calendar_day_update(day=obj))

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        _report_recomputed(request, calendar_day_remove(day=obj))

    def has_delete_permission(self, request: HttpRequest, obj: CalendarDay | None = None) -> bool:
        # Deleting an official day would be undone by the next seed: edit it instead (it becomes manual).
        if obj is not None and obj.source == CalendarDaySource.OFFICIAL:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the per-row rule above
        return actions
