"""The working-day calendar in the admin: years (official or provisional) and their holidays and
make-up working days. Every change goes through `reviews.deadlines`, which recomputes the deadlines
it moves and reports how many."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.domain import DomainError
from reviews.calendar import PROVISIONAL_WARNING, SeedResult, calendar_provisional_years, official_package_years
from reviews.deadlines import (
    Recomputed,
    calendar_day_remove,
    calendar_day_update,
    calendar_load,
    calendar_year_remove,
    calendar_year_update,
)
from reviews.models import CalendarDay, CalendarDaySource, CalendarYear

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

    def get_urls(self) -> list[URLPattern]:
        seed = self.admin_site.admin_view(require_POST(self.seed_view))
        return [path("seed/", seed, name="reviews_calendaryear_seed"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            _warn_provisional_years(request)
        extra_context = {**(extra_context or {}), "can_seed": self._can_seed(request)}
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
