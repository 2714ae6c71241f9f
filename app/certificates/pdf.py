"""Certificate PDFs: a pure function from the stored record to bytes.

The same record always gives the same bytes (reportlab's invariant mode fixes the dates
and ids it would otherwise vary), so a certificate can be made again years later and
compared with a copy someone holds. Text is real text in reading order, and the document
carries a title (which viewers show in place of the file name), author, subject and language
for assistive technology. The PDF is not tagged (reportlab's open-source edition cannot write a
structure tree); the accessibility statement says so and points to the verify page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import segno
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.certificates import fonts
from app.models.base import local_date

INK = HexColor("#0b0c0c")
ACCENT = HexColor("#1d70b8")
QUIET = HexColor("#505a5f")
WARNING = HexColor("#d4351c")
LANGUAGE = "en-GB"
PRODUCER = "Online conduct training"
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks
QR_MASK = 4
rl_config.useA85 = 0  # binary streams: smaller files, less work than ASCII85 text


@dataclass(frozen=True)
class CertificateData:
    code: str
    holder_name: str
    module_title: str
    organisation: str
    policy: str
    content_version: int
    score_percent: int
    issued_at: datetime
    expires_on: date
    verify_url: str
    # A copy made after the certificate stopped counting says so, first thing on the page:
    # revocation and replacement are part of the stored record, so the bytes stay
    # reproducible. (Expiry is not marked: the expiry date is printed.)
    revoked_on: date | None = None
    superseded_on: date | None = None


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def certificate(data: CertificateData) -> bytes:
    fonts.register()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, lang=LANGUAGE)
    canvas.setTitle(f"Certificate: {data.module_title} – {data.holder_name}")
    canvas.setAuthor(data.organisation)
    canvas.setSubject(f"Certificate of completion {data.code}")
    canvas.setCreator(PRODUCER)
    canvas.setProducer(PRODUCER)
    canvas.setKeywords(["certificate", data.code])
    canvas.setViewerPreference("DisplayDocTitle", "true")  # WCAG 2.4.2 (PDF18)

    notice = _notice(data)
    canvas.setStrokeColor(WARNING if data.revoked_on else ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)

    writer = _Writer(canvas, left=30 * mm, right=width - 30 * mm, top=height - 30 * mm)
    if notice:
        writer.line(notice, 16, bold=True, colour=WARNING if data.revoked_on else INK)
        writer.gap(4)
    writer.line(data.organisation, 14, colour=QUIET)
    writer.gap(6)
    writer.line("Certificate of completion", 30, bold=True, colour=ACCENT)
    writer.gap(6)
    writer.line("This is to certify that", 14)
    writer.gap(2)
    writer.line(data.holder_name, 24, bold=True)
    writer.gap(6)  # room for deep descenders (Arabic, Devanagari)
    writer.line("has completed the training module", 14)
    writer.gap(2)
    writer.line(data.module_title, 20, bold=True)
    writer.gap(4)
    writer.line(
        f"passed its quiz with a score of {data.score_percent}%, and confirmed that they "
        f"have read and understood the {data.policy}.",
        13,
    )
    writer.gap(8)
    details = [
        ("Date of issue", long_date(local_date(data.issued_at))),
        ("Expires on", long_date(data.expires_on)),
        ("Certificate code", data.code),
        ("Content version", str(data.content_version)),
    ]
    for label, value in details:
        writer.line(f"{label}: {value}", 12)
    writer.gap(6)
    writer.line("Check that this certificate is still valid at:", 11, colour=QUIET)
    writer.line(data.verify_url, 11, colour=QUIET)

    _qr(canvas, data.verify_url, x=width - 30 * mm - 40 * mm, y=24 * mm, size=40 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _notice(data: CertificateData) -> str | None:
    if data.revoked_on:
        return f"Revoked on {long_date(data.revoked_on)}: this certificate is no longer valid."
    if data.superseded_on:
        return (
            f"Replaced on {long_date(data.superseded_on)} by a newer certificate: "
            "this one no longer counts."
        )
    return None


class _Writer:
    """Writes lines top to bottom (the reading order), wrapping long ones by words."""

    def __init__(self, canvas: Canvas, *, left: float, right: float, top: float) -> None:
        self.canvas, self.left, self.width, self.y = canvas, left, right - left, top

    def gap(self, points: float) -> None:
        self.y -= points

    def line(self, text: str, size: float, *, bold: bool = False, colour=INK) -> None:
        font = fonts.BOLD if bold else fonts.REGULAR
        for part in fonts.wrap(text, size, font, self.width):
            self.y -= size * 1.25
            drawn = self.canvas.beginText(self.left, self.y)
            drawn.setFillColor(colour)
            fonts.text_out(drawn, part, size, font)
            self.canvas.drawText(drawn)


def _qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The verify link as a QR code, drawn as vector squares (sharp at any zoom).

    Runs of dark modules are drawn as one rectangle each, in module units, which keeps the
    page small and quick to make. The mask is fixed: any of the eight is valid, and
    evaluating all of them (the default) takes longer than drawing the whole certificate.
    """
    code = segno.make_qr(url, error="m", mask=QR_MASK)  # (make() tries Micro QR first)
    # The bare matrix (segno's own iterator with a border is several times slower); the
    # four-module quiet zone around it is added by offsetting.
    rows = code.matrix
    count = len(rows) + 2 * QR_BORDER
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.rect(0, 0, count, count, stroke=0, fill=1)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    width = len(rows)
    for row_index, row in enumerate(rows, start=QR_BORDER):
        column = 0
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            path.rect(QR_BORDER + start, count - 1 - row_index, column - start, 1)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
