"""Public announcement (公示) API: anyone reads the de-identified lists and may object to an entry."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import Pagination
from config.api.schema import problems
from config.api.throttles import PerAddressThrottle
from reviews.announcements import objection_file
from reviews.models import AnnouncementBatch
from reviews.public_cache import cached_public
from reviews.public_selectors import announcement_public_entries, announcement_public_get, announcement_public_list
from reviews.public_serializers import (
    AnnouncementBatchOutput,
    AnnouncementBatchPageOutput,
    AnnouncementEntryOutput,
    ObjectionInput,
    ObjectionOutput,
)


class ObjectionThrottle(PerAddressThrottle):
    """Per client IP, whether signed in or not; the API and the HTML form share the counter."""

    scope = "objection"


@method_decorator(cached_public(per_batch=False), name="dispatch")
class AnnouncementListApi(generics.GenericAPIView):
    """Current announcement batches first, then the recently ended ones."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = AnnouncementBatchOutput
    queryset = AnnouncementBatch.objects.none()  # for the schema only; rows come from the selector

    @extend_schema(
        responses={200: AnnouncementBatchOutput(many=True)},
        summary="公示批次列表",
        description=(
            "正在公示的批次在前，其后是近期已结束的批次（按公示日期倒序），每批给出公示人数；"
            "名单按批次分页查看（公示批次详情）。"
        ),
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        page = self.paginate_queryset(announcement_public_list(today=today))
        assert page is not None  # the project sets a default pagination class
        return self.get_paginated_response(AnnouncementBatchOutput(page, many=True, context={"today": today}).data)


@method_decorator(cached_public(per_batch=True), name="dispatch")
class AnnouncementDetailApi(generics.GenericAPIView):
    """One batch and one page of its entries, in publication order (the project's page-number pagination)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = AnnouncementBatchPageOutput
    queryset = AnnouncementBatch.objects.none()  # for the schema only; rows come from the selector

    @extend_schema(
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="页码，从1开始；超过最后一页返回 404"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="每页条数，默认50，最多200"),
        ],
        responses={200: AnnouncementBatchPageOutput},
        summary="公示批次详情",
        description=(
            "一个批次及其名单的一页（按公示顺序）：count 为总条数，next、previous 为下一页、上一页的地址。"
            "名单只含脱敏信息：姓名（保留首字）、身份证号码（保留前4位和后4位）、病种、区县。"
            "异议成立退回评审的条目不再显示。"
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        today = timezone.localdate()
        batch = announcement_public_get(batch_id=pk, today=today)
        if batch is None:
            raise Http404
        paginator = self.paginator
        assert isinstance(paginator, Pagination)  # the project's default
        entries = paginator.paginate_queryset(announcement_public_entries(batch_id=batch.pk), request, view=self)
        assert paginator.page is not None
        data = {
            **AnnouncementBatchOutput(batch, context={"today": today}).data,
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "entries": AnnouncementEntryOutput(entries, many=True).data,
        }
        return Response(data)


@method_decorator(never_cache, name="post")
class ObjectionCreateApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [ObjectionThrottle]

    @extend_schema(
        request=ObjectionInput,
        responses={201: ObjectionOutput, **problems(409)},
        summary="对公示条目提出异议",
        description=(
            "公示期内（公示日期至截止日期，含当日）任何人都可对名单中的条目提出异议，须填写理由、联系人和中国大陆手机号码"
            "（联系方式不公开）。提出后该条目暂缓生效，经办机构核实后：异议不成立的照常生效，异议成立的退回专家评审。"
            "不在公示期内返回 409；按来源 IP 限制提交频率，超过返回 429。"
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        if announcement_public_get(batch_id=pk, today=timezone.localdate()) is None:
            raise Http404
        data = ObjectionInput(data=request.data, context={"batch_id": pk})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        objection = objection_file(
            entry_id=values["entry"],
            batch_id=pk,
            reason=values["reason"],
            contact_name=values["contact_name"],
            contact_phone=values["contact_phone"],
        )
        return Response(ObjectionOutput(objection).data, status=status.HTTP_201_CREATED)
