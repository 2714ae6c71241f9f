"""assignments: when a row stopped counting; corrections: the completion a withdrawal undoes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00

`assignment.dropped_at` is set by `flask assignments sync` (and after every HR import or
administrator's change) when a row stops counting: the person left, or the module is no
longer for their role. When the row counts again it gets a fresh due date, as a new
starter would, and `dropped_at` is cleared. Filled here for people who have already left;
the first sync after upgrading marks the rows whose module no longer fits the role.

`correction.withdraws_id` is the completion from elsewhere that a "completion withdrawn"
correction undoes. It has no foreign key: SQLite can add a named one only by rebuilding the
table, which would drop migration 0007's triggers. The app checks the reference.

Both are plain ADD COLUMNs (no table rebuild), so migration 0007's triggers stay as they are.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('assignment', sa.Column('dropped_at', sa.DateTime(), nullable=True))
    op.add_column('correction', sa.Column('withdraws_id', sa.Integer(), nullable=True))
    assignments = sa.table(
        'assignment', sa.column('user_id'), sa.column('dropped_at', sa.DateTime())
    )
    users = sa.table('user_account', sa.column('id'), sa.column('is_active', sa.Boolean()))
    op.get_bind().execute(
        assignments.update()
        .where(assignments.c.user_id.in_(sa.select(users.c.id).where(users.c.is_active.is_(False))))
        .values(dropped_at=datetime.now(UTC).replace(tzinfo=None))
    )


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35 and later, PostgreSQL): batch mode would rebuild the
    # tables on SQLite and lose migration 0007's triggers on them.
    op.drop_column('correction', 'withdraws_id')
    op.drop_column('assignment', 'dropped_at')
