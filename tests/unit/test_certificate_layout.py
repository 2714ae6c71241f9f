"""The certificate PDF keeps every line of text inside its border, whatever the name."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime

import pypdfium2
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from app.certificates import fonts, pdf
from tests.conftest import skip_or_fail


def certificate_for(name: str, **changes) -> bytes:
    data = {
        "code": "7KQ2M9XD4HRTB8WC",
        "holder_name": name,
        "module_title": "Internet and e-mail",
        "organisation": "West Lothian Council",
        "policy": "Internet, Social Media and E-mail Policy, version 4",
        "content_version": 1,
        "score_percent": 90,
        "issued_at": datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        "expires_on": date(2027, 11, 30),
        "verify_url": "https://training.example.org/verify/7KQ2-M9XD-4HRT-B8WC",
    }
    return pdf.certificate(pdf.CertificateData(**(data | changes)))


def text_runs(data: bytes) -> list[tuple[str, float, float]]:
    """(text, x, font size) of every run drawn on the page, read back from the bytes."""
    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            runs.append((text, tm[4] * cm[0] + cm[4], font_size * tm[0]))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize(
    "name",
    [
        "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessen",
        "Anne-Marie Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft",
    ],
)
def test_a_long_name_without_spaces_is_broken_to_fit_inside_the_border(name):
    data = certificate_for(name)
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert name[:20] in text  # the name is there, as real text
    right_edge = landscape(A4)[0] - 30 * mm + 0.5  # the writer's right margin
    fonts.register()
    for run, x, size in text_runs(data):
        if name[-10:] in run or name[:10] in run:
            width = pdfmetrics.stringWidth(run, fonts.BOLD, size)
            assert x + width <= right_edge, f"{run!r} runs off the page"


NAMES_IN_OTHER_SCRIPTS = [
    "अनिल शर्मा",  # Devanagari (Hindi), with conjuncts
    "ਹਰਪ੍ਰੀਤ ਕੌਰ",  # Gurmukhi (Punjabi)
    "محمد علي",  # Arabic, right to left, letters joined
    "עמית כהן",  # Hebrew
    "ஸ்ரீ ராமன்",  # Tamil
    "สมชาย ใจดี",  # Thai
    "Zoë Ødegaard",  # Latin, for comparison
]


def ink(data: bytes) -> int:
    """How many dark pixels the first page has, rendered."""
    image = pypdfium2.PdfDocument(data)[0].render(scale=1, grayscale=True).to_pil()
    return sum(1 for value in image.get_flattened_data() if value < 128)


def read_back(data: bytes) -> str:
    """The text as a PDF reader gets it (PDFium, the engine in Chrome)."""
    return " ".join(pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range().split())


def actual_texts(data: bytes) -> list[str]:
    """The text that the page's ActualText spans give for the glyphs inside them."""
    stream = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    return [
        bytes.fromhex(value).decode("utf-16")
        for value in re.findall(r"/ActualText <([0-9A-F]+)>", stream)
    ]


def require_noto() -> None:
    if not fonts.noto_installed():
        skip_or_fail("Debian's fonts-noto-core is missing: `make install` adds it as root")


@pytest.mark.parametrize("name", NAMES_IN_OTHER_SCRIPTS)
def test_a_name_in_any_script_is_drawn_and_reads_back_as_typed(name):
    require_noto()
    data = certificate_for(name)
    # Something is drawn where the name goes (a font without its glyphs draws nothing) ...
    assert ink(data) - ink(certificate_for("")) > 150, f"{name} printed blank"
    # ... and searching, copying and screen readers get the name as typed: from the
    # glyphs themselves, or, where shaping changed them, from an ActualText span.
    spans = actual_texts(data)
    assert name in read_back(data) or " ".join(spans) == name, (read_back(data), spans)
    if unicodedata.bidirectional(name[0]) == "L" and spans:
        assert name in read_back(data)  # left to right, PDFium reads the spans back


def test_letters_that_join_are_shaped():
    require_noto()
    fonts.register()
    # क्ष is three characters and one glyph (a conjunct).
    assert len(fonts.shape("क्ष", "NotoDevanagari", 24).__shapeData__) == 1
    # Arabic is drawn right to left: the last letter typed comes first on the line.
    meem, yeh = fonts.shape("مي", "NotoArabic", 24).__shapeData__
    assert meem.cluster == 1 and yeh.cluster == 0


def test_the_training_record_shapes_a_name_too():
    require_noto()
    from datetime import UTC, datetime

    from app.certificates.records import TrainingRecord, record_pdf

    record = TrainingRecord(
        name="अनिल शर्मा",
        email="anil@example.org",
        organisation="West Lothian Council",
        made_at=datetime(2026, 11, 30, tzinfo=UTC),
        modules=[],
    )
    data = record_pdf(record)
    assert "Training record: अनिल शर्मा" in read_back(data)
    assert record_pdf(record) == data  # the same bytes again


def test_a_revoked_copy_with_long_lines_stays_clear_of_the_border_and_the_qr_code():
    data = certificate_for(
        "Anne-Marie Wolfeschlegelsteinhausenbergerdorffwelchevoralternwaren"
        "gewissenhaftschaferswessen MacDonald-Fitzgerald",
        module_title="Regulated work with children and protected adults: PVG and "
        "professional conduct online",
        revoked_on=date(2026, 12, 4),
    )
    lines = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            lines.append((text, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert lines[0][0].startswith("Revoked on 4 December 2026")  # read first
    width = landscape(A4)[0]
    qr_left, qr_top = width - 70 * mm, 64 * mm
    for text, x, y in lines:
        assert y > 14 * mm, f"{text!r} runs into the border"
        fonts.register()
        right = x + pdfmetrics.stringWidth(text, fonts.REGULAR, 11)
        assert y > qr_top or right < qr_left, f"{text!r} runs into the QR code"
