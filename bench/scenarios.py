"""The turns a benchmark drives: activity bodies (as Teams sends them) and reply checks.

The read turn is a manager's `summary` of the demo review (`--read-command` changes it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any

from cards import verbs
from domain.questions import QuestionType, default_question_bank
from samples.activities import TENANT, USER_AAD, invoke, message
from samples.answers import valid_answers
from storage.demo import DEMO_REFERENCE

READ_COMMAND = f"summary {DEMO_REFERENCE}"
READ_SAYS = f"Summary · {DEMO_REFERENCE}"  # the summary card's title: not an error card
MARK = "zzmarkzz"
# Placeholders in a save turn's encoded activity, filled on every turn.
_ACTIVITY_ID = "zzactivityzz"
_RETURN_ID = "zzreturnzz"  # a number on the wire: the quotes go with it
_REVISION = "zzrevisionzz"  # likewise
__all__ = ["TENANT", "USER_AAD", "Scenario", "echo", "message_turn", "save_and_next"]


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    target: str  # which bot process: "echo", "echo_pooled", "ours", "ours_stock"
    body: Callable[[int], bytes]
    check: Callable[[int, bytes], bool]
    replies_per_turn: int  # connector sends each turn should make
    says: bytes = b""  # what the reply must contain, checked once before measuring


def _encode(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, separators=(",", ":")).encode()


def _created(status: int, _payload: bytes) -> bool:
    return status == 201


def echo(key: str, label: str, target: str, connector: str) -> Scenario:
    raw = _encode(message(connector, "hello"))
    return Scenario(key, label, target, lambda _n: raw, _created, 1)


def message_turn(
    key: str, text: str, label: str, target: str, connector: str, says: str = ""
) -> Scenario:
    head, tail = _encode({**message(connector, text), "id": MARK}).split(MARK.encode())
    return Scenario(
        key, label, target, lambda _n: head + _activity_id() + tail, _created, 1, says.encode()
    )


_ACTIVITY_IDS = count()


def _activity_id() -> bytes:
    # Teams gives every activity its own id, and the bot handles a repeated one once (a
    # redelivery): each turn is a new activity, as in Teams.
    return f"bench-{next(_ACTIVITY_IDS)}".encode()


# A long answer as practitioners write it: capitalised roles, services and months, dates and
# counts, so the identifier guard does its full work on every measured save (and finds nothing).
_RECORDS_EXAMINED = (
    "On 14 March 2025 the Designated Safeguarding Lead contacted the Front Door after Child K "
    "arrived hungry for the third time that week ({mark}). Children's Social Care screened the "
    "contact as information only; Early Help were not told. The Health Visiting Team had last "
    "seen Sibling 2 in January, when Mother of Child K said a new partner was helping with the "
    "children. Police attended twice in February (log 456 of 12/02/2025) and shared a Domestic "
    "Abuse notification under Operation Encompass. "
)


def _answer_prose() -> str:
    """One paragraph of practice prose (about 560 characters) with one MARK in it."""
    return _RECORDS_EXAMINED.format(mark=MARK)


def _word(n: int) -> str:
    # Letters only: the changing word must stay a word, so the answer never becomes identifying.
    letters = []
    while True:
        n, digit = divmod(n, 26)
        letters.append(chr(ord("a") + digit))
        if n == 0:
            return "".join(letters)


def save_and_next(
    key: str, label: str, target: str, connector: str, return_ids: Sequence[int]
) -> Scenario:
    """Action.Execute `return_next` on section 1: validate, save (a changed answer every time,
    so every turn writes), audit, move on, answer with the section 2 card in the HTTP body.
    Turn n saves `return_ids[n % len(return_ids)]`: with a return for each connection, the
    turns in flight at once are different practitioners' saves, not saves of one return
    racing each other (which PostgreSQL rightly refuses as a colleague's concurrent save)."""
    bank = default_question_bank()
    section = bank.section(0)
    data: dict[str, Any] = {"return_id": _RETURN_ID, "section": 0, **valid_answers(section)}
    first_text = next(q.id for q in section.questions if q.type is QuestionType.SHORT_TEXT)
    data[first_text] = "Early help team, practitioner in post 3 years"
    long_text = next(q for q in section.questions if q.type is QuestionType.LONG_TEXT)
    data[long_text.id] = _answer_prose()
    # Each turn stands for the card the return's last save answered with, as a practitioner
    # clicking Save and next again would send: it drew the changing answer at the revision
    # that save left (a card drawn before it is refused as stale, and a colleague's clearing
    # too). The load gives each connection the turns of one return, in order (bench/load.py),
    # so the k-th save of a return drew revision k (0: none yet); the other answers are the
    # same every turn, so they are never compared.
    data["revs"] = {long_text.id: _REVISION}
    activity = {**invoke(connector, verbs.RETURN_NEXT, data), "id": _ACTIVITY_ID}
    # The encoded activity in pieces, split at its four placeholders, which each turn fills.
    placeholders = (
        f'"{_ACTIVITY_ID}"'.encode(),
        f'"{_RETURN_ID}"'.encode(),
        MARK.encode(),
        f'"{_REVISION}"'.encode(),
    )
    pieces = re.split(b"(" + b"|".join(map(re.escape, placeholders)) + b")", _encode(activity))
    assert sorted(pieces[1::2]) == sorted(placeholders), "each placeholder once"
    ids = [str(return_id).encode() for return_id in return_ids]
    expected = f"Section 2 of {bank.section_count}".encode()

    def body(n: int) -> bytes:
        filled = {
            placeholders[0]: b'"' + _activity_id() + b'"',
            placeholders[1]: ids[n % len(ids)],
            placeholders[2]: _word(n).encode(),
            placeholders[3]: str(n // len(ids)).encode(),
        }
        return b"".join(filled.get(piece, piece) for piece in pieces)

    def check(status: int, payload: bytes) -> bool:
        return status == 200 and expected in payload

    return Scenario(key, label, target, body, check, 0)
