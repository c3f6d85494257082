"""manage.py encryption_rotate: re-encrypt ID numbers and phones with the newest key and rebuild their
blind indexes (after putting a new key first in FIELD_ENCRYPTION_KEYS, or changing BLIND_INDEX_KEY)."""

from typing import Any

from django.core.management import BaseCommand, CommandParser

from config.fields import encrypted_rows_rotate


class Command(BaseCommand):
    help = "用最新密钥重新加密身份证号码、手机号码，并重建盲索引（轮换密钥后运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="每批处理的行数")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        for label, count in encrypted_rows_rotate(batch=batch).items():
            self.stdout.write(f"{label}: {count} 行已用最新密钥重新加密")
