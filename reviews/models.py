"""Review data. The working-day calendar (工作日历) every deadline is counted on lives here.

Only the exceptions to the plain rule (Monday–Friday work, Saturday/Sunday off) are stored: the days
of an official holiday period and the make-up working days (调休上班). Admins can edit them.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

CALENDAR_MIN_YEAR = 1900
CALENDAR_MAX_YEAR = 2099


class CalendarYear(models.Model):
    """One calendar year; `is_official` once the State Council notice for it has been entered."""

    year = models.PositiveSmallIntegerField(
        "年份",
        primary_key=True,
        validators=[MinValueValidator(CALENDAR_MIN_YEAR), MaxValueValidator(CALENDAR_MAX_YEAR)],
    )
    is_official = models.BooleanField(
        "已录入国务院通知",
        default=False,
        help_text="勾选后，该年只按本表的节假日和调休上班日计算；未勾选时按法定节日临时推算。",
    )
    source = models.CharField("数据来源", max_length=200, blank=True, help_text="例如：国务院办公厅通知文号")
    notes = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班"


class CalendarDaySource(models.TextChoices):
    OFFICIAL = "official", "官方数据"
    MANUAL = "manual", "人工录入"


class CalendarDay(models.Model):
    """A day that differs from the plain weekday rule."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField(
        "类型",
        max_length=20,
        choices=CalendarDayKind.choices,
        help_text="法定节假日：不上班（含假期内的周末）；调休上班：上班（含调休的周六、周日）。",
    )
    # Derived from `kind` by the database, so the two can never disagree.
    is_working_day = models.GeneratedField(
        verbose_name="上班",
        expression=models.Q(kind=CalendarDayKind.MAKEUP_WORKDAY),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    name = models.CharField("名称", max_length=100, blank=True, help_text="例如：国庆节、中秋节、国庆节调休")
    source = models.CharField(
        "来源",
        max_length=10,
        choices=CalendarDaySource.choices,
        default=CalendarDaySource.MANUAL,
        help_text="官方数据会随重新载入更新；人工录入的日期不会被覆盖。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"
