"""scenario runs that a content change left behind

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:55:00

A run stopped on a step that newer content no longer has cannot go on. When the person
starts the scenario again it is closed as abandoned: it keeps its decisions and never
counts as finished. A plain ADD COLUMN (no table rebuild), so migration 0007's triggers
stay as they are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('scenario_run', sa.Column('abandoned_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('scenario_run', schema=None) as batch_op:
        batch_op.drop_column('abandoned_at')
