"""agency names unique ignoring case and spacing, in the database

The directory refused "police " when "Police" existed, but only by reading first: two admins
adding the two at once on PostgreSQL both read "not taken" and both inserted. A stored key
(the name folded, domain/directory.py agency_key) with a unique index makes the database
settle the race: the second insert does nothing and its admin is told the name exists.

Agencies that already clash under the key keep their rows (members, returns and action items
point at them); every one after the first is renamed "Name (2)", "Name (3)" … so an admin can
see both and merge them by hand. Nothing is deleted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_MAX = 200
agencies = sa.table(
    "agency",
    sa.column("id", sa.Integer()),
    sa.column("partnership_id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
)


def key_of(name: str) -> str:
    # domain/directory.py agency_key, which must agree (tests/storage/test_agency_names.py
    # checks); a migration keeps its own copy. Folding lengthens "ß" to "ss": a key longer
    # than its column keeps its start and ends with a digest of the whole.
    key = " ".join(name.split()).casefold()
    if len(key) <= NAME_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: NAME_MAX - len(digest) - 1]}#{digest}"


def keys_and_names(rows: Sequence[tuple[int, int, str]]) -> dict[int, tuple[str, str]]:
    """Per agency id (rows in id order): its key, and its name, renamed if an earlier agency
    of its partnership holds the key."""
    held = {(partnership_id, key_of(name)) for _, partnership_id, name in rows}
    taken: set[tuple[int, str]] = set()
    result: dict[int, tuple[str, str]] = {}
    for agency_id, partnership_id, name in rows:
        candidate, number = name, 1
        while (partnership_id, key_of(candidate)) in taken:
            number += 1
            suffix = f" ({number})"
            candidate = name.strip()[: NAME_MAX - len(suffix)] + suffix
            if (partnership_id, key_of(candidate)) in held:
                candidate = name  # another agency is called that already: the next number
        taken.add((partnership_id, key_of(candidate)))
        result[agency_id] = (key_of(candidate), candidate)
    return result


def upgrade() -> None:
    op.add_column("agency", sa.Column("name_key", sa.String(length=NAME_MAX), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(agencies.c.id, agencies.c.partnership_id, agencies.c.name).order_by(agencies.c.id)
    ).all()
    named = {row_id: name for row_id, _, name in rows}
    for agency_id, (key, name) in keys_and_names([tuple(row) for row in rows]).items():
        values = {"name_key": key} if name == named[agency_id] else {"name_key": key, "name": name}
        bind.execute(agencies.update().where(agencies.c.id == agency_id).values(**values))
    op.create_index("uq_agency_name_key", "agency", ["partnership_id", "name_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_agency_name_key", table_name="agency")
    with op.batch_alter_table("agency") as batch_op:
        batch_op.drop_column("name_key")
