"""The bot's one clock. Rules that depend on time ask it, so a test hook can move it forward
(to see a quarter of chasers in seconds) instead of tests sleeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass
class Clock:
    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)
