"""`manage.py import_catalogue [PATH]`: load or update the disease catalogue (JSON or a region's CSV)."""

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from applications.importers import DEFAULT_CATALOGUE_PATH, ImportFileError, catalogue_import


class Command(BaseCommand):
    help = (
        "Load a disease catalogue (upsert by code; running it twice changes nothing): the shipped "
        "diseases.json by default, or a region's official list as JSON or CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_CATALOGUE_PATH), help="JSON or .csv file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            result = catalogue_import(path=path)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if result.categories is not None:
            for line in result.categories.report():
                self.stdout.write(f"categories: {line}")
        for line in result.report():
            self.stdout.write(f"diseases: {line}")
