"""What each person can do, by role: the single source for help cards and permission checks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.errors import NotPermitted
from domain.model import MemberView, Role, role_noun
from domain.reviews import parse_reference
from domain.wording import listed, with_article


class ArgumentKind(StrEnum):
    """What a command is typed with, as its example shows."""

    NONE = "none"  # nothing ("continue")
    REVIEW = "review"  # a review's reference ("summary LOS-2026-004")
    QUARTER = "quarter"  # a quarter ("report 2026-Q4")
    WORDS = "words"  # words of its own ("dashboard police 2026-Q3", "register channel lic")


QUARTER_TEXT: Final = re.compile(r"\b(\d{4})[\s\-/]*q([1-4])\b", re.IGNORECASE)


@dataclass(frozen=True)
class Capability:
    """A command a person can type. `roles` empty means everyone in the partnership."""

    command: str
    summary: str
    roles: frozenset[Role] = frozenset()
    example: str = ""
    # Its argument may be left out ("continue" and "continue LOS-2026-004" both work): a
    # misspelt command is then offered alone when no argument of its kind was typed.
    argument_optional: bool = False

    @property
    def takes_argument(self) -> bool | None:
        """Whether the command is typed with something after it ("summary LOS-2026-004"), as
        its example shows; None when it has no example to tell."""
        if not self.example:
            return None
        return len(self.example.split()) > len(self.command.split())

    @property
    def argument_kind(self) -> ArgumentKind | None:
        """The kind of thing typed after the command, read from its example's first word
        after the command; None when there is no example to tell."""
        if not self.example:
            return None
        words = self.example.split()[len(self.command.split()) :]
        if not words:
            return ArgumentKind.NONE
        if parse_reference(words[0]) is not None:
            return ArgumentKind.REVIEW
        if QUARTER_TEXT.fullmatch(words[0]):
            return ArgumentKind.QUARTER
        return ArgumentKind.WORDS

    def allowed_for(self, member: MemberView) -> bool:
        return not self.roles or bool(self.roles & member.roles)


def available(capabilities: Iterable[Capability], member: MemberView) -> list[Capability]:
    return [capability for capability in capabilities if capability.allowed_for(member)]


def require(member: MemberView, *roles: Role) -> None:
    """Refuse unless the member holds one of the roles, naming who can do it instead."""
    if member.has(*roles):
        return
    raise NotPermitted(refusal(member, roles))


def refusal(member: MemberView, roles: Sequence[Role]) -> str:
    """Who may do a thing (each role once, as a sentence names it), and what to do about it:
    someone with no role yet can only read help and their profile, so they are told how to
    get one."""
    names = [with_article(role_noun(role)) for role in dict.fromkeys(roles)]
    who = f"Only {listed(names)} can do that."
    if not member.roles:
        return (
            f"{who} You don't have a role in this partnership yet: ask your partnership admin "
            "to give you one."
        )
    return f"{who} If you need access, ask your partnership admin."
