"""chaser log: an index on (subject_type, subject_id)

The chaser log is read by the record it is about: the tracker's escalations and resends for a
review's action items (storage/summaries.py), and retention's and a review's deletion of the
log rows about its returns and action items (storage/governance.py `_about`,
`_about_reviews`). With no index on the subject, each of those read the whole log, which grows
by a row per delivery attempt across every review of the partnership.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_chaser_log_subject_type_subject_id"


def upgrade() -> None:
    op.create_index(_INDEX, "chaser_log", ["subject_type", "subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="chaser_log")
