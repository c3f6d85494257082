"""manage.py expert_load_recount [--fix]: count every expert's open work again from the assignments and
report where the kept counter (`ExpertProfile.open_load`, read when choosing a panel) differs; `--fix`
corrects it. Exits with status 1 when a difference was found and not fixed (for a monitoring check)."""

from typing import Any

from django.core.management import BaseCommand, CommandParser

from reviews.experts import expert_load_recount


class Command(BaseCommand):
    help = "核对评审专家的在办案件数与评审分派是否一致（--fix 予以更正）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="把不一致的在办案件数更正为重新统计的数")

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = expert_load_recount(fix=options["fix"])
        for row in mismatches:
            self.stdout.write(f"专家 {row.expert_id}：记录 {row.stored}，实际 {row.counted}")
        if not mismatches:
            self.stdout.write("在办案件数全部一致。")
        elif options["fix"]:
            self.stdout.write(f"已更正 {len(mismatches)} 位专家的在办案件数。")
        else:
            self.stderr.write(f"{len(mismatches)} 位专家的在办案件数不一致（用 --fix 更正）。")
            raise SystemExit(1)
