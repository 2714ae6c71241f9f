"""Checklist 25: no cell of any export can run as a spreadsheet formula.

Every way a formula can start (=, +, -, @, a tab, a carriage return) is planted in every
field that reaches an export (first and last name, e-mail address, employee number and
department), and every cell of both exports, as CSV and as XLSX, is read back: each
planted value arrives, as text with a quote in front, and no XLSX cell is a formula.
"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.support.accounts import create_department, create_user
from tests.support.compliance import sync

STARTS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", " =A1")
EXPORTS = ("compliance.csv", "compliance.xlsx", "matrix.csv", "matrix.xlsx")


def dangerous(cell: object) -> bool:
    text = str(cell or "")
    return text.lstrip().startswith(("=", "+", "-", "@")) or text[:1] in ("\t", "\r")


def cells_of(name: str, body: bytes) -> list[str]:
    if name.endswith(".csv"):
        text = body.decode("utf-8").removeprefix("\ufeff")
        return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    book = load_workbook(io.BytesIO(body))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name}: formula cell {cell.coordinate}"
                cells.append("" if cell.value is None else str(cell.value))
    return cells


def test_every_field_of_every_export_is_neutralised(app, people, client_as):
    planted = {}
    for n, start in enumerate(STARTS):
        department = f"{start} department {n}"
        planted[f"department {n}"] = department
        planted[f"first name {n}"] = f"{start} first {n}"
        planted[f"last name {n}"] = f"{start} last {n}"
        planted[f"employee number {n}"] = f"{start}{n}"
        # An address can start with =, + or - (not with a space, tab or @).
        email = f"{start[0]}x{n}@example.org" if start[0] in "=+-" else None
        if email:
            planted[f"e-mail {n}"] = email
        create_user(
            app,
            email,
            first_name=planted[f"first name {n}"],
            last_name=planted[f"last name {n}"],
            employee_number=planted[f"employee number {n}"],
            department_id=create_department(app, department),
        )
    sync(app)
    officer = client_as("officer")
    problems = []
    for export in EXPORTS:
        response = officer.get(f"/reports/export/{export}")
        assert response.status_code == 200, export
        cells = cells_of(export, response.data)
        problems += [f"{export}: {cell!r}" for cell in cells if dangerous(cell)]
        # Names appear as "first last"; check each planted value arrived, quoted.
        joined = "\n".join(cells)
        for field, value in planted.items():
            if field.startswith("e-mail") and export.startswith("matrix"):
                continue  # the matrix has no e-mail column
            if export.endswith(".xlsx"):
                value = value.replace("\r", "\n")  # XML reads a carriage return as \n
            if value not in joined:
                problems.append(f"{export}: the {field} {value!r} is missing")
            elif not any(cell.startswith("'") and value in cell for cell in cells):
                problems.append(f"{export}: the {field} {value!r} is not quoted")
    assert problems == [], "\n".join(problems)
