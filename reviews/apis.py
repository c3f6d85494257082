"""The reviewer API (评审专家: the queue, the case, the decision), the public deadline calculator and the
officers' statistics."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.roles import is_expert, is_officer
from config.api.schema import problems
from config.auth import authenticated_user
from reviews.calendar import MAX_WORKING_DAYS, working_days_add
from reviews.clock import review_deadline_explain
from reviews.models import ReviewAssignment
from reviews.selectors import assignment_get, assignment_list, opinions_visible_to, working_days_left_for
from reviews.serializers import (
    ReviewCaseOutput,
    ReviewDecisionInput,
    ReviewQueueItemOutput,
    ReviewQueueQuery,
    StatisticsOutput,
    StatisticsQuery,
)
from reviews.services import review_decide
from reviews.statistics import application_statistics, statistics_period

# The API accepts start dates in this range, so every deadline stays inside the lunar tables.
FIRST_START = datetime.date(2000, 1, 1)
LAST_START = datetime.date(2098, 12, 31)


class CalendarDeadlineQuery(serializers.Serializer):
    """Query parameters; `from` is a Python keyword, so the field is added in get_fields()."""

    working_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_WORKING_DAYS,
        help_text=f"工作日天数（0–{MAX_WORKING_DAYS}）",
        error_messages={
            "required": "请提供工作日天数 working_days。",
            "null": "请提供工作日天数 working_days。",
            "invalid": "工作日天数必须是整数。",
            "max_string_length": "工作日天数必须是整数。",
            "min_value": "工作日天数不能为负数。",
            "max_value": f"工作日天数不能超过{MAX_WORKING_DAYS}天。",
        },
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        start = serializers.DateField(
            help_text="起算日（不计入），格式 YYYY-MM-DD",
            error_messages={
                "required": "请提供起算日期 from（格式 YYYY-MM-DD）。",
                "null": "请提供起算日期 from（格式 YYYY-MM-DD）。",
                "invalid": "起算日期 from 的格式应为 YYYY-MM-DD，例如 2026-09-18。",
                "datetime": "起算日期 from 只能是日期，格式 YYYY-MM-DD。",
            },
        )
        return {"from": start, **super().get_fields()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not FIRST_START <= attrs["from"] <= LAST_START:
            raise serializers.ValidationError(
                {"from": f"起算日期须在{FIRST_START.year}年至{LAST_START.year}年之间。"}, code="out_of_range"
            )
        return attrs


class CalendarSkippedDayOutput(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(help_text="周末，或节日名称，如 国庆节、中秋节")


class CalendarDeadlineOutput(serializers.Serializer):
    working_days = serializers.IntegerField()
    deadline = serializers.DateField(help_text="第 N 个工作日")
    provisional = serializers.BooleanField(help_text="为 true 时，所跨年份的国务院节假日安排尚未录入，结果为临时推算")
    skipped = CalendarSkippedDayOutput(
        many=True, help_text="起算日之后、期限之前跳过的非工作日及原因（调休上班日计入工作日）"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateField(help_text="起算日"), **super().get_fields()}


class CalendarDeadlineApi(APIView):
    """When a period of N working days that starts on a given day ends (public)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[CalendarDeadlineQuery],
        responses={200: CalendarDeadlineOutput},
        summary="按工作日推算期限",
        description=(
            "N 个工作日的期限为起算日之后的第 N 个工作日（起算日本身不计）。法定节假日不计，调休上班日计入。"
            "所跨年份尚未录入国务院节假日安排通知时 `provisional` 为 true，只按法定节日推算。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = CalendarDeadlineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, days = query.validated_data["from"], query.validated_data["working_days"]
        result = working_days_add(start=start, days=days)
        return Response(
            CalendarDeadlineOutput(
                {
                    "from": start,
                    "working_days": days,
                    "deadline": result.deadline,
                    "provisional": result.provisional,
                    "skipped": result.skipped,
                }
            ).data
        )


# --- Reviewer API (评审专家) ------------------------------------------------------------------------


class IsExpert(permissions.BasePermission):
    """A signed-in user with an expert profile; what they may see is then scoped by the selectors."""

    message = "仅评审专家可以使用评审接口。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and is_expert(user)


def _case_data(assignment: ReviewAssignment) -> dict[str, Any]:
    application = assignment.application
    today = timezone.localdate()
    return ReviewCaseOutput(
        assignment,
        context={
            "today": today,
            "working_days_left": working_days_left_for(applications=[application], today=today),
            "deadline_explanation": review_deadline_explain(application=application),
            "other_opinions": opinions_visible_to(assignment=assignment),
        },
    ).data


class ReviewListApi(generics.GenericAPIView):
    """The caller's review queue."""

    permission_classes = [IsExpert]
    serializer_class = ReviewQueueItemOutput
    queryset = ReviewAssignment.objects.none()  # for the schema's model only; rows come from the selector

    @extend_schema(
        parameters=[ReviewQueueQuery],
        responses={200: ReviewQueueItemOutput(many=True)},
        summary="我的评审案件",
        description=(
            "默认列出分派给我、尚未提交意见的评审中案件，截止日期最近的在前；`state=decided` 列出我已提交意见的案件。"
            "`working_days_left` 按工作日历计算（法定节假日不计、调休上班日计入）。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = ReviewQueueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        expert = authenticated_user(request)
        if query.validated_data["state"] == "decided":
            queryset = assignment_list(expert=expert, pending_only=False).exclude(decision="")
            queryset = queryset.order_by("-decided_at", "-id")
        else:
            queryset = assignment_list(expert=expert)
        page = self.paginate_queryset(queryset)
        assert page is not None  # the project sets a default pagination class
        today = timezone.localdate()
        context = {
            "today": today,
            "working_days_left": working_days_left_for(applications=[a.application for a in page], today=today),
        }
        return self.get_paginated_response(ReviewQueueItemOutput(page, many=True, context=context).data)


class ReviewDetailApi(APIView):
    permission_classes = [IsExpert]

    @extend_schema(
        responses={200: ReviewCaseOutput},
        summary="评审案件详情",
        description=(
            "案件材料（`file_url` 指向记录访问日志的下载接口）、完整性检查结果、评审期限及其计算方法、我的意见。"
            "本轮其他专家的意见在本轮评审组全部提交前不显示（盲审）。不是分派给我的案件返回 404。"
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_case_data(assignment_get(expert=authenticated_user(request), assignment_id=pk)))


class ReviewDecisionApi(APIView):
    permission_classes = [IsExpert]

    @extend_schema(
        request=ReviewDecisionInput,
        responses={200: ReviewCaseOutput, **problems(409)},
        summary="提交评审意见",
        description=(
            "每个分派只能提交一次意见；重复或同时提交的第二个请求返回 409，不作任何更改。"
            "`reject`、`request_supplement` 必须填写 `reason`。本轮意见全部提交后自动得出评审结论。"
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        expert = authenticated_user(request)
        assignment = assignment_get(expert=expert, assignment_id=pk)
        data = ReviewDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        review_decide(
            assignment_id=assignment.pk,
            expert=expert,
            decision=data.validated_data["decision"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response(_case_data(assignment_get(expert=expert, assignment_id=pk)))


# --- Statistics (经办人员) ---------------------------------------------------------------------------


class IsOfficer(permissions.BasePermission):
    message = "仅经办人员可以查看统计。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and is_officer(user)


class StatisticsApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsOfficer]

    @extend_schema(
        parameters=[StatisticsQuery],
        responses={200: StatisticsOutput, **problems(400, 403)},
        summary="申请统计（经办人员）：按月、办理渠道、病种类别、参保地",
        description=(
            "统计首次提交日期在区间内的申请：受理、通过、未通过、撤回、在办、办结、超期的数量，办结率与超期率，"
            "受理至决定的工作日数（中位数、第90百分位），好差评，以及复核日期在区间内的年度资格复核完成率；"
            "区间默认本年。"
        ),
    )
    def get(self, request: Request) -> Response:
        query = StatisticsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from, date_to = statistics_period(**query.validated_data)
        return Response(StatisticsOutput(application_statistics(date_from=date_from, date_to=date_to)).data)
