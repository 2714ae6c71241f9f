"""people: the modules an officer assigned them by hand

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 02:10:00

A module an officer assigns by hand counts against the person even when it is not for their
role; they must be able to open it. The list is kept on the person's row (read on every
request anyway), so that working out their modules costs no extra query. Filled from the
assignments already made by hand. A plain ADD COLUMN (no table rebuild), so migration
0007's triggers stay as they are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'user_account',
        sa.Column('modules_assigned_by_hand', sa.JSON(), nullable=False, server_default='[]'),
    )
    connection = op.get_bind()
    by_person = {}
    for user_id, module_id in connection.execute(
        sa.text("SELECT user_id, module_id FROM assignment WHERE source = 'officer'")
    ):
        by_person.setdefault(user_id, set()).add(module_id)
    users = sa.table('user_account', sa.column('id'), sa.column('modules_assigned_by_hand', sa.JSON()))
    for user_id, modules in by_person.items():
        connection.execute(
            users.update().where(users.c.id == user_id).values(modules_assigned_by_hand=sorted(modules))
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('modules_assigned_by_hand')
