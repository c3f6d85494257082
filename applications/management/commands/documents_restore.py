"""manage.py documents_restore DIR: write back into the storage every file of a backup it lacks."""

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from applications.backups import BackupDamaged, documents_restore


class Command(BaseCommand):
    help = "把备份目录中存储缺少的文件按原名写回（逐个核对校验和）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="备份目录（含 manifest.json）")

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        try:
            count = documents_restore(source=Path(source))
        except (BackupDamaged, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} files restored from {source}")
