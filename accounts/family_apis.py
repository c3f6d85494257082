"""亲情账户 API: bind a family member (their consent by SMS code), list, unbind. Views call one service."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import family
from accounts.serializers import FamilyAddInput, FamilyAuthorisationInput, FamilyConfirmInput, FamilyLinkOutput
from config.api.schema import problems
from config.auth import authenticated_user, client_of
from config.uploads import single_file


class FamilyListCreateApi(APIView):
    throttle_scope = "register"  # each add sends an SMS

    @extend_schema(responses=FamilyLinkOutput(many=True), summary="亲情账户：我绑定的家庭成员和绑定我的账户")
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        return Response(FamilyLinkOutput(family.family_links(user=user), many=True, context={"user": user}).data)

    @extend_schema(
        request=FamilyAddInput,
        responses={201: FamilyLinkOutput, **problems(400, 403, 409, 429, 503)},
        summary="添加家庭成员（向其手机发送同意绑定的验证码）",
        description=(
            f"最多{family.FAMILY_MAX}位；成员本人收到验证码后，由账户提交 confirm 完成绑定。"
            "再次提交同一成员即重发验证码。成员没有手机的（不填 phone，consent_by 为 authorisation），"
            "上传其签字的授权委托书（authorisation），经办人员核实后绑定。"
        ),
    )
    def post(self, request: Request) -> Response:
        data = FamilyAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        link = family.family_member_add(owner=user, **data.validated_data, ip_address=client_of(request)["ip_address"])
        return Response(FamilyLinkOutput(link, context={"user": user}).data, status=status.HTTP_201_CREATED)


class FamilyConfirmApi(APIView):
    @extend_schema(
        request=FamilyConfirmInput,
        responses={200: FamilyLinkOutput, **problems(400, 404, 409)},
        summary="家庭成员同意绑定（输入其收到的验证码）",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = FamilyConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        link = family.family_member_confirm(owner=user, link_id=pk, code=data.validated_data["code"])
        return Response(FamilyLinkOutput(link, context={"user": user}).data)


class FamilyDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="解除绑定（绑定双方均可）")
    def delete(self, request: Request, pk: int) -> Response:
        family.family_member_remove(user=authenticated_user(request), link_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FamilyAuthorisationApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "upload"

    @extend_schema(
        request={"multipart/form-data": FamilyAuthorisationInput},
        responses={200: FamilyLinkOutput, **problems(400, 404, 409, 413)},
        summary="上传没有手机的家庭成员签字的授权委托书",
        description="状态变为“待经办人员核实授权书”；经办人员核实后绑定。再次上传即替换。",
    )
    def post(self, request: Request, pk: int) -> Response:
        single_file(request, "file")
        data = FamilyAuthorisationInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        link = family.family_authorisation_upload(owner=user, link_id=pk, file=data.validated_data["file"])
        return Response(FamilyLinkOutput(link, context={"user": user}).data)
