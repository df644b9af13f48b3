"""An evidence link is opened only when it is plainly an https web address; anything else is
shown as inert text, and no link at all is said in words, never "None"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cards import actions as action_cards
from cards.validation import card_problems
from domain.links import web_link
from domain.model import ActionStatus
from tests.unit.test_action_state import detail_of
from tests.unit.test_summaries import action

SAFE = (
    "https://example.org/briefing-register",
    "https://intranet.example.nhs.uk/learning/los-2026-005?tab=2#minutes",
    "HTTPS://Example.org:8443/a",
)
UNSAFE = (
    "http://example.org/briefing-register",
    "javascript:alert(1)",
    "https://evil.example@bank.example/",
    "https://user:pass@example.org/",
    "https://192.168.0.1/register",
    "https://localhost/register",
    "https://example\u2024org/register",  # the inert-text one-dot leader
    "https:\u200b//example.org",  # the inert-text zero-width space
    "https://exa mple.org/",
    "https://example.org\\@evil.example/",
    "https://example.org:99999/",
    "https://ex\u0430mple.org/",  # a Cyrillic a
    "https://",
    "",
)


def test_safe_and_unsafe_links() -> None:
    for link in SAFE:
        assert web_link(link) == link, link
    for link in UNSAFE:
        assert web_link(link) is None, link
    assert web_link(None) is None
    assert web_link(12) is None


@given(st.text(max_size=120))
def test_anything_opened_is_an_https_address_with_a_plain_host(text: str) -> None:
    link = web_link(text)
    if link is not None:
        assert link.lower().startswith("https://")
        host = link[len("https://") :].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        assert "@" not in host
        assert host.isascii()
        assert "." in host
        assert not any(c.isspace() for c in link)


@given(st.text(alphabet="abcdefghij.-/:@ ", max_size=40))
def test_a_user_name_before_the_host_is_never_opened(rest: str) -> None:
    assert web_link(f"https://trusted.example.org@{rest}") is None


def _item(link: str | None) -> Any:
    return replace(detail_of(action(status=ActionStatus.COMPLETED)), evidence_link=link)


def _link_fact(card: dict[str, Any]) -> str:
    for element in card["body"]:
        for fact in element.get("facts", []):
            if fact["title"] == "Link":
                return str(fact["value"])
    raise AssertionError("no Link fact")


def _opens(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


def test_the_record_impact_card_opens_a_safe_link_and_names_a_missing_one() -> None:
    card = action_cards.impact_card(_item("https://example.org/briefing-register"))
    assert card_problems(card) == []
    assert _opens(card) == [
        {
            "type": "Action.OpenUrl",
            "title": "Open the evidence",
            "url": "https://example.org/briefing-register",
        }
    ]
    assert "Open the evidence" in _link_fact(card)
    none = action_cards.impact_card(_item(None))
    assert _link_fact(none) == "No link given"
    assert _opens(none) == []
    odd = action_cards.impact_card(_item("https://evil.example@bank.example/"))
    assert _opens(odd) == []
    assert "not opened" in _link_fact(odd)
    assert card_problems(odd) == []
