"""manage.py create_officer USERNAME --name 姓名: the first case officer (经办人员) of a new installation,
or another one. The password is asked for (twice), or read from standard input with --password-stdin."""

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError, CommandParser

from accounts.roles import OFFICERS
from accounts.services import staff_account_create
from config.domain import DomainError


def read_password(*, stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    first, second = getpass.getpass("密码: "), getpass.getpass("再次输入密码: ")
    if first != second:
        raise CommandError("两次输入的密码不一致。")
    return first


class StaffCommand(BaseCommand):
    group = OFFICERS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="姓名（显示在后台）")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")

    def create(self, options: dict[str, Any]) -> Any:
        password = read_password(stdin=options["password_stdin"])
        try:
            return staff_account_create(
                username=options["username"], name=options["name"], password=password, group=self.group
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc


class Command(StaffCommand):
    help = "创建经办人员账户（可登录后台 /admin/）。"

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.create(options)
        self.stdout.write(f"经办人员 {user.username} 已创建，可登录 /admin/")
