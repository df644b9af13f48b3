"""return status date: when a return entered its status, for the nil-return chaser

A nil return waits for its agency lead's confirmation and is chased from the day the chair
recorded it (issue 14). Returns already in a status take the moment they were last written.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    returns = sa.table(
        "pre_analysis_return",
        sa.column("status_changed_at", sa.DateTime()),
        sa.column("updated_at", sa.DateTime()),
    )
    op.execute(returns.update().values(status_changed_at=returns.c.updated_at))


def downgrade() -> None:
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
