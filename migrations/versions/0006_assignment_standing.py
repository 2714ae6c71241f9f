"""assignment standing: what each person's module status is worked out from

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 18:50:00

The new columns copy the certificate, correction and progress tables so that officer
pages can compute statuses in SQL. They start empty: `flask assignments sync` fills them
from the source tables (run it after upgrading; `make run` and the demo do).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extended_to", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("exempt", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("started", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("started")
        batch_op.drop_column("exempt")
        batch_op.drop_column("extended_to")
        batch_op.drop_column("valid_until")
