"""Accounts: registration, bearer tokens, the caller's own account."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.serializers import RegisterInput, UserOutput
from accounts.services import user_register
from config.auth import authenticated_user
from config.domain import LoginLocked
from config.lockout import LOCKED_TYPE, locked_message


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_scope = "register"

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, summary="注册申请人账户")
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


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
    problem_statuses = (401,)  # an expired or invalid refresh token
