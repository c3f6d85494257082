from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.calendar import MAX_WORKING_DAYS, working_days_add

PROBLEM = OpenApiResponse(description="Problem (统一错误格式)")

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

    def get_fields(self):  # type: ignore[no-untyped-def]
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

    def validate(self, attrs: dict) -> dict:
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

    def get_fields(self):  # type: ignore[no-untyped-def]
        return {"from": serializers.DateField(help_text="起算日"), **super().get_fields()}


class CalendarDeadlineApi(APIView):
    """When a period of N working days that starts on a given day ends (public)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[CalendarDeadlineQuery],
        responses={200: CalendarDeadlineOutput, 400: PROBLEM},
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
