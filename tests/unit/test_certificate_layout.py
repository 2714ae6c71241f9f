"""The certificate PDF keeps every line of text inside its border, whatever the name."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from app.certificates import fonts, pdf


def certificate_for(name: str) -> bytes:
    return pdf.certificate(
        pdf.CertificateData(
            code="7KQ2M9XD4HRTB8WC",
            holder_name=name,
            module_title="Internet and e-mail",
            organisation="West Lothian Council",
            policy="Internet, Social Media and E-mail Policy, version 4",
            content_version=1,
            score_percent=90,
            issued_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
            expires_on=date(2027, 11, 30),
            verify_url="https://training.example.org/verify/7KQ2-M9XD-4HRT-B8WC",
        )
    )


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
