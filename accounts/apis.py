"""Accounts: registration, bearer tokens, the caller's own account."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.serializers import RegisterInput, UserOutput
from accounts.services import user_register
from config.auth import authenticated_user


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
    problem_statuses = (401,)  # a wrong username or password


class TokenRefreshApi(TokenRefreshView):
    throttle_scope = "token"
    problem_statuses = (401,)  # an expired or invalid refresh token
