from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.idempotency import idempotent_response
from applications.models import Application, Notification, RemoteFiling
from applications.notifications import notification_mark_read
from applications.remote import remote_filing_create
from applications.serializers import (
    AppealInput,
    ApplicationCreateInput,
    ApplicationListOutput,
    ApplicationOutput,
    DiseaseOutput,
    DocumentOutput,
    DocumentUploadInput,
    HospitalOutput,
    NotificationOutput,
    RemoteFilingInput,
    RemoteFilingOutput,
    WithdrawInput,
)
from config.auth import authenticated_user

PROBLEM = OpenApiResponse(description="Problem (统一错误格式)")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="重复提交同一请求时返回第一次的结果",
)


@method_decorator(cache_page(60), name="get")
class DiseaseListApi(generics.ListAPIView):
    """The region's disease catalogue (public)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = DiseaseOutput
    pagination_class = None
    filterset_fields = ["category__code", "requires_hospital_appraisal"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.disease_list()


@method_decorator(cache_page(60), name="get")
class HospitalListApi(generics.ListAPIView):
    """Designated medical institutions (public)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = HospitalOutput
    pagination_class = None
    filterset_fields = ["level", "region_code"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.hospital_list()


class ApplicationListCreateApi(generics.GenericAPIView):
    serializer_class = ApplicationListOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Application.objects.none()
        return selectors.application_list(user=authenticated_user(self.request))

    @extend_schema(responses=ApplicationListOutput(many=True), summary="我的申请")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApplicationListOutput(page, many=True).data)

    @extend_schema(
        request=ApplicationCreateInput,
        responses={201: ApplicationOutput, 400: PROBLEM, 409: PROBLEM},
        summary="新建申请（草稿）",
    )
    def post(self, request: Request) -> Response:
        data = ApplicationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        agent = values.get("agent")
        user = authenticated_user(request)
        application = services.application_create(
            applicant=user,
            disease_code=values["disease_code"],
            diagnosis_date=values["diagnosis_date"],
            diagnosing_hospital_code=values["diagnosing_hospital"],
            agent=services.Agent(**agent) if agent else None,
            kind=values.get("kind") or "new",
        )
        application = selectors.application_get(user=user, application_id=application.pk)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses={200: ApplicationOutput, 404: PROBLEM}, summary="申请详情")
    def get(self, request: Request, pk: str) -> Response:
        application = selectors.application_get(user=authenticated_user(request), application_id=pk)
        return Response(ApplicationOutput(application).data)


class ApplicationSubmitApi(APIView):
    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: ApplicationOutput, 404: PROBLEM, 409: PROBLEM},
        summary="提交申请（进入完整性检查）",
    )
    def post(self, request: Request, pk: str) -> Response:
        def submit() -> tuple[int, dict]:
            user = authenticated_user(request)
            application = selectors.application_get(user=user, application_id=pk)
            services.application_submit(application=application, user=user)
            fresh = selectors.application_get(user=user, application_id=pk)
            return status.HTTP_202_ACCEPTED, ApplicationOutput(fresh).data

        return idempotent_response(request=request, scope=f"submit:{pk}", perform=submit)


class ApplicationWithdrawApi(APIView):
    @extend_schema(request=WithdrawInput, responses={200: ApplicationOutput, 409: PROBLEM}, summary="撤回申请")
    def post(self, request: Request, pk: str) -> Response:
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        services.application_withdraw(application=application, user=user, reason=data.validated_data.get("reason", ""))
        fresh = selectors.application_get(user=user, application_id=pk)
        return Response(ApplicationOutput(fresh).data)


class DocumentListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "upload"

    @extend_schema(responses=DocumentOutput(many=True), summary="申请材料列表")
    def get(self, request: Request, pk: str) -> Response:
        application = selectors.application_get(user=authenticated_user(request), application_id=pk)
        return Response(DocumentOutput(application.documents.all(), many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadInput},
        responses={201: DocumentOutput, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM, 413: PROBLEM},
        summary="上传材料",
    )
    def post(self, request: Request, pk: str) -> Response:
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        data = DocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = services.document_add(
            application=application,
            user=user,
            kind=values["kind"],
            file=values["file"],
            issued_on=values.get("issued_on"),
            hospital_code=values.get("hospital") or None,
        )
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses={204: None, 404: PROBLEM, 409: PROBLEM}, summary="删除材料")
    def delete(self, request: Request, pk: str, document_id: str) -> Response:
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        document = selectors.document_get(application=application, document_id=document_id)
        services.document_delete(application=application, document=document, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: PROBLEM},
        summary="下载材料原件（每次访问均记录）",
    )
    def get(self, request: Request, pk: str, document_id: str) -> FileResponse:
        user = authenticated_user(request)
        document, role = selectors.document_for_reader(user=user, application_id=pk, document_id=document_id)
        handle = services.document_open(
            document=document,
            user=user,
            role=role,
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        response = FileResponse(
            handle,
            content_type=document.content_type,
            as_attachment=request.query_params.get("inline") != "1",
            filename=document.original_name,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class NotificationListApi(generics.ListAPIView):
    """The applicant's messages, newest first."""

    serializer_class = NotificationOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=authenticated_user(self.request))


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: NotificationOutput, 404: PROBLEM}, summary="标记通知为已读")
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(selectors.notification_list(user=authenticated_user(request)), pk=pk)
        return Response(NotificationOutput(notification_mark_read(notification=notification)).data)


class ApplicationAppealApi(APIView):
    @extend_schema(
        request=AppealInput,
        responses={200: ApplicationOutput, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
        summary="申诉（未通过后一次，可先上传新材料）",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        services.application_appeal(application=application, user=user, reason=data.validated_data["reason"])
        return Response(ApplicationOutput(selectors.application_get(user=user, application_id=pk)).data)


class RemoteFilingListCreateApi(generics.GenericAPIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "upload"
    serializer_class = RemoteFilingOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return RemoteFiling.objects.none()
        return selectors.remote_filing_list(user=authenticated_user(self.request))

    @extend_schema(responses=RemoteFilingOutput(many=True), summary="我的异地备案")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RemoteFilingOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": RemoteFilingInput},
        responses={201: RemoteFilingOutput, 400: PROBLEM, 409: PROBLEM, 413: PROBLEM},
        summary="异地备案（临时即时办结；长期居住须上传证明，2个工作日内办结）",
    )
    def post(self, request: Request) -> Response:
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
