"""Configuration from the environment and `.env`, with Bot Framework / Agents Toolkit names."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from storage.database import Timeouts

# The Microsoft 365 Agents Playground's fixed tenant: allowed in local mode only.
PLAYGROUND_TENANT_ID = "00000000-0000-0000-0000-0000000000001"


# The platforms an edge exists for (bot/platforms.py); the first is the default.
PLATFORMS = ("botframework", "agents")


class ConfigError(RuntimeError):
    """Configuration that must not run; the message says what to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str = Field("", alias="MicrosoftAppId")
    app_password: SecretStr = Field(SecretStr(""), alias="MicrosoftAppPassword")
    app_type: str = Field("SingleTenant", alias="MicrosoftAppType")
    app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")
    host: str = Field("", alias="HOST")
    port: int = Field(3978, alias="PORT")
    data_dir: Path = Field(Path("data"), alias="DATA_DIR")
    database_url_setting: str = Field("", alias="DATABASE_URL")
    allowed_tenant_ids_setting: str = Field("", alias="ALLOWED_TENANT_IDS")
    admin_aad_ids_setting: str = Field("", alias="ADMIN_AAD_IDS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    # How documents reach people: "teams" (file consent in the 1:1 chat), "local" (a path in
    # the data directory), or "auto": local in local mode, teams otherwise.
    file_delivery: str = Field("auto", alias="FILE_DELIVERY")
    # The chaser sweep runs in every instance unless turned off (tests drive it directly).
    run_scheduler: bool = Field(True, alias="RUN_SCHEDULER")
    # Local mode only: /_test/clock and /_test/sweep let end-to-end tests move time forward.
    test_hooks: bool = Field(False, alias="LOS_TEST_HOOKS")
    # Which platform's edge serves the bot (bot/platforms.py): "botframework" (botbuilder) or
    # "agents" (the Microsoft 365 Agents SDK). Every other setting means the same on both.
    bot_platform: str = Field("botframework", alias="BOT_PLATFORM")
    # Where the Bot Framework publishes its signing keys; tests point it at a local server.
    openid_metadata_url: str = Field("", alias="BOT_OPENID_METADATA")
    # Bounds on every wait (seconds; storage.database.Timeouts says what each bounds).
    db_connect_timeout: int = Field(5, alias="DB_CONNECT_TIMEOUT", ge=2)
    db_statement_timeout: float = Field(15, alias="DB_STATEMENT_TIMEOUT", gt=0)
    db_lock_timeout: float = Field(5, alias="DB_LOCK_TIMEOUT", gt=0)
    db_tcp_timeout: float = Field(15, alias="DB_TCP_TIMEOUT", gt=0)
    db_pool_timeout: float = Field(5, alias="DB_POOL_TIMEOUT", gt=0)
    db_turn_wait: float = Field(8, alias="DB_TURN_WAIT", gt=0)
    db_stuck_after: float = Field(30, alias="DB_STUCK_AFTER", gt=0)
    # Inbound HTTP: a request's body must arrive within HTTP_READ_TIMEOUT; a connection with
    # no complete request (idle, or its headers still arriving) closes after HTTP_IDLE_TIMEOUT.
    http_read_timeout: float = Field(10, alias="HTTP_READ_TIMEOUT", gt=0)
    http_idle_timeout: float = Field(30, alias="HTTP_IDLE_TIMEOUT", gt=0)
    # Keys the hash a click's claim is kept under (click_secret says where it comes from when
    # unset). Every instance of one deployment must have the same.
    click_key_secret: SecretStr = Field(SecretStr(""), alias="CLICK_KEY_SECRET")

    @property
    def local_mode(self) -> bool:
        """No app id: no authentication, loopback only, the Playground tenant allowed."""
        return not self.app_id

    @property
    def bind_host(self) -> str:
        return self.host or ("127.0.0.1" if self.local_mode else "0.0.0.0")  # noqa: S104

    def db_timeouts(self) -> Timeouts:
        from storage.database import Timeouts  # the CLI's light commands don't load SQLAlchemy

        return Timeouts(
            connect=self.db_connect_timeout,
            statement=self.db_statement_timeout,
            lock=self.db_lock_timeout,
            tcp_user=self.db_tcp_timeout,
            pool_checkout=self.db_pool_timeout,
            turn_wait=self.db_turn_wait,
            stuck_unit=self.db_stuck_after,
        )

    @property
    def files_in_teams(self) -> bool:
        return self.file_delivery == "teams" or (
            self.file_delivery == "auto" and not self.local_mode
        )

    @property
    def database_url(self) -> str:
        if self.database_url_setting:
            return _normalise_database_url(self.database_url_setting)
        return f"sqlite:///{(self.data_dir / 'lineofsight.db').as_posix()}"

    @cached_property
    def allowed_tenant_ids(self) -> frozenset[str]:
        configured = _split(self.allowed_tenant_ids_setting)
        if self.app_tenant_id:
            configured |= {self.app_tenant_id}
        if self.local_mode:
            configured |= {PLAYGROUND_TENANT_ID}
        return configured

    @cached_property
    def admin_aad_ids(self) -> frozenset[str]:
        return _split(self.admin_aad_ids_setting)

    @cached_property
    def click_secret(self) -> bytes:
        """The deployment's key for click claims (domain.idempotency.click_key): never in the
        repository, never in the database beside the keys it protects. CLICK_KEY_SECRET when
        set; otherwise, deployed, one derived from MicrosoftAppPassword, which every instance
        of the deployment shares; in local mode, random bytes generated once and kept in
        DATA_DIR (readable by the bot's user only)."""
        # Stripped: a trailing newline from a secret store would give one instance another key.
        configured = self.click_key_secret.get_secret_value().strip()
        if configured:
            return configured.encode()
        password = self.app_password.get_secret_value()
        if not self.local_mode and password:
            return hmac.new(password.encode(), _CLICK_KEY_LABEL, hashlib.sha256).digest()
        return _kept_secret(self.data_dir / CLICK_KEY_FILE)

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = (
            self.app_password.get_secret_value(),
            self.click_key_secret.get_secret_value().strip(),
        )
        return [value for value in values if value]

    def check(self) -> None:
        """Refuse configurations that would expose data by accident."""
        if self.bot_platform not in PLATFORMS:
            raise ConfigError(
                f"BOT_PLATFORM is {self.bot_platform!r}; it must be one of {', '.join(PLATFORMS)}."
            )
        if self.local_mode and not _is_loopback(self.bind_host):
            raise ConfigError(
                f"Local mode (no MicrosoftAppId) has no authentication, so it only binds to "
                f"a loopback address, not {self.bind_host!r}. Set MicrosoftAppId and "
                f"MicrosoftAppPassword, or remove HOST."
            )
        if not self.local_mode and not self.app_password.get_secret_value():
            raise ConfigError("MicrosoftAppId is set but MicrosoftAppPassword is empty.")
        if not self.local_mode and not self.allowed_tenant_ids:
            raise ConfigError(
                "Set MicrosoftAppTenantId or ALLOWED_TENANT_IDS: a deployed bot answers only "
                "the tenants it is meant for."
            )


CLICK_KEY_FILE = "click-key.secret"
_CLICK_KEY_LABEL = b"lineofsight click claim keys"


def _kept_secret(path: Path) -> bytes:
    """The secret in `path`, made (32 random bytes, hex) if there is none. Written to a file of
    its own and linked into place, so instances starting together all read the one that won."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32) + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
