"""What handlers share: settings, the database and the router. Built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.config import Settings
from bot.outbound import Outbound
from bot.router import Router
from domain.calendar import london_today
from storage.database import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    router: Router
    outbound: Outbound
    # Rules that depend on the date ask here, so tests can move the clock.
    today: Callable[[], date] = field(default=london_today)
