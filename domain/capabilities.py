"""What each person can do, by role: the single source for help cards and permission checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import NotPermitted
from domain.model import ROLE_LABELS, MemberView, Role


@dataclass(frozen=True)
class Capability:
    """A command a person can type. `roles` empty means everyone in the partnership."""

    command: str
    summary: str
    roles: frozenset[Role] = frozenset()
    example: str = ""

    @property
    def takes_argument(self) -> bool | None:
        """Whether the command is typed with something after it ("summary LOS-2026-004"), as
        its example shows; None when it has no example to tell."""
        if not self.example:
            return None
        return len(self.example.split()) > len(self.command.split())

    def allowed_for(self, member: MemberView) -> bool:
        return not self.roles or bool(self.roles & member.roles)


def available(capabilities: Iterable[Capability], member: MemberView) -> list[Capability]:
    return [capability for capability in capabilities if capability.allowed_for(member)]


def require(member: MemberView, *roles: Role) -> None:
    """Refuse unless the member holds one of the roles, naming who can do it instead."""
    if member.has(*roles):
        return
    names = " or ".join(ROLE_LABELS[role].lower() for role in roles)
    article = "an" if names[0] in "aeiou" else "a"
    raise NotPermitted(
        f"Only {article} {names} can do that. If you need access, ask your partnership admin."
    )
