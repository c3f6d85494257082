"""The CJK font embedded in every PDF of the bureau, so that no viewer shows boxes or substitutes a font.

The font is Noto Sans CJK SC (OFL), from Debian's `fonts-noto-cjk` (`PDF_CJK_FONT` names the file).
reportlab embeds TrueType outlines only and Noto CJK has CFF ones, so for each document the characters
it prints are cut out of the font (fontTools' subsetter) and their outlines turned into TrueType
quadratics (cu2qu): a small font, registered under a name of its own for this one document and
forgotten afterwards (a process renders thousands of certificates; their fonts must not accumulate).

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
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont, newTable
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


def _truetype_subset(text: str, *, name: str) -> bytes:
    path = Path(settings.PDF_CJK_FONT)
    # No timestamp of its own (fontTools stamps `head.modified` on save): the same document, the same bytes.
    font = TTFont(str(path), fontNumber=_face_number(path), lazy=True, recalcTimestamp=False)
    options = Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [1, 2, 4, 6]
    subsetter = Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_truetype(font)
    for record in font["name"].names:  # a name of this document's own: reportlab keys faces by name
        if record.nameID in (1, 4, 6):
            record.string = name
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cff_to_truetype(font: TTFont) -> None:
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for glyph_name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[glyph_name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[glyph_name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion, maxp.numGlyphs, maxp.maxZones = 0x00010000, len(order), 1
    for attribute in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attribute, 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


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
