"""CSV and XLSX exports for auditors: compliance lists and the person × module matrix.

Pure functions: no Flask, no database. Callers pass headers and rows of plain cell values;
the view decides how to stream or send the result.

Spreadsheet safety (CSV/formula injection, OWASP): any text whose first character is
=, +, -, @, a tab or a carriage return is prefixed with a single quote so the spreadsheet shows
it as text instead of running it. We go a little further than OWASP's first-character rule and
also look past leading whitespace, because some spreadsheet imports trim it before deciding
whether a cell is a formula; the only cost is a quote on odd-looking text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

Cell = str | int | float | bool | date | datetime | None
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Cell]]]

TITLE = "Online conduct training"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
_LEADING_HIDERS = re.compile(r"^[\s\x00-\x1f\x7f]+")

# Excel's sheet-name rules: at most 31 characters, none of these.
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Cell) -> Cell:
    """Make text safe to open in a spreadsheet; other values pass through, None becomes ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    # Leading spaces or control characters do not hide a formula: a spreadsheet, or the
    # XLSX writer removing characters XML cannot hold, may drop them.
    if value.startswith(FORMULA_STARTS) or _LEADING_HIDERS.sub("", value).startswith(
        FORMULA_STARTS
    ):
        return "'" + value
    return value


def iso(value: Cell) -> Cell:
    """Dates as 2026-11-29, aware datetimes as 2026-11-29T13:05:00Z (UTC); others unchanged."""
    # datetime is a subclass of date, so it must be checked first.
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            # Guessing the zone of a time in an audit record would be worse than failing.
            raise ValueError("iso() needs a timezone-aware datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_cells(row: Sequence[Cell]) -> list[Cell]:
    return [neutralise(iso(value)) for value in row]


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """Yield a CSV file piece by piece: BOM and header line first, then one string per row.

    A generator, so a streamed response never holds the whole file in memory.
    """
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes commas, quotes and newlines; \r\n is what RFC 4180 and Excel expect.
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # The BOM tells Excel the file is UTF-8; without it non-ASCII names come out garbled.
    writer.writerow(_csv_cells(headers))
    yield BOM + take()
    for row in rows:
        writer.writerow(_csv_cells(row))
        yield take()


def sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts: forbidden characters removed, 31 characters at most, unique."""
    base = SHEET_TITLE_FORBIDDEN.sub("", title).strip() or "Sheet"
    # Excel refuses titles that begin or end with an apostrophe.
    base = base.strip("'") or "Sheet"
    candidate = base[:SHEET_TITLE_MAX]
    number = 1
    # Excel compares sheet names case-insensitively.
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _xlsx_value(value: Cell) -> Cell:
    """Dates as ISO text, text neutralised, numbers and booleans kept, None left blank."""
    if value is None:
        return None
    value = iso(value)
    if isinstance(value, str):
        # XML cannot hold most control characters; openpyxl would refuse the whole workbook.
        # Removed before neutralising, so that what is checked is what is written.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def _add_sheet(
    workbook: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> None:
    sheet = workbook.create_sheet(title=title)
    # Write-only sheets need the freeze set before any row is written.
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """One XLSX workbook with a sheet per (title, headers, rows)."""
    if not sheets:
        # Excel reports a workbook without sheets as corrupt.
        raise ValueError("xlsx_bytes() needs at least one sheet")
    # Write-only mode streams rows to disk, so memory stays flat for large exports.
    workbook = Workbook(write_only=True)
    workbook.properties.title = TITLE
    workbook.properties.creator = TITLE
    taken: set[str] = set()
    for title, headers, rows in sheets:
        _add_sheet(workbook, sheet_title(title, taken), headers, rows)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
