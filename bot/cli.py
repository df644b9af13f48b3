"""`lineofsight` console entry point: serve, dev, db upgrade, manifest build, demo."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.logs import configure
from storage.migrate import SchemaNotReady

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
    return parser


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


def _describe(url: str) -> str:
    # Never log credentials embedded in a database URL.
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    sys.exit(main())
