"""scenario decisions: the covering index also holds who chose

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:00:00

Analytics show a scenario decision only once enough different people have made it (too few
could identify them). With user_id in the index, counting those people reads the index
alone, as counting the choices already did. Plain index operations, not batch mode:
recreating the table on SQLite would drop the change-counter triggers of migration 0007.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_scenario_decision_choices', table_name='scenario_decision')
    op.create_index('ix_scenario_decision_choosers', 'scenario_decision', ['module_id', 'scenario_id', 'node_id', 'choice_id', 'user_id'], unique=False)


def downgrade():
    op.drop_index('ix_scenario_decision_choosers', table_name='scenario_decision')
    op.create_index('ix_scenario_decision_choices', 'scenario_decision', ['module_id', 'scenario_id', 'node_id', 'choice_id'], unique=False)
