"""team channels stored without the thread id, so each post starts a new thread

A channel registered before this change kept the id of the thread "register channel …" was
typed in (`…;messageid=…`), so every post landed as a reply inside that thread.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKER = ";messageid="
channels = sa.table(
    "team_channel", sa.column("id", sa.Integer()), sa.column("conversation_id", sa.String())
)


def upgrade() -> None:
    bind = op.get_bind()
    threaded = bind.execute(
        sa.select(channels.c.id, channels.c.conversation_id).where(
            channels.c.conversation_id.contains(MARKER, autoescape=True)
        )
    ).all()
    for row_id, conversation_id in threaded:
        bind.execute(
            channels.update()
            .where(channels.c.id == row_id)
            .values(conversation_id=conversation_id.split(MARKER, 1)[0])
        )


def downgrade() -> None:
    # The thread ids are not kept: a channel's own id is right before and after.
    pass
