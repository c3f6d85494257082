"""The message catalogue: for every kind of notification its title, in-app body and SMS text.

Texts are `str.format` templates filled from the parameters the caller gives. The in-app body is
read only by the person signed in and may name the disease; the SMS text (also used for e-mail)
travels through gateways and mailboxes others may see, so it never names a disease, a diagnosis or
a reason: it says that there is news and where to look. `tests/notifications/test_catalogue.py`
walks the whole catalogue to hold that.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from notifications.models import NotificationKind

SMS_PREFIX = "【医保慢特病】"
DATE = "%Y年%m月%d日"


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    sms: str

    def params(self) -> set[str]:
        """The parameter names the three templates use."""
        names: set[str] = set()
        for template in (self.title, self.body, self.sms):
            names |= {field.split(".")[0] for _, field, _, _ in string.Formatter().parse(template) if field}
        return names


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    short_text: str


K = NotificationKind
CATALOGUE: dict[NotificationKind, Message] = {
    # --- applicants and holders
    K.NEEDS_SUPPLEMENT: Message(
        title="申请{reference}需要补正材料",
        body="您的申请需补正以下{count}项，请一次性补齐后重新提交：\n{lines}",
        sms="您的申请{reference}需补正材料，请登录查看并补正后重新提交。",
    ),
    K.ACCEPTED: Message(
        title="申请{reference}已受理",
        body="您的申请已受理，医学专家将在{working_days}个工作日内完成评审，预计{deadline:" + DATE + "}前作出结论。",
        sms="您的申请{reference}已受理，请登录查看评审进度。",
    ),
    K.SUPPLEMENT_REQUESTED: Message(
        title="申请{reference}需要补充材料",
        body="评审专家要求补充以下材料，补齐后请重新提交（等待期间不计入评审时限）：\n{lines}",
        sms="您的申请{reference}需补充材料，请登录查看。",
    ),
    K.APPROVED: Message(
        title="申请{reference}评审通过",
        body="您的申请已通过专家评审，将在医保局网站公示，公示期满无异议后待遇生效。",
        sms="您的申请{reference}已通过评审，请登录查看。",
    ),
    K.REJECTED: Message(
        title="申请{reference}未通过评审",
        body="未通过原因：{reason}。如有异议，可提交新的材料申诉一次。",
        sms="您的申请{reference}评审结果已出，请登录查看。",
    ),
    K.ANNOUNCED: Message(
        title="申请{reference}进入公示",
        body=(
            "您的认定结果自{starts_on:" + DATE + "}起在医保局网站公示，至{ends_on:" + DATE + "}止。"
            "公示信息已脱敏（姓名、身份证号码部分隐藏）。公示期满无异议后待遇生效。"
        ),
        sms="您的申请{reference}已进入公示，请登录查看。",
    ),
    K.OBJECTION_UPHELD: Message(
        title="申请{reference}公示期间收到异议，重新评审",
        body="经核实，公示期间的异议成立，您的申请将重新进行专家评审。处理意见：{resolution}",
        sms="您的申请{reference}需重新评审，请登录查看。",
    ),
    K.EFFECTIVE: Message(
        title="申请{reference}待遇已生效",
        body=(
            "公示期满，您的待遇自{benefit_start_date:" + DATE + "}起享受，电子凭证核验码{code}，请在“我的凭证”中下载。"
        ),
        sms="您的申请{reference}待遇已生效，请登录下载电子凭证。",
    ),
    K.ANNUAL_REVIEW_REMINDER: Message(
        title="年度资格复核提醒",
        body=(
            "您的{disease}门诊慢特病待遇应于{due:" + DATE + "}（{when}）前完成年度资格复核，"
            "逾期{grace_days}天未复核待遇将暂停。请在“我的凭证”中办理。"
        ),
        sms="您的待遇资格即将到期复核，请登录办理年度复核。",
    ),
    K.ANNUAL_REVIEW_PASSED: Message(
        title="年度资格复核通过",
        body="您的{disease}待遇资格复核通过，下次复核日期为{next_review_due:" + DATE + "}。",
        sms="您的年度资格复核已通过，请登录查看。",
    ),
    K.CERTIFICATION_LAPSED: Message(
        title="门诊慢特病待遇已暂停",
        body=(
            "您的{disease}待遇应于{due:" + DATE + "}前完成年度复核，已超过{grace_days}天宽限期，"
            "待遇自{on:" + DATE + "}起暂停。如仍需享受待遇，请重新提交认定申请。"
        ),
        sms="您的待遇因未完成年度复核已暂停，请登录查看。",
    ),
    K.CERTIFICATION_REVOKED: Message(
        title="门诊慢特病待遇认定已撤销",
        body="您的{disease}待遇认定已被撤销。原因：{reason}",
        sms="您的待遇认定状态有变更，请登录查看。",
    ),
    K.CERTIFICATION_SUSPENDED: Message(
        title="门诊慢特病待遇暂停",
        body="您的{disease}待遇因参保状态为“{insured_status}”暂停，恢复正常参保后自动恢复。",
        sms="您的待遇认定状态有变更，请登录查看。",
    ),
    K.CERTIFICATION_RESTORED: Message(
        title="门诊慢特病待遇已恢复",
        body="您已恢复正常参保，{disease}待遇自{on:" + DATE + "}起恢复。",
        sms="您的待遇认定状态有变更，请登录查看。",
    ),
    K.CERTIFICATION_ENDED: Message(
        title="门诊慢特病待遇已终止",
        body="您的{disease}待遇已于{on:" + DATE + "}终止。原因：{reason}",
        sms="您的待遇认定状态有变更，请登录查看。",
    ),
    K.DESIGNATED_POINTS_CHANGED: Message(
        title="定点医疗机构已变更",
        body="自{on:" + DATE + "}起，您的{disease}定点医疗机构为：{points}。",
        sms="您的定点医疗机构已变更，请登录查看。",
    ),
    K.REMOTE_FILING_DECIDED: Message(
        title="异地备案{outcome}",
        body="您的{filing_type}备案（{place}）{status}。{reason}",
        sms="您的异地备案已有结果，请登录查看。",
    ),
    K.DRAFT_EXPIRING: Message(
        title="申请草稿{reference}即将删除",
        body=(
            "您的申请草稿{reference}已较长时间未修改。按个人信息保存期限的规定，它将于{delete_on:" + DATE + "}"
            "连同已上传的材料一并删除。如需继续申请，请在此之前登录补充或提交。"
        ),
        sms="您的申请草稿{reference}长期未修改，即将删除，如需继续申请请登录处理。",
    ),
    # --- experts
    K.ASSIGNED: Message(
        title="新分派评审案件{reference}",
        body="请于{deadline:" + DATE + "}前提交评审意见。",
        sms="您有新的评审案件{reference}，请登录后台查看。",
    ),
    K.ESCALATION_ASSIGNED: Message(
        title="意见分歧复核：{reference}",
        body="评审组意见不一致，请复核并作出结论。",
        sms="您有新的复核案件{reference}，请登录后台查看。",
    ),
    K.SLA_REMINDER: Message(
        title="评审案件{reference}即将到期",
        body="距评审截止日{deadline:" + DATE + "}还剩{days_left}个工作日，请尽快提交意见。",
        sms="评审案件{reference}即将到期，请登录后台处理。",
    ),
    K.SLA_OVERDUE: Message(
        title="评审案件{reference}已超期",
        body="该案件已超过评审时限，请立即提交意见。",
        sms="评审案件{reference}已超期，请立即处理。",
    ),
    K.OFFICER_REMINDER: Message(
        title="经办人员催办{count}件评审案件",
        body="{message}\n\n催办的案件：\n{lines}",
        sms="经办人员催办您的评审案件，请尽快登录后台提交评审意见。",
    ),
    # --- officers
    K.UNASSIGNED: Message(
        title="申请{reference}缺少可分派的评审专家",
        body="第{round}轮需要{size}名专家，仅分派{assigned}名，请在后台改派。",
        sms="申请{reference}缺少可分派的评审专家，请登录后台处理。",
    ),
    K.SPLIT: Message(
        title="申请{reference}专家意见分歧，待裁决",
        body="评审组意见不一致且无其他专家可复核，请经办人员裁决或增派专家。",
        sms="申请{reference}专家意见分歧，请登录后台处理。",
    ),
    K.SLA_OVERDUE_OFFICERS: Message(
        title="评审案件{reference}已超期",
        body="评审截止日为{deadline:" + DATE + "}，尚有{pending}名专家未提交意见。",
        sms="评审案件{reference}已超期，请登录后台处理。",
    ),
    K.OBJECTION: Message(
        title="公示条目收到异议（{batch}）",
        body="有公众对公示名单提出异议，请在后台处理。",
        sms="公示条目收到异议，请登录后台处理。",
    ),
    K.REMOTE_FILING: Message(
        title="新的异地长期居住备案待审核",
        body="请于{decide_by:" + DATE + "}前办结。",
        sms="新的异地长期居住备案待审核，请登录后台处理。",
    ),
    K.REMOTE_FILING_OVERDUE: Message(
        title="异地备案审核已超期",
        body="备案（{place}）应于{decide_by:" + DATE + "}前办结。",
        sms="异地备案审核已超期，请登录后台处理。",
    ),
    K.CHECK_STUCK: Message(
        title="申请{reference}完整性检查多次未完成",
        body="系统已{attempts}次排队检查该申请仍未完成，已停止自动重试。请排查后在后台“重新进行完整性检查”。",
        sms="申请{reference}完整性检查多次未完成，请登录后台处理。",
    ),
    K.PLATFORM_FAILED: Message(
        title="医保信息平台报文{infno}{what}",
        body="报文{msgid}（交易{infno}）{what}：{error}。请在后台“医保平台报文”中核实后重新发送。",
        sms="医保信息平台报文发送失败，请登录后台处理。",
    ),
    K.PLATFORM_MISMATCH: Message(
        title="医保信息平台登记核对发现{count}处不一致",
        body="{on:" + DATE + "}核对：{lines}\n请在后台核实，必要时重新发送报文。",
        sms="医保信息平台登记核对发现不一致，请登录后台处理。",
    ),
    K.REGISTRY_AFFECTED: Message(
        title="参保状态变更影响{count}项待遇",
        body="本次参保登记更新后，以下待遇认定状态已随之变更：\n{lines}",
        sms="参保状态变更影响部分待遇，请登录后台查看。",
    ),
}


def message_render(*, kind: NotificationKind | str, params: Mapping[str, object]) -> Rendered:
    """The texts of `kind` filled with `params` (KeyError if the catalogue has no such kind or a
    parameter is missing: a programming error, caught by the tests)."""
    message = CATALOGUE[NotificationKind(kind)]
    return Rendered(
        title=message.title.format(**params),
        body=message.body.format(**params),
        short_text=SMS_PREFIX + message.sms.format(**params),
    )
