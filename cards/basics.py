"""Welcome, help, profile and error cards."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Final

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
    warning_line,
)
from domain import chat_notes
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
            "returns, the meeting pack, SMART actions with chasers, the 7-minute briefing and "
            "summaries for managers."
        ),
        paragraph(PRIVACY_LINE, subtle=True),
        facts([("Your roles", role_names(roles))]),
    ]
    return build(
        body,
        [button("What can I do?", verbs.HELP, primary=True), button("My profile", verbs.PROFILE)],
    )


# The order groups appear in on the help card, and what each group is called.
_GROUPS: tuple[tuple[Role, str], ...] = (
    (Role.PRACTITIONER, "As a practitioner"),
    (Role.AGENCY_LEAD, "As your agency's safeguarding lead"),
    (Role.CHAIR, "As a review chair"),
    (Role.MANAGER, "As a manager"),
    (Role.LIC_MEMBER, "As an LIC group member"),
    (Role.ADMIN, "As the partnership admin"),
)
# The one-click top actions for each role: verbs that need no card data.
_TOP_ACTIONS: tuple[tuple[Role, str, str], ...] = (
    (Role.PRACTITIONER, "Continue my return", verbs.CONTINUE),
    (Role.AGENCY_LEAD, "Sign-offs", verbs.SIGN_OFFS),
    (Role.CHAIR, "New review", verbs.REVIEW_NEW),
    (Role.CHAIR, "Reviews", verbs.REVIEWS),
    (Role.MANAGER, "Dashboard", verbs.DASHBOARD),
    (Role.LIC_MEMBER, "Overdue actions", verbs.OVERDUE),
    (Role.ADMIN, "Members", verbs.MEMBERS),
)
MAX_TOP_ACTIONS = 5


def help_groups(
    capabilities: Sequence[Capability], roles: frozenset[Role]
) -> list[tuple[str, list[Capability]]]:
    """Commands grouped by the member's roles: what everyone can do, then each role's own.
    A command several of the member's roles allow is listed once, under the first of them.
    Only what the member may run is listed: a command for every role is not for someone who
    holds none yet."""
    everyone = [c for c in capabilities if not c.roles or (roles and c.roles >= frozenset(Role))]
    groups: list[tuple[str, list[Capability]]] = [("For everyone", everyone)] if everyone else []
    listed = set(everyone)
    for role, title in _GROUPS:
        if role not in roles:
            continue
        own = [c for c in capabilities if role in c.roles and c not in listed]
        listed.update(own)
        if own:
            groups.append((title, own))
    return groups


def top_actions(roles: frozenset[Role]) -> list[Card]:
    chosen = [(title, verb) for role, title, verb in _TOP_ACTIONS if role in roles]
    return [button_json(title, verb) for title, verb in chosen[:MAX_TOP_ACTIONS]]


# The folded reference's button: every command the member may run, by group, with examples.
ALL_COMMANDS: Final = "All commands"


def help_card(capabilities: Sequence[Capability], roles: frozenset[Role]) -> Card:
    """The answer to `help`: what this person can do next first, as buttons by their roles
    under the header, then the whole reference of commands folded under "All commands" (an
    Action.ShowCard), so it no longer pushes the buttons to the foot of a long card (walk10).
    Its rows are dumped once per command, like a section card's questions (bench/)."""
    reference: list[ac.ElementAnnotated | Card] = []
    for title, group in help_groups(capabilities, roles):
        reference.append(_group_title(title))
        reference.extend(_capability_row(capability) for capability in group)
    body: list[ac.ElementAnnotated | Card] = [
        *header_json("What you can do", f"Your roles: {role_names(roles)}"),
        {
            "type": "ActionSet",
            "actions": [*top_actions(roles), button_json("My profile", verbs.PROFILE)],
        },
    ]
    if not roles:
        body.append(
            paragraph(
                "You don't hold a role in this partnership yet, so these will find nothing for "
                "you to work on. Ask your partnership admin to give you a role.",
                subtle=True,
            )
        )
    body.append(
        paragraph(
            f"Use a button, or type a command: {ALL_COMMANDS} below lists every one you can "
            "use, with examples.",
            subtle=True,
        )
    )
    folded = build(reference)
    folded.pop("$schema", None)
    return build(body, [{"type": "Action.ShowCard", "title": ALL_COMMANDS, "card": folded}])


@lru_cache(maxsize=16)
def _group_title(title: str) -> Card:
    return dumped(
        ac.TextBlock(
            text=title, weight=ty.FontWeight.BOLDER, size=ty.FontSize.MEDIUM, separator=True
        )
    )


NOT_UNDERSTOOD = "I didn't recognise that as a command."


def did_you_mean_card(suggestions: Sequence[str], roles: frozenset[Role]) -> Card:
    """The one answer to text that isn't a command: the closest commands, each a button that
    runs it as typed; never another command's answer and never the whole help card. With
    nothing close, the person's own ways in."""
    if suggestions:
        body: list[ac.ElementAnnotated] = [
            *header("Did you mean …?", NOT_UNDERSTOOD),
            ac.ActionSet(
                actions=[
                    button(suggestion, verbs.RUN_COMMAND, {"command": suggestion})
                    for suggestion in suggestions
                ]
            ),
            paragraph("Press one, or type help to see everything.", subtle=True),
        ]
        return build(body, [button_json("What can I do?", verbs.HELP)])
    body = [
        *header("That isn't a command I know"),
        paragraph("Type help to see what you can do.", subtle=True),
    ]
    return build(body, [button_json("What can I do?", verbs.HELP), *top_actions(roles)[:3]])


def not_kept_card(warning: str, ways_on: Sequence[tuple[str, str]]) -> Card:
    """The answer to a message that reads as a note (or holds a child's details) and no
    command answered: it was not kept, where such a note belongs, and `warning` (the kinds of
    details it seems to hold, never the details). Never another command's card: a summary
    in its place looked as if the note had been added (walk13). `ways_on` are (title,
    command) buttons, each run as typed."""
    # The child's details first: what the person should do about them now.
    body: list[ac.ElementAnnotated] = [
        *header(chat_notes.NOT_KEPT_TITLE, chat_notes.NOTHING_SAVED),
        *([warning_line(warning)] if warning else []),
        paragraph(chat_notes.WHERE_NOTES_GO),
    ]
    if ways_on:
        body.append(
            ac.ActionSet(
                actions=[
                    button(title, verbs.RUN_COMMAND, {"command": command})
                    for title, command in ways_on
                ]
            )
        )
    return build(body, [button_json("What can I do?", verbs.HELP)])


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


def error_card(title: str, message: str, review_id: int | None = None) -> Card:
    """What went wrong; when it was about a review the reader may open (`review_id`), that
    review's summary is a click away, as well as what they can do."""
    body = [*header(title), paragraph(message)]
    actions = [button("What can I do?", verbs.HELP)]
    if review_id is not None:
        actions.insert(0, button("Review summary", verbs.SUMMARY, {"review_id": review_id}))
    return build(body, actions)


def info_card(title: str, message: str) -> Card:
    return build([*header(title), paragraph(message)], [button("What can I do?", verbs.HELP)])


# A file's name as kept on the machine that runs the bot (bot/files.py `kept_name`): its time,
# a random tag and the document's name, in letters, digits and single hyphens, then one dot and
# the kind of file. Such a name holds no Markdown (no * _ ` ~ [ < & \ { :), can't open a list
# or heading (it starts with the date), and its one dot is followed by a file kind, not a
# host's ending, so it is shown as it is, copyable.
KEPT_NAME: Final = re.compile(
    r"\d{8}-\d{6}-[0-9a-f]{8}-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.(?:csv|docx|xlsx|pdf)"
)
KEPT_NAME_ID: Final = "kept-name"


# A button back to the card a file was asked for from: (title, verb, data).
Back = tuple[str, str, Mapping[str, object]]


def file_ready_card(message: str, back: Back | None = None, *, kept_as: str = "") -> Card:
    """A file is ready. It replaces the card its button was on, so `back` returns there (the
    pack's other format, say) without knowing to type the command again.

    `kept_as` is the file's name on the machine that runs the bot (local mode, bot/files.py
    `kept_name`), on a line of its own in a monospace font and exactly as it is on disk, so it
    can be copied to search for it: never through `user_text`, whose look-alike dot and
    wrap breaks (walk10) made the copy find nothing. It is the bot's own name, made only of
    letters, digits, hyphens and one dot before its extension, so it holds no Markdown and
    no link; anything else is refused rather than shown."""
    actions = [button(*back)] if back else []
    body: list[ac.ElementAnnotated] = [*header("Your file is ready"), paragraph(message)]
    if kept_as:
        if not KEPT_NAME.fullmatch(kept_as):
            raise ValueError(f"not a kept file's name: {kept_as!r}")
        body.append(
            ac.TextBlock(text=kept_as, wrap=True, font_type=ty.FontType.MONOSPACE, id=KEPT_NAME_ID)
        )
    return build(
        body,
        [
            *actions,
            button("What can I do?", verbs.HELP),
        ],
    )
