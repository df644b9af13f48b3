from __future__ import annotations

import pytest

from domain.commands import MAX_MESSAGE_CHARS, Command, check_length, normalise, parse
from domain.errors import InvalidInput

KNOWN = ("help", "my profile", "summary", "my actions")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<at>Line of Sight</at> dashboard", "dashboard"),
        ("  HELP?  ", "help"),
        ("<p>my&nbsp;profile</p>", "my profile"),
        ("summary\n LOS-2026-004.", "summary los-2026-004"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_parse_matches_longest_command_and_keeps_the_argument() -> None:
    assert parse("Summary LOS-2026-004", KNOWN) == Command("summary", "los-2026-004")
    assert parse("my actions", KNOWN) == Command("my actions")
    assert parse("helpful", KNOWN) is None
    assert parse("", KNOWN) is None


def test_oversized_text_names_the_limit() -> None:
    check_length("x" * MAX_MESSAGE_CHARS)
    with pytest.raises(InvalidInput, match="the limit is 10,000"):
        parse("x" * (MAX_MESSAGE_CHARS + 1), KNOWN)
