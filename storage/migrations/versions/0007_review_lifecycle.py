"""review lifecycle: deputy chair, reopen stage, period under review, return status note

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deputy_chair_member_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cancelled_from", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "period_under_review", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True
            )
        )
        batch_op.create_foreign_key(
            "fk_review_deputy_chair_member_id_member", "member", ["deputy_chair_member_id"], ["id"]
        )
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.drop_column("status_note")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("fk_review_deputy_chair_member_id_member", type_="foreignkey")
        batch_op.drop_column("period_under_review")
        batch_op.drop_column("cancelled_from")
        batch_op.drop_column("deputy_chair_member_id")
