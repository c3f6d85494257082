"""`manage.py load_calendar [--year Y]`: load the official holidays and recompute the deadlines they move."""

from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from config.domain import DomainError
from reviews.deadlines import calendar_load


class Command(BaseCommand):
    help = (
        "Load the official holidays and make-up working days (chinese_calendar package) into the working-day "
        "calendar and mark those years official. Idempotent; days edited by hand are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, action="append", dest="years", help="only this year (repeatable); default: all"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result, recomputed = calendar_load(years=options["years"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        years = f"{result.years[0]}-{result.years[-1]}" if len(result.years) > 1 else str(result.years[0])
        self.stdout.write(
            f"calendar {years}: {result.created} created, {result.updated} updated, {result.deleted} deleted, "
            f"{result.kept_manual} manual kept"
        )
        if result.years_marked_official:
            self.stdout.write("marked official: " + ", ".join(str(year) for year in result.years_marked_official))
        if not result.changed:
            self.stdout.write("nothing to change")
        elif recomputed.review_deadlines or recomputed.announcement_periods or recomputed.remote_filings:
            self.stdout.write(
                f"deadlines recomputed: {recomputed.review_deadlines} review cases, "
                f"{recomputed.announcement_periods} announcement periods, {recomputed.remote_filings} remote filings"
            )
