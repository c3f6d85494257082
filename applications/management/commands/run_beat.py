"""manage.py run_beat: Celery beat on the database scheduler, one at a time (config/beat.py)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, CommandParser

from config.beat import beat_lock_wait, heartbeat_start


class Command(BaseCommand):
    help = "Run Celery beat (database scheduler) once the beat lock is held; a second one stands by."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--heartbeat",
            default=str(settings.VAR_DIR / "beat.alive"),
            help="file touched while this process is alive (the container health check reads its age)",
        )
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat_start(Path(options["heartbeat"]))
        beat_lock_wait()
        from config.celery import app

        app.Beat(scheduler="django_celery_beat.schedulers:DatabaseScheduler", loglevel=options["loglevel"]).run()
