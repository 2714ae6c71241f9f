"""Alembic environment for Flask-Migrate.

Revisions are numbered 0001, 0002, … so their order is plain from the file names.
`flask db upgrade` is the only way the schema changes; the app never does it at start-up.
"""

import logging
from logging.config import fileConfig

from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app

config = context.config
if config.config_file_name is not None:
    # Keep the app's own loggers working when migrations run inside a test process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def _next_revision_number() -> str:
    head = ScriptDirectory.from_config(config).get_current_head()
    return f"{(int(head) if head else 0) + 1:04d}"


def process_revision_directives(_context, _revision, directives):
    script = directives[0]
    if getattr(config.cmd_opts, "autogenerate", False) and script.upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")
        return
    script.rev_id = _next_revision_number()


def render_item(type_, obj, autogen_context):
    # Our UTCDateTime is a plain DateTime in the database; keep revision files free of app imports.
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=migrate_ext.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
