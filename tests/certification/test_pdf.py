"""The certificate PDF: what pypdf can read back from it, and the QR code rebuilt from its drawing."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import qrcode
from django.conf import settings
from django.test import override_settings
from pypdf import PdfReader
from pypdf.generic import ContentStream

from certification.models import CertificationStatus
from certification.pdf import (
    QR_SIZE,
    TITLE,
    certificate_pdf_render,
    certificate_qr,
    certificate_verify_url,
    percent,
)
from tests.certification.test_api_certificates import (
    HOLDER_ID,
    at,
    issue_certificate,
    make_certification,
    make_holder,
)
from tests.factories import DiseaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(db):
    return make_holder()


@pytest.fixture
def certification(holder):
    return make_certification(holder)


def page_of(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader, reader.pages[0]


def text_of(pdf: bytes) -> str:
    """The page text with pypdf's line breaks between font runs (Latin/CJK) taken out."""
    return re.sub(r"\s*\n\s*", "", page_of(pdf)[1].extract_text())


def render(certification, day: dt.date = dt.date(2027, 3, 1)) -> bytes:
    with at(day):
        return certificate_pdf_render(certification=certification)


def test_one_a5_landscape_page_with_title_in_the_metadata(certification):
    reader, page = page_of(render(certification))
    assert reader.pdf_header.startswith("%PDF-")
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 420
    assert reader.metadata.title == f"{TITLE} {certification.code}"
    assert reader.metadata.author == settings.BUREAU_NAME == "酒泉市医疗保障局"


def test_card_shows_holder_benefit_and_code(certification):
    # pypdf maps STSong-Light (UniGB-UCS2-H) back to Unicode, so the Chinese text can be checked too.
    text = text_of(render(certification))
    for expected in [
        TITLE,
        settings.BUREAU_NAME,
        "张三丰",  # the holder's own download: the full name, matched against the ID card in hand
        "6209**********" + HOLDER_ID[-4:],
        "职工医保",
        "糖尿病",
        "M01600",
        "2026年7月3日",  # benefit start
        "2026年9月1日",  # effective
        "2027年10月1日",  # valid until
        "2027年9月1日",  # next review
        "80%",
        "10,000",
        certification.code,
        certificate_verify_url(code=certification.code),
        "核验真伪",
        "定点医疗机构",
        certification.application.diagnosing_hospital.name,  # chosen as the designated point
    ]:
        assert expected in text, expected
    assert "本凭证已失效" not in text


def test_card_never_carries_the_full_id_number_or_phone(certification, holder):
    pdf = render(certification)
    text = text_of(pdf)
    assert HOLDER_ID not in text
    assert HOLDER_ID[4:14] not in text
    assert holder.phone not in text
    assert HOLDER_ID.encode() not in pdf  # not hidden in metadata or an uncompressed stream either


@pytest.mark.parametrize("status", [CertificationStatus.LAPSED, CertificationStatus.REVOKED])
def test_copy_of_a_lapsed_or_revoked_certificate_says_so(holder, status):
    certification = issue_certificate(holder, status=status)
    text = text_of(render(certification))
    assert "本凭证已失效" in text
    assert certification.get_status_display() in text


def qr_matrices(data: str) -> list[list[list[bool]]]:
    """python-qrcode's module matrices for `data` at level M, one per mask pattern.

    Encoders may choose different masks (their penalty scoring differs): every choice is a valid code
    for the same data, so the drawn code must equal one of the eight."""
    fitted = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    fitted.add_data(data, optimize=0)
    fitted.make(fit=True)
    matrices = []
    for mask in range(8):
        code = qrcode.QRCode(
            version=fitted.version, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask
        )
        code.add_data(data, optimize=0)
        code.make(fit=False)
        matrices.append(code.get_matrix())
    return matrices


def drawn_qr(pdf: bytes, modules: int) -> list[list[bool]]:
    """The QR modules as drawn: one filled rectangle per run of dark modules in a row."""
    reader, page = page_of(pdf)
    box = QR_SIZE / (modules + 2 * 4)  # the widget keeps a 4-module quiet zone inside QR_SIZE
    operations = ContentStream(page.get_contents(), reader).operations
    rects = [
        [float(value) for value in operands]
        for index, (operands, operator) in enumerate(operations)
        if operator == b"re" and operations[index + 1][1] in (b"f", b"f*")
    ]
    rects = [rect for rect in rects if abs(rect[3] - box) < 0.01]
    left = min(x for x, _, _, _ in rects)
    top = max(y + h for _, y, _, h in rects)
    drawn = [[False] * modules for _ in range(modules)]
    for x, y, w, h in rects:
        row, first = round((top - (y + h)) / box), round((x - left) / box)
        for column in range(first, first + round(w / box)):
            drawn[row][column] = True
    return drawn


@pytest.mark.parametrize("code", [None, "ABCD-EFGH-IJKL-MNOP-QRST", "7777-2222-ZZZZ-AAAA-QQQQ"])
def test_qr_code_drawn_on_the_page_is_the_verify_url(holder, code):
    """No QR decoder (zbar) is installed: the drawn modules are rebuilt from the page's filled rectangles
    and compared with an independent encoder's (python-qrcode) matrices for the verify URL."""
    certification = issue_certificate(holder, **({"code": code} if code else {}))
    expected = qr_matrices(certificate_verify_url(code=certification.code))
    assert drawn_qr(render(certification), len(expected[0])) in expected
    wrong = qr_matrices(certificate_verify_url(code=certification.code.lower()))
    assert drawn_qr(render(certification), len(wrong[0])) not in wrong


def test_qr_helper_and_link_annotations_point_at_the_verify_url(certification):
    url = certificate_verify_url(code=certification.code)
    assert certificate_qr(url=url).contents[0].value == url
    page = page_of(render(certification))[1]
    links = [a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Link"]
    assert {link["/A"]["/URI"] for link in links} == {url}


@override_settings(PUBLIC_BASE_URL="https://ybj.jiuquan.example/")
def test_verify_url_follows_public_base_url():
    assert (
        certificate_verify_url(code="ABCD-EFGH-IJKL-MNOP-QRST")
        == "https://ybj.jiuquan.example/verify/ABCD-EFGH-IJKL-MNOP-QRST/"
    )


def test_same_certificate_renders_to_the_same_document_before_its_signature(certification):
    with at(dt.date(2027, 3, 1)):
        first, second = (certificate_pdf_render(certification=certification, sign=False) for _ in range(2))
    assert first == second


def test_resident_rates_come_from_the_certification(holder):
    disease = DiseaseFactory(code="M04600", name="冠心病")
    certification = issue_certificate(
        holder, disease=disease, reimbursement_ratio=Decimal("0.65"), annual_limit=3000, insurance_type="resident"
    )
    text = text_of(render(certification))
    assert "65%" in text and "3,000" in text and "居民医保" in text and "冠心病" in text


@pytest.mark.parametrize(
    ("ratio", "shown"), [("0.80", "80%"), ("0.75", "75%"), ("1.00", "100%"), ("0.05", "5%"), ("0.825", "82.5%")]
)
def test_percent(ratio, shown):
    assert percent(Decimal(ratio)) == shown


@pytest.mark.cjk_font
def test_the_cjk_font_is_embedded_and_forgotten_after_the_document(certification):
    from reportlab.pdfbase import pdfmetrics

    render(certification)  # reportlab registers its standard fonts once, on first use
    before = set(pdfmetrics.getRegisteredFontNames())
    _, page = page_of(render(certification))
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    embedded = [f for f in fonts if "/FontFile2" in f.get("/FontDescriptor", {})]
    assert embedded, [f["/BaseFont"] for f in fonts]
    assert all("+OSD" in f["/BaseFont"] for f in embedded)  # a subset of the document's own font
    assert set(pdfmetrics.getRegisteredFontNames()) == before  # nothing left behind in the process


@pytest.mark.cjk_font
def test_a_rare_character_of_a_name_is_printed_too(certification, holder):
    holder.name = "王䶮"  # U+4DAE, outside GB2312: a name a font with the common characters would box
    holder.save()
    assert "王䶮" in text_of(render(certification))


def signature_status(pdf: bytes):  # type: ignore[no-untyped-def]
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from config.pdf.signing import signing_files

    trusted = load_cert_from_pemder(str(signing_files()[1]))
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted], allow_fetching=False))


def test_the_certificate_is_signed_by_the_bureau_and_the_signature_is_valid(certification):
    status = signature_status(render(certification))
    assert status.intact and status.valid and status.trusted
    assert settings.BUREAU_NAME in status.signing_cert.subject.human_friendly


def test_an_altered_certificate_fails_its_signature(certification):
    pdf = bytearray(render(certification))
    where = pdf.find(b"/Title")
    pdf[where + 8 : where + 9] = b"X"  # one byte of the signed content changed
    assert not signature_status(bytes(pdf)).intact
