"""people's names as lists sort them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:40:00

`user_account.sort_name` holds each person's name folded for sorting (first name then last,
lower case, accents left off: app.models.organisation.name_sort_key), so that lists put
"Émilie" beside "Emma" and "Łukasz" beside "Luke" on SQLite and PostgreSQL alike; both
sorted them after "Z" by code point. The app keeps it whenever a name is saved; this fills
it for the people already there.

A plain ADD COLUMN (no table rebuild), so migration 0007's triggers stay as they are.
"""

import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# A copy of the key as it was when this migration was written: a migration must not change
# meaning when the app's code does.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def _key(first_name, last_name):
    folded = unicodedata.normalize("NFKD", f"{first_name} {last_name}".casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return bare.translate(_UNDECOMPOSED)[:201]


def upgrade():
    op.add_column(
        "user_account",
        sa.Column("sort_name", sa.String(length=201), server_default="", nullable=False),
    )
    people = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("sort_name", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(people.c.id, people.c.first_name, people.c.last_name))
    keys = [{"person": row.id, "key": _key(row.first_name, row.last_name)} for row in rows]
    if keys:
        connection.execute(
            people.update()
            .where(people.c.id == sa.bindparam("person"))
            .values(sort_name=sa.bindparam("key")),
            keys,
        )
    op.create_index(op.f("ix_user_account_sort_name"), "user_account", ["sort_name"])


def downgrade():
    op.drop_index(op.f("ix_user_account_sort_name"), table_name="user_account")
    op.drop_column("user_account", "sort_name")
