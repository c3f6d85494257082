"""The API's page-number pagination (`?page=` from 1, `?page_size=` from 1, at most 200).

A page number or size that is not a whole number of at least 1 is refused with a 400 naming the
parameter; a page past the last one is a 404."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView


def _whole_number(message: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        required=False,
        error_messages={"invalid": message, "min_value": message, "max_string_length": message},
    )


class PageQuery(serializers.Serializer):
    page = _whole_number("页码须为不小于1的整数。")
    page_size = _whole_number("每页条数须为不小于1的整数（最多200条）。")


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> Any:
        query = {
            name: request.query_params[name]
            for name in (self.page_query_param, self.page_size_query_param)
            if name in request.query_params and request.query_params[name] not in self.last_page_strings
        }
        PageQuery(data=query).is_valid(raise_exception=True)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
