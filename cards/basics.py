"""Welcome, help, profile and error cards."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    Card,
    build,
    button,
    button_json,
    dumped,
    facts,
    header,
    header_json,
    paragraph,
)
from domain.capabilities import Capability
from domain.model import ROLE_LABELS, Role

PRIVACY_LINE = (
    "Use the review's pseudonym (for example \"Child K\") and reference. Never type a child's "
    "real name, date of birth, address or NHS number."
)


def role_names(roles: frozenset[Role]) -> str:
    if not roles:
        return "No role yet"
    return ", ".join(ROLE_LABELS[role] for role in sorted(roles))


def welcome_card(display_name: str, roles: frozenset[Role]) -> Card:
    body = [
        *header(f"Welcome, {display_name}"),
        paragraph(
            "I carry your partnership's Line-of-Sight learning reviews: agency pre-analysis "
            "returns, the meeting pack, SMART actions with chasers, the 7-minute guide and "
            "summaries for managers."
        ),
        paragraph(PRIVACY_LINE, subtle=True),
        facts([("Your roles", role_names(roles))]),
    ]
    return build(
        body,
        [button("What can I do?", verbs.HELP, primary=True), button("My profile", verbs.PROFILE)],
    )


def help_card(capabilities: Sequence[Capability], roles: frozenset[Role]) -> Card:
    # The answer to `help` and to anything not understood: its rows are dumped once per
    # command, like a section card's questions (bench/).
    body: list[ac.ElementAnnotated | Card] = [
        *header_json("What you can do", f"Your roles: {role_names(roles)}"),
    ]
    body.extend(_capability_row(capability) for capability in capabilities)
    if not roles:
        body.append(
            paragraph(
                "You don't hold a role in this partnership yet, so I can only show you this help "
                "and your profile. Ask your partnership admin to add you.",
                subtle=True,
            )
        )
    body.append(paragraph("Type a command, or use the buttons below.", subtle=True))
    return build(body, [button_json("My profile", verbs.PROFILE, primary=True)])


@lru_cache(maxsize=128)
def _capability_row(capability: Capability) -> Card:
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=capability.command, weight=ty.FontWeight.BOLDER, wrap=True),
        ac.TextBlock(text=capability.summary, wrap=True, spacing=ty.Spacing.NONE),
    ]
    if capability.example:
        lines.append(
            ac.TextBlock(
                text=f"For example: {capability.example}",
                is_subtle=True,
                wrap=True,
                spacing=ty.Spacing.NONE,
            )
        )
    return dumped(ac.Container(items=lines, separator=True))


def profile_card(
    display_name: str, agency: str | None, roles: frozenset[Role], partnership: str, reachable: bool
) -> Card:
    body = [
        *header("Your profile", partnership),
        facts(
            [
                ("Name", display_name),
                ("Agency", agency or "Not set: ask your partnership admin"),
                ("Roles", role_names(roles)),
                (
                    "Reminders",
                    "I can message you here" if reachable else "I can't reach you proactively yet",
                ),
            ]
        ),
    ]
    return build(body, [button("What can I do?", verbs.HELP, primary=True)])


def error_card(title: str, message: str) -> Card:
    body = [*header(title), paragraph(message)]
    return build(body, [button("What can I do?", verbs.HELP)])


def info_card(title: str, message: str) -> Card:
    return build([*header(title), paragraph(message)], [button("What can I do?", verbs.HELP)])
