"""One error format for every 4xx/5xx answer of the API (RFC 7807 style).

    {"type": "validation_error", "title": "提交的数据有误", "status": 400, "detail": "…",
     "instance": "urn:uuid:…", "errors": [{"field": "id_number", "code": "id_number_checksum", "message": "…"}]}

`field` names the input that is wrong (dotted for nested input, `non_field_errors` when none).
`instance` identifies this one answer: the same id is in the server's log line for it, so a person
who reads it out to the help desk can be found in the logs (the log line carries no input values).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.api.unavailable import RETRY_AFTER_SECONDS, database_unavailable
from config.domain import DomainError
from config.observability import request_id

logger = logging.getLogger(__name__)

TITLES = {
    400: "提交的数据有误",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "未找到",
    405: "不支持的请求方法",
    406: "无法提供所需格式",
    409: "当前状态不允许此操作",
    413: "上传的文件过大",
    415: "不支持的数据格式",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂时不可用",
}


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = key if field is None else f"{field}.{key}"
            if key in ("non_field_errors", "__all__") and field is None:
                name = "non_field_errors"
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                out.extend(_flatten(item, f"{field}.{index}" if field else str(index)))
            else:
                out.extend(_flatten(item, field))
        return out
    code = str(getattr(detail, "code", None) or "invalid")
    message = CHINESE_BY_CODE.get(code, str(detail))
    return [{"field": encodable(field or "non_field_errors"), "code": code, "message": encodable(message)}]


def encodable(text: str) -> str:
    """`text` as it can be sent: a character UTF-8 cannot encode (a lone surrogate) becomes U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)


# Messages whose Chinese translation is missing or wrong in Django/DRF/simplejwt, by error code.
CHINESE_BY_CODE = {
    "null_characters_not_allowed": "不能包含空字符。",
    "surrogate_characters_not_allowed": "不能包含无效的字符。",
    # DRF's own texts echo the input ('"x" is not a valid choice.'): never send input back.
    "invalid_choice": "不是有效的选项，请从允许的值中选择。",
    "token_not_valid": "登录凭证无效或已过期，请重新登录。",
    "no_active_account": "用户名或密码错误。",
    "password_too_short": "密码太短，至少需要8个字符。",
    "password_too_common": "密码太常见，请换一个更安全的密码。",
    "password_entirely_numeric": "密码不能全部是数字。",
    "password_too_similar": "密码与用户名或姓名太相似。",
}
PARSE_ERROR_DETAIL = "请求内容格式无效，无法解析（请检查JSON或上传表单的格式）。"
# The same for an unknown path and for a row the caller may not see: existence is not revealed.
NOT_FOUND_DETAIL = "未找到该资源，或您无权访问。"


def problem(
    status_code: int,
    *,
    type_: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    path: str = "",
    level: int | None = None,
) -> dict[str, Any]:
    """The body of an error answer, with a fresh `instance` id that is logged with the status and type."""
    instance = f"urn:uuid:{request_id()}"  # the same id as the request's log line and X-Request-ID
    if level is None:
        level = logging.ERROR if status_code >= 500 else logging.INFO
    logger.log(level, "problem %s status=%s type=%s path=%s", instance, status_code, type_, path)
    body: dict[str, Any] = {
        "type": type_,
        "title": TITLES.get(status_code, "请求失败"),
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return body


def _path(context: dict[str, Any]) -> str:
    request = context.get("request")
    return getattr(request, "path", "") if request is not None else ""


def too_large_detail(exc: Exception) -> str:
    if isinstance(exc, TooManyFilesSent):
        return f"一次请求最多上传{settings.DATA_UPLOAD_MAX_NUMBER_FILES}个文件，请分开上传。"
    if isinstance(exc, TooManyFieldsSent):
        return "请求中的字段过多。"
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return f"请求内容超过{limit_mb}MB的大小限制，请精简后重试（文件请用上传接口提交）。"


TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TOO_LARGE) and not isinstance(exc, DomainError):  # an upload over its limit is a 413
        # A client's mistake, not the server's: a warning without a traceback.
        body = problem(
            400, type_="request_too_large", detail=too_large_detail(exc), path=_path(context), level=logging.WARNING
        )
        return Response(body, status=400)
    if isinstance(exc, DomainError):
        return Response(
            problem(exc.status_code, type_=exc.code, detail=exc.message, errors=exc.errors, path=_path(context)),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_DETAIL)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ParseError):
        # The parser's own text is English and may echo the input; say it plainly in Chinese.
        exc = exceptions.ParseError(PARSE_ERROR_DETAIL)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's handler500 answers (JSON for the API, no trace)

    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = "；".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        body = problem(
            response.status_code, type_="validation_error", detail=detail, errors=errors, path=_path(context)
        )
    else:
        # simplejwt raises {"detail": …, "code": …, "messages": […]}: keep the sentence, not the repr.
        raw = exc.detail.get("detail", exc.default_detail) if isinstance(exc.detail, dict) else exc.detail
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else (codes.get("code") if isinstance(codes, dict) else None)
        type_ = str(code or exc.default_code)
        body = problem(
            response.status_code, type_=type_, detail=CHINESE_BY_CODE.get(type_, str(raw)), path=_path(context)
        )
    response.data = body
    return response


UTF8 = {"ensure_ascii": False}

# Django-level errors: the problem format under /api/, Django's plain pages elsewhere (admin, 公示).


def json_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    body = problem(404, type_="not_found", detail=NOT_FOUND_DETAIL, path=request.path)
    return JsonResponse(body, status=404, json_dumps_params=UTF8)


def json_500(request: HttpRequest) -> HttpResponse:
    if database_unavailable():
        return _unavailable(request)
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    body = problem(500, type_="server_error", detail="服务器暂时无法处理请求，请稍后再试。", path=request.path)
    return JsonResponse(body, status=500, json_dumps_params=UTF8)


def _unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the database is out of reach, nothing the caller did is wrong."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = problem(503, type_="service_unavailable", detail="服务暂时不可用，请稍后再试。", path=request.path)
        response = JsonResponse(body, status=503, json_dumps_params=UTF8)
    else:
        response = HttpResponse(
            "<!doctype html><meta charset='utf-8'><title>服务暂时不可用</title><p>服务暂时不可用，请稍后再试。</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def json_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception or Exception("bad request"))
    if isinstance(exception, TOO_LARGE):
        body = problem(400, type_="request_too_large", detail=too_large_detail(exception), path=request.path)
        return JsonResponse(body, status=400, json_dumps_params=UTF8)
    body = problem(400, type_="bad_request", detail="请求无效。", path=request.path)
    return JsonResponse(body, status=400, json_dumps_params=UTF8)


__all__ = ["exception_handler", "json_400", "json_404", "json_500", "problem", "status"]
