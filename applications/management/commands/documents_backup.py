"""manage.py documents_backup DIR: every stored document and proof into DIR, with a manifest."""

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandParser

from applications.backups import documents_backup


class Command(BaseCommand):
    help = "把全部申请材料和异地备案证明从存储复制到目录（附清单与校验和），与数据库备份一起保存。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="备份目录")

    def handle(self, *args: Any, target: str, **options: Any) -> None:
        count = documents_backup(to=Path(target))
        self.stdout.write(f"{count} files backed up to {target}")
