from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from bot.config import PLAYGROUND_TENANT_ID, ConfigError, Settings
from bot.logs import JsonFormatter, RedactSecrets


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


def test_local_mode_binds_loopback_and_allows_the_playground() -> None:
    local = settings()
    assert local.local_mode
    assert local.bind_host == "127.0.0.1"
    assert PLAYGROUND_TENANT_ID in local.allowed_tenant_ids
    local.check()


def test_local_mode_refuses_a_public_address() -> None:
    with pytest.raises(ConfigError, match="loopback"):
        settings(HOST="0.0.0.0").check()


def test_deployed_mode_needs_a_password_and_tenants_and_drops_the_playground() -> None:
    with pytest.raises(ConfigError, match="Password"):
        settings(MicrosoftAppId="app").check()
    with pytest.raises(ConfigError, match="tenant"):
        settings(MicrosoftAppId="app", MicrosoftAppPassword="pw").check()
    deployed = settings(
        MicrosoftAppId="app",
        MicrosoftAppPassword="pw",
        MicrosoftAppTenantId="t1",
        ALLOWED_TENANT_IDS="t2, t3",
    )
    deployed.check()
    assert deployed.allowed_tenant_ids == {"t1", "t2", "t3"}
    assert deployed.bind_host == "0.0.0.0"


def test_the_platform_is_one_variable_and_an_unknown_one_is_refused_at_start() -> None:
    assert settings().bot_platform == "botframework"
    settings(BOT_PLATFORM="agents").check()
    with pytest.raises(ConfigError, match="BOT_PLATFORM"):
        settings(BOT_PLATFORM="slack").check()
    # Deployed (an app id) on either platform, with the same checks.
    deployed = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t1"}
    for platform in ("botframework", "agents"):
        settings(BOT_PLATFORM=platform, **deployed).check()
        with pytest.raises(ConfigError, match="Password"):
            settings(BOT_PLATFORM=platform, MicrosoftAppId="app").check()


def test_database_url_defaults_to_sqlite_and_names_the_postgres_driver() -> None:
    assert settings(DATA_DIR="/tmp/x").database_url == "sqlite:////tmp/x/lineofsight.db"
    assert settings(DATABASE_URL="postgres://u@h/db").database_url == (
        "postgresql+psycopg://u@h/db"
    )


def test_secrets_and_bearer_tokens_never_reach_a_log_line() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        "f",
        1,
        "password s3cr3t-value and Authorization: Bearer abc.def.ghi",
        None,
        None,
    )
    record.detail = "also s3cr3t-value"
    RedactSecrets(["s3cr3t-value"]).filter(record)
    line = JsonFormatter().format(record)
    assert "s3cr3t-value" not in line
    assert "abc.def.ghi" not in line
    assert "[redacted]" in line


def test_the_click_key_secret_is_made_once_in_the_data_dir_and_kept_private(
    tmp_path: Path,
) -> None:
    made = settings(DATA_DIR=str(tmp_path)).click_secret
    kept = tmp_path / "click-key.secret"
    assert len(made) == 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The next start (or another process on the same data directory) reads the same one.
    assert settings(DATA_DIR=str(tmp_path)).click_secret == made
    assert [p.name for p in tmp_path.iterdir()] == ["click-key.secret"]
    assert settings(DATA_DIR=str(tmp_path / "other")).click_secret != made


def test_the_click_key_secret_is_configured_or_shared_by_a_deployments_instances(
    tmp_path: Path,
) -> None:
    configured = settings(DATA_DIR=str(tmp_path), CLICK_KEY_SECRET="s3cret-value")
    assert configured.click_secret == b"s3cret-value"
    assert "s3cret-value" in configured.secrets()
    from_a_store = settings(DATA_DIR=str(tmp_path), CLICK_KEY_SECRET="s3cret-value\n")
    assert from_a_store.click_secret == b"s3cret-value", "a trailing newline is no other key"
    deployed = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw"}
    first = settings(DATA_DIR=str(tmp_path / "a"), **deployed).click_secret
    second = settings(DATA_DIR=str(tmp_path / "b"), **deployed).click_secret
    assert first == second, "instances of one deployment derive the same key"
    assert b"pw" not in first
    assert not (tmp_path / "a").exists(), "nothing is written when the key is derived"
    other = settings(MicrosoftAppId="app", MicrosoftAppPassword="pw2").click_secret
    assert other != first
