"""The applicant's printouts: the application form generated from their data with its online
confirmation, and the decision letter of a decided case. Views call one service or one render; the
PDFs come from the bureau's template layer (config/pdf)."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import documents, selectors
from applications.form import COMMITMENT, application_form_render
from applications.letters import decision_letter_render
from applications.serializers import FormConfirmInput, FormStateOutput, form_state_output
from config.api.schema import problems
from config.auth import authenticated_user

PDF_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY, description="PDF；ETag 为其 SHA-256，带 If-None-Match 的重复请求得到 304"
)


def pdf_response(pdf: bytes, *, filename: str, request: Request) -> HttpResponse:
    """A private PDF shown inline, its SHA-256 as a strong ETag (a repeated GET of an unchanged document
    answers 304 Not Modified)."""
    etag = f'"{hashlib.sha256(pdf).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}
    if etag in (tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")):
        return HttpResponse(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or ""
    return HttpResponse(pdf, content_type="application/pdf", headers=headers)


class ApplicationFormApi(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): PDF_RESPONSE},
        summary="申请表（按申请信息生成的 PDF）",
        description=(
            "按申请人填写的信息（姓名、身份证号、病种、确诊医院、定点医疗机构、代办人）生成申请表，内容不变则文件不变。"
            f"确认时向申请人展示承诺：“{COMMITMENT}”"
        ),
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        application = selectors.application_get(user=authenticated_user(request), application_id=pk)
        pdf = application_form_render(application=application)
        return pdf_response(pdf, filename=f"申请表-{application.reference}.pdf", request=request)


class ApplicationFormConfirmApi(APIView):
    @extend_schema(
        request=FormConfirmInput,
        responses={201: FormStateOutput, **problems(400, 409)},
        summary="确认申请表（代替打印、签字、扫描上传）",
        description=(
            "申请人阅读申请表并同意承诺后确认，系统记录确认时间、账户和申请表的 SHA-256，"
            "并将其保存为“特殊病种申请表”材料；申请信息此后有修改须重新确认。病种目录要求医院盖章（requires_stamp）的，在线确认不能代替盖章的申请表。"
        ),
        examples=[OpenApiExample("confirm", value={"commitment": True, "form_sha256": "9f86d0…"}, request_only=True)],
    )
    def post(self, request: Request, pk: str) -> Response:
        data = FormConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        documents.application_form_confirm(
            application=application,
            user=user,
            commitment=data.validated_data["commitment"],
            form_sha256=data.validated_data.get("form_sha256") or None,
        )
        fresh = selectors.application_get(user=user, application_id=pk)
        return Response(form_state_output(fresh), status=status.HTTP_201_CREATED)


class DecisionLetterApi(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): PDF_RESPONSE, **problems(409)},
        summary="决定书（认定、不予认定或年度复核结果，经本局电子签名）",
        description=(
            "评审通过（含公示中、已生效）或未通过的申请可下载。写明决定、理由（不予认定时）、待遇信息（生效后），"
            "以及救济途径和期限：系统内申诉一次（不予认定之日起 APPEAL_WINDOW_DAYS 日内）、六十日内申请行政复议、"
            "六个月内提起行政诉讼。尚未作出决定的返回 409 not_decided。"
        ),
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        application = selectors.application_get(user=authenticated_user(request), application_id=pk)
        pdf = decision_letter_render(application=application)
        return pdf_response(pdf, filename=f"决定书-{application.reference}.pdf", request=request)
