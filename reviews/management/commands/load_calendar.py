from django.core.management import BaseCommand, CommandError

from config.domain import DomainError
from reviews.calendar import calendar_seed


class Command(BaseCommand):
    help = (
        "Load the official holidays and make-up working days (chinese_calendar package) into the working-day "
        "calendar and mark those years official. Idempotent; days edited by hand are kept."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--year", type=int, action="append", dest="years", help="only this year (repeatable); default: all"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            result = calendar_seed(years=options["years"])
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
