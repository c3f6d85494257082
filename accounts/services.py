"""Writes for accounts: registration (one account per username and per ID number)."""

from django.db import IntegrityError, transaction

from accounts.models import User
from config.domain import Conflict


@transaction.atomic
def user_register(*, username: str, password: str, name: str, id_number: str, phone: str) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该用户名已被注册。", code="username_taken", field="username")
    if User.objects.filter(id_number=id_number).exists():
        raise Conflict("该身份证号码已注册账户，请直接登录或找回密码。", code="id_number_taken", field="id_number")
    user = User(username=username, name=name, id_number=id_number, phone=phone)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent registration won the race
        raise Conflict("该用户名或身份证号码已被注册。", code="account_exists", field="username") from None
    return user


def user_anonymise(*, user: User) -> None:
    """End an account whose retention period is over: no name, ID number, phone or e-mail left, no login.
    The rows that refer to it (cases, certificates, the access log) stay, pointing at nobody nameable."""
    user.username = f"deleted-{user.pk}"
    user.name = user.first_name = user.last_name = user.email = ""
    user.id_number = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


@transaction.atomic
def staff_account_create(*, username: str, name: str, password: str, group: str) -> User:
    """A staff account of the bureau (an officer or an expert): admin access, in its role's group,
    the password checked by the site's password rules. No ID number: staff file nothing."""
    from django.contrib.auth import password_validation
    from django.contrib.auth.models import Group

    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"用户名 {username} 已存在。", code="username_taken", field="username")
    user = User(username=username, name=name, is_staff=True)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user
