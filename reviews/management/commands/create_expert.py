"""manage.py create_expert USERNAME --name 姓名 --categories endocrine,mental [--institution 单位]:
a medical expert (评审专家) with the disease categories they review."""

from typing import Any

from django.core.management import CommandError, CommandParser
from django.db import transaction

from accounts.management.commands.create_officer import StaffCommand
from accounts.roles import EXPERTS
from reviews.experts import expert_profile_set


class Command(StaffCommand):
    help = "创建评审专家账户及其擅长病种类别。"
    group = EXPERTS

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--categories", required=True, help="病种类别代码，逗号分隔（见后台 病种类别）")
        parser.add_argument("--institution", default="", help="所在单位（申请人的查阅记录中显示）")
        parser.add_argument("--capacity", type=int, default=30, help="同时评审上限")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [code.strip() for code in options["categories"].split(",") if code.strip()]
        try:
            with transaction.atomic():  # no account without its profile
                user = self.create(options)
                expert_profile_set(
                    user=user, category_codes=codes, institution=options["institution"], capacity=options["capacity"]
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"评审专家 {user.username} 已创建（{', '.join(codes)}），可登录 /admin/")
