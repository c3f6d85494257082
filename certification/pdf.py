"""The electronic certificate (电子凭证) as a one-page PDF: what the holder prints, shows or forwards.

What is printed, and why:
- the holder's FULL name: whoever checks the card (pharmacy, hospital desk) matches it against the
  person's ID card, and the holder downloads only their own certificate;
- the ID number MASKED (6209**********123X): a printed card travels (left at a counter, photographed,
  forwarded) and the full number is what identity fraud needs; region and last four are enough to
  match it against the ID card in hand;
- no diagnosis details, documents or phone: the disease type is all the benefit needs;
- the verification code and a QR code of the public verify URL: the card is checked online, so the
  current status (lapsed, revoked) is never taken from paper.

Drawn with the bureau's one template layer (config/pdf): embedded font, deterministic content for one
certification and one day, the bureau's signature appended with its own signing time.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from accounts.identity import mask_id_number
from certification.models import Certification
from certification.points import designated_points_current
from certification.rules import certification_is_valid, chinese_date
from config.pdf.layout import GREY, INK, LATIN_FONT, WARNING, Sheet, pdf_render

TITLE = "门诊慢特病待遇认定电子凭证"
CODE_FONT = "Courier-Bold"
PAGE_SIZE = landscape(A5)
QR_SIZE = 38 * mm


def certificate_verify_url(*, code: str) -> str:
    """The public verify page the QR code encodes: `{PUBLIC_BASE_URL}/verify/{code}/` (Chinese, for a phone)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("verify-page", kwargs={"code": code})


def certificate_qr(*, url: str, size: float = QR_SIZE) -> Drawing:
    """A QR code of `url`, `size` points square, quiet zone included; level M survives a smudged print."""
    widget = QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size, barBorder=4)
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def percent(ratio: Decimal) -> str:
    """Decimal("0.80") → "80%", Decimal("0.75") → "75%", Decimal("0.825") → "82.5%"."""
    return f"{(ratio * 100).normalize():f}%"


def yuan(amount: int) -> str:
    return f"{amount:,} 元"


def certificate_rows(*, certification: Certification) -> list[tuple[str, str]]:
    """The label/value lines of the card, top to bottom."""
    holder = certification.holder
    disease = certification.disease
    return [
        ("持证人", holder.name),
        ("身份证号", mask_id_number(holder.id_number or "")),
        ("参保类型", certification.get_insurance_type_display()),
        ("认定病种", f"{disease.name}（{disease.code}）"),
        ("待遇起始日期", chinese_date(certification.benefit_start_date)),
        ("认定生效日期", chinese_date(certification.effective_on)),
        ("有效期至", chinese_date(certification.valid_until)),
        ("下次复核日期", chinese_date(certification.next_review_due)),
        ("报销比例", percent(certification.reimbursement_ratio)),
        ("年度支付限额", yuan(certification.annual_limit)),
        ("定点医疗机构", "、".join(p.hospital.name for p in designated_points_current(certification)) or "—"),
    ]


def certificate_pdf_render(*, certification: Certification, sign: bool = True) -> bytes:
    """One A5-landscape page, card-like: title, holder, benefit, QR code and verification code; signed by
    the bureau (the signature carries its time: `sign=False` gives the bytes that stay the same)."""
    rows = certificate_rows(certification=certification)
    valid = certification_is_valid(certification=certification, on=timezone.localdate())

    def draw(sheet: Sheet) -> None:
        _draw(sheet, certification, rows, valid=valid)

    return pdf_render(
        title=f"{TITLE} {certification.code}",
        page_size=PAGE_SIZE,
        dated=timezone.localtime(certification.issued_at),
        draw=draw,
        sign_reason=f"{TITLE} {certification.code}" if sign else None,
    )


def _draw(sheet: Sheet, certification: Certification, rows: list[tuple[str, str]], *, valid: bool) -> None:
    c, width, height = sheet.canvas, sheet.width, sheet.height
    url = certificate_verify_url(code=certification.code)
    issued = timezone.localtime(certification.issued_at)

    # Card frame and header.
    margin = 8 * mm
    c.setStrokeColor(INK)
    c.setLineWidth(1.5)
    c.roundRect(margin, margin, width - 2 * margin, height - 2 * margin, 4 * mm)
    sheet.text(width / 2, height - 22 * mm, TITLE, 18, centre=True, colour=INK)
    sheet.text(width / 2, height - 29 * mm, f"发证机关：{settings.BUREAU_NAME}", 9.5, centre=True)
    c.setLineWidth(0.6)
    c.line(margin + 6 * mm, height - 32 * mm, width - margin - 6 * mm, height - 32 * mm)

    # Holder and benefit, label / value; a long disease name shrinks rather than runs into the QR code.
    qr_x, qr_y = width - margin - 8 * mm - QR_SIZE, height - 36 * mm - QR_SIZE
    label_x, value_x = margin + 10 * mm, margin + 42 * mm
    y = height - 40 * mm
    for label, value in rows:
        sheet.text(label_x, y, label, 10, colour=GREY)
        sheet.text(value_x, y, value, 11, max_width=qr_x - 6 * mm - value_x)
        y -= 6.6 * mm

    # QR code of the verify URL, clickable in a viewer (not in the pass that only learns the characters:
    # its thousands of modules were a quarter of the document's time).
    if not sheet.learning:
        renderPDF.draw(certificate_qr(url=url), c, qr_x, qr_y)
    c.linkURL(url, (qr_x, qr_y, qr_x + QR_SIZE, qr_y + QR_SIZE), relative=0)
    sheet.text(qr_x + QR_SIZE / 2, qr_y - 3 * mm, "扫码核验真伪", 9, centre=True)

    if not valid:
        # A downloaded copy of a lapsed or revoked certificate must not pass for a valid one.
        notice = f"本凭证已失效（{certification.get_status_display()}）"
        sheet.text(qr_x + QR_SIZE / 2, qr_y - 9 * mm, notice, 10, centre=True, colour=WARNING)

    # Verification code in large type, then the footer.
    code_y = margin + 19 * mm
    sheet.text(label_x, code_y + 1 * mm, "核验码", 10, colour=GREY)
    c.setFillColor(INK)
    c.setFont(CODE_FONT, 19)
    c.drawString(value_x, code_y, certification.code)
    c.setFillColor(colors.black)
    sheet.text(label_x, margin + 11 * mm, f"扫码或访问 {url} 核验真伪；凭证当前状态以在线核验结果为准。", 7.5)
    link_width = pdfmetrics.stringWidth(url, LATIN_FONT, 7.5)
    link_x = label_x + sheet.text_width("扫码或访问 ", 7.5)
    c.linkURL(url, (link_x, margin + 10 * mm, link_x + link_width, margin + 14 * mm), relative=0)
    sheet.text(label_x, margin + 5.5 * mm, f"发证时间：{issued:%Y-%m-%d %H:%M}", 7.5)
