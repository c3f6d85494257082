"""A document drawn on pages: the layout every PDF of the bureau shares.

`pdf_render(draw=...)` calls `draw(sheet)` twice: the first time on the viewer's font to learn which
characters the document prints, the second with exactly those characters embedded (config/pdf/fonts).
The output is deterministic for the same content and date (reportlab `invariant`: no creation
timestamp, no random document id; the document carries the date it is about); a signed document
appends the bureau's signature as an incremental update, with its own signing time.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from config.pdf.fonts import FALLBACK, document_font
from config.pdf.signing import pdf_sign

LATIN_FONT = "Helvetica"
INK = colors.HexColor("#1f3a5f")
GREY = colors.HexColor("#555555")
WARNING = colors.HexColor("#b00020")
# A line never starts with these (Chinese typesetting: closing punctuation stays with what it closes).
NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)")


def _latin(char: str) -> bool:
    # The standard PDF fonts use WinAnsi (cp1252): it has the "·" of 买买提·艾力 that STSong's map lacks.
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Sheet:
    """The page being drawn, in the document's font (or STSong-Light, the viewer's, without the font file)."""

    canvas: canvas.Canvas
    font: str
    width: float
    height: float
    margin: float
    printed: list[str] = field(default_factory=list)
    # The first of the two passes, which only learns the characters: drawings without text (the QR code)
    # may be left out of it.
    learning: bool = False

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split text into (run, font). The embedded font prints everything; with the fallback, Latin goes
        in a Latin font (crisp, and extractable) and the rest in STSong-Light."""
        if self.font != FALLBACK:
            return [(text, self.font)] if text else []
        out: list[tuple[str, str]] = []
        for char in text:
            font = LATIN_FONT if _latin(char) else FALLBACK
            if out and out[-1][1] == font:
                out[-1] = (out[-1][0] + char, font)
            else:
                out.append((char, font))
        return out

    def text_width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, font, size) for run, font in self.runs(text))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        centre: bool = False,
        right: bool = False,
        max_width: float = 0,
        colour: colors.Color = colors.black,
    ) -> float:
        """Draw one line, shrunk to `max_width` if given; return its width."""
        self.printed.append(text)
        width = self.text_width(text, size)
        if max_width and width > max_width:
            size, width = size * max_width / width, max_width
        if centre:
            x -= width / 2
        elif right:
            x -= width
        self.canvas.setFillColor(colour)
        for run, font in self.runs(text):
            self.canvas.setFont(font, size)
            self.canvas.drawString(x, y, run)
            x += pdfmetrics.stringWidth(run, font, size)
        self.canvas.setFillColor(colors.black)
        return width

    def lines(self, text: str, size: float, width: float) -> list[str]:
        """`text` broken into lines of at most `width` (at any character, as Chinese is; explicit
        newlines kept; closing punctuation never starts a line)."""
        out: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for char in paragraph:
                if line and char not in NO_LINE_START and self.text_width(line + char, size) > width:
                    out.append(line)
                    line = char
                else:
                    line += char
            out.append(line)
        return out

    def paragraph(self, x: float, y: float, text: str, size: float, *, width: float, leading: float = 0) -> float:
        """Draw wrapped text from baseline `y` down, continuing on a new page when the page is full;
        return the baseline below it. (A Chinese paragraph's first-line indent is two U+3000 spaces.)"""
        leading = leading or size * 1.6
        for line in self.lines(text, size, width):
            y = self.room(y, leading)
            self.text(x, y, line, size)
            y -= leading
        return y

    def rows(
        self, rows: Sequence[tuple[str, str]], *, x: float, value_x: float, y: float, size: float, max_width: float
    ) -> float:
        """Label/value lines, a value wrapped within `max_width`; return the baseline below the last."""
        step = size * 1.75
        for label, value in rows:
            y = self.room(y, step)
            self.text(x, y, label, size - 1, colour=GREY)
            y = self.paragraph(value_x, y, value or "—", size, width=max_width, leading=size * 1.45)
            y -= step - size * 1.45
        return y

    def room(self, y: float, needed: float) -> float:
        """`y` if a line fits above the bottom margin, else the top of a new page."""
        if y - needed >= self.margin:
            return y
        self.canvas.showPage()
        return self.height - self.margin - needed


def pdf_render(
    *,
    title: str,
    page_size: tuple[float, float],
    dated: dt.datetime,
    draw: Callable[[Sheet], None],
    sign_reason: str | None = None,
    margin: float = 18 * mm,
) -> bytes:
    """A PDF of the pages `draw` draws, dated `dated` (an aware datetime), signed by the bureau when a
    `sign_reason` is given."""
    learning = Sheet(canvas.Canvas(io.BytesIO(), pagesize=page_size), FALLBACK, *page_size, margin, learning=True)
    draw(learning)
    with document_font("".join(learning.printed)) as font:
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=page_size, invariant=True, pageCompression=1)
        c.setTitle(title)
        c.setAuthor(settings.BUREAU_NAME)
        c.setSubject(title)
        c.setCreator(settings.BUREAU_NAME)
        # Invariant mode would stamp 2000-01-01: the document's own date, which stays put.
        offset = dated.strftime("%z")
        pdf_date = f"D:{dated:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'"
        c.setDateFormatter(lambda *_: pdf_date)
        draw(Sheet(c, font, *page_size, margin))
        c.showPage()
        c.save()
    pdf = buffer.getvalue()
    return pdf_sign(pdf, reason=sign_reason) if sign_reason else pdf
