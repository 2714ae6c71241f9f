"""The migrations are the only source of the schema, and they match the models."""

from __future__ import annotations

import copy

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, inspect

from app.extensions import db


def schema_diff(app, metadata):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_models_and_migrations_agree(app):
    assert schema_diff(app, db.metadata) == []


def test_drift_is_detected_when_a_model_changes_without_a_migration(app):
    drifted = copy.deepcopy(db.metadata)
    drifted.tables["department"].append_column(Column("cost_centre", Integer))
    diff = schema_diff(app, drifted)
    assert any(change[0] == "add_column" and change[3].name == "cost_centre" for change in diff)


def test_flask_db_check_passes(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def describe_schema(app):
    with app.app_context():
        inspector = inspect(db.engine)
        schema = {}
        for table in sorted(inspector.get_table_names()):
            unique = {u["name"] for u in inspector.get_unique_constraints(table)}
            schema[table] = {
                "columns": sorted((c["name"], c["nullable"]) for c in inspector.get_columns(table)),
                "unique": sorted(unique),
                "foreign_keys": sorted(
                    (fk["name"], fk["referred_table"]) for fk in inspector.get_foreign_keys(table)
                ),
                # PostgreSQL lists the index behind each unique constraint as well.
                "indexes": sorted(
                    i["name"] for i in inspector.get_indexes(table) if i["name"] not in unique
                ),
            }
        return schema


def test_sqlite_and_postgresql_get_the_same_schema(sqlite_template, postgres_url):
    from tests.conftest import make_app

    sqlite_schema = describe_schema(make_app(f"sqlite:///{sqlite_template}"))
    postgres_schema = describe_schema(make_app(postgres_url))
    assert "alembic_version" in sqlite_schema
    assert sqlite_schema == postgres_schema


def test_app_start_up_never_creates_tables(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/empty.sqlite")
    app.test_client().get("/")
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
