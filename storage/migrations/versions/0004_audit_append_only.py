"""audit_event is append-only in the database itself

The application only ever inserts audit rows (tests/unit/test_audit_append_only.py proves
no code path updates or deletes them); these triggers make the database refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL) too, whoever asks. Retention never deletes audit rows.

No columns change (autogenerate against 0003 finds no difference). On SQLite a later
`batch_alter_table("audit_event")` rebuilds the table and drops its triggers: such a migration
must create them again (the storage tests check they exist at head).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event is append-only"

POSTGRES_UP = (
    f"""
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)
SQLITE_UP = tuple(
    f"""
    CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {operation} refused'); END
    """
    for operation in ("UPDATE", "DELETE")
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _run(POSTGRES_UP)
    elif dialect == "sqlite":
        _run(SQLITE_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _run(POSTGRES_DOWN)
    elif dialect == "sqlite":
        _run(SQLITE_DOWN)
