"""The twin's certificate PDF: one A5-landscape page of text lines and a QR code of the verify address,
drawn with reportlab and its built-in Chinese CID font (nothing embedded, not signed)."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from .models import TwinCertificate

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
QR = 34 * mm


def certificate_pdf(cert: TwinCertificate) -> bytes:
    width, height = landscape(A5)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"门诊慢特病待遇认定凭证 {cert.code}")
    c.roundRect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm, 4 * mm)
    c.setFont(FONT, 18)
    c.drawCentredString(width / 2, height - 22 * mm, "门诊慢特病待遇认定凭证")
    rows = [
        ("持证人", cert.holder_name),
        ("认定病种", cert.disease_name),
        ("状态", cert.status),
        ("认定生效日期", f"{cert.valid_from:%Y年%m月%d日}"),
        ("有效期至", f"{cert.valid_until:%Y年%m月%d日}" if cert.valid_until else "—"),
        ("报销比例", "80%"),
        ("年度支付限额", "5,000 元"),
        ("核验码", cert.code),
    ]
    y = height - 40 * mm
    for label, value in rows:
        c.setFont(FONT, 10)
        c.drawString(18 * mm, y, label)
        c.setFont(FONT, 11)
        c.drawString(50 * mm, y, value)
        y -= 6.6 * mm
    url = f"https://example.invalid/verify/{cert.code}/"
    drawing = Drawing(QR, QR)
    drawing.add(QrCodeWidget(url, barLevel="M", barWidth=QR, barHeight=QR, barBorder=4))
    x, y = width - 16 * mm - QR, height - 36 * mm - QR
    renderPDF.draw(drawing, c, x, y)
    c.linkURL(url, (x, y, x + QR, y + QR), relative=0)
    c.showPage()
    c.save()
    return out.getvalue()
