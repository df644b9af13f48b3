"""A web address a person typed, offered exactly as typed so it can be copied, never opened.

`user_text` must break a typed address where it is shown (a zero-width space after `https:`,
one-dot leaders for the host's dots, wrap breaks in a long run), or Teams makes it a live link;
so the address copied from a paragraph is not the address typed (new-user report: a policy
link pasted into an answer could not be copied out again). RichTextBlock does not help: Teams'
iOS renderer runs a TextRun through the same Markdown parser as a TextBlock and turns on link
detection when it finds Markdown (docs/teams-platform.md, "Text a person typed").

The one place Teams shows text with no Markdown and no link detection on every client is an
input's value. So every card the bot sends (bot/sizing.py) that shows a typed https address
gets, under the text that shows it, a "Copy a web address" button that opens the addresses as
typed in text boxes: a person selects and copies one; nothing opens it. The boxes are inside an
Action.ShowCard, whose inputs the card's other buttons never send (a ShowCard's inputs go only
with its own actions, and this one has none).

Only addresses `domain.links.web_link` accepts are offered (https, a plain public host, no
user name, nothing invisible): a `javascript:` address, `https://bank@evil.example` or a
look-alike host stays shown inert only, as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from cards.common import Card
from cards.validation import MeasuredCard
from domain.display import LOOKALIKE_OF
from domain.links import web_link

COPY_ADDRESSES_ID: Final = "copy_addresses"
COPY_ONE: Final = "Copy a web address"
COPY_MANY: Final = "Copy web addresses"
COPY_NOTE: Final = (
    "As typed, to select and copy. The bot never opens a typed address: check it before you do."
)
COPY_LABEL: Final = "Web address"
# Input ids for the boxes, `copy_address_1` onwards (never a verb's data key: no button sends
# them).
COPY_INPUT_PREFIX: Final = "copy_address_"
# A card offers this many at most: more would crowd the card and its size.
COPY_MOST: Final = 5

# How `user_text` shows a typed "https://": the zero-width space it puts after the colon.
_ZERO_WIDTH: Final = "\u200b"
_SCHEME_BROKEN: Final = re.compile("https:\u200b", re.IGNORECASE)
_SHOWN_ADDRESS: Final = re.compile(r"https:\u200b//\S+", re.IGNORECASE)
# Punctuation that ends the sentence around an address rather than the address.
_TRAILING: Final = ".,;:!?)]}'\"\u2019\u201d"
# `shortened` ends a cut text with an ellipsis: an address it cut is not the address typed.
_CUT: Final = "\u2026"
_READ_BACK: Final[dict[int, str | None]] = {ord(_ZERO_WIDTH): None}
_READ_BACK.update({ord(shown): typed for shown, typed in LOOKALIKE_OF.items()})
_TYPED_BACK: Final = str.maketrans(_READ_BACK)


def typed_addresses(shown: str) -> list[str]:
    """The https addresses in `shown` (text as `user_text` made it), as they were typed."""
    found: list[str] = []
    for match in _SHOWN_ADDRESS.finditer(shown):
        typed = _without_trailing(match.group(0).translate(_TYPED_BACK))
        if _CUT in typed:
            continue
        link = web_link(typed)
        if link is not None and link not in found:
            found.append(link)
    return found


def _without_trailing(typed: str) -> str:
    """`typed` less the punctuation after it that ends a sentence or a bracket around it; a
    closing bracket the address opened ("…/Safeguarding_(England)") is the address's own."""
    while typed and typed[-1] in _TRAILING:
        last = typed[-1]
        opening = {")": "(", "]": "[", "}": "{"}.get(last)
        if opening is not None and typed.count(opening) >= typed.count(last):
            break
        typed = typed[:-1]
    return typed


def with_copyable_addresses(card: Card) -> Card:
    """`card` with a "Copy a web address" button when it shows typed https addresses (at most
    COPY_MOST, in the order shown), else `card` unchanged. The button goes under the last part
    of the card's body that shows one, so it sits by the text, above the card's own buttons."""
    if isinstance(card, MeasuredCard) and not _SCHEME_BROKEN.search(card.json):
        return card  # a measured card's JSON answers at once (every section card is one)
    body = list(card.get("body", []))
    if any(isinstance(e, dict) and e.get("id") == COPY_ADDRESSES_ID for e in body):
        return card  # offered already: a second box would repeat its ids (review13b)
    addresses: list[str] = []
    last_showing = -1
    for index, element in enumerate(body):
        for address in _addresses_in(element):
            last_showing = index
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        return card
    offer = _offer(addresses[:COPY_MOST], str(card.get("version", "1.5")))
    return {**card, "body": [*body[: last_showing + 1], offer, *body[last_showing + 1 :]]}


def _addresses_in(element: Any) -> Iterator[str]:
    for text in _rendered_texts(element):
        if _SCHEME_BROKEN.search(text):
            yield from typed_addresses(text)


def _offer(addresses: list[str], version: str) -> dict[str, Any]:
    """The button that opens the addresses in text boxes, with nothing that sends them."""
    boxes: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": COPY_NOTE, "wrap": True, "isSubtle": True}
    ]
    boxes.extend(
        {
            "type": "Input.Text",
            "id": f"{COPY_INPUT_PREFIX}{number}",
            "label": COPY_LABEL if len(addresses) == 1 else f"{COPY_LABEL} {number}",
            "value": address,
        }
        for number, address in enumerate(addresses, start=1)
    )
    return {
        "type": "ActionSet",
        "id": COPY_ADDRESSES_ID,
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": COPY_ONE if len(addresses) == 1 else COPY_MANY,
                "card": {"type": "AdaptiveCard", "version": version, "body": boxes},
            }
        ],
    }


def _rendered_texts(node: Any) -> Iterator[str]:
    """Every text the card renders as Markdown (a TextBlock's, a Fact's title and value),
    outside any ShowCard's card (a form's inputs, not what a reader sees)."""
    if isinstance(node, list):
        for item in node:
            yield from _rendered_texts(item)
    elif isinstance(node, dict):
        if node.get("type") == "Action.ShowCard":
            return
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        if node.get("type") == "FactSet":
            for fact in node.get("facts", []):
                yield from (v for v in (fact.get("title"), fact.get("value")) if isinstance(v, str))
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _rendered_texts(value)
