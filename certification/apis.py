"""Certificates: the holder's own list, detail and PDF; the public verification by code; the
holder's remote-care filings. (Opening an annual review files an application: `applications.apis`.)"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.lifecycle import certification_end
from certification.models import Certification, RemoteFiling
from certification.pdf import certificate_pdf_render
from certification.points import designated_points_change
from certification.remote import remote_filing_create
from certification.selectors import (
    certification_by_code,
    certification_get,
    certification_list,
    certification_public_facts,
    remote_filing_list,
)
from certification.serializers import (
    CertificateExitInput,
    CertificateOutput,
    CertificateVerifyOutput,
    DesignatedPointsInput,
    RemoteFilingInput,
    RemoteFilingOutput,
)
from config.api.schema import problems
from config.api.throttles import PerAddressThrottle
from config.auth import authenticated_user
from config.uploads import single_file


class CertificateListApi(generics.ListAPIView):
    """The holder's certifications (electronic certificates), newest first."""

    serializer_class = CertificateOutput

    def get_queryset(self) -> QuerySet[Certification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Certification.objects.none()
        return certification_list(user=authenticated_user(self.request))

    @extend_schema(responses={200: CertificateOutput(many=True)}, summary="我的电子凭证")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class CertificateDetailApi(APIView):
    @extend_schema(responses={200: CertificateOutput}, summary="电子凭证详情")
    def get(self, request: Request, pk: str) -> Response:
        certification = certification_get(user=authenticated_user(request), certification_id=pk)
        return Response(CertificateOutput(certification).data)


class CertificatePdfApi(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="下载电子凭证 PDF（仅持证人）",
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        certification = certification_get(user=authenticated_user(request), certification_id=pk)
        response = HttpResponse(certificate_pdf_render(certification=certification), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{certification.code}.pdf"'
        # It names the holder: no shared cache may keep it.
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class VerifyThrottle(PerAddressThrottle):
    """Per client IP; the API and the public verify page share the counter."""

    scope = "verify"


class CertificateVerifyApi(APIView):
    """Anyone checks a printed or shown certificate by its code.

    An unknown (or malformed) code gets 200 `{"valid": false}` and nothing else, the same shape a verifier
    sees for a lapsed certificate minus the details: a 404 would make "no such code" a distinct error
    path for scripts to probe, and a verifier only needs to know whether the card is good."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [VerifyThrottle]
    path_always_found = True  # an unknown code is `{"valid": false}`, never a 404

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="核验码，不区分大小写，可省略连字符"
            )
        ],
        responses={200: CertificateVerifyOutput},
        examples=[
            OpenApiExample(
                "valid",
                value={
                    "valid": True,
                    "status": "active",
                    "holder": "张*丰",
                    "disease": "糖尿病",
                    "benefit_start_date": "2026-06-01",
                    "valid_until": "2027-10-31",
                },
            ),
            OpenApiExample("unknown code", value={"valid": False}),
        ],
        summary="电子凭证真伪核验（公开）",
    )
    def get(self, request: Request, code: str) -> Response:
        certification = certification_by_code(raw_code=code)
        body = certification_public_facts(certification=certification, on=timezone.localdate())
        response = Response(CertificateVerifyOutput(body).data)
        response["Cache-Control"] = "no-store"  # a revocation shows at once
        return response


class RemoteFilingListCreateApi(generics.GenericAPIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "upload"
    serializer_class = RemoteFilingOutput

    def get_queryset(self) -> QuerySet[RemoteFiling]:
        if getattr(self, "swagger_fake_view", False):
            return RemoteFiling.objects.none()
        return remote_filing_list(user=authenticated_user(self.request))

    @extend_schema(responses=RemoteFilingOutput(many=True), summary="我的异地备案")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RemoteFilingOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": RemoteFilingInput},
        responses={201: RemoteFilingOutput, **problems(409, 413)},
        summary="异地备案（临时即时办结；长期居住须上传证明，2个工作日内办结）",
    )
    def post(self, request: Request) -> Response:
        single_file(request, "proof")
        data = RemoteFilingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        filing = remote_filing_create(
            holder=authenticated_user(request),
            type=values["type"],
            place=values["place"],
            start_date=values["start_date"],
            end_date=values.get("end_date"),
            proof=values.get("proof"),
        )
        return Response(RemoteFilingOutput(filing).data, status=status.HTTP_201_CREATED)


class CertificateExitApi(APIView):
    @extend_schema(
        request=CertificateExitInput,
        responses={200: CertificateOutput, **problems(409)},
        summary="退出待遇（已治愈或本人申请）",
        description="持证人终止本人的门诊慢特病待遇；凭证随即失效（核验显示无效），并向医保信息平台撤销登记。",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = CertificateExitInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        certification = certification_get(user=user, certification_id=pk)
        certification_end(
            certification=certification, reason=data.validated_data["reason"], actor=user, on=timezone.localdate()
        )
        return Response(CertificateOutput(certification_get(user=user, certification_id=pk)).data)


class CertificatePointsApi(APIView):
    @extend_schema(
        request=DesignatedPointsInput,
        responses={200: CertificateOutput, **problems(409)},
        summary="变更定点医疗机构",
        description="次日生效；每个自然年度可变更一次（政策参数），特殊情况由经办人员在后台变更。",
    )
    def put(self, request: Request, pk: str) -> Response:
        data = DesignatedPointsInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        certification = certification_get(user=user, certification_id=pk)
        designated_points_change(
            certification=certification, codes=data.validated_data["points"], actor=user, on=timezone.localdate()
        )
        return Response(CertificateOutput(certification_get(user=user, certification_id=pk)).data)
