"""The periodic jobs: each a named task in the app that owns it (with the time limits it needs), run by
Celery beat (schedules in the database, editable in the admin) and by `manage.py run_jobs [JOB ...]
--on YYYY-MM-DD` so an operator can replay a missed day. Every job is idempotent for a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    function: str  # dotted path of `fn(*, on: date) -> str`
    task: str  # the Celery task beat sends (it acts as today)
    schedule: tuple[str, object]  # ("every", minutes) or ("daily", "HH:MM")
    label: str  # what the admin calls it


JOBS: dict[str, Job] = {
    "retry_stuck": Job(
        "applications.jobs.retry_stuck", "applications.tasks.retry_stuck_task", ("every", 2), "重新排队卡住的完整性检查"
    ),
    "sla_sweep": Job("reviews.jobs.sla_sweep", "reviews.tasks.sla_sweep_task", ("daily", "08:00"), "评审超期督办"),
    "announcements": Job(
        "reviews.announcements.announcements_daily",
        "reviews.tasks.announcements_daily_task",
        ("daily", "08:30"),
        "公示发布与期满生效",
    ),
    "annual_reviews": Job(
        "certification.jobs.annual_reviews",
        "certification.tasks.annual_reviews_task",
        ("daily", "07:00"),
        "年度复核提醒与逾期终止",
    ),
    "retention": Job(
        "applications.retention.retention_sweep",
        "applications.tasks.retention_task",
        ("daily", "03:00"),
        "删除超过保存期限的数据",
    ),
    "platform_dispatch": Job(
        "certification.platform.outbox.platform_dispatch_job",
        "certification.tasks.platform_dispatch_task",
        ("every", 1),
        "向医保信息平台发送报文",
    ),
    "platform_reconcile": Job(
        "certification.platform.reconcile.platform_reconcile",
        "certification.tasks.platform_reconcile_task",
        ("daily", "06:00"),
        "与医保信息平台对账",
    ),
    "statistics_warm": Job(
        "reviews.cohorts.statistics_warm", "reviews.tasks.statistics_warm_task", ("every", 5), "统计数据按月预先计算"
    ),
    "exports_expire": Job(
        "config.export_jobs.exports_expire", "accounts.tasks.exports_expire_task", ("every", 60), "删除过期的导出文件"
    ),
}
TASK_PREFIX = "job: "  # a beat entry's name: the prefix and the job's name
INTERVAL_UNITS = {"days": "天", "hours": "小时", "minutes": "分钟", "seconds": "秒", "microseconds": "微秒"}


def job_function(name: str) -> Callable[..., str]:
    function: Callable[..., str] = import_string(JOBS[name].function)
    return function


def job_run(*, name: str, on: dt.date) -> str:
    return job_function(name)(on=on)


def beat_schedule_ensure() -> list[str]:
    """Create the beat entries that are missing; never overwrite a schedule an operator changed."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    created = []
    for name, job in JOBS.items():
        task_name = f"{TASK_PREFIX}{name}"
        if PeriodicTask.objects.filter(name=task_name).exists():
            continue
        kind, value = job.schedule
        schedule: dict[str, object]
        if kind == "every":
            interval, _ = IntervalSchedule.objects.get_or_create(every=value, period=IntervalSchedule.MINUTES)
            schedule = {"interval": interval}
        else:
            schedule = {"crontab": _daily(str(value))}
        PeriodicTask.objects.create(name=task_name, task=job.task, **schedule)
        created.append(name)
    return created


def _daily(at: str) -> Any:
    """The crontab of every day at "HH:MM", Beijing time."""
    from django_celery_beat.models import CrontabSchedule

    hour, minute = at.split(":")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    return crontab


def job_label(task_name: str) -> str:
    """The Chinese name of the job a beat entry runs ("job: sla_sweep" → 评审超期督办)."""
    name = task_name.removeprefix(TASK_PREFIX)
    return JOBS[name].label if name in JOBS else task_name


def job_schedule_describe(task: Any) -> str:
    """When a beat entry runs, in words: 每天 08:30, 每 2 分钟; 已停用 when switched off."""
    if task.crontab_id:
        crontab = task.crontab
        if crontab.hour.isdigit() and crontab.minute.isdigit():
            when = f"每天 {int(crontab.hour):02d}:{int(crontab.minute):02d}"
        else:
            fields = (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week)
            when = f"按计划（{' '.join(fields)}）"
    elif task.interval_id:
        when = f"每 {task.interval.every} {INTERVAL_UNITS.get(task.interval.period, task.interval.period)}"
    else:
        when = "一次性"
    return when if task.enabled else f"{when}（已停用）"


def job_schedule_set(
    *, task: Any, enabled: bool, daily_at: dt.time | None = None, every_minutes: int | None = None
) -> Any:
    """An operator switches a job on or off, moves a daily job's time or changes a frequent job's interval;
    beat picks the change up from the database."""
    from django_celery_beat.models import IntervalSchedule

    if daily_at is not None:
        task.crontab = _daily(f"{daily_at.hour:02d}:{daily_at.minute:02d}")
    if every_minutes is not None:
        task.interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
    task.enabled = enabled
    task.save()
    return task
