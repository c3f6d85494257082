"""Writes for accounts: registration with a verified phone (and no account oracle), password reset and
change, phone change, and the staff accounts. One account per username and per ID number."""

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.codes import WRONG, sms_code_consume, sms_code_send
from accounts.family import family_member_resend, passive_account_claimable
from accounts.models import CodePurpose, User
from accounts.sessions import session_tokens, sessions_revoke
from config.domain import Conflict, Forbidden, InvalidInput
from config.sms import sms_notice

logger = logging.getLogger(__name__)
SOMEONE_TRIED = (
    "【医保慢特病】有人尝试用您的身份证号码注册新账户，未成功，您的账户不受影响。如忘记密码，可在登录页选择"
    "“找回密码”，用本手机号接收验证码重置；如非本人操作，请忽略。"
)


def sms_code_request(*, phone: str, purpose: str, ip_address: str | None, user: User | None) -> None:
    """Send a one-time code. A reset code goes only to a phone with an account, but the answer is the
    same either way (no oracle); a phone-change code only to a signed-in caller's new phone."""
    if purpose == CodePurpose.CHANGE_PHONE and user is None:
        raise Forbidden("请先登录后再更换手机号。", code="login_required")
    if purpose == CodePurpose.RESET and not _account_of_phone(phone):
        return
    if purpose == CodePurpose.FAMILY:  # a new consent code for a member waiting to be bound
        if user is None:
            raise Forbidden("请先登录。", code="login_required")
        family_member_resend(owner=user, phone=phone, ip_address=ip_address)
        return
    sms_code_send(phone=phone, purpose=purpose, ip_address=ip_address, user=user)


def _account_of_phone(phone: str) -> User | None:
    """The one account a password reset on this phone is for: an applicant's, signed in to before (an
    account made for the person by others is theirs by registering, not by a reset)."""
    accounts = [
        user
        for user in User.objects.filter(phone=phone, is_active=True, is_staff=False)[:3]
        if user.has_usable_password()
    ]
    return accounts[0] if len(accounts) == 1 else None


def account_register(*, username: str, password: str, name: str, id_number: str, phone: str, sms_code: str) -> None:
    """Create an applicant's account once the code proves the phone is theirs. When the ID number has
    an account already, nothing is created, the caller gets the same answer as for a new account, and
    that account's phone is told someone tried (registering tells nobody who has an account)."""
    sms_code_consume(phone=phone, purpose=CodePurpose.REGISTER, code=sms_code)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该用户名已被使用，请换一个。", code="username_taken", field="username")
    existing = User.objects.filter(id_number=id_number).first()
    if existing is not None and passive_account_claimable(account=existing, phone=phone):
        # Made for this person by their family, a hospital or a window: now it is theirs to sign in to.
        existing.username, existing.name, existing.phone = username, name, phone
        existing.set_password(password)
        existing.save()
        return
    if existing is None:
        user = User(username=username, name=name, id_number=id_number, phone=phone)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
            return
        except IntegrityError:  # a concurrent registration won the race
            if User.objects.filter(username__iexact=username).exists():
                raise Conflict("该用户名已被使用，请换一个。", code="username_taken", field="username") from None
            existing = User.objects.filter(id_number=id_number).first()
    if existing is not None and existing.phone:
        sms_notice(phone=existing.phone, text=SOMEONE_TRIED)
    logger.info("registration with an ID number that has an account: the holder was told")


def _new_password(password: str, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(str(exc.messages[0]), code="password_invalid", field=field) from None


@transaction.atomic
def _password_set(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    sessions_revoke(user=user)


def password_reset(*, phone: str, sms_code: str, new_password: str) -> None:
    """找回密码: the code sent to the account's phone sets a new password and ends every session."""
    user = _account_of_phone(phone)
    sms_code_consume(phone=phone, purpose=CodePurpose.RESET, code=sms_code)
    if user is None:  # no code is ever sent to such a phone: unreachable unless the account changed since
        raise InvalidInput(WRONG, code="sms_code_invalid", field="sms_code")
    _new_password(new_password, user, "new_password")
    _password_set(user, new_password)


def password_change(*, user: User, old_password: str, new_password: str) -> dict[str, str]:
    """A signed-in change: every other session ends; the caller gets a new token pair."""
    if not user.check_password(old_password):
        raise InvalidInput("原密码不正确。", code="old_password_wrong", field="old_password")
    _new_password(new_password, user, "new_password")
    _password_set(user, new_password)
    return session_tokens(user=user)


def phone_change(*, user: User, phone: str, sms_code: str) -> User:
    """The new phone proves itself with a code sent to it by this account; the old phone is told."""
    sms_code_consume(phone=phone, purpose=CodePurpose.CHANGE_PHONE, code=sms_code, user=user)
    old = user.phone
    user.phone = phone
    user.save(update_fields=["phone", "phone_index"])
    if old and old != phone:
        sms_notice(phone=old, text="【医保慢特病】您的账户已更换绑定手机号。如非本人操作，请尽快到医保经办窗口处理。")
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
    from django.contrib.auth.models import Group

    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"用户名 {username} 已存在。", code="username_taken", field="username")
    user = User(username=username, name=name, is_staff=True)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user
