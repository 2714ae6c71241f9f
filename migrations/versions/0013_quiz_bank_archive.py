"""quiz bank archive: each wording a result was scored against

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:00:00

`quiz_bank_archive` keeps one row per wording of a module's question bank (the questions,
options, feedback, explanations and their lessons' titles, as JSON text, keyed by its
SHA-256). `quiz_attempt.bank_fingerprint` names the wording an attempt was scored against,
so its result shows what the person was asked, whatever the bank says later. Attempts
submitted before this migration have none: their results show today's wording, as before.

A plain ADD COLUMN (no table rebuild), so migration 0007's triggers stay as they are.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quiz_bank_archive",
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("module_id", "fingerprint", name=op.f("pk_quiz_bank_archive")),
    )
    op.add_column(
        "quiz_attempt", sa.Column("bank_fingerprint", sa.String(length=64), nullable=True)
    )


def downgrade():
    op.drop_column("quiz_attempt", "bank_fingerprint")
    op.drop_table("quiz_bank_archive")
