"""Certificates: the holder's own list, detail and PDF; the public verification by code."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import mask_name
from accounts.models import User
from applications.certificate_pdf import certificate_pdf_render
from applications.certificate_serializers import CertificateOutput, CertificateVerifyOutput
from applications.certificates import certification_is_valid
from applications.models import Certification
from applications.renewals import annual_review_open
from applications.selectors import application_get
from applications.serializers import ApplicationOutput
from config.auth import authenticated_user

PROBLEM = OpenApiResponse(description="Problem (统一错误格式)")

# verification_code_new: 20 characters of RFC 4648 base32 (A–Z, 2–7), printed in groups of four.
CODE_GROUPS = 5
CODE_RE = re.compile(r"^[A-Z2-7]{20}$")


def certification_list(*, user: User) -> QuerySet[Certification]:
    """The caller's own certifications, newest first. Nobody else's, whatever their role."""
    return Certification.objects.filter(holder=user).select_related("disease", "holder").order_by("-issued_at")


def certification_get(*, user: User, certification_id: object) -> Certification:
    """The caller's own certification, or 404 (never 403: others' certificates are not revealed)."""
    return get_object_or_404(certification_list(user=user), pk=certification_id)


def verification_code_normalize(raw: str) -> str | None:
    """What a person types or a scanner reads → the stored form `ABCD-EFGH-…`, or None if it cannot be one.

    Case, spaces and dashes do not matter; `0` is read as `O` (base32 has no zero, the two look alike)."""
    compact = re.sub(r"[\s-]", "", raw).upper().replace("0", "O")
    if not CODE_RE.match(compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, 4 * CODE_GROUPS, 4))


class CertificateListApi(generics.ListAPIView):
    """The holder's certifications (electronic certificates), newest first."""

    serializer_class = CertificateOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Certification.objects.none()
        return certification_list(user=authenticated_user(self.request))

    @extend_schema(responses={200: CertificateOutput(many=True), 401: PROBLEM}, summary="我的电子凭证")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class CertificateDetailApi(APIView):
    @extend_schema(responses={200: CertificateOutput, 401: PROBLEM, 404: PROBLEM}, summary="电子凭证详情")
    def get(self, request: Request, pk: str) -> Response:
        certification = certification_get(user=authenticated_user(request), certification_id=pk)
        return Response(CertificateOutput(certification).data)


class CertificatePdfApi(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 401: PROBLEM, 404: PROBLEM},
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


class CertificateVerifyApi(APIView):
    """Anyone checks a printed or shown certificate by its code.

    An unknown (or malformed) code gets 200 `{"valid": false}` and nothing else, the same shape a verifier
    sees for a lapsed certificate minus the details: a 404 would make "no such code" a distinct error
    path for scripts to probe, and a verifier only needs to know whether the card is good."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_scope = "verify"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="核验码，不区分大小写，可省略连字符"
            )
        ],
        responses={200: CertificateVerifyOutput, 429: PROBLEM},
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
        normalized = verification_code_normalize(code)
        certification = (
            Certification.objects.select_related("holder", "disease").filter(code=normalized).first()
            if normalized
            else None
        )
        body: dict[str, object]
        if certification is None:
            body = {"valid": False}
        else:
            body = {
                "valid": certification_is_valid(certification=certification, on=timezone.localdate()),
                "status": certification.status,
                "holder": mask_name(certification.holder.name),
                "disease": certification.disease.name,
                "benefit_start_date": certification.benefit_start_date,
                "valid_until": certification.valid_until,
            }
        response = Response(CertificateVerifyOutput(body).data)
        response["Cache-Control"] = "no-store"  # a revocation shows at once
        return response


class CertificateAnnualReviewApi(APIView):
    @extend_schema(
        request=None,
        responses={
            201: ApplicationOutput,
            404: OpenApiResponse(description="Problem"),
            409: OpenApiResponse(description="Problem"),
        },
        summary="办理年度资格复核（生成 annual_review 申请，之后上传材料并提交）",
    )
    def post(self, request: Request, pk: str) -> Response:
        user = authenticated_user(request)
        certification = certification_get(user=user, certification_id=pk)
        application = annual_review_open(certification=certification, user=user)
        application = application_get(user=user, application_id=application.pk)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)
