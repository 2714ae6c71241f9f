"""Helpers for the officers' side: applying the assignment rules through the CLI, a client
signed in at the (possibly frozen) time, and reading a module's row on a person's record."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask

from tests.support.accounts import sign_in, submit


def sync(app: Flask, *args: str) -> str:
    """`flask assignments sync`, as an operator runs it; its output."""
    result = app.test_cli_runner().invoke(args=["assignments", "sync", *args])
    assert result.exit_code == 0, result.output
    return result.output


def signed_in(app: Flask, email: str):
    """A client signed in now (after freezegun moves the clock, an older session has ended)."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def cell_of(officer, user_id: int, module_title: str = "A sample module") -> tuple[str, str]:
    """(status, due or expiry date) of one module on the person's record."""
    record = officer.get(f"/reports/people/{user_id}").text
    # The module's row (a confirmation banner above the table may name the module too).
    row = record.split(f'<th scope="row" class="govuk-table__header">{module_title}</th>')[1]
    row = row.split("</tr>")[0]
    status = re.search(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', row).group(1)
    due = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row)[0]
    return status, due


def long(day: date) -> str:
    """A date as pages write it: 3 March 2026."""
    return f"{day.day} {day:%B %Y}"


def record_completion_elsewhere(
    officer,
    user_id: int,
    on: date,
    evidence: str = "Face-to-face session; signed register held by HR",
    module_id: str = "sample-module",
):
    """An officer records training done elsewhere, through the form; the response."""
    return submit(
        officer,
        f"/reports/people/{user_id}/modules/{module_id}/offline",
        {"completed_on": [on.day, on.month, on.year], "reason": evidence},
    )
