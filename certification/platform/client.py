"""How a message reaches the platform. `NATIONAL_PLATFORM_URL` set: an HTTP POST of the JSON envelope,
signed (`X-Signature`: HMAC-SHA256 of the body with `NATIONAL_PLATFORM_SECRET`), with a timeout; unset
(the embedded default): the simulator, which accepts every message, so the demo flow ends `registered`
with nothing external. The reply is success (`infcode` 0), a refusal (`infcode` -1: final, unless its
`err_msg` says the platform is only busy) or anything else, which is retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    ok: bool
    output: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    retryable: bool = False


class PlatformClient(Protocol):
    def send(self, body: dict[str, Any]) -> Reply: ...


def signature(raw: bytes) -> str:
    return hmac.new(settings.NATIONAL_PLATFORM_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def reply_from(answer: object) -> Reply:
    """Read the platform's JSON answer."""
    if not isinstance(answer, dict) or "infcode" not in answer:
        return Reply(ok=False, error="平台返回格式无法识别", retryable=True)
    code, message = answer.get("infcode"), str(answer.get("err_msg") or "")
    if code in (0, "0"):
        output = answer.get("output")
        return Reply(ok=True, output=output if isinstance(output, dict) else {"data": output})
    if code in (-1, "-1"):
        transient = any(marker in message for marker in settings.PLATFORM_TRANSIENT_MARKERS)
        return Reply(ok=False, error=message or "平台拒绝，未说明原因", retryable=transient)
    return Reply(ok=False, error=f"infcode={code} {message}".strip(), retryable=True)


class HttpPlatformClient:
    def __init__(self, url: str) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("NATIONAL_PLATFORM_URL must be an http(s) URL")
        self.url = url

    def send(self, body: dict[str, Any]) -> Reply:
        raw = json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=raw, method="POST")  # noqa: S310 (scheme checked above)
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("X-App-Id", settings.NATIONAL_PLATFORM_APP_ID)
        request.add_header("X-Signature", signature(raw))
        try:
            with urllib.request.urlopen(request, timeout=settings.NATIONAL_PLATFORM_TIMEOUT) as response:  # noqa: S310 (as above)
                text = response.read()
        except urllib.error.HTTPError as error:
            return Reply(ok=False, error=f"HTTP {error.code}", retryable=True)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Reply(ok=False, error=f"连接失败：{type(reason).__name__}", retryable=True)
        try:
            return reply_from(json.loads(text))
        except ValueError:
            return Reply(ok=False, error="平台返回的不是 JSON", retryable=True)


class SimulatorClient:
    """The embedded default: answers as the platform would when everything goes well. A registration
    gets a number; a query (5301) lists what this system registered and did not cancel."""

    def send(self, body: dict[str, Any]) -> Reply:
        infno, msgid, data = body["infno"], body["msgid"], body["input"]["data"]
        if infno == "2503":
            return Reply(ok=True, output={"trt_dcla_detl_sn": f"SIM{msgid[-16:]}"})
        if infno == "5301":
            return Reply(ok=True, output={"data": simulated_registrations(psn_no=data["psn_no"])})
        return Reply(ok=True, output={})


def simulated_registrations(*, psn_no: str) -> list[dict[str, Any]]:
    from certification.models import PlatformMessage, PlatformMessageStatus
    from config.crypto import blind_index

    sent = PlatformMessage.objects.filter(person_key=blind_index(psn_no), status=PlatformMessageStatus.SENT)
    cancelled = {m.data.get("trt_dcla_detl_sn") for m in sent.filter(infno="2504")}
    registered = []
    for message in sent.filter(infno="2503").order_by("created_at"):
        number = (message.output or {}).get("trt_dcla_detl_sn")
        if number and number not in cancelled:
            data = message.data
            registered.append(
                {
                    "opsp_dise_code": data["opsp_dise_code"],
                    "begndate": data["begndate"],
                    "enddate": data["enddate"],
                    "trt_dcla_detl_sn": number,
                }
            )
    return registered


def platform_client() -> PlatformClient:
    url = settings.NATIONAL_PLATFORM_URL
    return HttpPlatformClient(url) if url else SimulatorClient()
