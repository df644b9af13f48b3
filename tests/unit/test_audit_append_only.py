"""Issue 7, item 4: the application has no code path that updates or deletes audit rows.

A static check over bot/, domain/ and storage/ (the migrations apart): every use of the
`AuditEvent` model is a construction or `insert()` (an insert), a column in a query, or the
subject of a select; no SQL text updates, deletes, truncates or alters `audit_event`; the audit
repository can only append. The database refuses UPDATE and DELETE as well (migration 0004,
tested in tests/storage/test_governance.py), which covers what a static check can't see.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.repositories import AuditLog
from storage import tables as t
from storage.repositories import SqlAudit

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("bot", "domain", "storage")
MODEL = "AuditEvent"
COLUMNS = frozenset(t.AuditEvent.model_fields)
# Reading: select(AuditEvent), select_from(AuditEvent), joins and counts.
READS = frozenset({"select", "select_from", "join", "outerjoin", "count", "scalars"})
WRITING_SQL = re.compile(
    r"\b(update|delete\s+from|truncate(\s+table)?|drop\s+table|alter\s+table|replace\s+into"
    r"|insert\s+or\s+replace\s+into)\s+[\"'`]?audit_event\b",
    re.IGNORECASE,
)
SESSION_WRITES = frozenset({"delete", "merge", "bulk_update_mappings", "bulk_save_objects"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def application_files() -> list[Path]:
    return sorted(
        path
        for layer in APPLICATION
        for path in (ROOT / layer).rglob("*.py")
        if "migrations" not in path.parts
    )


def findings_in(source: str, name: str) -> list[Finding]:
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[Finding] = []
    mentions_model = False
    for node in ast.walk(tree):
        if _is_model(node):
            mentions_model = True
            problem = _misuse(node, parents)
            if problem:
                found.append(Finding(name, node.lineno, problem))
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and WRITING_SQL.search(node.value):  # type: ignore[attr-defined]
            found.append(Finding(name, node.lineno, f"SQL writes audit_event: {node.value!r}"))
    if mentions_model:
        found += [
            Finding(name, node.lineno, f"session.{node.func.attr}() where audit rows are read")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_WRITES
        ]
    return found


def _is_model(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == MODEL) or (
        isinstance(node, ast.Attribute) and node.attr == MODEL
    )


def _misuse(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str | None:
    parent = parents.get(node)
    if _is_annotation(node, parent):
        return None  # `e: AuditEvent`: a type, which reads and writes nothing
    if isinstance(parent, ast.Call) and parent.func is node:
        return None  # AuditEvent(...): a new row, inserted
    if isinstance(parent, ast.Call) and node in parent.args and _call_name(parent) == "insert":
        return None  # insert(AuditEvent): new rows, the Core way
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in COLUMNS:
            return None  # AuditEvent.action: a column in a query
        return f"{MODEL}.{parent.attr} (only columns may be used)"
    if isinstance(parent, ast.Call) and node in parent.args and _call_name(parent) in READS:
        return None
    what = _call_name(parent) if isinstance(parent, ast.Call) else type(parent).__name__
    return f"{MODEL} used in {what}"


def _is_annotation(node: ast.AST, parent: ast.AST | None) -> bool:
    if isinstance(parent, (ast.arg, ast.AnnAssign)):
        return parent.annotation is node
    if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return parent.returns is node
    return False


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return type(func).__name__


def test_no_application_code_updates_or_deletes_audit_rows() -> None:
    files = application_files()
    assert len(files) > 50, "the scan must see the application"
    problems = [
        str(finding)
        for path in files
        for finding in findings_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert problems == []


def test_the_scan_sees_every_way_the_model_is_used_today() -> None:
    uses = {
        str(path.relative_to(ROOT))
        for path in application_files()
        if MODEL in path.read_text(encoding="utf-8")
    }
    # If this changes, look at the new use: it must only insert or read.
    assert {"storage/tables.py", "storage/repositories.py"} <= uses


@pytest.mark.parametrize(
    "bad",
    [
        "session.execute(update(t.AuditEvent).values(action='x'))",
        "session.execute(delete(AuditEvent))",
        "session.query(t.AuditEvent).filter_by(id=1).delete()",
        "session.execute(text('DELETE FROM audit_event WHERE id = 1'))",
        "session.execute(text('update \"audit_event\" set after = null'))",
        "connection.exec_driver_sql('TRUNCATE TABLE audit_event')",
        "table = t.AuditEvent.__table__",
        "TABLES = {'audit_event': t.AuditEvent}",
        "row = session.get(t.AuditEvent, 1)\nsession.delete(row)",
        "AUDIT = core(t.AuditEvent)",
        "session.execute(update(t.AuditEvent))",
    ],
)
def test_the_scan_catches_writes(bad: str) -> None:
    assert findings_in(bad, "example.py"), bad


@pytest.mark.parametrize(
    "good",
    [
        "session.add(t.AuditEvent(**asdict(entry)))",
        "APPEND = insert(t.AuditEvent)",
        "select(t.AuditEvent).where(t.AuditEvent.action == 'x').order_by(t.AuditEvent.id)",
        "select(func.count()).select_from(t.AuditEvent)",
        "select(t.AuditEvent, t.Member.display_name).outerjoin(t.Member)",
        "def event(e: t.AuditEvent) -> t.AuditEvent:\n    row: AuditEvent = e\n    return row",
    ],
)
def test_the_scan_allows_inserts_and_reads(good: str) -> None:
    assert findings_in(good, "example.py") == []


def test_the_audit_repository_can_only_append() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("_")}

    assert public(AuditLog) == {"append"}
    assert public(SqlAudit) == {"append"}
