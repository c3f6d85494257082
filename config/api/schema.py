"""The error format in the OpenAPI schema: one `Problem` component, referenced by every 4xx answer.

`ProjectAutoSchema` adds to each operation the error statuses its shape implies (401 behind a login,
403 behind a role, 404 with a path parameter, 400 and 404 with a page number, 400 and 415 with a
request body or query serializer, 429 when throttled); a view adds the ones only it knows (409 for a
state conflict, 413 for an upload) with `problems(...)` in its `extend_schema`, or for all its methods
with a `problem_statuses` attribute; `path_always_found = True` says a path parameter never answers 404.
Every 4xx the schema lists, from either source, refers to `Problem`, and so does the 503 every operation
may answer while the database is out of reach.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from config.api.errors import TITLES


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="出错的输入项（嵌套时以点分隔，如 agent.id_number；无对应项时为 non_field_errors）"
    )
    code = serializers.CharField(help_text="稳定的错误代码，如 id_number_checksum")
    message = serializers.CharField(help_text="给用户看的中文说明")


class ProblemSerializer(serializers.Serializer):
    """Every 4xx/5xx answer of the API (RFC 7807 style)."""

    type = serializers.CharField(help_text="错误类型代码，如 validation_error、invalid_state、not_found")
    title = serializers.CharField(help_text="按状态码的中文标题，如 提交的数据有误")
    status = serializers.IntegerField(help_text="HTTP 状态码")
    detail = serializers.CharField(help_text="中文说明")
    instance = serializers.CharField(
        help_text="本次错误的编号（urn:uuid:…），同一编号写在服务器日志中，便于客服和运维查找"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # `errors` is also the name of Serializer's own property, so it cannot be a declared attribute.
        fields: dict[str, serializers.Field] = super().get_fields()
        fields["errors"] = ProblemErrorSerializer(many=True, required=False, help_text="逐项错误（数据校验失败时）")
        return fields


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    """`responses={..., **problems(409, 413)}`: these statuses answer with a Problem."""
    return {
        code: OpenApiResponse(response=ProblemSerializer, description=TITLES.get(code, "请求失败")) for code in codes
    }


BODY_METHODS = {"POST", "PUT", "PATCH"}


class ProjectAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in sorted(self._implied_error_codes()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ProblemSerializer, description=TITLES.get(code, "请求失败")),
                    str(code),
                    direction=direction,
                )
        return dict(sorted(responses.items()))

    def _implied_error_codes(self) -> set[int]:
        codes: set[int] = {503}  # any operation, while the database is out of reach (with Retry-After)
        checks = [type(permission) for permission in self.view.get_permissions()]
        if any(check is not permissions.AllowAny for check in checks):
            codes.add(401)
        if any(check not in (permissions.AllowAny, permissions.IsAuthenticated) for check in checks):
            codes.add(403)
        if "{" in self.path and not getattr(self.view, "path_always_found", False):
            codes.add(404)
        if self.method == "GET" and getattr(self.view, "pagination_class", None) and hasattr(self.view, "paginator"):
            codes |= {400, 404}  # a page number below 1; a page number beyond the last page
        codes |= set(getattr(self.view, "problem_statuses", ()))
        if self.method in BODY_METHODS and self.get_request_serializer() is not None:
            codes |= {400, 415}
        if self._has_query_serializer():
            codes.add(400)
        if getattr(self.view, "throttle_scope", None) or self._has_own_throttle():
            codes.add(429)
        return codes

    def _has_query_serializer(self) -> bool:
        parameters = self.get_override_parameters()
        return any(isinstance(p, type) and issubclass(p, serializers.Serializer) for p in parameters) or any(
            isinstance(p, serializers.Serializer) for p in parameters
        )

    def _has_own_throttle(self) -> bool:
        from rest_framework.settings import api_settings

        return list(getattr(self.view, "throttle_classes", [])) != list(api_settings.DEFAULT_THROTTLE_CLASSES)
