"""The outbox to the medical-insurance information platform in the admin: what was sent, what failed
and why, and the resend action."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.identity import mask_id_number, mask_phone
from certification.models import (
    PlatformMessage,
    PlatformMessageStatus,
)
from certification.platform import messages
from certification.platform.outbox import platform_message_resend
from config.admin_paginator import FastListAdmin, fixed_values_filter
from config.admin_site import ReadOnlyAdminMixin
from config.auth import authenticated_user


def _masked_payload(data: object) -> object:
    """The message as officers see it: the ID number and the phone masked."""
    if isinstance(data, list):
        return [_masked_payload(item) for item in data]
    if isinstance(data, dict):
        masks = {"psn_no": mask_id_number, "tel": mask_phone}
        return {key: masks[key](str(value)) if key in masks and value else value for key, value in data.items()}
    return data


INFNOS = [
    (messages.REGISTER, f"{messages.REGISTER} 待遇登记"),
    (messages.CANCEL, f"{messages.CANCEL} 撤销登记"),
    (messages.POINTS_REGISTER, f"{messages.POINTS_REGISTER} 定点登记"),
    (messages.POINTS_CANCEL, f"{messages.POINTS_CANCEL} 撤销定点"),
]


@admin.register(PlatformMessage)
class PlatformMessageAdmin(FastListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox to the medical-insurance information platform: what was sent, what failed and why;
    a dead-lettered or refused message is sent again from here (same msgid)."""

    # Nothing of a message is edited; "change" is the right to resend (actions need it listed).
    list_actions_change = True

    list_display = ["created_at", "infno", "msgid", "certification", "status", "attempts", "next_attempt_at", "error"]
    list_filter = ["status", fixed_values_filter("infno", "交易编号", INFNOS), "created_at"]
    search_fields = ["=msgid", "=certification__code"]
    list_select_related = ["certification"]
    actions = ["resend"]
    readonly_fields = (
        "msgid",
        "infno",
        "certification",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "payload",
        "reply",
        "created_at",
    )
    fields = readonly_fields

    def search_fields_for(self, term: str) -> list[str]:
        # A message id has 30 characters (outbox.msgid_new); a verification code 20, or 24 in groups.
        return ["=msgid"] if len(term) > 24 else ["=certification__code"]

    @admin.display(description="最近错误")
    def error(self, obj: PlatformMessage) -> str:
        return obj.last_error[:60]

    @admin.display(description="报文内容（input.data，身份证号和手机号已脱敏）")
    def payload(self, obj: PlatformMessage) -> str:
        return json.dumps(_masked_payload(obj.data), ensure_ascii=False, indent=2)

    @admin.display(description="平台返回（output）")
    def reply(self, obj: PlatformMessage) -> str:
        return json.dumps(obj.output, ensure_ascii=False, indent=2) if obj.output is not None else "—"

    @admin.action(description="重新发送（发送失败或被拒绝的报文）", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[PlatformMessage]) -> None:
        officer = authenticated_user(request)
        chosen = queryset.filter(status__in=[PlatformMessageStatus.DEAD, PlatformMessageStatus.REFUSED])
        count = 0
        for message in chosen:
            platform_message_resend(message=message, officer=officer)
            count += 1
        self.message_user(request, f"已重新排队发送{count}条报文（其余报文不在失败状态，未处理）。")
