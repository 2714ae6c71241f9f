"""Application factory.

create_app() wires configuration, extensions, templates, blueprints, error pages and
CLI commands. It never changes the database schema: that is `flask db upgrade`'s job.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from app import routing
from app.extensions import csrf, db, login_manager, migrate
from config import BASE_DIR, ConfigError, config_for


def create_app(env_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    try:
        config_class = config_for(env_name)
        app.config.from_object(config_class)
        if overrides:
            app.config.update(overrides)
        config_class.validate(app.config)
    except ConfigError as exc:
        # One plain line for the operator, and a non-zero exit for the process manager.
        raise SystemExit(f"Refusing to start: {exc}") from None

    _configure_templates(app)
    _load_content(app)
    _init_extensions(app)
    routing.init_app(app)
    _register_blueprints(app)

    from app import cli, errors, http_hardening, logging_setup, navigation, templating

    logging_setup.init_app(app)
    http_hardening.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("app"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_organisation() -> dict[str, Any]:
        return {
            "org_name": app.config["ORG_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "support_email": app.config["SUPPORT_EMAIL"],
            "privacy_email": app.config["PRIVACY_EMAIL"],
        }


def _load_content(app: Flask) -> None:
    from app import catalogue

    try:
        catalogue.init_app(app)
    except catalogue.InvalidContent as exc:
        if catalogue.is_content_check_command():
            return  # `flask content check` reports the problems itself
        raise SystemExit(f"Refusing to start: the content has problems:\n{exc}") from None


def _init_extensions(app: Flask) -> None:
    from app import database
    from app.auth import passwords

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file on this machine cannot drop the connection: skip the ping per checkout.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    passwords.init_app(app)
    _init_login(app)


def _init_login(app: Flask) -> None:
    from app.auth import services as auth_services

    login_manager.init_app(app)
    # Access is checked by app.auth.permissions; sessions are ended server-side by the
    # per-user session token that load_user checks, not by Flask-Login's protection.
    login_manager.session_protection = None
    login_manager.user_loader(auth_services.load_user)
    # We never issue "remember me" cookies; Flask-Login's hook for them reads the session
    # on every response, which would make even /healthz vary on the cookie.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)


def _register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.certificates.routes import bp as certificates_bp
    from app.learning.routes import bp as learning_bp
    from app.main.routes import bp as main_bp
    from app.quizzes.routes import bp as quizzes_bp
    from app.reports.routes import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(reports_bp)
