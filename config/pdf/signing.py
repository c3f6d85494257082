"""The bureau's digital signature on its PDFs (the certificate, the decision letter; pyHanko, a
PAdES-style CMS signature): a pharmacy or a hospital desk opens the file's signature panel and sees
that it was issued by the bureau and not altered since (the verify page says how). The key and its
certificate come from settings (`PDF_SIGNING_KEY_FILE`, `PDF_SIGNING_CERT_FILE`, required in
production); in demo mode a self-signed demo pair is made under VAR_DIR on first use, marked as such
in its name."""

from __future__ import annotations

import datetime as dt
import fcntl
import io
from functools import cache, cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from reportlab.pdfgen import canvas

FIELD = "BureauSignature"
DEMO_VALID_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _demo_pair() -> tuple[Path, Path]:
    """A self-signed key and certificate for demo mode, made once under VAR_DIR/signing/."""
    folder = Path(settings.VAR_DIR) / "signing"
    key_file, cert_file = folder / "demo-signing.key", folder / "demo-signing.crt"
    if key_file.is_file() and cert_file.is_file():
        return key_file, cert_file
    folder.mkdir(parents=True, exist_ok=True)
    # The web process and the workers may all sign first at once: one makes the pair, the others wait
    # and use it (two makers would leave one's key beside the other's certificate).
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (key_file.is_file() and cert_file.is_file()):
            _demo_pair_make(key_file, cert_file)
    return key_file, cert_file


def _demo_pair_make(key_file: Path, cert_file: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{settings.BUREAU_NAME}（演示）"),
            x509.NameAttribute(NameOID.COMMON_NAME, "电子凭证签章（演示，非生产）"),
        ]
    )
    now = max(dt.datetime.now(dt.UTC), DEMO_VALID_FROM)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Valid from well before any document the demo data or the tests date back, so those verify too.
        .not_valid_before(DEMO_VALID_FROM)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)
    # The certificate appears last and whole: a reader that sees it finds the key complete too.
    partial = cert_file.with_suffix(".partial")
    partial.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    partial.replace(cert_file)


def signing_files() -> tuple[Path, Path]:
    """(key, certificate) of the bureau's signature."""
    if settings.PDF_SIGNING_KEY_FILE and settings.PDF_SIGNING_CERT_FILE:
        return Path(settings.PDF_SIGNING_KEY_FILE), Path(settings.PDF_SIGNING_CERT_FILE)
    if settings.DEMO_MODE:
        return _demo_pair()
    raise ImproperlyConfigured("PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE must be set outside demo mode")


class _BureauSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, with the private key parsed once.

    The stock one parses (and so validates) the key from its DER form on every signature, and a
    document is signed twice (a dry run sizes the signature first): about 80 ms of each certificate's
    100 ms. RSA PKCS#1 v1.5 and ECDSA, the mechanisms a bureau's key uses, sign with the key kept here;
    any other mechanism goes the stock way."""

    bytes_reserved: int | None = None  # `_room_needed`, set once the signer is loaded

    @cached_property
    def _private_key(self) -> PrivateKeyTypes:
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:
            return super().sign_raw(data, digest_algorithm)
        key, hash_algorithm = self._private_key, get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@cache
def _signer() -> _BureauSigner:
    key_file, cert_file = signing_files()
    passphrase = settings.PDF_SIGNING_KEY_PASSPHRASE.encode() if settings.PDF_SIGNING_KEY_PASSPHRASE else None
    try:
        key = load_private_key_from_pemder(str(key_file), passphrase=passphrase)
        signer = _BureauSigner(
            signing_cert=load_cert_from_pemder(str(cert_file)), signing_key=key, cert_registry=SimpleCertificateStore()
        )
        _ = signer._private_key  # parsed and validated now: a wrong key fails the readiness check, not a download
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"the PDF signing key or certificate cannot be read: {key_file}, {cert_file}"
        ) from error
    signer.bytes_reserved = _room_needed(signer)
    return signer


def _room_needed(signer: _BureauSigner) -> int:
    """The room a signature of this key and certificate takes in a document (hex digits): what pyHanko
    reserves after sizing a dry-run signature (its size and half again), measured once on a blank page.
    Each document then skips the dry run, which was half the time of signing it."""
    blank = io.BytesIO()
    page = canvas.Canvas(blank)
    page.showPage()
    page.save()
    signed = _sign(blank.getvalue(), reason="", signer=signer)
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    return 2 * len(signature.sig_object["/Contents"])


def pdf_signer_check() -> None:
    """Raises ImproperlyConfigured when the signing key or certificate cannot be loaded (readiness)."""
    _signer()


@receiver(setting_changed)
def _forget_signer(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("PDF_SIGNING") or setting in ("VAR_DIR", "DEMO_MODE"):
        _signer.cache_clear()


def pdf_sign(pdf: bytes, *, reason: str) -> bytes:
    """The PDF with the bureau's signature appended (an incremental update: the content stays as it was)."""
    signer = _signer()
    return _sign(pdf, reason=reason, signer=signer, bytes_reserved=signer.bytes_reserved)


def _sign(pdf: bytes, *, reason: str, signer: _BureauSigner, bytes_reserved: int | None = None) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, reason=reason, location=settings.BUREAU_NAME, name=settings.BUREAU_NAME
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(
        writer, meta, signer=signer, new_field_spec=fields.SigFieldSpec(FIELD), bytes_reserved=bytes_reserved
    )
    return out.getvalue()
