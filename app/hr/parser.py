"""Reads the HR system's CSV export of employees, or reports every problem in it.

Both the upload page and `flask users import` use this one parser, so it is pure: bytes in,
rows and problems out, with no Flask and no database. Every message names the line and says
what is wrong in plain words, so that a training officer can fix the file in Excel.

Cells are only ever text. Nothing is evaluated: a cell such as "=HYPERLINK(...)" is kept
exactly as written (less surrounding spaces).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date

from email_validator import EmailNotValidError, validate_email

from app.models.organisation import normalise_email, tidy_department_name

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

DELIMITERS = (",", ";")
BODIES = ("none", "SSSC", "GTCS", "HCPC", "other")
_SPLIT = "Split it into smaller files and upload them one at a time."
SAVE_AS_CSV = "In Excel choose File, Save As, and pick 'CSV UTF-8 (Comma delimited)'."

# Field -> (plain words, accepted header names). The first name is the one we document.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "employee_number": (
        "employee number",
        ("employee_number", "employee_no", "employee_id", "staff_number"),
    ),
    "first_name": ("first name", ("first_name", "forename")),
    "last_name": ("last name", ("last_name", "surname")),
    "email": ("e-mail address", ("email", "e_mail", "email_address", "e_mail_address")),
    "department": ("department", ("department",)),
    "job_title": ("job title", ("job_title", "job", "post")),
    "start_date": ("start date", ("start_date",)),
    "line_manager": (
        "line manager",
        (
            "line_manager",
            "line_manager_number",
            "manager_employee_number",
            "line_manager_employee_number",
        ),
    ),
    "regulated_role": ("regulated role", ("regulated_role", "pvg", "regulated")),
    "professional_body": ("professional body", ("professional_body", "registration_body")),
    "leaving_date": ("leaving date", ("leaving_date", "end_date")),
}
OPTIONAL_COLUMNS = frozenset({"leaving_date"})
REQUIRED_VALUES = ("employee_number", "first_name", "last_name", "email", "department")

_HEADER_TO_FIELD = {name: field for field, (_, names) in COLUMNS.items() for name in names}
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})
_BODY_NAMES = {
    "": "none",
    "none": "none",
    "sssc": "SSSC",
    "gtcs": "GTCS",
    "hcpc": "HCPC",
    "other": "other",
    "scottish social services council": "SSSC",
    "general teaching council for scotland": "GTCS",
    "health and care professions council": "HCPC",
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_FORMS = "Use the form 2026-02-28 or 28/02/2026."
# The years the administrator's form accepts (app/admin/forms.py, DateInRange).
FIRST_YEAR, LAST_YEAR = 1900, 2100
# What some HR systems write for "no leaving date".
_NO_LEAVING_DATE = date(9999, 12, 31)
# Cells that are text we store and show: none may hold a control character.
_TEXT_FIELDS = ("employee_number", "first_name", "last_name", "email", "department", "job_title")
_UTF8_BOM = b"\xef\xbb\xbf"
# Cells matched against what is registered: invisible format characters are left out.
_MATCHED_FIELDS = ("employee_number", "line_manager", "email")
_MOST_UNUSED_SHOWN = 20


@dataclass(frozen=True)
class HrRow:
    line: int
    employee_number: str
    first_name: str
    last_name: str
    email: str
    department: str
    job_title: str
    start_date: date | None
    line_manager_number: str | None
    regulated_role: bool
    professional_body: str
    leaving_date: date | None


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


@dataclass(frozen=True)
class ParsedFile:
    rows: list[HrRow]
    problems: list[Problem]
    encoding: str
    delimiter: str
    # What the officer should know although it is not a problem (columns not used).
    warnings: tuple[str, ...] = ()
    # The employee number on every line read into columns, problems or not (spelt as
    # registered), so that checks of the whole file can run beside the lines' problems.
    employee_numbers: frozenset[str] = frozenset()
    # Whether that is every line's number: False when a line could not be read into
    # columns or has no number, so nobody can say who a full file leaves out.
    every_number_known: bool = False


@dataclass(frozen=True)
class _Record:
    """One data row that had the right number of values (its text, before checking)."""

    line: int
    values: dict[str, str]


class _Unreadable(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def parse(
    data: bytes,
    *,
    existing_employee_numbers: frozenset[str] = frozenset(),
    emails_in_use: Mapping[str, str] | None = None,
    leavers: frozenset[str] = frozenset(),
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ParsedFile:
    """Parse an HR export. `rows` holds only the rows on lines with no problem at all.

    `emails_in_use` maps the registered addresses (as normalise_email gives them) to
    their owners' employee numbers; `leavers` holds the employee numbers of deactivated
    accounts."""
    if len(data) > max_bytes:
        return _file_problem(f"The file is larger than {_size(max_bytes)}. {_SPLIT}")
    problem = _not_text(data)
    if problem:
        return _file_problem(problem)
    text, encoding = _decode(data)
    mixed = _mixed_encodings(data) if encoding != "utf-8" else None
    if mixed:
        return ParsedFile([], [mixed], "utf-8", ",")
    if text is None:
        return _file_problem(f"The file contains characters we cannot read. {SAVE_AS_CSV}")
    delimiter = _choose_delimiter(text)
    result = _parse_text(text, delimiter, max_rows)
    if isinstance(result, str):
        return _file_problem(result, encoding, delimiter)
    records, problems, rows, complete, warnings = result
    problems += _ambiguous_numbers(records, existing_employee_numbers)
    spelling = _spell_numbers_alike(records, existing_employee_numbers)
    rows = [_respelt(row, spelling) for row in rows]
    if complete:
        problems += _cross_row_problems(
            records, existing_employee_numbers, emails_in_use or {}, leavers
        )
    problem_lines = {p.line for p in problems}
    # An incompletely read file gives no rows: importing half of it would mislead.
    clean = [r for r in rows if r.line not in problem_lines] if complete else []
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    numbers = [r.values["employee_number"] for r in records]
    every_number_known = complete and all(numbers) and problem_lines <= {r.line for r in records}
    return ParsedFile(
        clean,
        problems,
        encoding,
        delimiter,
        warnings,
        employee_numbers=frozenset(filter(None, numbers)),
        every_number_known=every_number_known,
    )


def _ambiguous_numbers(records: list[_Record], existing: frozenset[str]) -> list[Problem]:
    """Numbers registered twice in different cases (possible in records made before
    numbers were matched whatever their case): a line naming one cannot say which."""
    spellings: dict[str, list[str]] = {}
    for number in sorted(existing):
        spellings.setdefault(number.casefold(), []).append(number)
    problems = []
    for record in records:
        for key in ("employee_number", "line_manager"):
            found = spellings.get(record.values[key].casefold(), [])
            if len(found) > 1:
                problems.append(
                    Problem(
                        record.line,
                        f"Line {record.line}: the employee numbers {' and '.join(found)} both "
                        "belong to someone, so this line cannot say which it means. Ask an "
                        "administrator to correct one of them.",
                    )
                )
    return problems


def _spell_numbers_alike(records: list[_Record], existing: frozenset[str]) -> dict[str, str]:
    """Employee numbers match whatever their case ("d0004" is D0004): each number, and each
    line manager's, is written as it is already registered, or as it first appears in the
    file. Records are changed in place, so that every later check compares like with like."""
    spelling = {number.casefold(): number for number in existing}
    for record in records:
        number = record.values["employee_number"]
        if number:
            spelling.setdefault(number.casefold(), number)
    for record in records:
        for key in ("employee_number", "line_manager"):
            value = record.values[key]
            if value:
                record.values[key] = spelling.get(value.casefold(), value)
    return spelling


def _respelt(row: HrRow, spelling: dict[str, str]) -> HrRow:
    manager = row.line_manager_number
    return replace(
        row,
        employee_number=spelling.get(row.employee_number.casefold(), row.employee_number),
        line_manager_number=spelling.get(manager.casefold(), manager) if manager else manager,
    )


def _file_problem(message: str, encoding: str = "utf-8", delimiter: str = ",") -> ParsedFile:
    return ParsedFile([], [Problem(None, message)], encoding, delimiter)


def _size(n: int) -> str:
    mb = 1024 * 1024
    if n >= mb:
        return f"{n // mb} MB" if n % mb == 0 else f"{n / mb:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return f"{n} bytes"


# --- Reading the bytes -------------------------------------------------------------------


def _not_text(data: bytes) -> str | None:
    """Catch the usual wrong saves from Excel before they turn into baffling column errors."""
    if not data.removeprefix(_UTF8_BOM).strip():
        return "The file is empty."
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return f"This is an Excel workbook, not a CSV file. {SAVE_AS_CSV}"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return f"The file is not saved as CSV text (perhaps as 'Unicode Text'). {SAVE_AS_CSV}"
    return None


def _decode(data: bytes) -> tuple[str | None, str]:
    """UTF-8 (with or without BOM), else Windows-1252, which older Excel saves on Windows."""
    data = data.removeprefix(_UTF8_BOM)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # five byte values have no Windows-1252 character
        return None, "windows-1252"


def _mixed_encodings(data: bytes) -> Problem | None:
    """A UTF-8 file with a line pasted in from an older system in Windows-1252 is neither:
    read all as Windows-1252, every UTF-8 accent would become two letters ("JosÃ©") without
    a word. So the first line that is not UTF-8 is reported, when another line holds
    UTF-8 accents. (A line break is never part of a UTF-8 character, so lines can be
    checked one at a time; they are counted as the CSV reader counts them.)"""
    utf8_line = other_line = None
    for number, raw in enumerate(data.removeprefix(_UTF8_BOM).splitlines(), start=1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            return Problem(
                other_line,
                f"Line {other_line}: this line is not UTF-8 text, but other lines are (line "
                f"{utf8_line}, for example), so its accented letters cannot be read. It was "
                "probably pasted in from another file: retype its accented letters in Excel, "
                f"then save the file again. {SAVE_AS_CSV}",
            )
    return None


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (first line, last line, cells) for each non-blank record.

    A quoted value may hold line breaks, so a record can span lines; we report the line it
    starts on. Rows of empty cells (",,,," from Excel) count as blank.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # in practice a huge value from an unclosed quote
            raise _Unreadable(start) from error
        if any(cell.strip() for cell in cells):
            yield start, reader.line_num, cells


def _choose_delimiter(text: str) -> str:
    """The delimiter that splits the heading line into more columns we know (comma on a tie)."""

    def known(delimiter: str) -> int:
        first = next(_safe_records(text, delimiter), None)
        cells = first[2] if first else []
        return sum(_normalise(cell) in _HEADER_TO_FIELD for cell in cells)

    return max(DELIMITERS, key=known)  # max keeps the first on a tie


def _safe_records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    try:
        yield from _records(text, delimiter)
    except _Unreadable:
        return


def _normalise(header: str) -> str:
    words = re.split(r"[\s_\-]+", header.strip().lower().replace(".", ""))
    return "_".join(w for w in words if w)


# --- The heading line --------------------------------------------------------------------


def _parse_text(
    text: str, delimiter: str, max_rows: int
) -> str | tuple[list[_Record], list[Problem], list[HrRow], bool, tuple[str, ...]]:
    """Read the heading and every row. Returns a file-level message when it cannot go on."""
    records = _records(text, delimiter)
    try:
        header = next(records, None)
    except _Unreadable:
        header = None
    if header is None:
        return "The file is empty."
    columns, message = _map_header(header[2])
    if message:
        return message
    warnings = _unused_columns(header[2], columns)
    width = len(header[2])
    checked: list[_Record] = []
    problems: list[Problem] = []
    rows: list[HrRow] = []
    try:
        for count, (line, end, cells) in enumerate(records, start=1):
            if count > max_rows:
                return f"The file has more than {max_rows:,} rows of employees. {_SPLIT}"
            if len(cells) != width:
                problems.append(_width_problem(line, end, len(cells), width, delimiter))
                continue
            record = _Record(line, _values(cells, columns))
            row, found = _check_row(record)
            checked.append(record)
            problems += found
            if row:
                rows.append(row)
    except _Unreadable as stop:
        problems.append(Problem(stop.line, _unreadable_message(stop.line)))
        return checked, problems, rows, False, warnings
    if not checked and not problems:
        return "The file has a heading line but no employees under it."
    return checked, problems, rows, True, warnings


def _map_header(cells: list[str]) -> tuple[dict[str, int], str | None]:
    """Column index for each field we know, or a message when columns are missing/repeated."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = _HEADER_TO_FIELD.get(_normalise(cell))
        if field is None:
            continue  # extra columns from the HR system are fine
        if field in columns:
            first = cells[columns[field]].strip()
            return columns, (
                f"The heading line has two columns for the {COLUMNS[field][0]}: "
                f"'{first}' (column {columns[field] + 1}) and '{cell.strip()}' "
                f"(column {index + 1}). Remove one of them."
            )
        columns[field] = index
    missing = [f for f in COLUMNS if f not in columns and f not in OPTIONAL_COLUMNS]
    return columns, _missing_message(missing, found_any=bool(columns)) if missing else None


def _unused_columns(cells: list[str], columns: dict[str, int]) -> tuple[str, ...]:
    """Name the columns the import does not read: one HR calls "Date Left" would otherwise
    leave every leaver active without a word."""
    used = set(columns.values())
    unused = [cell for index, cell in enumerate(cells) if index not in used and cell.strip()]
    if not unused:
        return ()
    shown = [_quote(cell) for cell in unused[:_MOST_UNUSED_SHOWN]]
    if len(unused) > _MOST_UNUSED_SHOWN:
        shown.append(f"{len(unused) - _MOST_UNUSED_SHOWN} more")
    which = "This column is" if len(unused) == 1 else "These columns are"
    message = f"{which} not used: {_all_of(tuple(shown))}."
    if "leaving_date" not in columns:
        names = _either(tuple(repr(n) for n in COLUMNS["leaving_date"][1]))
        message += (
            f" Leaving dates are read only from a column called {names} (capitals, spaces "
            "and hyphens do not matter)."
        )
    return (message,)


def _all_of(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _missing_message(missing: list[str], *, found_any: bool) -> str:
    labels = tuple(f"the {COLUMNS[f][0]}" for f in missing)
    accepted = "; ".join(
        f"for the {COLUMNS[f][0]}, {_either(tuple(repr(n) for n in COLUMNS[f][1]))}"
        for f in missing
    )
    message = (
        f"The file has no column for {_either(labels)}. "
        f"Column names we accept: {accepted}. Capitals, spaces and hyphens do not matter."
    )
    if not found_any:
        message += " The first line of the file must be the line of column headings."
    return message


def _either(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _values(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    values = {field: cells[index].strip() for field, index in columns.items()}
    values.setdefault("leaving_date", "")
    return values


def _width_problem(line: int, end: int, got: int, want: int, delimiter: str) -> Problem:
    mark = "comma" if delimiter == "," else "semicolon"
    message = (
        f"Line {line}: this line has {got} values but the heading line has {want}. "
        f"A value that contains a {mark} must be inside double quotes."
    )
    if end > line:
        message += f" The line runs on to line {end}, so a closing quotation mark may be missing."
    return Problem(line, message)


def _unreadable_message(line: int) -> str:
    return (
        f"Line {line}: this line could not be read (a value is far too long, which usually "
        "means a quotation mark is not closed). Nothing after it was read."
    )


# --- One row at a time -------------------------------------------------------------------


def _check_row(record: _Record) -> tuple[HrRow | None, list[Problem]]:
    """Check every rule for one row, reporting each problem (not just the first)."""
    v = record.values
    v["department"] = tidy_department_name(v["department"])
    for key in _MATCHED_FIELDS:
        v[key] = _without_format_characters(v[key])
    found = [f"the {COLUMNS[f][0]} is missing." for f in REQUIRED_VALUES if not v[f]]
    found += [
        f"the {COLUMNS[f][0]} {_quote(v[f])} contains a control character. "
        "Remove it and save the file again."
        for f in _TEXT_FIELDS
        if _has_control_character(v[f])
    ]
    if v["email"] and not _plausible_email(normalise_email(v["email"])):
        found.append(f"the e-mail address {_quote(v['email'])} does not look like one.")
    start, problem = _date(v["start_date"], "start date")
    found += problem
    leaving, problem = _date(v["leaving_date"], "leaving date", blank=_NO_LEAVING_DATE)
    found += problem
    if start and leaving and leaving < start:
        found.append(f"the leaving date {leaving} is before the start date {start}.")
    regulated, problem = _yes_no(v["regulated_role"])
    found += problem
    body, problem = _body(v["professional_body"])
    found += problem
    manager = v["line_manager"] or None
    if manager and manager.casefold() == v["employee_number"].casefold():
        found.append(
            f"employee {_quote(manager)} is named as their own line manager. "
            "Give their manager's employee number, or leave it blank."
        )
    problems = [Problem(record.line, f"Line {record.line}: {message}") for message in found]
    if problems or regulated is None or body is None:
        return None, problems
    row = HrRow(
        line=record.line,
        employee_number=v["employee_number"],
        first_name=v["first_name"],
        last_name=v["last_name"],
        email=normalise_email(v["email"]),
        department=v["department"],
        job_title=v["job_title"],
        start_date=start,
        line_manager_number=manager,
        regulated_role=regulated,
        professional_body=body,
        leaving_date=leaving,
    )
    return row, []


def _without_format_characters(value: str) -> str:
    """Without invisible format characters (a zero-width space or a byte order mark pasted
    from Teams, a web page or Word): "E1\u200b" would otherwise be someone other than E1."""
    return "".join(c for c in value if unicodedata.category(c) != "Cf").strip()


def _has_control_character(value: str) -> bool:
    """Escape, bell and the like; a line break inside a quoted cell (Alt+Enter in Excel)
    or a tab is only white space."""
    return any(unicodedata.category(c) == "Cc" and not c.isspace() for c in value)


def _plausible_email(email: str) -> bool:
    """The check the administrator's form makes (email_validator, without looking the
    domain up), after a light one that catches typing slips."""
    local, at, domain = email.partition("@")
    if not (local and at and "@" not in domain) or any(c.isspace() for c in email):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _date(value: str, label: str, *, blank: date | None = None) -> tuple[date | None, list[str]]:
    if not value:
        return None, []
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _UK_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        return None, [f"the {label} {_quote(value)} is not a date we recognise. {_DATE_FORMS}"]
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None, [f"the {label} {_quote(value)} is not a real date. {_DATE_FORMS}"]
    if found == blank:
        return None, []
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        return None, [
            f"the {label} {_quote(value)} is not between {FIRST_YEAR} and {LAST_YEAR}. "
            "Check the year, or leave the date blank."
        ]
    return found, []


def _yes_no(value: str) -> tuple[bool | None, list[str]]:
    answer = value.lower()
    if answer in _YES:
        return True, []
    if answer in _NO:
        return False, []
    return None, [
        f"the regulated role {_quote(value)} is not understood. Use yes or no (a blank means no)."
    ]


def _body(value: str) -> tuple[str | None, list[str]]:
    key = " ".join(value.lower().replace("&", "and").split())
    if key in _BODY_NAMES:
        return _BODY_NAMES[key], []
    return None, [
        f"the professional body {_quote(value)} is not one we know. "
        f"Use {_either(BODIES)} (a blank means none)."
    ]


def _quote(value: str, limit: int = 60) -> str:
    """Quote a cell for a message, kept to one short line however odd the cell is, with
    any control character shown as "?" (a message may be printed on a terminal)."""
    flat = printable(" ".join(value.split()))
    return f"'{flat[:limit]}…'" if len(flat) > limit else f"'{flat}'"


def printable(text: str) -> str:
    """Text with control and invisible format characters shown as "?", so that a cell
    cannot send escape sequences to a terminal or hide what a message says."""
    return "".join("?" if unicodedata.category(c) in {"Cc", "Cf"} else c for c in text)


# --- Across rows -------------------------------------------------------------------------


def _cross_row_problems(
    records: list[_Record],
    existing: frozenset[str],
    emails_in_use: Mapping[str, str],
    leavers: frozenset[str],
) -> list[Problem]:
    return [
        *_duplicate_numbers(records),
        *_duplicate_emails(records),
        *_emails_taken(records, emails_in_use, leavers),
        *_unknown_managers(records, existing),
        *_manager_loops(records),
    ]


def _first_lines(records: list[_Record], key: str) -> Iterator[tuple[_Record, int | None]]:
    """Each record with a value for `key`, and the line it first appeared on (None if here)."""
    first: dict[str, int] = {}
    for record in records:
        value = normalise_email(record.values[key]) if key == "email" else record.values[key]
        if value:
            earlier = first.setdefault(value, record.line)
            yield record, None if earlier == record.line else earlier


def _duplicate_numbers(records: list[_Record]) -> list[Problem]:
    return [
        Problem(
            r.line,
            f"Line {r.line}: the employee number {_quote(r.values['employee_number'])} is "
            f"also on line {first}. Each person must appear only once.",
        )
        for r, first in _first_lines(records, "employee_number")
        if first is not None
    ]


def _duplicate_emails(records: list[_Record]) -> list[Problem]:
    return [
        Problem(
            r.line,
            f"Line {r.line}: the e-mail address {_quote(r.values['email'])} is also on "
            f"line {first}. Each person needs their own e-mail address.",
        )
        for r, first in _first_lines(records, "email")
        if first is not None
    ]


def _emails_taken(
    records: list[_Record], emails_in_use: Mapping[str, str], leavers: frozenset[str]
) -> list[Problem]:
    problems = []
    for record in records:
        email, number = record.values["email"], record.values["employee_number"]
        owner = emails_in_use.get(normalise_email(email)) if email else None
        if owner is None or owner == number:
            continue
        if owner in leavers:
            # A council often gives a leaver's address to a new starter of the same name.
            message = (
                f"Line {record.line}: the e-mail address {_quote(email)} still belongs to "
                f"someone who has left (employee number {_quote(owner)}, account "
                "deactivated). Ask an administrator to change the leaver's address on the "
                "admin pages, then upload this file again."
            )
        else:
            message = (
                f"Line {record.line}: the e-mail address {_quote(email)} already belongs "
                f"to someone else (employee number {_quote(owner)}). "
                "Each person needs their own e-mail address."
            )
        problems.append(Problem(record.line, message))
    return problems


def _unknown_managers(records: list[_Record], existing: frozenset[str]) -> list[Problem]:
    # A manager on a line with its own problems still counts as in the file, so that one
    # bad line does not cause a false "unknown manager" on everyone who reports to them.
    known = existing | {r.values["employee_number"] for r in records}
    problems = []
    for record in records:
        manager = record.values["line_manager"]
        if manager and manager != record.values["employee_number"] and manager not in known:
            problems.append(
                Problem(
                    record.line,
                    f"Line {record.line}: the line manager {_quote(manager)} is not an "
                    "employee number in this file or of anyone already registered. "
                    "Check the number, or leave it blank.",
                )
            )
    return problems


def _manager_loops(records: list[_Record]) -> list[Problem]:
    """Report each line in a circle of line managers (A manages B manages A, any length)."""
    line_of: dict[str, int] = {}
    manager_of: dict[str, str] = {}
    for record in records:
        number, manager = record.values["employee_number"], record.values["line_manager"]
        if number and number not in line_of:  # later duplicates are reported elsewhere
            line_of[number] = record.line
            if manager and manager != number:  # own manager is reported on its row
                manager_of[number] = manager
    problems = []
    for cycle in manager_cycles(manager_of):
        for i, number in enumerate(cycle):
            chain = cycle[i:] + cycle[:i]
            line = line_of[number]
            problems.append(
                Problem(
                    line,
                    f"Line {line}: the line managers go round in a loop: {_chain(chain)}. "
                    "Someone in the loop needs a manager outside it, or none.",
                )
            )
    return problems


def manager_cycles(manager_of: dict[str, str]) -> list[list[str]]:
    """Each person has at most one manager, so following managers from anyone either ends
    or runs into a loop; walking each path once finds every loop in linear time."""
    done: set[str] = set()
    cycles = []
    for start in manager_of:
        path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in path:
            path[node] = len(path)
            node = manager_of.get(node)
        if node is not None and node in path:
            cycles.append(list(path)[path[node] :])
        done.update(path)
    return cycles


def _chain(numbers: list[str]) -> str:
    steps = [f"{_quote(numbers[0])} is managed by {_quote(numbers[1 % len(numbers)])}"]
    steps += [f"who is managed by {_quote(n)}" for n in [*numbers[2:], numbers[0]]]
    return ", ".join(steps)
