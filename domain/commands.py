"""Turn what a person typed into a command the bot understands.

Teams puts the bot's @mention into channel messages (`<at>Line of Sight</at> dashboard`), and
people type loosely, so text is normalised before it is matched.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from domain import phrasing
from domain.capabilities import QUARTER_TEXT, ArgumentKind, Capability
from domain.errors import InvalidInput

MAX_MESSAGE_CHARS = 10_000

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[?!.,;:]+$")


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


def normalise(text: str) -> str:
    """Strip mentions and markup, collapse whitespace, lower-case, drop trailing punctuation."""
    return _tidy(text).lower()


def _tidy(text: str) -> str:
    """`normalise` keeping the letters' case: word for word the same words."""
    without_mentions = _MENTION.sub(" ", text)
    plain = html.unescape(_TAG.sub(" ", without_mentions))
    return _PUNCTUATION.sub("", _SPACE.sub(" ", plain).strip())


def check_length(text: str) -> None:
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"That message is {len(text):,} characters long; the limit is "
            f"{MAX_MESSAGE_CHARS:,}. Please send a shorter message."
        )


def parse(text: str, known: tuple[str, ...]) -> Command | None:
    """Match the longest known command at the start of the text; None when nothing matches.

    `known` comes from the handlers the bot has registered, so the parser never offers a
    command nobody handles.
    """
    check_length(text)
    cleaned = normalise(text)
    for name in sorted(known, key=len, reverse=True):
        if cleaned == name or cleaned.startswith(name + " "):
            return Command(name, cleaned[len(name) :].strip())
    return None


def interpret(
    text: str, known: tuple[str, ...], no_argument: frozenset[str] = frozenset()
) -> Command | None:
    """Like `parse`, and also natural phrasing (issue 6): "show me the summary for
    LOS-2026-004" is `summary LOS-2026-004`, "what's overdue for Police?" is `overdue police`.

    Only commands in `known` are ever returned; None means "not understood" (see `suggest`).
    A command in `no_argument` typed with something after it, or an instruction that isn't a
    command ("cancel review LOS-2026-004"), is not understood: answering it with another
    command's card (the review's summary) would look as if it had worked.
    """
    command = parse(text, known)
    cleaned = normalise(text)
    if command is not None:
        if command.name in no_argument and has_words(command.argument):
            return None
        if command.name == "summary" and phrasing.says_more_than_it_asks(cleaned):
            # "summary of the strategy meeting for LOS-2026-004 was sent" is a note.
            return None
        if command.name in phrasing.ASKING_COMMANDS and phrasing.holds_a_childs_details(text):
            # "overdue Kelly Smith": read as typed, with its capitals (a command's words are
            # read lower-cased, where the guard sees no name), and answered as a note is.
            return None
        if command.name in phrasing.ASKING_COMMANDS:
            return Command(command.name, phrasing.argument_for(command.name, cleaned))
        return command
    words = cleaned.split()
    first = words[0] if words else ""
    if first in INSTRUCTIONS or _misspelt_command(first, known) or _misspelt_name(words, known):
        return None
    if phrasing.holds_a_childs_details(text):
        # A sentence holding a child's details is never read as a question: its words would be
        # said back ("no agency is called …"), the bot itself writing them into the chat's
        # history (review13b). It is answered as a note is, with the warning (chat_notes).
        return None
    found = phrasing.natural(cleaned, known)
    return Command(*found) if found else None


# Words that start an instruction rather than a question: when no command starts this way,
# the person wanted something done, so they get "did you mean", never a summary.
INSTRUCTIONS: Final = frozenset(
    {
        "add", "approve", "archive", "assign", "cancel", "change", "close", "delete", "edit",
        "extend", "hold", "lift", "mark", "move", "nil", "place", "proceed", "publish",
        "reassign", "record", "reject", "remove", "rename", "reopen", "replace", "return", "set",
        "sign", "signoff", "submit", "unassign", "update",
    }
)  # fmt: skip
# Said after a command without changing what it asks for.
_POLITE: Final = frozenset({"please", "now", "thanks", "thank", "you", "again", "me"})
# Words people use for what a command does, when the command is called something else.
_SYNONYMS: Final[Mapping[str, tuple[str, ...]]] = {
    "approve": ("sign-offs",),
    "sign": ("sign-offs",),
    "signoff": ("sign-offs",),
    "signoffs": ("sign-offs",),
    "reject": ("sign-offs",),
    "assign": ("reviews", "new review"),
    "reassign": ("reviews",),
    "cancel": ("reviews",),
    "extend": ("reviews",),
    "remove": ("reviews",),
    "nil": ("reviews",),
    "reopen": ("reviews",),
    "return": ("continue",),
    "resume": ("continue",),
    "start": ("continue", "new review"),
    "create": ("new review",),
    "open": ("reviews", "continue"),
    "actions": ("my actions",),
    "profile": ("my profile",),
    "policy": ("chaser policy",),
    "submit": ("continue",),
    "record": ("awaiting impact",),
    "publish": ("outcome", "guide"),
    "hold": ("legal hold",),
    "lift": ("legal hold",),
    "place": ("legal hold",),
}
SUGGESTIONS: Final = 3
_CLOSE: Final = 0.6
# The only commands a "did you mean" button may name: `suggest` draws from these alone and
# `suggested` (what the button runs) refuses anything else, whatever the card data says. Each
# only shows something (opening an audit trail or making the board report is recorded, as
# reading is). Never here: a command that changes what is kept when run as typed, such as
# `guide` (its chair's first open drafts the briefing), `export` (makes a file), `register
# channel`, `cancel review` and `reopen review`; those are typed, never clicked from a guess.
READ_ONLY_COMMANDS: Final = frozenset(
    {
        "agencies", "assign", "audit", "awaiting impact", "chaser policy", "continue",
        "dashboard", "help", "legal hold", "manage", "members", "my actions", "my profile",
        "new review", "outcome", "overdue", "pack", "report", "retention", "reviews",
        "sign-offs", "summary",
    }
)  # fmt: skip


def _misspelt_command(word: str, known: tuple[str, ...]) -> bool:
    """A typo for a command ("sumary LOS-2026-004"), not a question about the review; a word
    the natural phrasing knows ("summarise") is not a typo."""
    if not word or phrasing.asks_by_itself(word):
        return False
    firsts = {name.split()[0] for name in known}
    return word not in firsts and bool(difflib.get_close_matches(word, firsts, n=1, cutoff=0.75))


def _misspelt_name(words: list[str], known: tuple[str, ...]) -> bool:
    """A typo in a later word of a command of several ("legal hlod LOS-2026-001", "my acions"):
    its first word is the command's and each later one is like the command's own word there
    (`_words_like_the_command`). `parse` found no command, so it is misspelt, and answering it
    with a review's summary would look as if the hold had been opened (walk8)."""
    return any(
        len(parts) > 1
        and words[:1] == parts[:1]
        and len(words) >= len(parts)
        and _words_like_the_command(words, parts) == len(parts)
        for parts in (name.split() for name in known)
    )


def has_words(argument: str) -> bool:
    """Whether `argument` says anything beyond politeness ("please", "now")."""
    return any(word not in _POLITE for word in argument.split())


def no_argument_commands(capabilities: Sequence[Capability]) -> frozenset[str]:
    return frozenset(c.command for c in capabilities if c.takes_argument is False)


def suggest(text: str, capabilities: Sequence[Capability]) -> tuple[str, ...]:
    """The closest commands to what was typed, best first, each as it would be accepted typed
    by this person (`capabilities` are theirs): the review's reference carried over only to a
    command that takes a review, a quarter only to one that takes a quarter, and a command
    that takes a review offered only when the text names one (typed alone it would only ask
    "which review?").

    A sentence that names a command ("approve the guide") is about that command, not about
    what its first word usually means; a correctly spelt instruction word ("record", "approve")
    is no typo, so it is never matched by spelling to a command it happens to look like."""
    cleaned = normalise(text)
    words = cleaned.split()
    by_name = {c.command: c for c in capabilities}
    first = words[0] if words else ""
    scores = dict.fromkeys(_named(words[1:], by_name), 1.0)
    if not scores:
        scores = {name: 1.0 for name in _SYNONYMS.get(first, ()) if name in by_name}
    # What was typed after a misspelt command ("sumary Child K"), as typed, for the commands
    # matched by spelling alone; a command found by meaning gets a reference or nothing.
    after: dict[str, list[str]] = {}
    if first not in INSTRUCTIONS and first not in _SYNONYMS:
        typed_words = _tidy(text).split()
        for name in by_name:
            score = _closeness(words, name)
            if score >= _CLOSE:
                if name not in scores:
                    after[name] = typed_words[_head_length(words, name) :]
                scores[name] = max(scores.get(name, 0.0), score)
    # What the text is about is read against every command ("approve the guide" is about the
    # guide); only a read-only one is offered.
    best = sorted(
        (name for name in scores if name in READ_ONLY_COMMANDS),
        key=lambda name: (-scores[name], name),
    )
    typed = (_as_typed(by_name[name], cleaned, after.get(name, ())) for name in best)
    return tuple(t for t in typed if t is not None and _accepted(t, capabilities))[:SUGGESTIONS]


def suggested(text: object, capabilities: Sequence[Capability]) -> Command | None:
    """The command a "did you mean" button carries, when it is one `suggest` could have
    offered (a command with nothing, a review's reference or a quarter after it, as `suggest`
    writes it, and one of READ_ONLY_COMMANDS); None for anything else, so a button runs no
    more than a suggestion could, and never a command that changes anything."""
    if not isinstance(text, str) or len(text) > _LONGEST_SUGGESTION:
        return None
    cleaned = normalise(text)
    by_name = {c.command: c for c in capabilities}
    command = interpret(cleaned, tuple(by_name), no_argument_commands(capabilities))
    if command is None or command.name not in READ_ONLY_COMMANDS:
        return None
    if not cleaned.startswith(command.name):
        return None
    rest = cleaned[len(command.name) :].split()
    typed = _as_typed(by_name[command.name], cleaned, rest)
    return command if typed is not None and normalise(typed) == cleaned else None


_LONGEST_SUGGESTION: Final = 80


def _named(words: list[str], by_name: Mapping[str, Capability]) -> list[str]:
    """Commands named whole somewhere in the words ("approve the guide" names guide)."""
    joined = f" {' '.join(words)} "
    return [name for name in by_name if f" {name} " in joined]


def _accepted(typed: str, capabilities: Sequence[Capability]) -> bool:
    """Whether `typed`, sent as a message, is read as the command it starts with."""
    names = tuple(c.command for c in capabilities)
    command = interpret(typed, names, no_argument_commands(capabilities))
    return command is not None and normalise(typed).startswith(command.name)


def _closeness(words: list[str], name: str) -> float:
    """How like the command the start of the text is, by whole name or by its first word."""
    parts = name.split()
    head = " ".join(words[: len(parts)])
    whole = difflib.SequenceMatcher(None, head, name).ratio()
    first = difflib.SequenceMatcher(None, words[0], parts[0]).ratio() if words else 0.0
    return max(whole, first * 0.9)


def _head_length(words: list[str], name: str) -> int:
    """How many of the first words are the (misspelt) command: as many as it has, unless
    fewer are more like it ("legal hld Child K" is two, "my acions" two, "overdeu police" one;
    "legal child k" one, as "child" is no misspelt "hold").
    """
    parts = name.split()
    spelt = name.replace(" ", "")
    ratios = [
        difflib.SequenceMatcher(None, "".join(words[:n]), spelt).ratio()
        for n in range(1, _words_like_the_command(words, parts) + 1)
    ]
    return ratios.index(max(ratios)) + 1 if ratios else 0


# How like its own word of the command a later typed word must be to be read as that word:
# "hodl" is "hold" (0.75), "child" is not (0.67), so "legal child k" keeps "child k". A word
# made of the command word's letters ("hdl", 0.57) is that word too.
_LATER_WORD_CLOSE: Final = 0.7


def _words_like_the_command(words: list[str], parts: list[str]) -> int:
    """How many of the first words may be the command: the first always, and each later one
    only while it is itself like the command's word in that place."""
    count = 1
    for typed, part in zip(words[1 : len(parts)], parts[1:], strict=False):
        close = difflib.SequenceMatcher(None, typed, part).ratio() >= _LATER_WORD_CLOSE
        if not close and not _same_letters(typed, part):
            break
        count += 1
    return count


def _same_letters(typed: str, word: str) -> bool:
    """`typed` is made of the word's letters, at most one short of it ("hdl" for "hold": a
    letter dropped and two swapped)."""
    return len(typed) >= len(word) - 1 and set(typed) <= set(word)


# The most words kept after a misspelt command: a pseudonym ("Sibling group A"), an agency
# and a quarter ("police 2026-Q3"); a longer tail is a sentence, not an argument.
ARGUMENT_WORDS: Final = 3


def _argument(words: Sequence[str]) -> str:
    """The words typed after a command, without connecting words and politeness."""
    kept = phrasing.meaningful(words, _POLITE)
    return " ".join(kept) if len(kept) <= ARGUMENT_WORDS else ""


def _as_typed(capability: Capability, cleaned: str, after: Sequence[str] = ()) -> str | None:
    """The command as this text would have it typed, or None when it can't be: a command
    that takes a review, from text naming none. `after` is what was typed after a misspelt
    command: a review's pseudonym, or a command's own words (an agency), kept as typed."""
    kind = capability.argument_kind
    if kind is ArgumentKind.REVIEW:
        reference = phrasing.reference_in(cleaned)
        if reference:
            return f"{capability.command} {reference}"
        named = _argument(after)
        if named:
            return f"{capability.command} {named}"
        return capability.command if capability.argument_optional else None
    if kind is ArgumentKind.QUARTER:
        found = QUARTER_TEXT.search(cleaned)
        if found:
            return f"{capability.command} {found.group(1)}-Q{found.group(2)}"
    if kind is ArgumentKind.WORDS and capability.command in READ_ONLY_COMMANDS:
        own = _argument(after)
        return f"{capability.command} {own}" if own else capability.command
    # Nothing after it: the command alone, as its help line shows it.
    return capability.command
