"""7-minute guide approval and versions: the working copy's state, and every published version

A guide published before this change becomes version 1, approved by nobody recorded (it was
published by its chair alone, as the bot then allowed).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

guides = sa.table(
    "seven_minute_guide",
    sa.column("id", sa.Integer()),
    sa.column("sections", sa.JSON()),
    sa.column("published", sa.Boolean()),
    sa.column("published_at", sa.DateTime()),
    sa.column("state", sa.String()),
)
versions = sa.table(
    "guide_version",
    sa.column("guide_id", sa.Integer()),
    sa.column("version", sa.Integer()),
    sa.column("sections", sa.JSON()),
    sa.column("approver", sa.String()),
    sa.column("approved_at", sa.DateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("seven_minute_guide", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                server_default="draft",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("submitted_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_seven_minute_guide_submitted_by_member", "member", ["submitted_by"], ["id"]
        )
    op.create_table(
        "guide_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approver", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["member.id"]),
        sa.ForeignKeyConstraint(["guide_id"], ["seven_minute_guide.id"]),
        sa.ForeignKeyConstraint(["submitted_by"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guide_id", "version"),
    )
    with op.batch_alter_table("guide_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guide_version_guide_id"), ["guide_id"], unique=False)
    bind = op.get_bind()
    published = bind.execute(
        sa.select(guides.c.id, guides.c.sections, guides.c.published_at).where(
            guides.c.published.is_(True)
        )
    ).all()
    for guide_id, sections, published_at in published:
        bind.execute(
            versions.insert().values(
                guide_id=guide_id,
                version=1,
                sections=sections or [],
                approver="its chair (before approval was required)",
                approved_at=published_at,
            )
        )
        bind.execute(guides.update().where(guides.c.id == guide_id).values(state="published"))


def downgrade() -> None:
    with op.batch_alter_table("guide_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guide_version_guide_id"))
    op.drop_table("guide_version")
    with op.batch_alter_table("seven_minute_guide", schema=None) as batch_op:
        batch_op.drop_constraint("fk_seven_minute_guide_submitted_by_member", type_="foreignkey")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("submitted_by")
        batch_op.drop_column("state")
