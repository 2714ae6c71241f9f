"""Fonts for the PDFs, so that any name prints as typed, whatever its script.

Text is set in Helvetica, one of the standard PDF fonts every reader has (so nothing is
embedded, which keeps a certificate quick to make), for every character its Windows
Latin-1 encoding covers. Any other character falls back, in order, to Bitstream Vera
(shipped with reportlab), a Noto font for each script that needs its own (Devanagari,
Gurmukhi, Arabic, Thai and others: Debian's fonts-noto-core), DejaVu Sans, and Adobe's
standard Chinese/Japanese font (STSong-Light), which readers supply themselves. The
fallbacks are embedded as subsets.

In the scripts the Noto fonts are for, letters change shape with their neighbours
(Devanagari joins consonants into conjuncts, Arabic letters join and run right to
left), so their runs are shaped with HarfBuzz (uharfbuzz, through reportlab). A shaped
run is wrapped in an ActualText span, so that searching, copying and screen readers get
the name as typed rather than the glyphs drawn. Every run stays real text.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont, shapeFragWord, uharfbuzz
from reportlab.pdfgen.textobject import PDFTextObject

REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"
_CJK = "STSong-Light"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_NOTO = Path("/usr/share/fonts/truetype/noto")
_REPORTLAB_FONTS = Path(reportlab.__file__).parent / "fonts"
# Scripts a name may be written in that need a Noto font of their own (and shaping), by
# their Unicode blocks. A script's font is loaded the first time a name needs it: loading
# them all would add a second to the first certificate a worker makes.
NOTO_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Armenian": ((0x0530, 0x058F),),
    "Bengali": ((0x0980, 0x09FF),),
    "Devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "Ethiopic": ((0x1200, 0x139F),),
    "Georgian": ((0x10A0, 0x10FF),),
    "Gujarati": ((0x0A80, 0x0AFF),),
    "Gurmukhi": ((0x0A00, 0x0A7F),),
    "Hebrew": ((0x0590, 0x05FF),),
    "Kannada": ((0x0C80, 0x0CFF),),
    "Khmer": ((0x1780, 0x17FF),),
    "Lao": ((0x0E80, 0x0EFF),),
    "Malayalam": ((0x0D00, 0x0D7F),),
    "Myanmar": ((0x1000, 0x109F),),
    "Oriya": ((0x0B00, 0x0B7F),),
    "Sinhala": ((0x0D80, 0x0DFF),),
    "Tamil": ((0x0B80, 0x0BFF),),
    "Telugu": ((0x0C00, 0x0C7F),),
    "Thai": ((0x0E00, 0x0E7F),),
}
# Kerning and required ligatures; not "dlig", with which Noto Arabic adds vowel marks
# to some names that nobody typed.
_FEATURES = {"kern": True, "liga": True}
# Kept with the run before them when its font has them: the space between two words of
# one script (so that right-to-left words keep their order), and the joiners that
# Indic spelling uses.
_STICKY = {" ", "\u200c", "\u200d"}
_CHARACTERS: dict[str, frozenset[int]] = {}  # each registered font's characters
_BOLD: dict[str, str] = {}  # a Noto font's bold face, where Debian has one


@cache
def register() -> None:
    """Register the fonts every PDF may need, once (a script's Noto font comes later)."""
    _CHARACTERS[REGULAR] = _win_ansi()
    for name, path in (("Vera", _REPORTLAB_FONTS / "Vera.ttf"), ("DejaVu", _DEJAVU)):
        if path.is_file():
            _register(name, path)
    pdfmetrics.registerFont(UnicodeCIDFont(_CJK))


def _register(name: str, path: Path) -> None:
    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    _CHARACTERS[name] = frozenset(font.face.charToGlyph)


@cache
def _noto(script: str) -> str | None:
    """The script's Noto font, registered (with its bold face) on first use."""
    path = _NOTO / f"NotoSans{script}-Regular.ttf"
    if not path.is_file():
        return None
    name = f"Noto{script}"
    _register(name, path)
    bold = path.with_name(f"NotoSans{script}-Bold.ttf")
    if bold.is_file():
        pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
        _BOLD[name] = f"{name}-Bold"
    return name


def noto_installed() -> bool:
    """Whether Debian's fonts-noto-core is there (`make install` adds it as root)."""
    return (_NOTO / "NotoSansDevanagari-Regular.ttf").is_file()


def needs_shaping(font: str) -> bool:
    return font.startswith("Noto") and uharfbuzz is not None


def _win_ansi() -> frozenset[int]:
    """The characters the standard fonts can show (WinAnsiEncoding, close to cp1252)."""
    printable = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    extra = {ord(bytes([b]).decode("cp1252")) for b in range(0x80, 0xA0) if b not in _UNDEFINED}
    return frozenset(printable | extra)


_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _fallback(code: int) -> str:
    """The font for a character Helvetica lacks: Vera, the script's Noto font, DejaVu, CJK."""
    if code in _CHARACTERS.get("Vera", ()):
        return "Vera"
    for script, blocks in NOTO_SCRIPTS.items():
        if any(low <= code <= high for low, high in blocks):
            name = _noto(script)
            if name is not None and code in _CHARACTERS[name]:
                return name
            break
    return "DejaVu" if code in _CHARACTERS.get("DejaVu", ()) else _CJK


@lru_cache(maxsize=2048)
def runs(text: str, font: str = REGULAR) -> tuple[tuple[str, str], ...]:
    """Split text into (font, text) runs: `font` where it has the glyph, a fallback where not."""
    register()
    base = _CHARACTERS[REGULAR]
    if all(ord(char) in base for char in text):
        return ((font, text),)
    result: list[tuple[str, str]] = []
    for char in text:
        previous = result[-1][0] if result else None
        if (
            previous not in (None, font)
            and (char in _STICKY or unicodedata.combining(char))
            and ord(char) in _CHARACTERS.get(previous, ())
        ):
            name = previous  # a mark, joiner or space stays with the letters before it
        elif ord(char) in base or char in "\n\t":
            name = font
        else:
            name = _fallback(ord(char))
        if result and result[-1][0] == name:
            result[-1] = (name, result[-1][1] + char)
        else:
            result.append((name, char))
    return tuple(_spaces_go_forward(result, font))


def _spaces_go_forward(result: list[tuple[str, str]], font: str) -> list[tuple[str, str]]:
    """A space kept with a run of another script belongs to the next word when that word
    is in another font: at the end of a right-to-left run it would be drawn on the wrong
    side. Bold text takes each fallback's bold face."""
    for index in range(len(result) - 1):
        name, part = result[index]
        stripped = part.rstrip(" ")
        if name != font and stripped != part and stripped:
            following_name, following = result[index + 1]
            result[index] = (name, stripped)
            result[index + 1] = (following_name, part[len(stripped) :] + following)
    if font == BOLD:
        result = [(_BOLD.get(name, name), part) for name, part in result]
    return result


@lru_cache(maxsize=1024)
def shape(text: str, font: str, size: float) -> str:
    """The run with its glyphs arranged by HarfBuzz (a ShapedStr), or the text itself when
    its font needs no shaping."""
    if not needs_shaping(font):
        return text
    word = [pdfmetrics.stringWidth(text, font, size), (ABag(fontName=font, fontSize=size), text)]
    return shapeFragWord(word, features=_FEATURES, force=True)[1][1]


def _run_width(text: str, font: str, size: float) -> float:
    shaped = shape(text, font, size)
    if isinstance(shaped, ShapedStr):
        return sum(glyph.x_advance for glyph in shaped.__shapeData__) * size / 1000
    return pdfmetrics.stringWidth(text, font, size)


def width(text: str, size: float, font: str = REGULAR) -> float:
    return sum(_run_width(part, name, size) for name, part in runs(text, font))


def text_out(drawn: PDFTextObject, text: str, size: float, font: str = REGULAR) -> None:
    """Add the text to a text object run by run, shaping the runs that need it."""
    for name, part in runs(text, font):
        drawn.setFont(name, size)
        shaped = shape(part, name, size)
        if not isinstance(shaped, ShapedStr):
            drawn.textOut(part)
            continue
        # A shaped glyph (a conjunct, a joined letter) may not map back to the letters
        # typed; the span gives readers the name as typed. reportlab has no call for
        # marked content in a text object, hence its operator list.
        actual = ("\ufeff" + part).encode("utf-16-be").hex().upper()
        drawn._code.append(f"/Span <</ActualText <{actual}>>> BDC")
        drawn.textOut(shaped)
        drawn._code.append("EMC")


def wrap(text: str, size: float, font: str, line_width: float) -> list[str]:
    """The text in lines no wider than `line_width`, broken between words, or inside a
    word that is wider than a line by itself (a long name with no spaces)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        for piece in _pieces(word, size, font, line_width):
            candidate = f"{current} {piece}" if current else piece
            if current and width(candidate, size, font) > line_width:
                lines.append(current)
                current = piece
            else:
                current = candidate
    lines.append(current)
    return lines


def _pieces(word: str, size: float, font: str, line_width: float) -> list[str]:
    if width(word, size, font) <= line_width:
        return [word]
    pieces, current = [], ""
    for char in word:
        if current and width(current + char, size, font) > line_width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current]


def markup(text: str, font: str = REGULAR) -> str:
    """Text escaped for a platypus Paragraph, with fallback fonts marked up."""
    return "".join(
        escape(part) if name == font else f'<font name="{name}">{escape(part)}</font>'
        for name, part in runs(text, font)
    )


def any_shaped(text: str, font: str = REGULAR) -> bool:
    """Whether some of the text is in a script that must be shaped (a Paragraph cannot)."""
    return any(needs_shaping(name) for name, _part in runs(text, font))
