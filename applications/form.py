"""The application form (申请表) without a scanner: generated as a PDF from what the person entered,
then confirmed online instead of printed, signed by hand and scanned.

`application_form_fields` is the form's content, label by label; its digest (`application_form_digest`)
is stored with a confirmation, so a confirmed form stops counting as soon as the data it showed changes
(a designated point added, another doctor). `application_form_render` draws the A4 page through the
bureau's template layer (config/pdf): unsigned, and the same bytes for the same data, so the hash the
applicant confirms is the hash of what they saw. The confirmation itself is a write
(applications/documents.py: `application_form_confirm`).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from accounts.identity import birth_date, sex_label
from applications.models import Application, ApplicationKind, Document, Hospital, InsuredPerson
from certification.rules import chinese_date
from config.pdf.layout import GREY, INK, Sheet, pdf_render

TITLE = "门诊慢特病待遇认定申请表"
COMMITMENT = "本人承诺所提供材料真实有效，如有虚假，愿承担相应的法律责任。"
FILE_NAME = "申请表（在线确认）.pdf"
KIND_TITLES = {
    ApplicationKind.NEW: "新申请",
    ApplicationKind.CHANGE: "变更申请",
    ApplicationKind.ANNUAL_REVIEW: "年度资格复核",
}


def application_form_fields(*, application: Application) -> list[tuple[str, str]]:
    """The form's label/value lines, top to bottom: who applies, for what, diagnosed where, where the
    benefit will be used, and who files it for them."""
    applicant = application.applicant
    id_number = applicant.id_number or ""
    person = InsuredPerson.objects.filter(id_number=id_number).first()
    hospitals = {h.code: h for h in Hospital.objects.filter(code__in=application.designated_points or [])}
    points = [hospitals[code].name for code in application.designated_points or [] if code in hospitals]
    doctor = " ".join(part for part in (application.diagnosing_doctor_name, application.diagnosing_doctor_code) if part)
    disease = application.disease
    born = birth_date(id_number)
    rows = [
        ("受理编号", application.reference),
        ("申请类型", KIND_TITLES.get(ApplicationKind(application.kind), application.get_kind_display())),
        ("申请人姓名", applicant.name),
        ("身份证号码", id_number),
        ("性别", sex_label(id_number)),
        ("出生日期", chinese_date(born) if born.year > 1 else ""),
        ("联系电话", applicant.phone or ""),
        ("参保类型", person.get_insurance_type_display() if person else "未查询到参保登记"),
        ("参保地区划", person.region_code if person else ""),
        ("申请病种", f"{disease.name}（{disease.code}）"),
        ("确诊日期", chinese_date(application.diagnosis_date)),
        ("确诊医院", application.diagnosing_hospital.name),
        ("诊断医师", doctor),
        ("选择的定点医疗机构", "、".join(points)),
    ]
    if application.has_agent:
        rows += [
            ("代办人姓名", application.agent_name),
            ("代办人身份证号码", application.agent_id_number),
            ("代办人联系电话", application.agent_phone),
        ]
    return rows


def application_form_digest(*, application: Application) -> str:
    """SHA-256 of the form's content (not of the PDF): what a confirmation stays valid for."""
    content = json.dumps(application_form_fields(application=application), ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def application_form_current(*, application: Application, document: Document) -> bool:
    """Whether `document` is an online confirmation of the form as the application reads now."""
    return bool(document.form_digest) and document.form_digest == application_form_digest(application=application)


def application_form_state(*, application: Application) -> dict[str, object]:
    """Where the form stands: its confirmation (the newest), whether that still matches the data, and
    whether it can count at all (not for a disease that requires the hospital's stamp)."""
    confirmed = max(
        (document for document in application.documents.all() if document.form_digest),
        key=lambda document: document.uploaded_at,
        default=None,
    )
    return {
        "commitment": COMMITMENT,
        "requires_stamp": application.disease.requires_stamped_form,
        "confirmed": confirmed is not None and application_form_current(application=application, document=confirmed),
        "confirmed_at": confirmed.uploaded_at if confirmed else None,
        "document": confirmed.pk if confirmed else None,
        "sha256": confirmed.sha256 if confirmed else None,
    }


def application_form_render(*, application: Application, for_signing: bool = False) -> bytes:
    """The form as an A4 PDF, dated the day the application was created; a disease whose catalogue entry
    requires the hospital's stamp gets the stamp box to take to the hospital's medical-insurance office.
    `for_signing`: printed at a desk for the person to sign on paper (a signature line instead of the
    note on the online confirmation)."""
    rows = application_form_fields(application=application)
    stamp = application.disease.requires_stamped_form

    def draw(sheet: Sheet) -> None:
        _draw(sheet, rows, stamp=stamp, for_signing=for_signing)

    return pdf_render(
        title=f"{TITLE} {application.reference}",
        page_size=A4,
        dated=timezone.localtime(application.created_at),
        draw=draw,
    )


def _draw(sheet: Sheet, rows: list[tuple[str, str]], *, stamp: bool, for_signing: bool) -> None:
    c, width, height, margin = sheet.canvas, sheet.width, sheet.height, sheet.margin
    sheet.text(width / 2, height - margin - 8 * mm, TITLE, 18, centre=True, colour=INK)
    sheet.text(width / 2, height - margin - 15 * mm, settings.BUREAU_NAME, 10, centre=True, colour=GREY)
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    top = height - margin - 19 * mm
    c.line(margin, top, width - margin, top)

    value_x = margin + 42 * mm
    y = sheet.rows(rows, x=margin, value_x=value_x, y=top - 9 * mm, size=11, max_width=width - margin - value_x)

    y = sheet.room(y - 4 * mm, 30 * mm)
    sheet.text(margin, y, "申请人承诺", 11, colour=INK)
    y = sheet.paragraph(margin, y - 7 * mm, COMMITMENT, 11, width=width - 2 * margin)
    if for_signing:
        y = sheet.room(y - 10 * mm, 12 * mm)
        sheet.text(margin, y, "申请人（或其委托的代办人）签字：", 11, colour=INK)
        c.line(margin + 62 * mm, y - 1 * mm, margin + 112 * mm, y - 1 * mm)
        sheet.text(width - margin, y, "日期：      年    月    日", 11, right=True)
    else:
        y = sheet.paragraph(
            margin,
            y - 2 * mm,
            "本表由申请人在线核对并确认，确认时间、确认账户和本表摘要由系统记录。",
            9,
            width=width - 2 * margin,
        )
    if stamp:
        y = sheet.room(y - 6 * mm, 45 * mm)
        sheet.text(margin, y, "医疗机构医保办意见（盖章）", 11, colour=INK)
        box_top = y - 4 * mm
        c.rect(margin, box_top - 35 * mm, width - 2 * margin, 35 * mm)
        sheet.text(width - margin - 5 * mm, box_top - 31 * mm, "年    月    日", 10, right=True)
