"""The harness itself: `Chat.fill` sets every kind of card input the way the renderer expects.

Runs the Playground against `stub_bot.py` (not the real bot), so that future tests can rely
on `fill` for cards the bot does not have yet.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Chat, ManagedProcess, free_port, http_status

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(120),
    pytest.mark.platforms(
        "botframework", reason="drives stub_bot.py, not our bot, so there is no platform to vary"
    ),
]

STUB = Path(__file__).with_name("stub_bot.py")


class StubBotProcess(ManagedProcess):
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        super().__init__(
            "stub-bot",
            [sys.executable, str(STUB), str(self.port)],
            cwd=workdir,
            env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"},
            log_dir=workdir / "logs",
        )

    def start(self) -> None:
        super().start()
        ready = f"http://127.0.0.1:{self.port}/readyz"
        self.wait_until(lambda: http_status(ready) == 200, "200 from /readyz", 30)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[StubBotProcess]:
    """Overrides the real bot: the Playground talks to the stub instead."""
    with StubBotProcess(tmp_path / "stub") as process:
        yield process


def test_fill_sets_every_input_kind_by_its_label(chat: Chat) -> None:
    chat.send("inputs")
    card = chat.wait_for_card("Every input")
    with pytest.raises(AssertionError, match="no input labelled 'Nope'"):
        chat.fill("Nope", "x", within=card)
    with pytest.raises(AssertionError, match=r"offers \['Voice', 'Escalation', 'Records'\]"):
        chat.fill("Themes", ["Voice", "Gone"], within=card)
    with pytest.raises(
        AssertionError, match=r"no button 'Send' in the card; its buttons: \['Save'\]"
    ):
        chat.click_button("Send", within=card)

    chat.fill("Summary", "Hello world", within=card)  # required: its label has a hidden "*"
    chat.fill("Detail", "line one\nline two", within=card)
    chat.fill("How many", 42, within=card)
    chat.fill("Due date", dt.date(2026, 12, 1), within=card)
    chat.fill("Meeting time", dt.time(14, 30), within=card)
    chat.fill("Agency", "Health", within=card)
    chat.fill("Rating", "Poor", within=card)
    chat.fill("Themes", ["Voice", "Escalation"], within=card)
    chat.fill("Themes", ["Records", "Voice"], within=card)  # exactly these, not added to
    chat.fill("Urgent", True, within=card)  # a toggle answers to its title as well as its label
    # Expanded multi-select: checkboxes; its label's text ends in a visible " *".
    chat.fill("Teams", ["North", "East"], within=card)
    chat.fill("Teams", ["South", "East"], within=card)  # exactly these, not added to
    assert chat.value("Teams", within=card) == ["South", "East"]
    assert chat.value("Summary", within=card) == "Hello world"
    assert chat.value("Rating", within=card) == "Poor"
    assert chat.value("Agency", within=card) == "Health"
    assert chat.value("Urgent", within=card) is True
    assert chat.value("Due date", within=card) == "December 1, 2026"
    chat.click_button("Save", within=card)

    received = chat.facts(chat.wait_for_card("Received"))
    # The renderer lists an expanded multi-select's values in the order they were ticked.
    assert sorted(received.pop("teams").split(",")) == ["east", "south"]
    assert received == {
        "summary": "Hello world",
        "detail": "line one | line two",
        "count": "42",
        "due": "2026-12-01",
        "at": "14:30",
        "agency": "health",
        "rating": "poor",
        "themes": "voice,records",
        "urgent": "yes",
    }
