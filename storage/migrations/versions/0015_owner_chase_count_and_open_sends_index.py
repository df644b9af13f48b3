"""chase state: chasers since the owner took the record on; an index for the open sends

"Chased 5 times" counted the chasers its previous owner had, and told the new owner so: the
record's lifetime count can't say how many went to whoever has it now, so that count needs
its own column, started again when an action item is reassigned (domain/chasers.py
`NEW_OWNER`). Existing records start from their lifetime count, as they were shown until now.

Every sweep reads the chaser log's sends still `attempted` past a cutoff (storage/actions.py
`attempted_before`), which scanned the whole log: an index on (outcome, attempted_at).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("action_item", "pre_analysis_return")
_INDEX = "ix_chaser_log_outcome_attempted_at"


def upgrade() -> None:
    for name in _TABLES:
        # A plain ADD COLUMN (no batch copy): SQLite keeps the table and its indexes as they are.
        op.add_column(
            name,
            sa.Column("owner_chase_count", sa.Integer(), nullable=False, server_default="0"),
        )
        table = sa.table(
            name,
            sa.column("owner_chase_count", sa.Integer()),
            sa.column("chase_count", sa.Integer()),
        )
        op.execute(table.update().values(owner_chase_count=table.c.chase_count))
    op.create_index(_INDEX, "chaser_log", ["outcome", "attempted_at"], unique=False)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="chaser_log")
    for name in _TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("owner_chase_count")
