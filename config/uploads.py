"""Checks on applicants' uploaded scans (ID cards, certificates, medical records).

A file is judged by its bytes only: the client's file name and Content-Type are never trusted.
Every refusal is a domain error with a stable `code` and a Chinese message an applicant can act on.
Phone photos are accepted as they come: HEIC/HEIF (iPhones) is stored as JPEG, and a photo is stored
upright (its EXIF orientation applied) and without its metadata (no GPS position is kept).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError
from pypdf.generic import DictionaryObject

from config.domain import InvalidInput, PayloadTooLarge

MiB = 1024 * 1024
_CHUNK = 64 * 1024
# ISO 32000 lets readers accept the "%PDF-" header anywhere in the first 1024 bytes (Acrobat does),
# and the "%%EOF" marker anywhere in the last 1024 bytes.
_PDF_WINDOW = 1024
_MAX_NAME = 120

register_heif_opener()  # Pillow reads HEIC/HEIF through pillow-heif (libheif)

_JPEG, _PNG, _PDF, _HEIF = "image/jpeg", "image/png", "application/pdf", "image/heif"
_EXTENSIONS = {_JPEG: "jpg", _PNG: "png", _PDF: "pdf"}
# Pillow reports some camera JPEGs that carry several pictures as "MPO"; they are still JPEG files.
_PILLOW_FORMATS = {_JPEG: ("JPEG", "MPO"), _PNG: ("PNG",), _HEIF: ("HEIF",)}
# ISO BMFF brands of HEIC/HEIF still pictures (bytes 8–12 after the "ftyp" box type).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}

MSG_EMPTY = "上传的文件是空的，请重新选择文件。"
MSG_TYPE = "只接受JPG、PNG、HEIC（手机照片）或PDF格式的文件。文件内容不是有效的图片或PDF，请重新拍照或扫描后上传。"
MSG_IMAGE_CORRUPT = "图片已损坏或不完整，无法打开，请重新拍照或扫描后上传。"
MSG_IMAGE_TOO_LARGE = "图片像素尺寸过大，请降低扫描分辨率或压缩后重新上传。"
MSG_PDF_CORRUPT = "PDF文件已损坏或不完整，无法打开，请重新扫描后上传。"
MSG_PDF_ENCRYPTED = "PDF文件设置了密码或加密保护，请去除密码后重新上传。"
MSG_PDF_NO_PAGES = "PDF文件中没有任何页面，请检查后重新上传。"


def _too_many_pages_message(limit: int) -> str:
    return f"PDF文件页数过多，单个文件不能超过{limit}页，请只扫描需要的页面或分开上传。"


def _too_large_message(limit: int) -> str:
    if limit >= MiB:
        shown = f"{limit / MiB:.1f}".removesuffix(".0") + "MB"
    else:
        shown = f"{limit / 1024:.1f}".removesuffix(".0") + "KB"
    return f"文件过大，单个文件不能超过{shown}，请压缩或分开扫描后再上传。"


@dataclass(frozen=True)
class CheckedFile:
    """What will be stored: its type, size and digest (of `stored` when the upload was converted)."""

    content_type: str  # "image/jpeg", "image/png" or "application/pdf", from the content
    extension: str  # "jpg", "png" or "pdf", from the content
    size: int
    sha256: str
    original_name: str  # sanitised, for display only
    pages: int | None = None  # PDFs
    width: int | None = None  # images
    height: int | None = None
    stored: bytes | None = None  # the bytes to store instead of the upload (HEIC → JPEG, EXIF removed)


def upload_check(*, file: UploadedFile, max_bytes: int | None = None) -> CheckedFile:
    """Accept a JPEG, PNG or PDF that really decodes, or raise InvalidInput/PayloadTooLarge."""
    limit = settings.UPLOAD_MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        # The declared size saves reading a huge file; _digest counts the real bytes anyway.
        if file.size is not None and file.size > limit:
            raise PayloadTooLarge(_too_large_message(limit), code="file_too_large", field="file")
        size, sha256 = _digest(file, limit)
        if size == 0:
            raise InvalidInput(MSG_EMPTY, code="file_empty", field="file")
        file.seek(0)
        content_type = _sniff(file.read(_PDF_WINDOW))
        pages: int | None = None
        width: int | None = None
        height: int | None = None
        stored: bytes | None = None
        if content_type == _PDF:
            pages = _check_pdf(file, size)
        else:
            width, height = _check_image(file, content_type)
            stored = _upright_without_metadata(file, content_type)
    finally:
        file.seek(0)
    if stored is not None:
        content_type, size, sha256 = _JPEG, len(stored), hashlib.sha256(stored).hexdigest()
    return CheckedFile(
        content_type=content_type,
        extension=_EXTENSIONS[content_type],
        size=size,
        sha256=sha256,
        original_name=sanitize_filename(file.name or ""),
        pages=pages,
        width=width,
        height=height,
        stored=stored,
    )


def _upright_without_metadata(file: UploadedFile, content_type: str) -> bytes | None:
    """A HEIC photo as JPEG; a JPEG with EXIF (a position, a rotation, the camera) re-encoded upright and
    without it; None when the upload can be stored as it is (a PNG, a JPEG without EXIF)."""
    if content_type == _PNG:
        return None
    file.seek(0)
    with Image.open(file, formats=_PILLOW_FORMATS[content_type]) as im:
        # Any EXIF at all: a phone writes its position, the camera and the time there.
        if content_type == _JPEG and not im.getexif():
            return None
        upright = ImageOps.exif_transpose(im).convert("RGB")
        out = io.BytesIO()
        upright.save(out, format="JPEG", quality=90, optimize=True)  # no exif=: nothing of it is kept
        return out.getvalue()


def _digest(file: UploadedFile, limit: int) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    for chunk in file.chunks(_CHUNK):  # chunks() starts from position 0
        size += len(chunk)
        if size > limit:  # stop at the limit even if the declared size lied
            raise PayloadTooLarge(_too_large_message(limit), code="file_too_large", field="file")
        sha.update(chunk)
    return size, sha.hexdigest()


def _sniff(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _HEIF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if b"%PDF-" in head:  # head is the first _PDF_WINDOW bytes
        return _PDF
    raise InvalidInput(MSG_TYPE, code="file_type_not_allowed", field="file")


def _check_image(file: UploadedFile, content_type: str) -> tuple[int, int]:
    formats = _PILLOW_FORMATS[content_type]
    # Our own pixel limit, so a process that raised or disabled Image.MAX_IMAGE_PIXELS is still
    # protected. Where Pillow would merely warn (above MAX_IMAGE_PIXELS) we refuse too: this turns
    # DecompressionBombWarning into a refusal without warnings.catch_warnings(), which is
    # process-global and not thread-safe.
    max_pixels = settings.UPLOAD_MAX_IMAGE_PIXELS
    if Image.MAX_IMAGE_PIXELS:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)
    try:
        file.seek(0)
        # Image.open reads only the header; no pixel data is decoded before the size check.
        with Image.open(file, formats=formats) as im:
            width, height = im.size
            if im.format not in formats:
                raise InvalidInput(MSG_TYPE, code="file_type_not_allowed", field="file")
            if width * height > max_pixels:
                raise InvalidInput(MSG_IMAGE_TOO_LARGE, code="image_too_large", field="file")
            im.verify()  # structure and checksums (e.g. PNG CRCs)
        # verify() leaves the image unusable and does not decode pixels: decode for real.
        file.seek(0)
        with Image.open(file, formats=formats) as im:
            im.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(MSG_IMAGE_TOO_LARGE, code="image_too_large", field="file") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error...
        raise InvalidInput(MSG_IMAGE_CORRUPT, code="image_corrupt", field="file") from exc
    return width, height


def _check_pdf(file: UploadedFile, size: int) -> int:
    # pypdf's lenient mode is used because strict mode refuses PDFs every viewer opens (a header
    # after leading bytes, shifted xref offsets from old scanners). Lenient mode however repairs a
    # truncated file that still holds an earlier revision's %%EOF, so truncation is checked here.
    file.seek(max(0, size - _PDF_WINDOW))
    if b"%%EOF" not in file.read():
        raise InvalidInput(MSG_PDF_CORRUPT, code="pdf_corrupt", field="file")
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        # Refused even with an empty user password: reviewers must open it without a step, and
        # encrypted content cannot be checked.
        if reader.is_encrypted:
            raise InvalidInput(MSG_PDF_ENCRYPTED, code="pdf_encrypted", field="file")
        pages = _count_pages(reader, limit=settings.UPLOAD_MAX_PDF_PAGES)
    except InvalidInput:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:  # an encryption pypdf cannot even read
        raise InvalidInput(MSG_PDF_ENCRYPTED, code="pdf_encrypted", field="file") from exc
    except Exception as exc:  # any pypdf error, RecursionError, ValueError... on hostile input
        raise InvalidInput(MSG_PDF_CORRUPT, code="pdf_corrupt", field="file") from exc
    if pages == 0:
        raise InvalidInput(MSG_PDF_NO_PAGES, code="pdf_no_pages", field="file")
    return pages


def _count_pages(reader: PdfReader, *, limit: int) -> int:
    """The pages of the page tree, counted leaf by leaf, stopping as soon as there are more than `limit`
    (a file with tens of thousands of pages is refused at once, whatever its /Count claims); a tree
    with a cycle counts as damaged."""
    catalog = reader.trailer["/Root"].get_object()
    assert isinstance(catalog, DictionaryObject)
    root = catalog["/Pages"].get_object()
    count, seen, stack = 0, set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise ValueError("cyclic page tree")
        seen.add(id(node))
        if not isinstance(node, DictionaryObject):
            raise ValueError("page tree node is not a dictionary")
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            stack.extend(kid.get_object() for kid in reversed(node.get("/Kids", [])))
            continue
        count += 1
        if count > limit:
            raise InvalidInput(_too_many_pages_message(limit), code="pdf_too_many_pages", field="file")
    return count


_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_EDGE_DOTS_AND_SPACES = re.compile(r"^[\s.]+|[\s.]+$")


def sanitize_filename(name: str) -> str:
    """The client's file name, made safe to display (the stored name is generated elsewhere)."""
    name = unicodedata.normalize("NFC", name)
    # All "C*" categories: NUL and control characters, and also format characters such as U+202E
    # (right-to-left override), which makes "gpj.exe" display as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drops "..", "C:\\..." and every directory
    name = _WINDOWS_RESERVED.sub("_", name)
    name = _EDGE_DOTS_AND_SPACES.sub("", name)  # ".hidden", "..", "name.pdf. "
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = stem[: _MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:_MAX_NAME]
    return name or "upload"


class UploadTooLarge(PayloadTooLarge, RequestDataTooBig):
    """A file grew past the cut-off while the request was being read.

    As PayloadTooLarge, DRF's exception handler answers 413 with the problem body. As
    RequestDataTooBig (a SuspiciousOperation), plain Django code that reads request.POST (admin,
    CSRF middleware) answers 400 rather than 500.
    """


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading a multipart request as soon as one file passes the per-file limit + 1 MiB.

    The exception raised here propagates out of `request.data` (DRF) / `request.POST` (Django), so
    no view has to remember to check a flag. StopUpload/SkipFile are not used: MultiPartParser
    swallows them and the view would only see a missing file ("field required", or worse, the rest
    of the form accepted). The slack of 1 MiB lets a file slightly over the limit reach
    upload_check, which measures it exactly. Listed first in FILE_UPLOAD_HANDLERS, it sees every
    chunk before the memory/temporary-file handlers store it, so at most the cut-off is spooled.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.max_file_bytes: int = settings.UPLOAD_MAX_FILE_BYTES
        self.cutoff: int = self.max_file_bytes + MiB

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.cutoff:
            self._close_partial_files()
            raise UploadTooLarge(
                _too_large_message(self.max_file_bytes),
                code="file_too_large",
                field=getattr(self, "field_name", None) or "file",
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file

    def _close_partial_files(self) -> None:
        # MultiPartParser only closes finished files on an exception; close the one being written
        # too, so a partial medical scan does not wait for garbage collection to leave /tmp.
        for handler in getattr(self.request, "upload_handlers", None) or ():
            partial = getattr(handler, "file", None)
            if partial is not None:
                partial.close()


def single_file(request: HttpRequest, field: str) -> None:
    """Refuse two files sent in one upload field (the serializer would silently keep one of them)."""
    if len(request.FILES.getlist(field)) > 1:
        raise InvalidInput("每次只能上传一个文件，请分别上传。", code="one_file_only", field=field)
