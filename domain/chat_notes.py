"""What the bot says about a message it didn't act on that reads as something to keep (walk13):
"note for LOS-2026-007: mum says the child is scared" is a note, not a question. Nothing
typed in the chat is saved to a review, so the person is told so plainly, and where such a
note belongs; and, when the text holds a child's details, that Teams keeps them in its
history (docs/practice.md, information governance). The identifiers are never said back:
only their kinds ("a name and an NHS number").

Pure functions over what was typed; `domain.commands.interpret` has already found no command.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from domain import phrasing
from domain.commands import INSTRUCTIONS, normalise
from domain.identifier_kinds import IDENTIFIER_LABELS
from domain.identifiers import find_identifiers, kinds_found
from domain.wording import listed

# How many words that are no command's and no question's make a message something to keep:
# fewer beside a review's name ("sumary LOS-2026-004", "approve the guide for LOS-2026-004"
# are a command mistyped or an instruction, for "did you mean"), more with no review named
# ("what is the weather like" is one word of news, not a note).
NOTE_WORDS_BESIDE_A_REVIEW: Final = phrasing.NOTE_WORDS_BESIDE_A_REVIEW
NOTE_WORDS: Final = 3

NOT_KEPT_TITLE: Final = "I haven't kept that message"
NOTHING_SAVED: Final = "Nothing typed in this chat is saved to a review."
WHERE_NOTES_GO: Final = (
    "A note about a review belongs in the review itself: in your agency's return and its "
    "chronology, or as an update on an action item. Open the review to reach them, or My "
    "actions to update yours."
)


@dataclass(frozen=True)
class NotKept:
    """A message the bot didn't act on that reads as something to keep. `reference` is the
    review it names by reference, as the bot writes it (None when it names none that way);
    `identifiers` says what kinds of personal details it seems to hold ("" when none)."""

    reference: str | None
    identifiers: str


def not_kept(text: str, known: Collection[str]) -> NotKept | None:
    """The reading of a message no command answered, when it is a note or holds a child's
    details; None when it is only a command mistyped or a question the bot can't answer
    (those get "did you mean")."""
    cleaned = normalise(text)
    kinds = identifier_kinds(text)
    if not kinds and (phrasing.starts_a_question(cleaned) or not reads_as_a_note(cleaned, known)):
        # A question the bot can't answer ("what needs signing off") is not a note: it gets
        # "did you mean" (review13b).
        return None
    return NotKept(phrasing.reference_in(cleaned), kinds)


def reads_as_a_note(cleaned: str, known: Collection[str]) -> bool:
    """Whether a normalised message carries words of its own: more than a question's words,
    a command's words and an instruction ("approve", "add"), beside the review it names."""
    beside = phrasing.words_beside_the_review(cleaned)
    ordinary = phrasing.QUESTION_WORDS | INSTRUCTIONS | _command_words(known)
    if beside is None:
        own = [w for w in phrasing.plain_words(cleaned) if w not in ordinary]
        return len(own) >= NOTE_WORDS
    return len([w for w in beside if w not in ordinary]) >= NOTE_WORDS_BESIDE_A_REVIEW


def identifier_kinds(text: str) -> str:
    """The kinds of personal details `text` seems to hold, as a sentence says them ("a name
    and an NHS number"), never the details themselves; "" when none."""
    kinds = kinds_found(find_identifiers(text))
    return listed([IDENTIFIER_LABELS[kind] for kind in kinds], "and")


def identifiers_warning(kinds: str) -> str:
    """What the reply says when the message seems to hold a child's details (kinds only)."""
    if not kinds:
        return ""
    return (
        f"It looks as if it holds {kinds}. Teams keeps what you type in this chat in its "
        "history: please don't type a child's details here, and name the review by its "
        "reference or pseudonym. If Teams lets you, delete the message."
    )


def _command_words(known: Collection[str]) -> frozenset[str]:
    return frozenset(word for name in known for word in name.split())


# The ways on from a message not kept, as (button title, command it runs), each offered only
# when the person may run the command: the review's summary reaches its return, chronology and
# actions; `my actions` updates theirs; `continue` opens their own return; with no review
# named, the list of reviews leads to it.
_WAYS_ON: Final = (
    ("Continue my return", "continue"),
    ("My actions", "my actions"),
)
MAX_WAYS_ON: Final = 4


def ways_on(
    note: NotKept, allowed: Collection[str], suggestions: Collection[str] = ()
) -> tuple[tuple[str, str], ...]:
    """The buttons under a message not kept: the named review's summary, the closest
    commands (`commands.suggest`), then the person's own ways to where notes belong. Every
    one is a command `commands.suggested` runs for a button (read-only)."""
    found: dict[str, str] = {}
    if note.reference and "summary" in allowed:
        found[f"summary {note.reference}"] = f"Open {note.reference}"
    for suggestion in suggestions:
        found.setdefault(suggestion, suggestion)
    for title, command in _WAYS_ON:
        if command in allowed:
            found.setdefault(command, title)
    if not note.reference and "reviews" in allowed:
        # No review named: the list is the way to the one the note was about.
        found.setdefault("reviews", "List reviews")
    return tuple((title, command) for command, title in found.items())[:MAX_WAYS_ON]
