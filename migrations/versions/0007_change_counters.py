"""change counters: the database counts changes behind cached figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:00:00

Row-level triggers add one to a named counter whenever a table (or column) that a set
of figures depends on changes, so a cached figure is never used after such a change,
whichever code path or process made it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

USER_FIELDS = (
    'is_active, department_id, first_name, last_name, email, employee_number, start_date, '
    'is_regulated_role, professional_body'
)
# (counter, table, event): what each set of figures depends on.
WATCHED = [
    ('compliance', 'assignment', 'INSERT'),
    ('compliance', 'assignment', 'UPDATE'),
    ('compliance', 'assignment', 'DELETE'),
    ('compliance', 'user_account', 'INSERT'),
    ('compliance', 'user_account', f'UPDATE OF {USER_FIELDS}'),
    ('compliance', 'user_account', 'DELETE'),
    ('compliance', 'department', 'INSERT'),
    ('compliance', 'department', 'UPDATE'),
    ('compliance', 'department', 'DELETE'),
    ('compliance', 'certificate', 'INSERT'),
    ('compliance', 'certificate', 'UPDATE OF revoked_at, expires_on, issued_at'),
    ('compliance', 'certificate', 'DELETE'),
    ('compliance', 'correction', 'INSERT'),
    ('compliance', 'correction', 'DELETE'),
    ('analytics', 'quiz_attempt', 'INSERT'),
    ('analytics', 'quiz_attempt', 'UPDATE OF submitted_at'),
    ('analytics', 'quiz_attempt', 'DELETE'),
    ('analytics', 'scenario_decision', 'INSERT'),
    ('analytics', 'scenario_decision', 'DELETE'),
]


def _name(counter, table, event):
    return f"tr_{table}_{event.split()[0].lower()}_{counter}"


def upgrade():
    op.create_table('change_counter',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_change_counter'))
    )
    op.execute("INSERT INTO change_counter (name, value) VALUES ('compliance', 0), ('analytics', 0)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            """
            CREATE FUNCTION bump_change_counter() RETURNS trigger AS $$
            BEGIN
                INSERT INTO change_counter (name, value) VALUES (TG_ARGV[0], 1)
                ON CONFLICT (name) DO UPDATE SET value = change_counter.value + 1;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
        for counter, table, event in WATCHED:
            op.execute(
                f"CREATE TRIGGER {_name(counter, table, event)} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION bump_change_counter('{counter}')"
            )
    else:
        for counter, table, event in WATCHED:
            op.execute(
                f"CREATE TRIGGER {_name(counter, table, event)} AFTER {event} ON {table} "
                f"BEGIN INSERT OR IGNORE INTO change_counter (name, value) VALUES ('{counter}', 0); "
                f"UPDATE change_counter SET value = value + 1 WHERE name = '{counter}'; END"
            )


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for counter, table, event in WATCHED:
        name = _name(counter, table, event)
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION bump_change_counter()")
    op.drop_table('change_counter')
