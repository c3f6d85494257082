"""`manage.py run_jobs [JOB ...] --on DAY`: run the periodic jobs now, acting as a given day."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.jobs import JOBS, job_run


class Command(BaseCommand):
    help = "Run periodic jobs now, acting as a given day (default today). Idempotent per day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jobs", nargs="*", metavar="JOB", help=f"jobs to run (default all): {', '.join(JOBS)}")
        parser.add_argument("--on", dest="on", help="YYYY-MM-DD: the day the jobs act as (replay a missed day)")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["jobs"] or list(JOBS)
        unknown = [name for name in names if name not in JOBS]
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(JOBS)}")
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError("--on must be a date as YYYY-MM-DD") from None
        if on > timezone.localdate() and not settings.DEMO_MODE:
            # Acting as a future day would end announcement periods and grace periods early.
            raise CommandError("--on cannot be later than today")
        if on > timezone.localdate():
            self.stderr.write(f"demo mode: acting as {on}, a future day (refused outside demo mode)")
        for name in names:
            self.stdout.write(f"{name} (on {on}): {job_run(name=name, on=on)}")
