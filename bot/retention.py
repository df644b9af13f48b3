"""Retention runs (domain/retention.py): daily inside each bot instance (bot/scheduler.py),
and on demand with `lineofsight retention run [--dry-run] [--tenant ID]`.

Each partnership runs in its own transaction. Generated export files are removed from disk once
that transaction has committed, so a failed run never leaves rows pointing at missing files;
a file left behind by a crash between the two is found next time (no row names it) and removed
then. Only files inside the data directory's exports folder are ever removed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.services import Services
from domain import retention
from domain.retention import Deleted, RetentionReport
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from storage.tables import ExportFile

log = logging.getLogger(__name__)
ORPHAN = "export_file_orphan"


@dataclass
class RunResult:
    reports: list[RetentionReport] = field(default_factory=list)
    files_removed: int = 0
    orphans: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [line for report in self.reports for line in report.lines()]
        dry = bool(self.reports) and self.reports[0].dry_run
        if self.orphans:
            verb = "would remove" if dry else "removed"
            lines.append(f"{verb} {len(self.orphans)} export file(s) no record points at")
        if not dry:
            lines.append(f"removed {self.files_removed} export file(s) from disk")
        return lines


class UnknownTenant(LookupError):
    pass


async def run_retention(
    db: Database, data_dir: Path, now: datetime, *, tenant: str | None, dry_run: bool
) -> RunResult:
    ids = await db.run(lambda uow: uow.retention.partnership_ids(tenant))
    if tenant is not None and not ids:
        raise UnknownTenant(f"No partnership has tenant id {tenant}.")
    result = RunResult()
    exports = (data_dir / "exports").resolve()
    for pid in ids:
        # No one is waiting on a retention run; the stuck-connection watchdog still bounds it.
        report = await db.run(_runner(pid, now, dry_run), wait=db.timeouts.stuck_unit)
        result.reports.append(report)
        if not dry_run:
            result.files_removed += await asyncio.to_thread(_remove, report.files, exports)
        result.orphans += await _orphans(db, exports, pid, now, dry_run=dry_run)
    if not dry_run:
        log.info(
            "retention run",
            extra={
                "partnerships": len(ids),
                "deleted": sum(sum(r.deleted.values()) for r in result.reports),
                "files": result.files_removed,
            },
        )
    return result


def _runner(
    partnership_id: int, now: datetime, dry_run: bool
) -> Callable[[SqlUnitOfWork], RetentionReport]:
    def work(uow: SqlUnitOfWork) -> RetentionReport:
        return retention.run(uow, partnership_id, now, dry_run=dry_run)

    return work


def _remove(paths: list[str], root: Path) -> int:
    removed = 0
    for raw in paths:
        path = Path(raw).resolve()
        if root not in path.parents:
            # A path outside the exports folder is never ours to delete, whatever a row says.
            log.warning("retention skipped a file outside the exports folder")
            continue
        if path.exists():
            path.unlink()
            removed += 1
    return removed


async def _orphans(
    db: Database, root: Path, partnership_id: int, now: datetime, *, dry_run: bool
) -> list[str]:
    folder = root / str(partnership_id)
    if not folder.is_dir():
        return []

    def old_files() -> list[Path]:
        cutoff = retention.export_cutoff(policy, now).timestamp()
        return [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime <= cutoff]

    policy = await db.run(lambda uow: retention.policy_of(uow.retention, partnership_id))
    candidates = await asyncio.to_thread(old_files)
    if not candidates:
        return []

    def unrecorded(uow: SqlUnitOfWork) -> list[Path]:
        known = {Path(p).resolve() for p in uow.session.scalars(_export_paths(partnership_id))}
        found = [p for p in candidates if p.resolve() not in known]
        if found and not dry_run:
            rows = [Deleted(ORPHAN, p.name) for p in found]
            uow.retention.log_deletions(partnership_id, rows, retention.export_rule(policy), now)
        return found

    found = await db.run(unrecorded)
    if not dry_run:
        await asyncio.to_thread(_remove, [str(p) for p in found], root)
    return [p.name for p in found]


def _export_paths(partnership_id: int) -> SelectOfScalar[str]:
    return select(ExportFile.path).where(col(ExportFile.partnership_id) == partnership_id)


class RetentionJob:
    """The daily run inside the bot; bot/scheduler.py's Schedule runs it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def run_once(self, *, dry_run: bool = False) -> RunResult:
        settings = self.services.settings
        now = self.services.now()
        try:
            return await run_retention(
                self.services.db, settings.data_dir, now, tenant=None, dry_run=dry_run
            )
        except Exception:
            # A failed run deletes nothing more that day; tomorrow's run tries again.
            log.exception("retention run failed")
            return RunResult()


RETENTION_JOB = web.AppKey("retention_job", RetentionJob)
