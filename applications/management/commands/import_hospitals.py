"""`manage.py import_hospitals [PATH]`: load or update the designated medical institutions."""

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from applications.importers import DEFAULT_HOSPITALS_PATH, ImportFileError, hospitals_import


class Command(BaseCommand):
    help = "Load the designated medical institutions (upsert by code): the shipped hospitals.json by default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_HOSPITALS_PATH), help="JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            result = hospitals_import(path=path)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for line in result.report():
            self.stdout.write(f"hospitals: {line}")
