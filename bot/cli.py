"""`lineofsight` console entry point: serve, dev, db upgrade, manifest build, demo, members
(import, export), retention, guard.

One bootstrap for every command: settings, logging, then the command; commands that use the
database open it with `_database` (the configured bounds, schema checked, closed after).
Heavy imports stay inside the commands, so `--help` is quick."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings
from bot.logs import configure
from storage.migrate import SchemaNotReady

if TYPE_CHECKING:
    from domain.directory import ParsedImport
    from storage.database import Database

log = logging.getLogger("lineofsight")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure(settings.log_level, settings.secrets())
    try:
        command: Callable[[argparse.Namespace, Settings], int] = args.run
        return command(args, settings)
    except (ConfigError, SchemaNotReady) as error:
        print(f"lineofsight: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lineofsight", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the bot").set_defaults(run=_serve)
    dev = sub.add_parser("dev", help="run the bot with the Agents Playground (local mode)")
    dev.add_argument("--playground-port", type=int, default=56150)
    dev.add_argument("--no-demo", action="store_true", help="don't load the demo partnership")
    dev.set_defaults(run=_dev)
    db = sub.add_parser("db", help="database commands").add_subparsers(
        required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)
    manifest = sub.add_parser("manifest", help="Teams app package").add_subparsers(
        required=True, metavar="ACTION"
    )
    build = manifest.add_parser("build", help="build the app package zip")
    build.add_argument("--out", type=Path, default=Path("manifest/build"))
    build.add_argument("--version", default="1.0.0")
    build.set_defaults(run=_manifest_build)
    demo = sub.add_parser("demo", help="load the pseudonymised demo partnership")
    demo.add_argument(
        "--tenant",
        help="tenant id (default: the Playground's in local mode, else MicrosoftAppTenantId)",
    )
    demo.add_argument(
        "--chair-aad",
        help="AAD object id of the demo admin and chair (default: the Playground's user)",
    )
    demo.set_defaults(run=_demo)
    _add_members_parser(sub)
    _add_retention(sub)
    sub.add_parser(
        "guard",
        help="test the identifier guard: one text per line on stdin, one JSON line per text out",
    ).set_defaults(run=_guard)
    return parser


def _guard(_args: argparse.Namespace, _settings: Settings) -> int:
    """For an information governance lead to try the guard on their own samples. Nothing is
    stored or logged: the texts go from stdin to the guard to stdout."""
    from domain.identifiers import find_identifiers

    for line in sys.stdin:
        findings = find_identifiers(line.rstrip("\r\n"))
        report = {
            "identifying": bool(findings),
            "findings": [{"kind": f.kind.value, "start": f.start, "end": f.end} for f in findings],
        }
        print(json.dumps(report), flush=True)
    return 0


def _serve(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import serve

    serve(settings)
    return 0


def _dev(args: argparse.Namespace, settings: Settings) -> int:
    from bot.devserver import run_dev

    return run_dev(settings, playground_port=args.playground_port, demo=not args.no_demo)


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    log.info("database upgraded", extra={"database": _describe(settings.database_url)})
    return 0


def _manifest_build(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from manifest.build import build_package

    path = build_package(
        args.out,
        teams_app_id=os.environ.get("TEAMS_APP_ID", ""),
        bot_id=os.environ.get("BOT_ID", settings.app_id),
        app_version=args.version,
    )
    print(path)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from storage.demo import PLAYGROUND_USER_AAD_ID, load_demo
    from storage.migrate import upgrade

    tenant = _tenant(args, settings, "lineofsight demo --tenant TENANT_ID")
    upgrade(settings.database_url)
    print(load_demo(settings.database_url, tenant, args.chair_aad or PLAYGROUND_USER_AAD_ID))
    return 0


MEMBERS_IMPORT_HELP = """\
Add or update members from a CSV file (UTF-8, header row required):

  aad_object_id,display_name,agency,roles,email,access,reason

Members are matched by AAD object id: a new id adds a member (kept, and linked when they
first use the bot), a known id updates the name, and the agency and email when given. The
agency must already exist (by name, ignoring case); roles are separated by ';'.
Roles are added, never silently revoked: with --replace-roles a member's roles become
exactly the file's. The optional access column ends a leaver's access ("ended", with a
reason: no names or addresses, it is audited) or gives it back ("active"), as the member
card's End access and Restore access do; blank leaves it as it is. An admin's access is
not ended (take the role away first, with --replace-roles), nor that of anyone named in
ADMIN_AAD_IDS. Bad rows are rejected with the reason; the rest are imported. The report
has one line per row, then the totals.
"""


def _add_members_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    members = sub.add_parser(
        "members", aliases=["member"], help="partnership members"
    ).add_subparsers(required=True, metavar="ACTION")
    importer = members.add_parser(
        "import",
        help="add or update members from a CSV file",
        description=MEMBERS_IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv")
    importer.add_argument(
        "--tenant",
        help="tenant id (default: the Playground's in local mode, else MicrosoftAppTenantId)",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    importer.add_argument(
        "--replace-roles",
        action="store_true",
        help="set each listed member's roles to exactly the file's (revokes the others)",
    )
    importer.set_defaults(run=_members_import)
    _add_member_export(members)


def _members_import(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import OperationalError

    from domain.directory import MAX_IMPORT_BYTES, ImportFileError, decode_import, parse_import
    from domain.errors import ConcurrencyConflict, StorageUnavailable

    tenant = _tenant(args, settings, "lineofsight members import FILE.csv --tenant ID")
    try:
        with args.file.open("rb") as handle:
            # One byte over the limit is enough to refuse an oversized file.
            parsed = parse_import(decode_import(handle.read(MAX_IMPORT_BYTES + 1)))
    except OSError as error:
        print(f"lineofsight: can't read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    except ImportFileError as error:
        print(f"lineofsight: {args.file}: {error.user_message}", file=sys.stderr)
        return 2
    try:
        lines = _import_into(settings, tenant, parsed, args)
    except ConcurrencyConflict as error:  # the one transaction was rolled back
        print(f"lineofsight: {error.user_message}", file=sys.stderr)
        return 2
    except (OperationalError, StorageUnavailable):
        print(
            f"lineofsight: can't reach the database at {_describe(settings.database_url)}; "
            "nothing was imported.",
            file=sys.stderr,
        )
        return 2
    print("\n".join(lines))
    return 0


def _import_into(
    settings: Settings, tenant: str, parsed: ParsedImport, args: argparse.Namespace
) -> list[str]:
    from domain.directory import import_members

    with _database(settings) as db:
        report = db.transaction(
            lambda uow: import_members(
                uow,
                tenant,
                parsed,
                replace_roles=args.replace_roles,
                dry_run=args.dry_run,
                configured_admins=settings.admin_aad_ids,
            )
        )
    return report.lines()


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


def _add_retention(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def _add_member_export(members: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    from domain.errors import ConcurrencyConflict, StorageUnavailable

    try:
        with _database(settings) as db:
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
    except ConcurrencyConflict:
        # Each partnership is its own transaction: the one in conflict was rolled back.
        print(
            "lineofsight: someone else was changing the same records; run it again.",
            file=sys.stderr,
        )
        return 2
    print("\n".join(result.lines()))
    return 0


def _member_export(args: argparse.Namespace, settings: Settings) -> int:
    from domain.errors import DomainError
    from domain.subject_access import subject_access_export
    from storage.repositories import SqlUnitOfWork

    tenant = _tenant(args, settings, "lineofsight member export AAD_ID --tenant ID")
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

    try:
        with _database(settings) as db:
            path = db.transaction(work)
    except DomainError as error:
        print(f"lineofsight: {error.user_message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"lineofsight: can't write to {folder}: {error.strerror or error}", file=sys.stderr)
        return 2
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


@contextmanager
def _database(settings: Settings) -> Iterator[Database]:
    """The configured database with its bounded waits, its schema checked, closed after."""
    from storage.database import Database
    from storage.migrate import check_schema

    db = Database(settings.database_url, settings.db_timeouts())
    try:
        check_schema(db.engine, db.url)
        yield db
    finally:
        db.close()


def _tenant(args: argparse.Namespace, settings: Settings, usage: str) -> str:
    """--tenant, else the Playground's in local mode, else MicrosoftAppTenantId."""
    from bot.config import PLAYGROUND_TENANT_ID

    tenant = args.tenant or (
        PLAYGROUND_TENANT_ID if settings.local_mode else settings.app_tenant_id
    )
    if not tenant:
        raise ConfigError(f"Name the partnership's tenant: {usage}")
    return str(tenant)


def _describe(url: str) -> str:
    # Never log credentials embedded in a database URL.
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main())
