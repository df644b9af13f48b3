"""What both bots under test are built on: the settings a local bot runs with and a migrated
database (the HTTP edge, tests/conftest.py `BotUnderTest`, and the core, tests/support/core.py
`CoreBot`, share them, so neither imports the other's module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.support.activities import TENANT, USER_AAD
from tests.support.seeded import MigratedTemplates

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Every bot and storage test migrates its new database by copying one migrated template
# (tests/support/seeded.py says why); `migrate(url)` is `upgrade(url)` for them.
TEMPLATES = MigratedTemplates(PG_ADMIN_URL)
migrate = TEMPLATES.migrate


def local_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "ALLOWED_TENANT_IDS": TENANT,
        "ADMIN_AAD_IDS": USER_AAD,
        # Scenario tests drive the chaser sweep themselves, with a clock they control.
        "RUN_SCHEDULER": "false",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)
