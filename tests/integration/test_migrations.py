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


def test_upgrading_fills_the_question_tallies_and_keeps_the_triggers(tmp_path):
    """Migration 0008 counts the answers already given (first attempts only), and no later
    migration rebuilds a table on SQLite in a way that drops the change-counter triggers."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.quizzes import tallies
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/old.sqlite")
    with app.app_context():
        upgrade(revision="0007")
        run = db.session.execute
        run(
            text(
                "INSERT INTO user_account (id, employee_number, first_name, last_name, email, "
                "job_title, is_regulated_role, professional_body, is_active, "
                "is_training_officer, is_administrator, created_at, "
                "updated_at) VALUES (1, 'E1', 'Ann', 'Old', 'ann@example.org', '', 0, 'none', "
                "1, 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
        for attempt_id, right in ((1, False), (2, True)):  # a fail, then a pass
            run(
                text(
                    "INSERT INTO quiz_attempt (id, user_id, module_id, cycle, content_version, "
                    "pass_mark_percent, question_ids, option_order, started_at, submitted_at) "
                    "VALUES (:id, 1, 'sample-module', 1, 1, 80, '[]', '{}', '2026-01-01', "
                    "'2026-01-01')"
                ),
                {"id": attempt_id},
            )
            run(
                text(
                    "INSERT INTO quiz_answer (attempt_id, module_id, question_id, selected, "
                    "is_correct, answered_at) VALUES (:id, 'sample-module', 'q1', :selected, "
                    ":right, '2026-01-01')"
                ),
                {"id": attempt_id, "selected": '["b", "a"]', "right": right},
            )
        db.session.commit()
        upgrade()
        assert tallies.stored() == {("sample-module", "q1", '["a", "b"]', False): 1}
        assert tallies.stored() == tallies.counted_from_answers()
        triggers = db.session.scalar(
            text(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND (name LIKE 'tr_%_compliance' OR name LIKE 'tr_%_analytics')"
            )
        )
        assert triggers == 19
        db.engine.dispose()


def test_stepping_back_from_0012_and_up_again_keeps_the_triggers_on_sqlite(tmp_path):
    """0012's downgrade drops its two columns in place: batch mode would rebuild the tables
    and lose migration 0007's change-counter triggers on them."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/steps.sqlite")
    count = text(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
        "AND (name LIKE 'tr_%_compliance' OR name LIKE 'tr_%_analytics')"
    )
    with app.app_context():
        upgrade()
        assert db.session.scalar(count) == 19
        db.session.commit()
        downgrade(revision="0011")
        assert db.session.scalar(count) == 19
        db.session.commit()
        upgrade()
        assert db.session.scalar(count) == 19
        db.engine.dispose()
