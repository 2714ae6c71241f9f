"""The HR parser and files whose text is not all in one encoding."""

from __future__ import annotations

from app.hr.parser import parse
from tests.unit.test_hr_parser import HEADER, line, messages, person


def lines_in(*encoded: tuple[str, str], newline: str = "\r\n") -> bytes:
    """The heading, then each (line, encoding)."""
    return b"".join(
        (text + newline).encode(encoding) for text, encoding in [(HEADER, "utf-8"), *encoded]
    )


def test_one_windows_line_in_a_utf8_file_is_named_and_nothing_is_garbled() -> None:
    data = lines_in(
        (line(person(1, first_name="José")), "utf-8"),
        (line(person(2)), "utf-8"),
        (line(person(3, first_name="Zoë")), "cp1252"),
        (line(person(4, first_name="Siân")), "cp1252"),
    )
    parsed = parse(data)
    assert parsed.rows == []
    [problem] = parsed.problems
    assert problem.line == 4
    assert problem.message.startswith("Line 4: this line is not UTF-8 text")
    assert "line 2, for example" in problem.message and "CSV UTF-8" in problem.message


def test_a_windows_line_before_the_utf8_ones_is_the_one_named() -> None:
    data = lines_in(
        (line(person(1, first_name="Zoë")), "cp1252"),
        (line(person(2, first_name="José")), "utf-8"),
        newline="\n",
    )
    assert [(p.line, p.message[:36]) for p in parse(data).problems] == [
        (2, "Line 2: this line is not UTF-8 text,")
    ]


def test_line_numbers_count_a_byte_order_mark_and_a_cell_over_two_lines() -> None:
    data = b"\xef\xbb\xbf" + lines_in(
        (line(person(1, first_name="José", job_title='"Clerk\r\nand typist"')), "utf-8"),
        (line(person(2, first_name="Zoë")), "cp1252"),
    )
    [problem] = parse(data).problems
    assert problem.line == 4


def test_a_file_all_in_windows_1252_is_read_as_before() -> None:
    data = lines_in(
        (line(person(1, first_name="Zoë", job_title="Café – manager")), "cp1252"),
        (line(person(2)), "cp1252"),
        (line(person(3, last_name="Ó Néill")), "cp1252"),
    )
    parsed = parse(data)
    assert messages(parsed) == []
    assert parsed.encoding == "windows-1252"
    assert parsed.rows[0].first_name == "Zoë"
    assert parsed.rows[2].last_name == "Ó Néill"


def test_a_utf8_file_is_read_as_before() -> None:
    data = lines_in((line(person(1, first_name="José")), "utf-8"))
    parsed = parse(data)
    assert messages(parsed) == [] and parsed.rows[0].first_name == "José"
