"""`lineofsight` console entry point: serve, dev, db upgrade, manifest build, demo, members,
guard."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cli_governance
from bot.config import ConfigError, Settings
from bot.logs import configure
from storage.migrate import SchemaNotReady

if TYPE_CHECKING:
    from domain.directory import ParsedImport

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
    parser = argparse.ArgumentParser(prog="lineofsight", description=__doc__)
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
    cli_governance.add_retention(sub)
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
    from bot.config import PLAYGROUND_TENANT_ID
    from storage.demo import PLAYGROUND_USER_AAD_ID, load_demo
    from storage.migrate import upgrade

    tenant = args.tenant or (
        PLAYGROUND_TENANT_ID if settings.local_mode else settings.app_tenant_id
    )
    if not tenant:
        raise ConfigError("Name the partnership's tenant: lineofsight demo --tenant TENANT_ID")
    upgrade(settings.database_url)
    print(load_demo(settings.database_url, tenant, args.chair_aad or PLAYGROUND_USER_AAD_ID))
    return 0


MEMBERS_IMPORT_HELP = """\
Add or update members from a CSV file (UTF-8, header row required):

  aad_object_id,display_name,agency,roles,email

Members are matched by AAD object id: a new id adds a member (kept, and linked when they
first use the bot), a known id updates the name, and the agency and email when given. The
agency must already exist (by name, ignoring case); roles are separated by ';'.
Roles are added, never silently revoked: with --replace-roles a member's roles become
exactly the file's. Bad rows are rejected with the reason; the rest are imported. The
report has one line per row, then the totals.
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
    cli_governance.add_member_export(members)


def _members_import(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import OperationalError

    from bot.config import PLAYGROUND_TENANT_ID
    from domain.directory import MAX_IMPORT_BYTES, ImportFileError, decode_import, parse_import
    from domain.errors import StorageUnavailable

    tenant = args.tenant or (
        PLAYGROUND_TENANT_ID if settings.local_mode else settings.app_tenant_id
    )
    if not tenant:
        raise ConfigError(
            "Name the partnership's tenant: lineofsight members import FILE.csv --tenant ID"
        )
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
        lines = _import_into(settings.database_url, tenant, parsed, args)
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
    url: str, tenant: str, parsed: ParsedImport, args: argparse.Namespace
) -> list[str]:
    from domain.directory import import_members
    from storage.database import Database
    from storage.migrate import check_schema

    db = Database(url)
    try:
        check_schema(db.engine, url)
        report = db.transaction(
            lambda uow: import_members(
                uow, tenant, parsed, replace_roles=args.replace_roles, dry_run=args.dry_run
            )
        )
    finally:
        db.close()
    return report.lines()


def _describe(url: str) -> str:
    # Never log credentials embedded in a database URL.
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main())
