"""The periodic jobs: each a named task in the app that owns it (with the time limits it needs), run by
Celery beat (schedules in the database, editable in the admin) and by `manage.py run_jobs [JOB ...]
--on YYYY-MM-DD` so an operator can replay a missed day. Every job is idempotent for a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    function: str  # dotted path of `fn(*, on: date) -> str`
    task: str  # the Celery task beat sends (it acts as today)
    schedule: tuple[str, object]  # ("every", minutes) or ("daily", "HH:MM")


JOBS: dict[str, Job] = {
    "retry_stuck": Job("applications.jobs.retry_stuck", "applications.tasks.retry_stuck_task", ("every", 2)),
    "sla_sweep": Job("reviews.jobs.sla_sweep", "reviews.tasks.sla_sweep_task", ("daily", "08:00")),
    "announcements": Job(
        "reviews.announcements.announcements_daily", "reviews.tasks.announcements_daily_task", ("daily", "08:30")
    ),
    "annual_reviews": Job(
        "certification.jobs.annual_reviews", "certification.tasks.annual_reviews_task", ("daily", "07:00")
    ),
    "retention": Job("applications.retention.retention_sweep", "applications.tasks.retention_task", ("daily", "03:00")),
    "platform_dispatch": Job(
        "certification.platform.outbox.platform_dispatch_job",
        "certification.tasks.platform_dispatch_task",
        ("every", 1),
    ),
    "platform_reconcile": Job(
        "certification.platform.reconcile.platform_reconcile",
        "certification.tasks.platform_reconcile_task",
        ("daily", "06:00"),
    ),
}


def job_function(name: str) -> Callable[..., str]:
    function: Callable[..., str] = import_string(JOBS[name].function)
    return function


def job_run(*, name: str, on: dt.date) -> str:
    return job_function(name)(on=on)


def beat_schedule_ensure() -> list[str]:
    """Create the beat entries that are missing; never overwrite a schedule an operator changed."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    for name, job in JOBS.items():
        task_name = f"job: {name}"
        if PeriodicTask.objects.filter(name=task_name).exists():
            continue
        kind, value = job.schedule
        schedule: dict[str, object]
        if kind == "every":
            interval, _ = IntervalSchedule.objects.get_or_create(every=value, period=IntervalSchedule.MINUTES)
            schedule = {"interval": interval}
        else:
            hour, minute = str(value).split(":")
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Asia/Shanghai",
            )
            schedule = {"crontab": crontab}
        PeriodicTask.objects.create(name=task_name, task=job.task, **schedule)
        created.append(name)
    return created
