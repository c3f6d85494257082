"""Accounts: one-time codes, registration, bearer tokens (obtain, refresh, logout), password reset and
change, phone change, the caller's own account. Views validate input and call one service."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.models import User
from accounts.serializers import (
    LogoutInput,
    PasswordChangeInput,
    PasswordResetInput,
    PhoneChangeInput,
    RegisterInput,
    SmsCodeInput,
    SmsCodeSentOutput,
    TokenPairOutput,
    UserOutput,
)
from accounts.sessions import session_logout
from config.api.schema import problems
from config.auth import authenticated_user
from config.domain import LoginLocked
from config.lockout import LOCKED_TYPE, locked_message


class SmsCodeApi(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "register"

    @extend_schema(
        request=SmsCodeInput,
        responses={202: SmsCodeSentOutput, **problems(400, 403, 429, 503)},
        summary="获取短信验证码",
        description=(
            "6位数字，5分钟内有效，最多输错5次；同一手机号每分钟1次、每小时有限次数，同一地址每小时有限次数（429）。"
            "purpose：register 注册、reset 找回密码（仅发往已注册的手机号，答复相同）、"
            "change_phone 更换手机号（须登录，发往新号码）。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = SmsCodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user if isinstance(request.user, User) else None
        services.sms_code_request(**data.validated_data, ip_address=request.META.get("REMOTE_ADDR"), user=user)
        # The same words whether or not a code went out (a reset code goes only to a registered phone).
        minutes = settings.SMS_CODE_MINUTES
        return Response(
            SmsCodeSentOutput({"detail": f"验证码已发送，{minutes}分钟内有效；如未收到，请一分钟后重试。"}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_scope = "register"

    @extend_schema(
        request=RegisterInput,
        responses={201: UserOutput, **problems(400, 409)},
        summary="注册申请人账户（须短信验证码）",
        description=(
            "答复不因身份证号码是否已有账户而不同：已有账户时不创建新账户，并以短信告知原账户的手机号如何找回账户。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.account_register(**values)
        # The answer is made from the request alone: the same whether or not an account was created.
        shown = User(
            username=values["username"], name=values["name"], id_number=values["id_number"], phone=values["phone"]
        )
        return Response(UserOutput(shown).data, status=status.HTTP_201_CREATED)


class PasswordResetApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_scope = "register"

    @extend_schema(
        request=PasswordResetInput,
        responses={204: None, **problems(400)},
        summary="找回密码（短信验证码，之前的登录全部失效）",
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    @extend_schema(
        request=PasswordChangeInput,
        responses={200: TokenPairOutput, **problems(400)},
        summary="修改密码（其他登录全部失效，返回新的凭证）",
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.password_change(user=authenticated_user(request), **data.validated_data)
        return Response(TokenPairOutput(tokens).data)


class PhoneChangeApi(APIView):
    @extend_schema(
        request=PhoneChangeInput,
        responses={200: UserOutput, **problems(400)},
        summary="更换手机号（新号码的短信验证码，purpose=change_phone）",
    )
    def post(self, request: Request) -> Response:
        data = PhoneChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.phone_change(user=authenticated_user(request), **data.validated_data)
        return Response(UserOutput(user).data)


class LogoutApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=LogoutInput, responses={204: None, **problems(400)}, summary="退出登录（注销刷新凭证）")
    def post(self, request: Request) -> Response:
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        session_logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=UserOutput, summary="当前账户")
    def get(self, request: Request) -> Response:
        return Response(UserOutput(authenticated_user(request)).data)


class TokenApi(TokenObtainPairView):
    throttle_scope = "token"
    problem_statuses = (401,)  # a wrong username or password; 429 also when the login is locked

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # django-axes refused this username from this address (too many wrong passwords): say so.
            if getattr(request, "axes_locked_out", False):
                raise LoginLocked(locked_message(), code=LOCKED_TYPE) from None
            raise


class TokenRefreshApi(TokenRefreshView):
    throttle_scope = "token"
    problem_statuses = (401,)  # an expired, revoked or invalid refresh token
