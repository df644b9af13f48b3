"""chaser log: an attempt that may have repeated an earlier delivery

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): SQLite keeps the table and its indexes as they are.
    op.add_column(
        "chaser_log",
        sa.Column("possibly_repeated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("chaser_log", schema=None) as batch_op:
        batch_op.drop_column("possibly_repeated")
