"""7-minute guide: who changed the working copy since its last version, and why it was sent back

An approver who changed the text since the last version is refused (a second pair of eyes
means someone who didn't write it); the approver's note on a send-back is kept with the guide
and shown to the chair who sent it. Both columns start empty: nobody is recorded as an editor
of a guide drafted before this change.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("seven_minute_guide", schema=None) as batch_op:
        batch_op.add_column(sa.Column("editors", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("sent_back_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("seven_minute_guide", schema=None) as batch_op:
        batch_op.drop_column("sent_back_note")
        batch_op.drop_column("editors")
