"""`manage.py import_insured FILE.csv`: load or update the insured-person registry."""

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from applications.importers import INSURED_COLUMNS, ImportFileError, insured_import


class Command(BaseCommand):
    help = (
        "Load the insured-person registry from a CSV file with the header "
        f"{','.join(INSURED_COLUMNS)}. Re-importing updates by ID number; bad rows are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file")
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="file encoding (default UTF-8, with or without BOM; e.g. gb18030)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            with path.open(encoding=options["encoding"], newline="") as file:
                result = insured_import(file=file)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except UnicodeDecodeError:
            raise CommandError(
                f"{path}: 文件不是 {options['encoding']} 编码；Excel 导出的中文 CSV 可加 --encoding gb18030。"
            ) from None
        except LookupError:
            raise CommandError(f"未知的编码：{options['encoding']}") from None
        for line in result.report():
            self.stdout.write(line)
