"""`lineofsight retention run` and `lineofsight member export`: information governance from the
command line (issue 7). Heavy imports stay inside the commands, so `--help` is quick."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings

RETENTION_HELP = """\
Delete what the partnership's retention periods say is due (see `retention` in the bot):
closed or cancelled reviews with everything under them, generated export files (rows and the
files on disk) and old chaser log rows. Reviews under legal hold are kept whole. Each deleted
row is written to the deletion log (type, id and rule; never its content). Audit events are
never deleted. The bot runs this daily by itself; --dry-run lists what would go and changes
nothing.
"""

MEMBER_EXPORT_HELP = """\
Write a JSON file of everything held about one member (a subject-access request): their member
row and roles, the answers they last wrote, chronology entries they created, progress entries,
impact records, action items they own, return assignments, exports, the chaser log about their
items and the audit events they caused or that are about them. Prints the file's path. The file
is readable by its owner only; the export is recorded in the audit log.
"""


def add_retention(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    actions = sub.add_parser("retention", help="retention: delete what is due").add_subparsers(
        required=True, metavar="ACTION"
    )
    run = actions.add_parser(
        "run",
        help="delete what is due now, except legal holds",
        description=RETENTION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--dry-run", action="store_true", help="report what would be deleted; change nothing"
    )
    run.add_argument("--tenant", help="only this partnership (default: every partnership)")
    run.set_defaults(run=_retention_run)


def add_member_export(members: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = members.add_parser(
        "export",
        help="subject-access export of everything held about a member",
        description=MEMBER_EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("aad_object_id", metavar="AAD_ID", help="the member's AAD object id")
    export.add_argument(
        "--tenant",
        help="tenant id (default: the Playground's in local mode, else MicrosoftAppTenantId)",
    )
    export.add_argument(
        "--out", type=Path, help="folder for the file (default: DATA_DIR/subject-access)"
    )
    export.set_defaults(run=_member_export)


def _retention_run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.retention import UnknownTenant, run_retention
    from domain.errors import StorageUnavailable
    from storage.database import Database
    from storage.migrate import check_schema

    db = Database(settings.database_url, settings.db_timeouts())
    try:
        check_schema(db.engine, db.url)
        result = asyncio.run(
            run_retention(
                db,
                settings.data_dir,
                datetime.now(UTC),
                tenant=args.tenant,
                dry_run=args.dry_run,
            )
        )
    except UnknownTenant as error:
        print(f"lineofsight: {error}", file=sys.stderr)
        return 2
    except StorageUnavailable:
        print("lineofsight: can't reach the database; nothing was deleted.", file=sys.stderr)
        return 2
    finally:
        db.close()
    print("\n".join(result.lines()))
    return 0


def _member_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config import PLAYGROUND_TENANT_ID
    from domain.errors import DomainError
    from domain.subject_access import subject_access_export
    from storage.database import Database
    from storage.migrate import check_schema
    from storage.repositories import SqlUnitOfWork

    tenant = args.tenant or (
        PLAYGROUND_TENANT_ID if settings.local_mode else settings.app_tenant_id
    )
    if not tenant:
        raise ConfigError(
            "Name the partnership's tenant: lineofsight member export AAD_ID --tenant ID"
        )
    folder: Path = args.out or settings.data_dir / "subject-access"
    now = datetime.now(UTC)

    def work(uow: SqlUnitOfWork) -> Path:
        data = subject_access_export(uow, tenant, args.aad_object_id, now)
        # Written inside the transaction: if the file can't be written, the audit event
        # saying it was exported is rolled back with it.
        return _write_private(
            folder,
            f"{now:%Y%m%d-%H%M%S}-member-{data['aad_object_id'][:8]}-{secrets.token_hex(3)}",
            data,
        )

    db = Database(settings.database_url, settings.db_timeouts())
    try:
        check_schema(db.engine, db.url)
        path = db.transaction(work)
    except DomainError as error:
        print(f"lineofsight: {error.user_message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"lineofsight: can't write to {folder}: {error.strerror or error}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(path)
    return 0


def _write_private(folder: Path, stem: str, data: dict[str, Any]) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{stem}.json"
    # Created readable by its owner only, and never over an existing file.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
    return path.resolve()
