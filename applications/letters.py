"""The decision letter (决定书) of a decided case, as the applicant downloads and prints it: who applied
for what, what the bureau decided and when, why (a rejection's reasons as the experts or the officer
gave them), what follows, and the routes of redress with their time limits. Signed by the bureau like
the certificate (config/pdf), so a copy shown elsewhere can be checked.

Redress, in the order a person uses them: the one appeal (申诉) in this system within
`APPEAL_WINDOW_DAYS` of a rejection (applications/workflow.py: `appeal_deadline`); administrative
reconsideration (行政复议法 art. 20: 60 days from knowing of the decision) before
`ADMINISTRATIVE_REVIEW_BODY`; an administrative lawsuit (行政诉讼法 art. 46: 6 months).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from accounts.identity import mask_id_number
from applications.models import Application, ApplicationEvent, ApplicationKind, ApplicationStatus
from applications.workflow import appeal_deadline, application_decision
from certification.models import Certification
from certification.rules import chinese_date
from config.domain import InvalidState
from config.pdf.layout import INK, Sheet, pdf_render

TITLES = {
    ApplicationKind.NEW: "门诊慢特病待遇认定决定书",
    ApplicationKind.CHANGE: "门诊慢特病待遇变更认定决定书",
    ApplicationKind.ANNUAL_REVIEW: "门诊慢特病待遇年度资格复核决定书",
}


def decision_letter_paragraphs(*, application: Application, decision: ApplicationEvent) -> list[str]:
    """The letter's text, paragraph by paragraph, after the addressee line."""
    decided_on = chinese_date(timezone.localdate(decision.at))
    submitted = chinese_date(timezone.localdate(application.submitted_at or application.created_at))
    disease = f"{application.disease.name}（{application.disease.code}）"
    what = "年度资格复核" if application.kind == ApplicationKind.ANNUAL_REVIEW else "门诊慢特病待遇认定申请"
    paragraphs = [
        f"你于{submitted}提交的{what}（受理编号：{application.reference}，申请病种：{disease}），"
        f"本局依据基本医疗保险门诊慢特病管理规定，经材料审核和医疗专家评审，于{decided_on}作出如下决定："
    ]
    rejected = application.status == ApplicationStatus.REJECTED
    if rejected:
        verdict = "年度资格复核不予通过。" if application.kind == ApplicationKind.ANNUAL_REVIEW else "不予认定。"
        paragraphs.append(verdict)
        paragraphs.append(f"理由：{decision.reason or '未达到该病种的认定标准。'}")
    else:
        paragraphs.append(_approval_text(application))
    paragraphs.append(_redress_text(application, rejected=rejected))
    return paragraphs


def _approval_text(application: Application) -> str:
    if application.kind == ApplicationKind.ANNUAL_REVIEW:
        renewed = application.reviewed_certification
        until = f"，有效期至{chinese_date(renewed.valid_until)}" if renewed else ""
        return f"年度资格复核通过，继续享受门诊慢特病待遇{until}。"
    text = "予以认定。"
    certification: Certification | None = getattr(application, "certification", None)
    if application.status == ApplicationStatus.EFFECTIVE and certification is not None:
        text += (
            f"经公示无异议，认定自{chinese_date(certification.effective_on)}起生效，"
            f"待遇自{chinese_date(certification.benefit_start_date)}起享受，有效期至"
            f"{chinese_date(certification.valid_until)}；电子凭证核验码：{certification.code}。"
        )
    else:
        text += "认定结果将依规公示；公示期满无异议的，认定生效，本局发放电子凭证。"
    return text + "请在选定的定点医疗机构就医，每年按期办理资格复核。"


def _redress_text(application: Application, *, rejected: bool) -> str:
    text = "如对本决定不服，"
    last_day = appeal_deadline(application=application) if rejected else None
    if last_day is not None and application.appealed_at is None:
        text += (
            f"可于{chinese_date(last_day)}前（本决定作出之日起{settings.APPEAL_WINDOW_DAYS}日内）"
            "通过本系统申诉一次，可同时补充新的材料，由医疗专家重新评审；也"
        )
    text += (
        f"可自知道本决定之日起六十日内依法向{settings.ADMINISTRATIVE_REVIEW_BODY}申请行政复议，"
        "或者自知道本决定之日起六个月内依法向人民法院提起行政诉讼。"
    )
    return text


def decision_letter_render(*, application: Application) -> bytes:
    """The signed letter as an A4 PDF; refused (409) before the case is decided."""
    decision = application_decision(application=application)
    if decision is None:
        raise InvalidState("申请尚未作出认定决定，暂无决定书。", code="not_decided")
    title = TITLES[ApplicationKind(application.kind)]
    applicant = application.applicant
    addressee = f"{applicant.name}（身份证号码：{mask_id_number(applicant.id_number or '')}）："
    paragraphs = decision_letter_paragraphs(application=application, decision=decision)
    decided = timezone.localtime(decision.at)

    def draw(sheet: Sheet) -> None:
        width, height, margin = sheet.width, sheet.height, sheet.margin
        text_width = width - 2 * margin
        sheet.text(width / 2, height - margin - 10 * mm, title, 18, centre=True, colour=INK)
        sheet.text(width / 2, height - margin - 18 * mm, f"受理编号：{application.reference}", 10, centre=True)
        y = sheet.paragraph(margin, height - margin - 32 * mm, addressee, 12, width=text_width)
        for paragraph in paragraphs:
            y = sheet.paragraph(margin, y - 2 * mm, "\u3000\u3000" + paragraph, 12, width=text_width) - 1 * mm
        y = sheet.room(y - 14 * mm, 20 * mm)
        sheet.text(width - margin, y, settings.BUREAU_NAME, 12, right=True)
        sheet.text(width - margin, y - 8 * mm, chinese_date(decided.date()), 12, right=True)
        sheet.text(margin, margin - 8 * mm, "本决定书由本局电子签名，可在 PDF 阅读器的签名面板中核验。", 8)

    return pdf_render(
        title=f"{title} {application.reference}",
        page_size=A4,
        dated=decided,
        draw=draw,
        sign_reason=f"{title} {application.reference}",
    )
