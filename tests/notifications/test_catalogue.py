"""The message catalogue, walked whole: every kind has its texts, every text is Chinese, and no SMS (nor
the e-mail, which carries the same text) names a disease, a diagnosis or a reason."""

import datetime as dt
import json
import re
import string
from pathlib import Path

import pytest

from notifications.catalogue import CATALOGUE, SMS_PREFIX, message_render
from notifications.models import Notification, NotificationKind

DISEASES = [d["name"] for d in json.loads(Path("applications/data/diseases.json").read_text())["diseases"]]
# What an SMS may carry: the case's reference number, nothing about the person's health.
SMS_PARAMS = {"reference"}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
SAMPLE = {
    "reference": "MT2026120299999999",
    "disease": "艾滋病",
    "reason": "病理报告显示为恶性肿瘤晚期",
    "resolution": "经核实，申请人不符合精神障碍认定条件",
    "lines": "1. 缺少“病理报告”。",
    "when": "7天后",
    "outcome": "已办结",
    "filing_type": "异地长期居住",
    "status": "已备案",
    "place": "兰州市城关区",
    "batch": "酒泉市 2026-12-02 公示",
    "code": "ABCD-EFGH-IJKL-MNOP-QRST",
}


def sample_params(kind: NotificationKind) -> dict[str, object]:
    params: dict[str, object] = {}
    for name in CATALOGUE[kind].params():
        params[name] = SAMPLE.get(name, dt.date(2026, 12, 31) if name in DATES else 7)
    return params


DATES = {
    "deadline",
    "starts_on",
    "ends_on",
    "benefit_start_date",
    "due",
    "next_review_due",
    "on",
    "decide_by",
    "delete_on",
}


def test_every_kind_has_its_texts_and_the_catalogue_nothing_else():
    assert set(CATALOGUE) == set(NotificationKind)


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_the_sms_carries_nothing_about_health(kind):
    message = CATALOGUE[kind]
    used = {field for _, field, _, _ in string.Formatter().parse(message.sms) if field}
    assert used <= SMS_PARAMS, f"{kind}: the SMS may carry only {SMS_PARAMS}, not {used - SMS_PARAMS}"
    sms = message_render(kind=kind, params=sample_params(kind)).short_text
    for secret in (*DISEASES, SAMPLE["disease"], SAMPLE["reason"], SAMPLE["resolution"], "病理", "诊断"):
        assert secret not in sms, f"{kind}: the SMS names {secret!r}"


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_text_is_chinese(kind):
    texts = message_render(kind=kind, params=sample_params(kind))
    for text in (texts.title, texts.body, texts.short_text):
        assert CJK.search(text), f"{kind}: {text!r}"
        readable = text.replace(str(SAMPLE["reference"]), "").replace(str(SAMPLE["code"]), "")
        assert not LATIN_WORD.search(readable), f"{kind}: English in {text!r}"
    assert texts.short_text.startswith(SMS_PREFIX)


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_the_texts_fit_their_columns(kind):
    texts = message_render(kind=kind, params=sample_params(kind))
    assert len(texts.title) <= Notification._meta.get_field("title").max_length
    assert len(texts.short_text) <= Notification._meta.get_field("short_text").max_length


def test_a_missing_parameter_is_a_programming_error_not_a_silent_gap():
    with pytest.raises(KeyError):
        message_render(kind=NotificationKind.ACCEPTED, params={"reference": "MT1"})
