"""`make bench` in miniature, so that a change which breaks the benchmark is seen at once.

The benchmark runs in no CI job of its own, and once stopped working unseen (a new limit
answered wrk's requests with 429). This runs the real script on a small council, one short
round, and checks what does not depend on the machine's speed: it finishes, it measures
every page issue 5 and issue 6 name, and SQL statements per page do not grow with the
number of staff. Ratios and timings are left to `make bench`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("wrk") is None:
        skip_or_fail("wrk is not installed (make system-test-deps installs it as root)")
    out = tmp_path_factory.mktemp("bench-results")
    arguments = [
        *("--users", "150", "--few-users", "50"),
        *("--rounds", "1", "--seconds", "1", "--connections", "4"),
        # Enough answered attempts that a fast machine cannot use them all in one second
        # (the bench stops rather than count replays as submissions).
        *("--submissions", "1500"),
        *("--officer-sizes", "100,200", "--officer-attempts", "2"),
        *("--out", str(out)),
    ]
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return json.loads((out / "results.json").read_text())


def test_every_page_the_issues_name_is_measured(results):
    measured = {page["name"]: page for page in results["pages"]}
    for name in (
        "lesson page",
        "quiz question page",
        "certificate PDF",
        "verify page (public)",
        "quiz submission (POST, a new attempt each time)",
        "signed-in form POST that changes nothing (floor)",
    ):
        assert measured[name]["requests_per_second"] > 0, name
        assert measured[name]["cpu_ms_per_request"] > 0, name
    assert results["certificate_cost_in_lesson_pages"] > 0
    assert results["submission_cpu_in_floors"] > 0
    officer_pages = {page["name"] for size in results["officer_pages"] for page in size["pages"]}
    assert {"dashboard", "people list", "compliance CSV export"} <= officer_pages


def test_sql_statements_do_not_grow_with_the_staff(results):
    grew = {
        page["name"]: (page["sql_statements_few_users"], page["sql_statements"])
        for page in results["pages"]
        if page["sql_statements"] != page["sql_statements_few_users"]
    }
    assert grew == {}
    # The officers' pages, measured on two councils of different sizes.
    small, large = results["officer_pages"]
    assert small["staff"] < large["staff"]
    assert [p["sql_statements"] for p in small["pages"]] == [
        p["sql_statements"] for p in large["pages"]
    ]


def test_the_floor_is_a_signed_in_post_that_writes_nothing(results):
    """The floor loads the signed-in person and nothing else; a submission does its own
    work on top (so it is the floor's SQL and more)."""
    measured = {page["name"]: page for page in results["pages"]}
    floor = measured["signed-in form POST that changes nothing (floor)"]
    submission = measured["quiz submission (POST, a new attempt each time)"]
    assert floor["sql_statements"] == 1
    assert submission["sql_statements"] > floor["sql_statements"]
