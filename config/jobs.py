"""The periodic jobs: run by Celery beat (schedules in the database, editable in the admin) and by
`manage.py run_jobs [JOB ...] --on YYYY-MM-DD` so an operator can replay a missed day.
Every job is idempotent for a given day."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.utils.module_loading import import_string

# name → (dotted path of `fn(*, on: date) -> str`, default schedule: ("every", minutes) or ("daily", "HH:MM"))
JOBS: dict[str, tuple[str, tuple[str, object]]] = {
    "retry_stuck": ("applications.jobs.retry_stuck", ("every", 2)),
    "sla_sweep": ("reviews.jobs.sla_sweep", ("daily", "08:00")),
    "announcements": ("reviews.announcements.announcements_daily", ("daily", "08:30")),
    "annual_reviews": ("applications.renewals.annual_reviews", ("daily", "07:00")),
}


def job_function(name: str) -> Callable[..., str]:
    return import_string(JOBS[name][0])


def job_run(*, name: str, on: dt.date) -> str:
    return job_function(name)(on=on)


def beat_schedule_ensure() -> list[str]:
    """Create the beat entries that are missing; never overwrite a schedule an operator changed."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    for name, (_, (kind, value)) in JOBS.items():
        task_name = f"job: {name}"
        if PeriodicTask.objects.filter(name=task_name).exists():
            continue
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
        PeriodicTask.objects.create(
            name=task_name, task="config.tasks.run_job_task", args=json.dumps([name]), **schedule
        )
        created.append(name)
    return created
