"""A number in a URL that no row could have is "Page not found", never an error page."""

from __future__ import annotations

import re

import pytest

from app import catalogue

# Past PostgreSQL's INTEGER (an out-of-range error there), and past SQLite's 64 bits (an
# overflow error there).
TOO_LARGE = ["2147483648", "99999999999999999999"]


def urls_with_ids(app) -> list[tuple[str, str]]:
    """Every route with a number in its path, with that number made too large."""
    with app.app_context():
        module_id = catalogue.get().in_order()[0].id
    urls = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for number in TOO_LARGE:
            path = re.sub(r"<int:[^>]+>", number, rule.rule)
            path = path.replace("<module_id>", module_id).replace("<action>", "exempt")
            method = "GET" if "GET" in rule.methods else "POST"
            urls.append((method, path))
    return urls


def test_every_route_with_a_number_is_covered(app):
    paths = {path for _, path in urls_with_ids(app)}
    assert any(p.startswith("/certificates/") for p in paths)
    assert any("/quiz/attempts/" in p for p in paths)
    assert any(p.startswith("/admin/users/") for p in paths)
    assert all("<" not in p for p in paths), paths


@pytest.mark.parametrize("role", ["learner", "officer", "admin"])
def test_a_number_too_large_for_any_row_is_not_found(app, client_as, role):
    client = client_as(role)
    for method, path in urls_with_ids(app):
        response = client.open(path, method=method)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "Page not found" in response.text


def test_the_largest_possible_id_is_still_looked_up(client_as):
    # At the limit the route matches and the lookup finds nothing: the same 404.
    response = client_as("learner").get("/certificates/2147483647/download")
    assert response.status_code == 404


@pytest.mark.parametrize("number", [*TOO_LARGE, "0", "-3", "abc"])
def test_a_department_filter_that_no_department_could_have_is_ignored(client_as, number):
    officer = client_as("officer")
    for path in ("/reports/people", "/team"):
        response = officer.get(path, query_string={"department": number})
        assert response.status_code == 200, (path, number)
