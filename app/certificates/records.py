"""A person's whole training record: every module, every cycle, attempts, acknowledgements
and certificates, and what training officers changed, as a page and as one PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select

from app import catalogue
from app.certificates import codes, fonts
from app.certificates.lifecycle import CertificateStatus
from app.certificates.pdf import LANGUAGE, PRODUCER, long_date
from app.certificates.services import status_of
from app.extensions import db
from app.learning import services as learning
from app.models import (
    Acknowledgement,
    Certificate,
    Correction,
    ModuleCompletion,
    QuizAttempt,
    User,
)
from app.models.base import local_date, utcnow


@dataclass
class CycleRecord:
    number: int
    learning_completed: datetime | None = None
    path: str | None = None
    attempts: list[QuizAttempt] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    certificates: list[tuple[Certificate, CertificateStatus]] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """Something a training officer recorded about this person's module, and why."""

    when: datetime
    what: str
    why: str


def _change(correction: Correction) -> Change:
    what = correction.kind_label
    if correction.new_due_on:
        what += f" to {long_date(correction.new_due_on)}"
    if correction.completed_on:
        what += f" (completed on {long_date(correction.completed_on)})"
    return Change(correction.created_at, what, correction.reason)


@dataclass
class ModuleRecord:
    module_id: str
    title: str
    status: str
    cycles: list[CycleRecord]
    # Extensions, exemptions, completions recorded elsewhere...: oldest first.
    changes: list[Change] = field(default_factory=list)


@dataclass
class TrainingRecord:
    name: str
    email: str
    organisation: str
    made_at: datetime
    modules: list[ModuleRecord]


def training_record(user: User) -> TrainingRecord:
    states = {s.module.id: s for s in learning.states_for(user, with_duties=True)}
    completions = _rows(ModuleCompletion, user)
    all_attempts = _rows(QuizAttempt, user)
    attempts = [a for a in all_attempts if a.submitted_at is not None]
    acknowledgements = _rows(Acknowledgement, user)
    certificates = _rows(Certificate, user)
    corrections = _rows(Correction, user)
    by_attempt_cycle = {a.id: a.cycle for a in all_attempts}
    titles = {m.id: m.title for m in catalogue.get().in_order()}
    touched = {r.module_id for r in [*completions, *attempts, *certificates, *corrections]}
    module_ids = [m for m in titles if m in states or m in touched]
    module_ids += sorted(touched - set(titles))  # a module since removed keeps its history
    modules = []
    for module_id in module_ids:
        cycles: dict[int, CycleRecord] = {}

        def cycle(number: int, cycles=cycles) -> CycleRecord:
            return cycles.setdefault(number, CycleRecord(number))

        for row in completions:
            if row.module_id == module_id:
                cycle(row.cycle).learning_completed = row.completed_at
                cycle(row.cycle).path = row.path
        for row in attempts:
            if row.module_id == module_id:
                cycle(row.cycle).attempts.append(row)
        for row in acknowledgements:
            if row.module_id == module_id:
                cycle(by_attempt_cycle.get(row.attempt_id, 1)).acknowledgements.append(row)
        for row in certificates:
            if row.module_id == module_id:
                cycle(row.cycle).certificates.append((row, status_of(row)))
        state = states.get(module_id)
        modules.append(
            ModuleRecord(
                module_id=module_id,
                title=titles.get(module_id, module_id),
                status=str(state.status) if state else "No longer assigned",
                cycles=[cycles[n] for n in sorted(cycles, reverse=True)],
                changes=[_change(c) for c in corrections if c.module_id == module_id],
            )
        )
    return TrainingRecord(
        name=f"{user.first_name} {user.last_name}",
        email=user.email,
        organisation=_organisation(),
        made_at=utcnow(),
        modules=modules,
    )


def _organisation() -> str:
    return current_app.config["ORG_NAME"]


def _rows(model, user: User) -> list:
    return list(
        db.session.scalars(select(model).where(model.user_id == user.id).order_by(model.id))
    )


def download_name(user: User) -> str:
    return f"training-record-{user.id}.pdf"


def certificate_detail(certificate: Certificate, status: CertificateStatus) -> str:
    """A certificate's row on the record: its code, status and expiry date, worded for the
    status (an expired certificate "expired on", not "expires", a date already past)."""
    code = codes.display(certificate.code)
    expiry = long_date(certificate.expires_on)
    if status is CertificateStatus.VALID:
        return f"{code}: Valid, expires on {expiry}"
    if status is CertificateStatus.EXPIRED:
        return f"{code}: Expired on {expiry}"
    return f"{code}: {status}, expiry date {expiry}"  # revoked or replaced: no longer counts


def _when(moment: datetime | None) -> str:
    return long_date(local_date(moment)) if moment else ""


def record_pdf(record: TrainingRecord) -> bytes:
    """The record as an A4 PDF, headings and tables in reading order."""
    fonts.register()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=fonts.REGULAR, fontSize=10)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontName=fonts.BOLD)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName=fonts.BOLD)
    h3 = ParagraphStyle("h3", parent=styles["Heading3"], fontName=fonts.BOLD)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=f"Training record: {record.name}",
        author=record.organisation,
        subject="Online conduct training record",
        creator=PRODUCER,
        producer=PRODUCER,
        lang=LANGUAGE,
        displayDocTitle=1,  # viewers show the title, not the file name (WCAG 2.4.2, PDF18)
        # Fixed dates and ids, as for certificates: the same record gives the same bytes.
        invariant=1,
    )

    def para(value: str, style: ParagraphStyle = body) -> Flowable:
        if fonts.any_shaped(value, style.fontName):
            return _ShapedLines(value, style)
        return Paragraph(fonts.markup(value, style.fontName), style)

    story = [
        para(f"Training record: {record.name}", h1),
        para(f"{record.organisation}. E-mail: {record.email}."),
        para(f"Made on {_when(record.made_at)}."),
        Spacer(1, 6 * mm),
    ]
    for module in record.modules:
        story += [para(module.title, h2), para(f"Status now: {module.status}.")]
        if not module.cycles and not module.changes:
            story.append(para("Nothing recorded yet."))
        for item in module.cycles:
            story.append(para(f"Cycle {item.number}", h3))
            if item.learning_completed:
                story.append(
                    para(
                        f"Learning ({item.path} path) completed on "
                        f"{_when(item.learning_completed)}."
                    )
                )
            rows = [["Record", "Date", "Detail"]]
            for attempt in item.attempts:
                rows.append(
                    [
                        "Quiz attempt",
                        _when(attempt.submitted_at),
                        f"{attempt.score_percent}%, {'passed' if attempt.passed else 'not passed'}",
                    ]
                )
            for ack in item.acknowledgements:
                rows.append(
                    [
                        "Policy acknowledged",
                        _when(ack.acknowledged_at),
                        f"{ack.policy_title}, version {ack.policy_version}",
                    ]
                )
            for certificate, status in item.certificates:
                rows.append(
                    [
                        "Certificate",
                        _when(certificate.issued_at),
                        certificate_detail(certificate, status),
                    ]
                )
            if len(rows) > 1:
                story.append(_table(rows, para))
        if module.changes:
            story.append(para("Changes made by a training officer", h3))
            rows = [["Change", "Date", "Reason"]]
            rows += [[c.what, _when(c.when), c.why] for c in module.changes]
            story.append(_table(rows, para))
        story.append(Spacer(1, 4 * mm))
    document.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]], para) -> Table:
    table = Table(
        [[para(cell) for cell in row] for row in rows],
        colWidths=[45 * mm, 40 * mm, 89 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, "#b1b4b6"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


class _ShapedLines(Flowable):
    """Text with a name in a script whose letters join (Devanagari, Arabic, ...), drawn as
    on the certificate: a Paragraph cannot shape text set in more than one font."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.lines: list[str] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.lines = fonts.wrap(
            self.text, self.style.fontSize, self.style.fontName, available_width
        )
        self.width = available_width
        self.height = self.style.leading * len(self.lines)
        return self.width, self.height

    def draw(self) -> None:
        size, leading = self.style.fontSize, self.style.leading
        for number, line in enumerate(self.lines, start=1):
            drawn = self.canv.beginText(0, self.height - (number - 1) * leading - size)
            drawn.setFillColor(self.style.textColor)
            fonts.text_out(drawn, line, size, self.style.fontName)
            self.canv.drawText(drawn)

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter
