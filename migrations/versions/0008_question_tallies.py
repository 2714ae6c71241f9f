"""question tallies for analytics, and a covering index for scenario choices

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 19:35:00

The tallies are filled from the answers already given (each person's first submitted
attempt per module); from now on each first submission adds to them.
"""
import json
from collections import Counter

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    tally = op.create_table('question_tally',
    sa.Column('module_id', sa.String(length=80), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('selected', sa.String(length=1000), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('module_id', 'question_id', 'selected', 'is_correct', name=op.f('pk_question_tally'))
    )
    # Plain index operations, not batch mode: recreating the table on SQLite would drop
    # the change-counter triggers of migration 0007.
    op.drop_index('ix_scenario_decision_analytics', table_name='scenario_decision')
    op.create_index('ix_scenario_decision_choices', 'scenario_decision', ['module_id', 'scenario_id', 'node_id', 'choice_id'], unique=False)

    rows = op.get_bind().execute(sa.text(
        "SELECT a.module_id, a.question_id, a.is_correct, CAST(a.selected AS VARCHAR), COUNT(*) "
        "FROM quiz_answer a WHERE a.attempt_id IN ("
        "  SELECT MIN(id) FROM quiz_attempt WHERE submitted_at IS NOT NULL "
        "  GROUP BY user_id, module_id) "
        "GROUP BY a.module_id, a.question_id, a.is_correct, CAST(a.selected AS VARCHAR)"
    ))
    counts = Counter()
    for module_id, question_id, is_correct, selected, count in rows:
        key = json.dumps(sorted(json.loads(selected)))
        counts[(module_id, question_id, key, bool(is_correct))] += count
    if counts:
        op.bulk_insert(tally, [
            {'module_id': m, 'question_id': q, 'selected': s, 'is_correct': c, 'count': n}
            for (m, q, s, c), n in sorted(counts.items())
        ])


def downgrade():
    op.drop_index('ix_scenario_decision_choices', table_name='scenario_decision')
    op.create_index('ix_scenario_decision_analytics', 'scenario_decision', ['module_id', 'scenario_id', 'node_id'], unique=False)
    op.drop_table('question_tally')
