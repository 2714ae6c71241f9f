"""Fonts for the PDFs, so that any name prints as typed, whatever its script.

Text is set in Helvetica, one of the standard PDF fonts every reader has (so nothing is
embedded, which keeps a certificate quick to make), for every character its Windows
Latin-1 encoding covers. Any other character falls back to Bitstream Vera (shipped with
reportlab, embedded as a subset), then DejaVu Sans where the system has it, then Adobe's
standard Chinese/Japanese font (STSong-Light), which readers supply themselves. Runs of
each font stay real text, so the PDF can be searched, copied and read aloud.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"
_CJK = "STSong-Light"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_REPORTLAB_FONTS = Path(reportlab.__file__).parent / "fonts"


@cache
def register() -> tuple[tuple[str, frozenset[int]], ...]:
    """Register the fonts once; return the fallback chain with each font's characters."""
    chain = [(REGULAR, _win_ansi())]
    for name, path in (("Vera", _REPORTLAB_FONTS / "Vera.ttf"), ("DejaVu", _DEJAVU)):
        if path.is_file():
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            chain.append((name, frozenset(font.face.charToGlyph)))
    pdfmetrics.registerFont(UnicodeCIDFont(_CJK))
    return tuple(chain)


def _win_ansi() -> frozenset[int]:
    """The characters the standard fonts can show (WinAnsiEncoding, close to cp1252)."""
    printable = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    extra = {ord(bytes([b]).decode("cp1252")) for b in range(0x80, 0xA0) if b not in _UNDEFINED}
    return frozenset(printable | extra)


_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


@lru_cache(maxsize=2048)
def runs(text: str, font: str = REGULAR) -> tuple[tuple[str, str], ...]:
    """Split text into (font, text) runs: `font` where it has the glyph, a fallback where not."""
    chain = register()
    if all(ord(char) in chain[0][1] for char in text):
        return ((font, text),)
    result: list[tuple[str, str]] = []
    for char in text:
        if ord(char) in chain[0][1] or char in "\n\t":
            name = font
        else:
            name = next((n for n, chars in chain[1:] if ord(char) in chars), _CJK)
        if result and result[-1][0] == name:
            result[-1] = (name, result[-1][1] + char)
        else:
            result.append((name, char))
    return tuple(result)


def width(text: str, size: float, font: str = REGULAR) -> float:
    return sum(pdfmetrics.stringWidth(part, name, size) for name, part in runs(text, font))


def markup(text: str, font: str = REGULAR) -> str:
    """Text escaped for a platypus Paragraph, with fallback fonts marked up."""
    return "".join(
        escape(part) if name == font else f'<font name="{name}">{escape(part)}</font>'
        for name, part in runs(text, font)
    )
