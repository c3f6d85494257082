"""The periodic jobs in the admin (定时作业), in Chinese: which job, when it runs, whether it is on and
when it last ran; an operator moves a daily job's time, changes a frequent job's interval or switches a
job off, through `job_schedule_set`. It replaces django-celery-beat's own pages, which show Celery's
task paths, cron fields and English help; the schedule rows stay those beat reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from config.jobs import job_label, job_schedule_describe, job_schedule_set


class PeriodicJobForm(forms.ModelForm):
    daily_at = forms.TimeField(
        label="每天执行时间", required=False, widget=forms.TimeInput(format="%H:%M"), help_text="北京时间，例如 08:30"
    )
    every_minutes = forms.IntegerField(label="执行间隔（分钟）", required=False, min_value=1, max_value=24 * 60)

    class Meta:
        model = PeriodicTask
        fields = ["enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        task = self.instance
        if task.crontab_id and task.crontab.hour.isdigit() and task.crontab.minute.isdigit():
            self.fields["daily_at"].initial = dt.time(int(task.crontab.hour), int(task.crontab.minute))
        if task.interval_id:
            self.fields["every_minutes"].initial = task.interval.every

    def save(self, commit: bool = True) -> PeriodicTask:
        task = self.instance
        job_schedule_set(
            task=task,
            enabled=self.cleaned_data["enabled"],
            daily_at=self.cleaned_data.get("daily_at") if task.crontab_id else None,
            every_minutes=self.cleaned_data.get("every_minutes") if task.interval_id else None,
        )
        return task

    def save_m2m(self) -> None:
        pass


class PeriodicJobAdmin(admin.ModelAdmin):
    form = PeriodicJobForm
    list_display = ["job", "when", "enabled", "last_run_at", "total_run_count"]
    list_display_links = ["job"]
    readonly_fields = ["job", "when", "last_run_at", "total_run_count"]
    ordering = ["name"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        schedule = ["daily_at"] if obj is not None and obj.crontab_id else ["every_minutes"]
        return ["job", "when", "enabled", *schedule, "last_run_at", "total_run_count"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("crontab", "interval")

    @admin.display(description="作业")
    def job(self, obj: PeriodicTask) -> str:
        return job_label(obj.name)

    @admin.display(description="执行时间")
    def when(self, obj: PeriodicTask) -> str:
        return job_schedule_describe(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the jobs are the code's (config/jobs.py); `bootstrap` creates their rows

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # switch a job off instead


def jobs_admin_register(site: admin.AdminSite) -> None:
    for model in (PeriodicTask, ClockedSchedule, CrontabSchedule, SolarSchedule, IntervalSchedule):
        if site.is_registered(model):
            site.unregister(model)
    site.register(PeriodicTask, PeriodicJobAdmin)
