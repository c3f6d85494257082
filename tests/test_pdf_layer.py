"""The PDF layer's font and signature (config/pdf): a document's font holds exactly its characters with the
face's own outlines and widths, whatever documents came before it in the process; a bureau key of either
kind (RSA, ECDSA) gives a valid signature."""

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.test import override_settings
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from config.pdf import fonts
from config.pdf.signing import pdf_sign

FACE_NUMBER_SC = 2  # Noto Sans CJK SC in Debian's collection


def font_of(text: str) -> TTFont:
    return TTFont(io.BytesIO(fonts._truetype_subset(text, name="OSDTEST")))


@pytest.mark.cjk_font
def test_a_documents_font_holds_its_characters_and_nothing_from_earlier_documents() -> None:
    font_of("慢性肾衰竭透析治疗")  # an earlier document leaves its glyphs in the process
    font = font_of("糖尿病 2型")
    assert set(font.getBestCmap()) == {ord(char) for char in "糖尿病 2型"}
    assert font.getGlyphOrder()[0] == ".notdef"
    assert len(font.getGlyphOrder()) == 1 + len(set("糖尿病 2型"))
    assert font["name"].getDebugName(6) == "OSDTEST"


@pytest.mark.cjk_font
def test_the_glyphs_are_the_faces_outlines_and_widths_whatever_was_printed_before() -> None:
    face = TTFont(settings.PDF_CJK_FONT, fontNumber=FACE_NUMBER_SC, lazy=True)
    assert face["name"].getDebugName(1) == fonts.FACE
    glyph_set, widths, cmap = face.getGlyphSet(), face["hmtx"].metrics, face.getBestCmap()
    font_of("病")
    font = font_of("病历")
    for char in "病历":
        name = cmap[ord(char)]
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, fonts.MAX_ERROR, reverse_direction=True))
        expected = pen.glyph()
        expected.recalcBounds(None)
        embedded = font["glyf"][font.getBestCmap()[ord(char)]]
        assert embedded.numberOfContours == expected.numberOfContours > 0
        assert list(embedded.coordinates) == list(expected.coordinates)
        assert font["hmtx"][font.getBestCmap()[ord(char)]][0] == widths[name][0]


@pytest.mark.cjk_font
def test_the_same_text_gives_the_same_font_bytes_in_a_fresh_process_and_after_others(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    after_others = fonts._truetype_subset("门诊慢特病 ABC", name="OSDTEST")
    monkeypatch.setattr(fonts, "_face", None)  # as a new process would open the face
    assert fonts._truetype_subset("门诊慢特病 ABC", name="OSDTEST") == after_others


def ec_pair(folder):  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, settings.BUREAU_NAME)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "ec.key", folder / "ec.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def minimal_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.drawString(72, 720, "certificate")
    c.showPage()
    c.save()
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
def test_a_bureau_key_of_either_kind_gives_a_valid_signature(tmp_path, kind) -> None:  # type: ignore[no-untyped-def]
    if kind == "ecdsa":
        key_file, cert_file = ec_pair(tmp_path)
        overrides = {"PDF_SIGNING_KEY_FILE": str(key_file), "PDF_SIGNING_CERT_FILE": str(cert_file)}
    else:
        overrides = {"VAR_DIR": str(tmp_path)}  # demo mode's RSA pair, made here
    with override_settings(**overrides):
        from config.pdf.signing import signing_files

        signed = pdf_sign(minimal_pdf(), reason="test")
        trusted = load_cert_from_pemder(str(signing_files()[1]))
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.md_algorithm == "sha256"
    assert ("ecdsa" if kind == "ecdsa" else "rsa") in status.pkcs7_signature_mechanism


def test_the_key_is_parsed_once_not_on_every_signature(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """pyHanko's stock signer parses the key from DER twice per document (about 80 ms); ours keeps it."""
    from cryptography.hazmat.primitives import serialization as pyca_serialization

    parsed: list[bytes] = []
    parse = pyca_serialization.load_der_private_key

    def counting(data: bytes, *args: object, **kwargs: object) -> object:
        parsed.append(data)
        return parse(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pyca_serialization, "load_der_private_key", counting)
    with override_settings(VAR_DIR=str(tmp_path)):
        for _ in range(3):
            pdf_sign(minimal_pdf(), reason="test")
    assert len(parsed) == 1


@pytest.mark.django_db
def test_a_key_file_that_is_not_a_key_makes_the_service_not_ready(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, cert_file = ec_pair(tmp_path)
    (tmp_path / "broken.key").write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    with override_settings(PDF_SIGNING_KEY_FILE=str(tmp_path / "broken.key"), PDF_SIGNING_CERT_FILE=str(cert_file)):
        response = client.get("/ready/")
    assert response.status_code == 503
    assert [key for key in response.json()["failed"] if key.startswith("SigningKey")]


def test_each_document_is_signed_once_without_a_dry_run(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """pyHanko sizes a signature by signing twice (a dry run first); the room is measured once per key."""
    from config.pdf import signing

    signed: list[bytes] = []
    sign_raw = signing._BureauSigner.sign_raw

    def counting(self, data: bytes, digest_algorithm: str) -> bytes:  # type: ignore[no-untyped-def]
        signed.append(data)
        return sign_raw(self, data, digest_algorithm)

    monkeypatch.setattr(signing._BureauSigner, "sign_raw", counting)
    with override_settings(VAR_DIR=str(tmp_path)):
        signing.pdf_signer_check()  # the key loaded, the room measured: a dry run and a signature
        assert len(signed) == 2
        documents = [pdf_sign(minimal_pdf(), reason=f"证书{n}") for n in range(3)]
        trusted = load_cert_from_pemder(str(signing.signing_files()[1]))
    assert len(signed) == 2 + 3
    for document in documents:
        (signature,) = PdfFileReader(io.BytesIO(document)).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted], allow_fetching=False))
        assert status.intact and status.valid
