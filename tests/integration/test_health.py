"""Health and readiness checks for load balancers."""

from __future__ import annotations

from app.database import recorded_statements
from tests.conftest import make_app


def count_statements(app, path):
    with recorded_statements(app, with_transaction_control=True) as statements:
        response = app.test_client().get(path)
    return response, statements


def test_healthz_answers_without_database_or_session(app):
    response, statements = count_statements(app, "/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "OK"
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_readyz_checks_the_database(app):
    response, statements = count_statements(app, "/readyz")
    assert response.status_code == 200
    assert [s for s in statements if s != "BEGIN"] == ["SELECT 1"]


def test_readyz_says_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-folder/db.sqlite")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "Database unavailable" in response.get_data(as_text=True)
    # And health, which load balancers use to keep a worker in rotation, still answers.
    assert app.test_client().get("/healthz").status_code == 200
