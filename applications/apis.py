"""The applicant's API: the catalogue, drafts, documents, submit, withdraw, appeal, and opening the annual
review of a certificate. Views validate input and call one service; reads come from the selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import documents, ratings, selectors, services
from applications.desk import desk_reads_log
from applications.idempotency import idempotent_response
from applications.models import Application, Disease, DocumentAccess, Hospital
from applications.outputs import PROBLEM_EXAMPLE
from applications.serializers import (
    AccessRecordOutput,
    AppealInput,
    ApplicationCreateInput,
    ApplicationListOutput,
    ApplicationOutput,
    ApplicationUpdateInput,
    DiseaseOutput,
    DocumentOutput,
    DocumentUploadInput,
    HospitalOutput,
    PrecheckOutput,
    RatingInput,
    RatingOutput,
    WithdrawInput,
)
from certification.selectors import certification_get
from config.api.schema import problems
from config.auth import authenticated_user, client_of
from config.uploads import single_file

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
    authentication_classes: list[type] = []
    serializer_class = DiseaseOutput
    pagination_class = None
    problem_statuses = (400,)  # a filter value that is not one of its choices
    filterset_fields = ["category__code", "requires_hospital_appraisal"]

    def get_queryset(self) -> QuerySet[Disease]:
        return selectors.disease_list()


@method_decorator(cache_page(60), name="get")
class HospitalListApi(generics.ListAPIView):
    """Medical institutions (public): level, and whether each is a designated institution (定点)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    serializer_class = HospitalOutput
    pagination_class = None
    problem_statuses = (400,)  # a filter value that is not one of its choices
    filterset_fields = ["level", "region_code", "is_designated"]

    def get_queryset(self) -> QuerySet[Hospital]:
        return selectors.hospital_list()


class ApplicationListCreateApi(generics.GenericAPIView):
    serializer_class = ApplicationListOutput

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Application.objects.none()
        return selectors.application_list(user=authenticated_user(self.request))

    @extend_schema(responses=ApplicationListOutput(many=True), summary="我的申请")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        desk_reads_log(user=authenticated_user(request), applications=page or [], **client_of(request))
        return self.get_paginated_response(ApplicationListOutput(page, many=True).data)

    @extend_schema(
        request=ApplicationCreateInput,
        responses={201: ApplicationOutput, **problems(403, 404, 409)},
        summary="新建申请（草稿）",
        description="for_person.family_member 为未绑定或不属于本账户的家庭成员时返回 404。",
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
            designated_points=values.get("designated_points") or [],
            diagnosing_doctor_name=values.get("diagnosing_doctor_name", ""),
            diagnosing_doctor_code=values.get("diagnosing_doctor_code", ""),
            family_member=(values.get("for_person") or {}).get("family_member"),
            for_id_number=(values.get("for_person") or {}).get("id_number", ""),
            for_phone=(values.get("for_person") or {}).get("phone", ""),
        )
        # Answered from the row just written: a new draft has no documents and one event.
        application = selectors.application_with_relations(application=application, documents=False)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses={200: ApplicationOutput}, summary="申请详情")
    def get(self, request: Request, pk: str) -> Response:
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        desk_reads_log(user=user, applications=[application], **client_of(request))
        return Response(ApplicationOutput(application).data)

    @extend_schema(
        request=ApplicationUpdateInput,
        responses={200: ApplicationOutput, **problems(409)},
        summary="修改草稿（定点医疗机构、诊断医师）",
        description="草稿或待补正时可修改；提交后由完整性检查一并核对。",
    )
    def patch(self, request: Request, pk: str) -> Response:
        data = ApplicationUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        services.application_update(application=application, user=user, **data.validated_data)
        return Response(ApplicationOutput(selectors.application_get(user=user, application_id=pk)).data)


class ApplicationSubmitApi(APIView):
    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: ApplicationOutput, **problems(400, 409)},
        summary="提交申请（进入完整性检查）",
    )
    def post(self, request: Request, pk: str) -> Response:
        def submit() -> tuple[int, dict[str, Any]]:
            user = authenticated_user(request)
            application = selectors.application_get_for_write(user=user, application_id=pk)
            submitted = services.application_submit(application=application, user=user)
            fresh = selectors.application_with_relations(application=submitted)
            return status.HTTP_202_ACCEPTED, ApplicationOutput(fresh).data

        return idempotent_response(request=request, scope=f"submit:{pk}", perform=submit)


class ApplicationWithdrawApi(APIView):
    @extend_schema(request=WithdrawInput, responses={200: ApplicationOutput, **problems(409)}, summary="撤回申请")
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
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        desk_reads_log(user=user, applications=[application], **client_of(request))
        return Response(DocumentOutput(application.documents.all(), many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadInput},
        responses={201: DocumentOutput, **problems(409, 413)},
        summary="上传材料",
    )
    def post(self, request: Request, pk: str) -> Response:
        user = authenticated_user(request)
        application = selectors.application_get_for_write(user=user, application_id=pk)
        single_file(request, "file")
        data = DocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = documents.document_add(
            application=application,
            user=user,
            kind=values["kind"],
            file=values["file"],
            issued_on=values.get("issued_on"),
            hospital_code=values.get("hospital") or None,
        )
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    @extend_schema(responses={204: None, **problems(409)}, summary="删除材料")
    def delete(self, request: Request, pk: str, document_id: str) -> Response:
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        document = selectors.document_get(application=application, document_id=document_id)
        documents.document_delete(application=application, document=document, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="下载材料原件（每次访问均记录）",
    )
    def get(self, request: Request, pk: str, document_id: str) -> FileResponse:
        user = authenticated_user(request)
        document, role = selectors.document_for_reader(user=user, application_id=pk, document_id=document_id)
        handle = documents.document_open(
            document=document,
            user=user,
            role=role,
            **client_of(request),
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


class ApplicationAppealApi(APIView):
    @extend_schema(
        request=AppealInput,
        responses={200: ApplicationOutput, **problems(409)},
        summary="申诉（未通过后一次，可先上传新材料）",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        services.application_appeal(application=application, user=user, reason=data.validated_data["reason"])
        return Response(ApplicationOutput(selectors.application_get(user=user, application_id=pk)).data)


class ApplicationRatingApi(APIView):
    @extend_schema(
        request=RatingInput,
        responses={201: RatingOutput, **problems(400, 403, 404, 409)},
        summary="好差评：办理结果作出后评价服务（每件申请一次）",
    )
    def post(self, request: Request, pk: str) -> Response:
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticated_user(request)
        application = selectors.application_get(user=user, application_id=pk)
        rating = ratings.application_rate(application=application, user=user, **data.validated_data)
        return Response(RatingOutput(rating).data, status=status.HTTP_201_CREATED)


class CertificateAnnualReviewApi(APIView):
    """`POST /certificates/{id}/reviews/`: the holder opens the year's review, an application of kind
    `annual_review`; it then takes the same documents, submit and check endpoints as any application."""

    @extend_schema(
        request=None,
        responses={201: ApplicationOutput, **problems(409)},
        summary="办理年度资格复核（生成 annual_review 申请，之后上传材料并提交）",
    )
    def post(self, request: Request, pk: str) -> Response:
        user = authenticated_user(request)
        certification = certification_get(user=user, certification_id=pk)
        application = services.annual_review_open(certification=certification, user=user)
        application = selectors.application_get(user=user, application_id=application.pk)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ApplicationAccessLogApi(generics.GenericAPIView):
    """The applicant's access record: who at the bureau read their documents, and when."""

    serializer_class = AccessRecordOutput
    queryset = DocumentAccess.objects.none()  # for the schema: the records come from the selector

    @extend_schema(
        responses=AccessRecordOutput(many=True),
        summary="材料查阅记录",
        description="经办人员、评审专家每次查看本申请材料的时间、材料种类、身份和单位（不含工作人员姓名），新的在前。",
    )
    def get(self, request: Request, pk: str) -> Response:
        application = selectors.application_get(user=authenticated_user(request), application_id=pk)
        page = self.paginate_queryset(selectors.application_access_log(application=application))
        return self.get_paginated_response(AccessRecordOutput(page, many=True).data)


class ApplicationPrecheckApi(APIView):
    @extend_schema(
        request=None,
        responses={200: PrecheckOutput, **problems(409)},
        summary="提交前预审",
        description=(
            "对草稿或待补正的申请按当前材料运行完整性检查，返回提交后会得到的同一份问题清单；不改变任何状态，"
            "不记录事件、不计时、不发通知，可在每次上传后调用。"
        ),
        examples=[
            OpenApiExample("incomplete", value={"complete": False, "problems": PROBLEM_EXAMPLE, "reused_documents": []})
        ],
    )
    def post(self, request: Request, pk: str) -> Response:
        application = selectors.application_get_for_check(user=authenticated_user(request), application_id=pk)
        result = services.application_precheck(application=application)
        return Response(PrecheckOutput(result).data)
