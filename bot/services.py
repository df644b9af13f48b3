"""What handlers share: settings, the database, the router, the sender and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.clock import Clock
from bot.config import Settings
from bot.outbound import Outbound
from bot.router import Router
from storage.database import Database


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    router: Router
    outbound: Outbound
    clock: Clock = field(default_factory=Clock)

    def today(self) -> date:
        return self.clock.today()

    def now(self) -> datetime:
        return self.clock.now()
