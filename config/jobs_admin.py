"""The periodic jobs in the admin (定时作业), in Chinese: which job, when it runs, whether it is on and
when it last ran; an operator moves a daily job's time, changes a frequent job's interval or switches a
job off, through `job_schedule_set`. It replaces django-celery-beat's own pages, which show Celery's
task paths, cron fields and English help; the schedule rows stay those beat reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from config.jobs import TASK_PREFIX, job_label, job_schedule_describe, job_schedule_set


class PeriodicJobForm(forms.ModelForm):
    daily_at = forms.TimeField(
        label="每天执行时间", required=False, widget=forms.TimeInput(format="%H:%M"), help_text="北京时间，例如 08:30"
    )
    every_minutes = forms.IntegerField(label="执行间隔（分钟）", required=False, min_value=1, max_value=24 * 60)

    class Meta:
        model = PeriodicTask
        fields = ["enabled"]
        labels = {"enabled": "启用"}
        help_texts = {"enabled": "停用后该作业不再按计划运行，可随时重新启用。"}

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
    list_display = ["job", "when", "enabled", "last_run", "runs"]
    list_display_links = ["job"]
    readonly_fields = ["job", "when", "last_run", "runs"]
    ordering = ["name"]
    change_form_template = "admin/django_celery_beat/periodictask/job_change_form.html"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        schedule = ["daily_at"] if obj is not None and obj.crontab_id else ["every_minutes"]
        return ["job", "when", "enabled", *schedule, "last_run", "runs"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # The project's jobs only (Celery's own result-backend cleanup has nothing to clean here).
        return super().get_queryset(request).filter(name__startswith=TASK_PREFIX).select_related("crontab", "interval")

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        task = self.get_object(request, object_id)
        label = job_label(task.name) if task is not None else ""
        return super().change_view(request, object_id, form_url, {"title": f"定时作业：{label}", "job_name": label})

    def response_change(self, request: HttpRequest, obj: PeriodicTask) -> HttpResponseRedirect:
        self.message_user(request, f"已保存“{job_label(obj.name)}”：{job_schedule_describe(obj)}。")
        return HttpResponseRedirect(request.path if "_continue" in request.POST else "../../")

    @admin.display(description="上次运行时间")
    def last_run(self, obj: PeriodicTask) -> str:
        return timezone.localtime(obj.last_run_at).strftime("%Y-%m-%d %H:%M") if obj.last_run_at else "—"

    @admin.display(description="运行次数")
    def runs(self, obj: PeriodicTask) -> int:
        return obj.total_run_count

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
