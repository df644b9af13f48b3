"""pre-analysis return: who sent it back and when, kept with the comments past a resubmission

A return's lead sends it back with comments; its writers change it and submit it again. The
lead's sign-off card for the resubmitted return says what they sent back before, so that they
can check each point was met: the comments are no longer cleared by the resubmission, and who
sent it back and when are kept with them (`returned_by`, `returned_at`).

A return sent back stays "Returned for changes" until it is submitted again (its writers'
first save no longer moves it to "In progress", so every card and command says the same).
Returns already moved that way are put back: "in progress" with a lead's comments on it means
sent back and not yet resubmitted, since a submit used to clear them. Who sent those back, and
when, were never recorded: both start empty.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_pre_analysis_return_returned_by_member"


def _returns() -> sa.TableClause:
    return sa.table(
        "pre_analysis_return",
        sa.column("status", sa.String()),
        sa.column("returned_comments", sa.Text()),
    )


def upgrade() -> None:
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("returned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(_FOREIGN_KEY, "member", ["returned_by"], ["id"])
    returns = _returns()
    op.execute(
        returns.update()
        .where(returns.c.status == "in_progress", returns.c.returned_comments.is_not(None))
        .values(status="returned")
    )


def downgrade() -> None:
    # The statuses put back stay "returned": the code before this reads that, and its
    # writers' next save moves it on as it always did. The code before this shows any
    # comments on a return as "Returned by your agency lead": a resubmitted return's kept
    # send-back is cleared, as a submit used to clear it (review13a).
    returns = _returns()
    op.execute(
        returns.update()
        .where(returns.c.status.not_in(("not_started", "in_progress", "returned")))
        .values(returned_comments=None)
    )
    with op.batch_alter_table("pre_analysis_return", schema=None) as batch_op:
        batch_op.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("returned_at")
        batch_op.drop_column("returned_by")
