"""What handlers share: settings, the database and the router. Built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.router import Router
from storage.database import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    router: Router
