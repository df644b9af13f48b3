"""chase state: every chaser since the owner last answered, for the escalation copy

An escalation copy's "Chasers unanswered" showed the overdue chasers before the one it came
with (2 after five unanswered chasers). Reminders before the due date aren't kept apart from
the record's lifetime count, so the count since the last answer needs its own column (issue
17). Existing records start from their overdue count, the nearest thing kept.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("action_item", "pre_analysis_return")


def upgrade() -> None:
    for name in _TABLES:
        # A plain ADD COLUMN (no batch copy): SQLite keeps the table and its indexes as they are.
        op.add_column(
            name,
            sa.Column("unanswered_chase_count", sa.Integer(), nullable=False, server_default="0"),
        )
        table = sa.table(
            name,
            sa.column("unanswered_chase_count", sa.Integer()),
            sa.column("overdue_chase_count", sa.Integer()),
        )
        op.execute(table.update().values(unanswered_chase_count=table.c.overdue_chase_count))


def downgrade() -> None:
    for name in _TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("unanswered_chase_count")
