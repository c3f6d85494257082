"""`manage.py bootstrap`: the reference data and beat schedules every installation needs (and demo data)."""

from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, CommandParser, call_command

from certification.platform.outbox import platform_backfill
from config.jobs import beat_schedule_ensure


class Command(BaseCommand):
    help = "Load the reference data (catalogue, hospitals, calendar) and, in demo mode, the demo data. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="never create demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("import_catalogue", stdout=self.stdout)
        call_command("import_hospitals", stdout=self.stdout)
        call_command("load_calendar", stdout=self.stdout)
        queued = platform_backfill()
        self.stdout.write(f"medical-insurance platform: {queued} existing benefits queued for registration")
        created = beat_schedule_ensure()
        self.stdout.write(f"beat schedule: {len(created)} created" + (f" ({', '.join(created)})" if created else ""))
        if settings.DEMO_MODE and not options["no_demo"]:
            call_command("seed_demo", stdout=self.stdout)
