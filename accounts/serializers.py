"""Input and output of the account API, and the ID-number and phone fields other inputs reuse."""

from collections.abc import Callable
from typing import Any, Literal

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.family import FAMILY_RELATIONSHIPS, family_consent_by
from accounts.identity import (
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    NAME_SCHEMA_PATTERN,
    mask_id_number,
    mask_name,
    mask_phone,
    validate_id_number,
    validate_mobile,
)
from accounts.models import CodePurpose, FamilyLink, User
from config.api.serializers import OutputModelSerializer


def _wrap(validator: Callable[[str], str]) -> Callable[[str], str]:
    def run(value: str) -> str:
        try:
            return validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from None

    return run


class IdNumberField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return _wrap(validate_id_number)(super().to_internal_value(data))


class MobileField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return _wrap(validate_mobile)(super().to_internal_value(data))


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": NAME_MAX_LENGTH,
        "pattern": NAME_SCHEMA_PATTERN,
        "description": "与身份证一致的姓名：汉字（含生僻字）、〇或拉丁字母，可用间隔号或空格连接",
    }
)
class NameField(serializers.RegexField):
    """A person's name as on the ID card (NAME_PATTERN), with `message` when it is not one."""

    def __init__(self, *, message: str = "请输入与身份证一致的姓名。", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("error_messages", {"invalid": message, "max_length": message})
        super().__init__(NAME_PATTERN, **kwargs)


class WordChoiceField(serializers.ChoiceField):
    """One of a few Chinese words (a relationship, say); a wrong or missing one gets a message that
    names them all (DRF's generic `invalid_choice` text names none)."""

    def __init__(self, words: tuple[str, ...], *, what: str, **kwargs: Any) -> None:
        self.message = f"请选择{what}：" + "、".join(words) + "。"
        kwargs.setdefault("error_messages", {"required": self.message})
        super().__init__(choices=[(word, word) for word in words], **kwargs)

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str) or data not in self.choices:  # a list or an object is no word
            raise serializers.ValidationError(self.message, code="relationship_invalid")
        return str(data)


class SmsCodeField(serializers.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "请输入短信中的6位验证码。"})
        kwargs.setdefault("help_text", "短信验证码（6位数字）")
        super().__init__(r"^\s*[0-9]{6}\s*$", **kwargs)


class RegisterInput(serializers.Serializer):
    username = serializers.RegexField(
        r"^[A-Za-z0-9_.@+-]{3,150}$",
        error_messages={"invalid": "用户名为3至150位字母、数字或 _ . @ + - 符号。"},
    )
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    name = NameField()
    id_number = IdNumberField()
    phone = MobileField()

    sms_code = SmsCodeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _password_check(attrs["password"], User(username=attrs["username"], name=attrs["name"]), "password")
        return attrs


def _password_check(password: str, user: User, field: str) -> None:
    """The site's password rules (AUTH_PASSWORD_VALIDATORS), every failure under `field`."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        details = [
            serializers.ErrorDetail(error.message % (error.params or {}), code=error.code or "invalid")
            for error in exc.error_list
        ]
        raise serializers.ValidationError({field: details}) from None


class SmsCodeInput(serializers.Serializer):
    phone = MobileField()
    purpose = serializers.ChoiceField(choices=CodePurpose.choices)


class SmsCodeSentOutput(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetInput(serializers.Serializer):
    phone = MobileField()
    sms_code = SmsCodeField()
    new_password = serializers.CharField(write_only=True, max_length=128)


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128)


class PhoneChangeInput(serializers.Serializer):
    phone = MobileField()
    sms_code = SmsCodeField()


class LogoutInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class UserOutput(OutputModelSerializer):
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "name", "id_number", "phone"]

    def get_id_number(self, obj: User) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj: User) -> str:
        return mask_phone(obj.phone)


class FamilyAddInput(serializers.Serializer):
    name = NameField()
    id_number = IdNumberField()
    relationship = WordChoiceField(FAMILY_RELATIONSHIPS, what="家庭成员与您的关系")
    phone = MobileField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "家庭成员本人的手机号：同意绑定的验证码发往此号码（已有账户的，发往其账户绑定的号码）。"
            "成员没有手机的可不填，改为上传其签字的授权委托书，由经办人员核实后绑定"
        ),
    )


class FamilyConfirmInput(serializers.Serializer):
    code = SmsCodeField()


class FamilyLinkOutput(serializers.Serializer):
    """One family link as either side sees it: who, how related, bound or waiting."""

    id = serializers.IntegerField()
    role = serializers.SerializerMethodField(help_text="owner：我绑定的家庭成员；member：绑定我的亲情账户")
    name = serializers.SerializerMethodField(help_text="对方姓名（部分隐藏）")
    id_number = serializers.SerializerMethodField(help_text="对方身份证号（部分隐藏）")
    relationship = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    consent_by = serializers.SerializerMethodField(
        help_text="成员同意的方式：sms（其手机收到的验证码）或 authorisation（签字的授权委托书，经办人员核实）"
    )
    created_at = serializers.DateTimeField()
    bound_at = serializers.DateTimeField(allow_null=True)

    def _other(self, link: FamilyLink) -> User:
        return link.member if self.get_role(link) == "owner" else link.owner

    def get_consent_by(self, link: FamilyLink) -> Literal["sms", "authorisation"]:
        return family_consent_by(link)

    def get_role(self, link: FamilyLink) -> str:
        return "owner" if link.owner_id == self.context["user"].pk else "member"

    def get_name(self, link: FamilyLink) -> str:
        return mask_name(self._other(link).name)

    def get_id_number(self, link: FamilyLink) -> str:
        return mask_id_number(self._other(link).id_number or "")


class FamilyAuthorisationInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, use_url=False, help_text="家庭成员签字的授权委托书（JPEG、PNG 或 PDF）"
    )
