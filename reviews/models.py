"""Review data: the working-day calendar (工作日历) every deadline is counted on, experts and their
assignments, the review clock's suspensions, the public announcement and its objections.

Of the calendar only the exceptions to the plain rule (Monday–Friday work, Saturday/Sunday off) are stored: the days
of an official holiday period and the make-up working days (调休上班). Admins can edit them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from config.fields import EncryptedCharField
from config.history import ReferenceHistory
from reviews.calendar_version import calendar_changed

CALENDAR_MIN_YEAR = 1900
CALENDAR_MAX_YEAR = 2099


class CalendarQuerySet(models.QuerySet):
    """The calendar's rows: the bulk writes, which send no signal, move the calendar's version too."""

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        calendar_changed()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args: Any, **kwargs: Any) -> Any:
        calendar_changed()
        return super().bulk_update(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        calendar_changed()
        return super().update(*args, **kwargs)

    def delete(self) -> Any:
        calendar_changed()
        return super().delete()


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
    history = HistoricalRecords(
        verbose_name="日历年度修改记录", verbose_name_plural="日历年度修改记录", excluded_fields=["updated_at"]
    )
    objects = CalendarQuerySet.as_manager()

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
        # The stubs want an Expression; Django also takes a Q (a conditional expression, see
        # GeneratedField.generated_sql), and wrapping it would change the migration.
        expression=models.Q(kind=CalendarDayKind.MAKEUP_WORKDAY),  # type: ignore[arg-type]
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
    # is_working_day is the database's own (generated from kind): the history keeps kind.
    history = HistoricalRecords(
        verbose_name="节假日修改记录",
        verbose_name_plural="节假日修改记录",
        excluded_fields=["is_working_day", "updated_at"],
    )
    objects = CalendarQuerySet.as_manager()

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name or self.get_kind_display()}"


# --- Expert review ---------------------------------------------------------------------------------


class ExpertProfile(models.Model):
    """A medical expert (评审专家): which disease categories they review and how many open cases they take."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="expert_profile", verbose_name="账户"
    )
    specialties = models.ManyToManyField(
        "applications.DiseaseCategory", related_name="experts", verbose_name="擅长病种类别"
    )
    is_active = models.BooleanField("在岗", default=True)
    capacity = models.PositiveSmallIntegerField("同时评审上限", default=30)
    # Shown to applicants in their access record instead of the expert's name (PIPL: who handled my data).
    institution = models.CharField("所在单位", max_length=100, blank=True)
    # How many assignments are the expert's open work (`reviews.selectors.pending_work`), kept by the services
    # that open or close one, in their transaction (`reviews.experts.expert_load_shift`): choosing a panel reads
    # this column instead of counting assignments. `expert_load_recount` checks it against the assignments.
    open_load = models.PositiveIntegerField("在办案件数", default=0, editable=False)
    history = ReferenceHistory(
        verbose_name="评审专家修改记录",
        verbose_name_plural="评审专家修改记录",
        m2m_fields=[specialties],
        m2m_verbose_name="评审专家擅长病种修改记录",
        excluded_fields=["open_load"],
    )

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "评审专家"

    def __str__(self) -> str:
        return self.user.name or self.user.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The counter is written only by its F() updates: saving a profile read earlier (the admin's form)
        # must not put back the value it read.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "open_load"
            ]
        super().save(*args, **kwargs)


class Decision(models.TextChoices):
    APPROVE = "approve", "通过"
    REJECT = "reject", "不通过"
    REQUEST_SUPPLEMENT = "request_supplement", "补充材料"


class AssignmentRole(models.TextChoices):
    PANEL = "panel", "评审组成员"
    ESCALATION = "escalation", "意见分歧复核专家"


class ReviewAssignment(models.Model):
    """One expert's part in one round of review of an application, and their opinion once given.

    A round is the panel's work between acceptance (or re-acceptance after a supplement, an appeal,
    an upheld objection) and the outcome. Opinions of a round stay blind until all are in.
    """

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="assignments", verbose_name="申请"
    )
    expert = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="review_assignments", verbose_name="专家"
    )
    round = models.PositiveSmallIntegerField("评审轮次", default=1)
    role = models.CharField("角色", max_length=12, choices=AssignmentRole.choices, default=AssignmentRole.PANEL)
    is_active = models.BooleanField("有效", default=True, help_text="改派后原分派失效")
    assigned_at = models.DateTimeField("分派时间", auto_now_add=True)
    assigned_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="分派人"
    )
    decision = models.CharField("意见", max_length=20, choices=Decision.choices, blank=True)
    reason = models.TextField("理由", blank=True)
    decided_at = models.DateTimeField("提交意见时间", null=True, blank=True)

    class Meta:
        ordering = ["application", "round", "assigned_at"]
        verbose_name = "评审分派"
        verbose_name_plural = "评审分派"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round", "expert"],
                condition=models.Q(is_active=True),
                name="one_active_assignment_per_expert_round",
            )
        ]
        indexes = [
            models.Index(fields=["expert", "is_active", "decided_at"]),
            # Open work per expert (reviews.selectors.pending_work): what choosing a panel counts.
            models.Index(
                fields=["expert"], condition=models.Q(is_active=True, decision=""), name="open_assignment_by_expert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} 第{self.round}轮 {self.expert}"


class ClockSuspension(models.Model):
    """The review clock stopped while the case waits for the applicant's supplement (补正)."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="clock_suspensions", verbose_name="申请"
    )
    started_on = models.DateField("停止计时日期")
    ended_on = models.DateField("恢复计时日期", null=True, blank=True)
    working_days = models.PositiveSmallIntegerField("暂停工作日数", default=0)
    reason = models.TextField("原因", blank=True)

    class Meta:
        ordering = ["application", "started_on", "id"]
        verbose_name = "评审计时暂停"
        verbose_name_plural = "评审计时暂停"

    def __str__(self) -> str:
        return f"{self.started_on} → {self.ended_on or '…'} ({self.working_days}个工作日)"


# --- Public announcement (公示) and objections ------------------------------------------------------


class AnnouncementBatch(models.Model):
    """The approved applicants of one region published on one day for public supervision."""

    region_code = models.CharField("统筹区代码", max_length=6)
    region_name = models.CharField("统筹区", max_length=50)
    published_on = models.DateField("公示日期")
    ends_on = models.DateField("公示截止日期")
    closed_at = models.DateTimeField("公示结束处理时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="创建时间")

    class Meta:
        ordering = ["-published_on", "region_code"]
        verbose_name = "公示批次"
        verbose_name_plural = "公示批次"
        constraints = [models.UniqueConstraint(fields=["region_code", "published_on"], name="one_batch_per_region_day")]

    def __str__(self) -> str:
        return f"{self.region_name} {self.published_on:%Y-%m-%d} 公示"

    def open_for_objections(self, on: dt.date) -> bool:
        """Objections are taken from the publication day to the last day of the period, both included."""
        return self.published_on <= on <= self.ends_on


class EntryStatus(models.TextChoices):
    LISTED = "listed", "公示中"
    HELD = "held", "有异议待处理"
    WITHDRAWN = "withdrawn", "异议成立，退回评审"
    EFFECTIVE = "effective", "已生效"


class AnnouncementEntry(models.Model):
    """One de-identified line of a batch. Only masked data is stored here: it is what the public sees."""

    batch = models.ForeignKey(
        AnnouncementBatch, on_delete=models.PROTECT, related_name="entries", verbose_name="公示批次"
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="announcement_entries",
        verbose_name="申请",
    )
    masked_name = models.CharField("姓名", max_length=20)
    masked_id_number = models.CharField("身份证号码", max_length=18)
    disease_name = models.CharField("病种", max_length=100)
    district = models.CharField("区县", max_length=50)
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.LISTED, db_index=True, verbose_name="状态"
    )

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = "公示名单"
        verbose_name_plural = "公示名单"

    def __str__(self) -> str:
        return f"{self.masked_name} {self.disease_name}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待处理"
    DISMISSED = "dismissed", "异议不成立"
    UPHELD = "upheld", "异议成立"


class Objection(models.Model):
    entry = models.ForeignKey(
        AnnouncementEntry, on_delete=models.PROTECT, related_name="objections", verbose_name="公示条目"
    )
    reason = models.TextField("异议理由")
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedCharField("联系电话", plain_max_length=11)
    status = models.CharField(
        "处理状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="处理人"
    )
    resolution = models.TextField("处理意见", blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self) -> str:
        return f"异议 #{self.pk} ({self.get_status_display()})"
