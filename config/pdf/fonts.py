"""The CJK font embedded in every PDF of the bureau, so that no viewer shows boxes or substitutes a font.

The font is Noto Sans CJK SC (OFL), from Debian's `fonts-noto-cjk` (`PDF_CJK_FONT` names the file).
reportlab embeds TrueType outlines only and Noto CJK has CFF ones, so each document gets a small
TrueType font of the characters it prints (fontTools' FontBuilder), with the face's outlines turned into
quadratics (cu2qu) and its widths: registered under a name of its own for this one document and forgotten
afterwards (a process renders thousands of certificates; their fonts must not accumulate). The face is
opened once per process and each glyph converted once (`_Face`): cutting a subset out of the 20 MB
collection for every document cost about 300 ms of a certificate's 400.

Without the font file (a bare development machine) the documents fall back to STSong-Light, a CID
font the viewer supplies: readable, but not embedded.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph
from reportlab.lib import fonts as reportlab_fonts
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

logger = logging.getLogger(__name__)
FALLBACK = "STSong-Light"
FACE = "Noto Sans CJK SC"
MAX_ERROR = 1.0  # font units: the quadratic outlines stay within one unit of the cubic ones

pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))


def _face_number(path: Path) -> int:
    """Which font of a collection is the Simplified Chinese one (0 for a single font file)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    for number, font in enumerate(TTCollection(str(path), lazy=True).fonts):
        if font["name"].getDebugName(1) == FACE:
            return number
    return 0


class _Face:
    """The Simplified Chinese face, opened once per process: its character map, advance widths and
    vertical metrics read once, and each glyph's outline turned into TrueType quadratics the first time a
    document prints it and kept (a few thousand characters at most; the face has 65,000 glyphs).

    Used only under `_rendering`: fontTools' objects are not thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.font = TTFont(self.path, fontNumber=_face_number(path), lazy=True, recalcTimestamp=False)
        self.cmap = self.font.getBestCmap()
        self.advances = self.font["hmtx"].metrics
        self.glyph_set = self.font.getGlyphSet()
        self.outlines: dict[str, Glyph] = {}

    def outline(self, glyph_name: str) -> Glyph:
        glyph = self.outlines.get(glyph_name)
        if glyph is None:
            pen = TTGlyphPen(self.glyph_set)
            self.glyph_set[glyph_name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
            glyph = self.outlines[glyph_name] = pen.glyph()
        return glyph


_face: _Face | None = None


def _face_loaded() -> _Face:
    global _face
    if _face is None or _face.path != settings.PDF_CJK_FONT:
        _face = _Face(Path(settings.PDF_CJK_FONT))
    return _face


def _truetype_subset(text: str, *, name: str) -> bytes:
    """A TrueType font of the characters of `text` (those the face has) and .notdef, named `name`."""
    face = _face_loaded()
    source = face.font
    cmap = {code: face.cmap[code] for code in sorted({ord(char) for char in text}) if code in face.cmap}
    order = [".notdef", *sorted(set(cmap.values()) - {".notdef"}, key=source.getGlyphID)]
    builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf({glyph_name: face.outline(glyph_name) for glyph_name in order})
    builder.setupHorizontalMetrics({glyph_name: face.advances[glyph_name] for glyph_name in order})
    hhea = source["hhea"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    # A name of this document's own: reportlab keys faces by name.
    builder.setupNameTable({"familyName": name, "styleName": "Regular", "fullName": name, "psName": name})
    os2 = source["OS/2"]
    builder.setupOS2(
        **{
            attribute: getattr(os2, attribute)
            for attribute in (
                "version",
                "usWeightClass",
                "usWidthClass",
                "fsType",
                "fsSelection",
                "sTypoAscender",
                "sTypoDescender",
                "sTypoLineGap",
                "usWinAscent",
                "usWinDescent",
                "sxHeight",
                "sCapHeight",
                "ulCodePageRange1",
                "ulCodePageRange2",
            )
        }
    )
    post = source["post"]
    builder.setupPost(
        italicAngle=post.italicAngle,
        underlinePosition=post.underlinePosition,
        underlineThickness=post.underlineThickness,
    )
    # The face's own dates, not today's (fontTools stamps `head.modified` on save unless told not to):
    # the same document, the same bytes.
    head = source["head"]
    builder.setupHead(unitsPerEm=head.unitsPerEm, created=head.created, modified=head.modified)
    builder.font.recalcTimestamp = False
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


@contextmanager
def document_font(text: str) -> Iterator[str]:
    """The name of a font that prints `text`, registered for the `with` block: the embedded subset,
    or the viewer's STSong-Light when the font file is missing."""
    if not Path(settings.PDF_CJK_FONT).is_file():
        logger.warning("PDF_CJK_FONT %s is missing: PDFs use STSong-Light, not embedded", settings.PDF_CJK_FONT)
        yield FALLBACK
        return
    # Named after its characters, so the same document gives the same bytes; one document at a time per
    # process, so no render forgets the font another is drawing with.
    name = "OSD" + hashlib.sha256("".join(sorted(set(text))).encode()).hexdigest()[:12].upper()
    with _rendering:
        font = ReportlabTTFont(name, io.BytesIO(_truetype_subset(text, name=name)))
        pdfmetrics.registerFont(font)
        try:
            yield name
        finally:
            _forget(name, font)


_rendering = threading.Lock()


def _forget(name: str, font: ReportlabTTFont) -> None:
    """Forget a document's font everywhere reportlab keeps it."""
    pdfmetrics._fonts.pop(name, None)
    pdfmetrics._dynFaceNames.pop(font.face.name, None)
    for key in [key for key in reportlab_fonts._tt2ps_map if key[0] == name.lower()]:
        reportlab_fonts._tt2ps_map.pop(key, None)
    reportlab_fonts._ps2tt_map.pop(name.lower(), None)
