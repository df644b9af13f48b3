"""Partnership set-up cards (admin): agencies, members and their roles.

Forms come back with the user's values kept and each problem shown under its input, because
client-side validation is advisory and the server has the last word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.basics import role_names
from cards.common import (
    OPENS_BESIDE,
    Card,
    build,
    button,
    facts,
    field_problem,
    good_news,
    header,
    limited,
    paragraph,
    revised,
    show_form,
    shown_label,
    user_text,
    without_inputs,
)
from domain.directory import (
    ACCESS_REASON_MAX,
    GUID_EXAMPLE,
    NAME_MAX,
    SECTORS,
    AccessChange,
    AgencyForm,
    AgencyListing,
    MemberForm,
    MemberListing,
    Paging,
    agency_revision,
    member_revision,
)
from domain.model import ROLE_LABELS, Role
from domain.repositories import AgencyView, DirectoryMember, Holding, HoldingKind
from domain.wording import counted, shortened

SET_UP = "Partnership set-up"
# Long names are clipped where many are shown at once, so a card stays inside Teams' limit.
CHOICE_TITLE_MAX = 80
LEADS_MAX = 300
HOLDINGS_MAX = 30
# A "Still with them" button's title, named by its item (an agency's name is clipped).
BUTTON_TITLE_MAX = 48
# Posts to a registered channel reach everyone in it: the bot can't hold them back from one
# person, so the admin is told to take the leaver out of those channels in Teams.
ACCESS_ENDED_LINE = (
    "Access ended: they can't use Line of Sight and are sent nothing of their own. Posts to "
    "the partnership's Teams channels still reach them while they are in those channels: "
    "remove them there in Teams."
)
_HOLDING_WORDS = {
    HoldingKind.CHAIRS: "Chairs the review",
    HoldingKind.DEPUTY: "Deputy chair of the review",
    HoldingKind.WRITES: "Writes the return",
    HoldingKind.SIGNS_OFF: "Sign-off waits on them",
    HoldingKind.OWNS: "Owns the action",
}
# Teams checks this in the client before sending; the server checks again.
GUID_PATTERN = (
    r"^\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*$"
)


def agencies_card(listing: AgencyListing, result: str = "") -> Card:
    window = listing.paging
    body: list[ac.ElementAnnotated] = [
        *header("Agencies", f"{SET_UP} · {counted(window.total, 'agency')}"),
        *_result(result),
    ]
    body.extend(_agency_row(agency, window.page) for agency in listing.agencies)
    if not listing.agencies:
        body.append(
            paragraph("No agencies yet. Add the partnership's agencies, then their members.")
        )
    body.extend(_page_note(window))
    actions = [
        button("Add agency", verbs.AGENCY_FORM, {"page": window.page}, primary=True),
        *_page_buttons(verbs.AGENCIES, window),
        button("Members", verbs.MEMBERS),
    ]
    return build(body, actions)


def agency_form_card(
    form: AgencyForm,
    page: int = 1,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    agency, typed, problems = form.agency, values or {}, errors or {}
    title = f"Edit {agency.name}" if agency else "Add an agency"
    body: list[ac.ElementAnnotated] = [*header(title, f"{SET_UP} · agencies"), *_summary(problems)]
    body += _with_problem(
        ac.InputText(
            id="name",
            label="Agency name",
            is_required=True,
            max_length=NAME_MAX,
            error_message=f"Enter the agency's name (up to {NAME_MAX} characters).",
            placeholder="For example: Demo Police",
            value=_kept(typed, "name", agency.name if agency else ""),
        ),
        problems.get("name"),
    )
    sector = _kept(typed, "sector", agency.sector if agency else "")
    body += _with_problem(
        ac.InputChoiceSet(
            id="sector",
            label="Sector",
            is_required=True,
            error_message="Choose the agency's sector.",
            placeholder="Choose a sector",
            choices=[ac.InputChoice(title=_sentence(s), value=s) for s in SECTORS],
            value=sector if sector in SECTORS else None,
        ),
        problems.get("sector"),
    )
    body += _lead_inputs(form, typed, problems)
    save_data: dict[str, Any] = {"page": page}
    if agency is not None:
        save_data = revised({**save_data, "agency_id": agency.id}, agency_revision(agency))
    actions = [
        button("Save agency", verbs.AGENCY_SAVE, save_data, primary=True),
        without_inputs(button("Cancel", verbs.AGENCIES, {"page": page})),
    ]
    return build(body, actions)


def _lead_inputs(
    form: AgencyForm, typed: Mapping[str, str], problems: Mapping[str, str]
) -> list[ac.ElementAnnotated]:
    items: list[ac.ElementAnnotated] = []
    if form.agency is not None:
        leads = ", ".join(form.agency.lead_names) or "None yet"
        items.append(facts([("Safeguarding leads", leads)]))
    if not form.members:
        items.append(
            paragraph("No members yet: add members, then come back to choose a lead.", subtle=True)
        )
        return items
    choices = [ac.InputChoice(title=_member_title(m), value=str(m.id)) for m in form.members]
    lead = _kept(typed, "lead", "")
    items += _with_problem(
        ac.InputChoiceSet(
            id="lead",
            label="Add a safeguarding lead (optional)",
            placeholder="Choose a member",
            choices=choices,
            value=lead if lead in {c.value for c in choices} else None,
        ),
        problems.get("lead"),
    )
    items.append(
        paragraph(
            "The member chosen moves to this agency and becomes its safeguarding lead. To "
            "remove a lead, edit that member's roles.",
            subtle=True,
        )
    )
    if form.more_members:
        items.append(paragraph(f"Showing the first {len(form.members)} members.", subtle=True))
    return items


def members_card(listing: MemberListing, result: str = "") -> Card:
    window = listing.paging
    body: list[ac.ElementAnnotated] = [
        *header("Members", f"{SET_UP} · {counted(window.total, 'member')}"),
        *_result(result),
    ]
    body.extend(_member_row(member, window.page) for member in listing.members)
    body.extend(_page_note(window))
    actions = [
        button("Add member", verbs.MEMBER_FORM, {"page": window.page}, primary=True),
        *_page_buttons(verbs.MEMBERS, window),
        button("Agencies", verbs.AGENCIES),
    ]
    return build(body, actions)


def member_form_card(
    form: MemberForm,
    page: int = 1,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    change: AccessChange | None = None,
) -> Card:
    member, typed, problems = form.member, values or {}, errors or {}
    title = f"Edit {member.display_name}" if member else "Add a member"
    body: list[ac.ElementAnnotated] = [*header(title, f"{SET_UP} · members"), *_summary(problems)]
    if change is not None:
        held = _holdings(change.holdings) if not change.member.active else []
        body += [*_result(change.result), *held]
    elif member is not None and not member.active:
        body += _holdings(form.holdings)
    body += _with_problem(
        ac.InputText(
            id="display_name",
            label="Display name",
            is_required=True,
            max_length=NAME_MAX,
            error_message=f"Enter the person's name as Teams shows it (up to {NAME_MAX}).",
            value=_kept(typed, "display_name", member.display_name if member else ""),
        ),
        problems.get("display_name"),
    )
    body += _identity(member, typed, problems)
    body += _agency_choice(form, typed, problems)
    body += _roles_choice(member, typed, problems)
    save_data: dict[str, Any] = {"page": page}
    if member is not None:
        save_data = revised({**save_data, "member_id": member.id}, member_revision(member))
    actions: list[ac.ActionExecute | Card] = [
        button("Save member", verbs.MEMBER_SAVE, save_data, primary=True),
        without_inputs(button("Cancel", verbs.MEMBERS, {"page": page})),
    ]
    if member is not None and not member.active:
        body.append(ac.TextBlock(text=ACCESS_ENDED_LINE, color=ty.Colors.ATTENTION, wrap=True))
        actions.insert(1, button("Restore access", verbs.MEMBER_RESTORE, save_data))
    elif member is not None:
        if "reason" in problems:
            # The form below opens folded: its problem is said where it is seen.
            body.append(_problem(f"End access: {problems['reason']}"))
        # A form of its own under its button, so Save member never carries the reason.
        actions.insert(
            1,
            show_form(
                "End access…",
                _end_access_inputs(typed, problems),
                button("End access", verbs.MEMBER_END_ACCESS, save_data, primary=True),
            ),
        )
    return build(body, actions)


def _end_access_inputs(
    typed: Mapping[str, str], problems: Mapping[str, str]
) -> list[ac.ElementAnnotated]:
    """The End access form: a reason is needed (kept in the audit trail); Restore needs none."""
    return [
        paragraph(
            "If they have left their agency, end their access: give the reason (it is kept in "
            "the audit trail), then End access. Their roles are kept for a restore.",
            subtle=True,
        ),
        *_with_problem(
            ac.InputText(
                id="reason",
                label=limited("Reason for ending access", ACCESS_REASON_MAX),
                is_multiline=True,
                max_length=ACCESS_REASON_MAX,
                placeholder="For example: left the agency on 30 November",
                value=_kept(typed, "reason", "", limit=ACCESS_REASON_MAX),
            ),
            problems.get("reason"),
        ),
    ]


def _holdings(held: tuple[Holding, ...]) -> list[ac.ElementAnnotated]:
    """What the person still holds, for the admin or chair to reassign (read-only)."""
    if not held:
        return [
            paragraph(
                "They chair no open review and hold no open returns, sign-offs or action items.",
                subtle=True,
            )
        ]
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text="Still with them: someone must pick these up",
            weight=ty.FontWeight.BOLDER,
            wrap=True,
        )
    ]
    shown = held[:HOLDINGS_MAX]
    # Each item with its own button, beside it and named by it, opening that item (walk10:
    # every button opened the review's summary, not the item it came from).
    items.extend(_holding_row(h) for h in shown)
    if len(held) > len(shown):
        items.append(paragraph(f"And {len(held) - len(shown)} more.", subtle=True))
    items.append(
        paragraph(
            "The review's chair can reassign returns and action items from the review.",
            subtle=True,
        )
    )
    return items


def _holding_row(held: Holding) -> ac.Container:
    """One thing they hold: its reference, what it is, and its button under it (beside it,
    a long title squeezed the words into a column a word wide)."""
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=user_text(held.reference), weight=ty.FontWeight.BOLDER, wrap=True),
        ac.TextBlock(text=user_text(_holding_line(held)), wrap=True, spacing=ty.Spacing.NONE),
    ]
    opens = holding_button(held)
    if opens is not None:
        items.append(ac.ActionSet(actions=[opens]))
    return ac.Container(separator=True, items=items)


def holding_button(held: Holding) -> ac.ActionExecute | None:
    """The button that opens what is held, named by it: an action item's card; a return's
    controls on its agency's card (to assign someone else to write it, or, where the sign-off
    waits on them, to proceed without it or set a lead); a chaired review's Manage card (where
    a deputy chair is named). All read-only, and the card clicked stays."""
    data: dict[str, Any]
    if held.kind is HoldingKind.OWNS and held.item_id:
        title, verb, data = f"Open {held.reference}", verbs.ACTION_VIEW, {"action_id": held.item_id}
    elif held.kind in (HoldingKind.WRITES, HoldingKind.SIGNS_OFF) and held.item_id:
        what = "return" if held.kind is HoldingKind.WRITES else "sign-off"
        title = shortened(f"Open the {held.about} {what}", BUTTON_TITLE_MAX)
        verb, data = verbs.REVIEW_AGENCY, {"return_id": held.item_id}
    elif held.kind in (HoldingKind.CHAIRS, HoldingKind.DEPUTY) and held.review_id:
        title, verb, data = (
            f"Manage {held.reference}",
            verbs.REVIEW_MANAGE,
            {"review_id": held.review_id},
        )
    else:
        return None
    return without_inputs(button(title, verb, {**data, OPENS_BESIDE: 1}))


def _holding_line(held: Holding) -> str:
    what = _HOLDING_WORDS[held.kind]
    status = held.status.replace("_", " ")
    if held.kind is HoldingKind.CHAIRS:
        # No control changes a review's chair: say who has the chair's controls meanwhile.
        if held.about:
            return (
                f"{what} ({status}). Nothing changes a review's chair; its deputy chair, "
                f"{_clip(held.about)}, has the chair's controls: tell them."
            )
        return (
            f"{what} ({status}). Nothing changes a review's chair and it has no deputy: an "
            f"admin can name one (manage {held.reference}, Deputy chair), who then has the "
            "chair's controls."
        )
    if held.kind is HoldingKind.DEPUTY:
        return f"{what} ({status}). Its chair can name another deputy from manage {held.reference}."
    return f"{what}: {_clip(held.about)} ({status})"


def _identity(
    member: DirectoryMember | None, typed: Mapping[str, str], problems: Mapping[str, str]
) -> list[ac.ElementAnnotated]:
    # The AAD object id is the member's identity: set once, never edited from a card.
    if member is not None:
        status = (
            "Access ended"
            if not member.active
            else "Linked: has used the bot"
            if member.seen
            else "Waiting: hasn't used the bot yet"
        )
        return [facts([("AAD object id", member.aad_object_id or "Unknown"), ("Status", status)])]
    return _with_problem(
        ac.InputText(
            id="aad_object_id",
            label="Microsoft Entra (AAD) object id",
            is_required=True,
            regex=GUID_PATTERN,
            max_length=60,
            error_message=f"Enter the object id from Entra ID, like {GUID_EXAMPLE}.",
            placeholder=GUID_EXAMPLE,
            value=_kept(typed, "aad_object_id", "", limit=60),
        ),
        problems.get("aad_object_id"),
    )


def _agency_choice(
    form: MemberForm, typed: Mapping[str, str], problems: Mapping[str, str]
) -> list[ac.ElementAnnotated]:
    current = form.member.agency_id if form.member else None
    choices = [ac.InputChoice(title=_clip(a.name), value=str(a.id)) for a in form.agencies]
    chosen = _kept(typed, "agency", str(current) if current else "")
    return _with_problem(
        ac.InputChoiceSet(
            id="agency",
            label="Agency",
            placeholder="No agency" if choices else "No agencies yet: add them first",
            choices=choices,
            value=chosen if chosen in {c.value for c in choices} else None,
        ),
        problems.get("agency"),
    )


def _roles_choice(
    member: DirectoryMember | None, typed: Mapping[str, str], problems: Mapping[str, str]
) -> list[ac.ElementAnnotated]:
    held = ",".join(role.value for role in Role if member and role in member.roles)
    ticked = [v for v in _kept(typed, "roles", held).split(",") if v in set(Role)]
    items = _with_problem(
        ac.InputChoiceSet(
            id="roles",
            label="Roles",
            is_multi_select=True,
            style=ty.ChoiceInputStyle.EXPANDED,
            choices=[ac.InputChoice(title=ROLE_LABELS[r], value=r.value) for r in Role],
            value=",".join(ticked) or None,
        ),
        problems.get("roles"),
    )
    if member is not None:
        items.append(paragraph("Un-tick a role to revoke it.", subtle=True))
    return items


def _agency_row(agency: AgencyView, page: int) -> ac.Container:
    leads = _clip(", ".join(agency.lead_names), LEADS_MAX) or "none yet"
    details: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=user_text(agency.name), weight=ty.FontWeight.BOLDER, wrap=True),
        ac.TextBlock(
            text=user_text(f"{_sentence(agency.sector)} · Safeguarding leads: {leads}"),
            is_subtle=True,
            wrap=True,
            spacing=ty.Spacing.NONE,
        ),
    ]
    edit = button("Edit", verbs.AGENCY_FORM, {"agency_id": agency.id, "page": page})
    return _row(details, edit)


def _member_row(member: DirectoryMember, page: int) -> ac.Container:
    where = member.agency_name or "No agency"
    details: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=user_text(member.display_name), weight=ty.FontWeight.BOLDER, wrap=True),
        ac.TextBlock(
            text=user_text(f"{where} · {role_names(member.roles)}"),
            is_subtle=True,
            wrap=True,
            spacing=ty.Spacing.NONE,
        ),
    ]
    if not member.active:
        details.append(
            ac.TextBlock(
                text="Access ended", color=ty.Colors.ATTENTION, wrap=True, spacing=ty.Spacing.NONE
            )
        )
    elif not member.seen:
        details.append(
            ac.TextBlock(
                text="Hasn't used the bot yet", is_subtle=True, wrap=True, spacing=ty.Spacing.NONE
            )
        )
    edit = button("Edit", verbs.MEMBER_FORM, {"member_id": member.id, "page": page})
    return _row(details, edit)


def _row(details: list[ac.ElementAnnotated], action: ac.ActionExecute) -> ac.Container:
    return ac.Container(
        separator=True,
        items=[
            ac.ColumnSet(
                columns=[
                    ac.Column(width="stretch", items=details),
                    ac.Column(
                        width="auto",
                        vertical_content_alignment=ty.VerticalAlignment.CENTER,
                        items=[ac.ActionSet(actions=[action])],
                    ),
                ]
            )
        ],
    )


def _page_buttons(verb: str, window: Paging) -> list[ac.ActionExecute]:
    pages: list[ac.ActionExecute] = []
    if window.has_previous:
        pages.append(button("Previous page", verb, {"page": window.page - 1}))
    if window.has_next:
        pages.append(button("Next page", verb, {"page": window.page + 1}))
    return pages


def _page_note(window: Paging) -> list[ac.ElementAnnotated]:
    if window.pages <= 1:
        return []
    return [paragraph(f"Page {window.page} of {window.pages}", subtle=True)]


def _result(result: str) -> list[ac.ElementAnnotated]:
    if not result:
        return []
    return [good_news(result)]


def _summary(problems: Mapping[str, str]) -> list[ac.ElementAnnotated]:
    if not problems:
        return []
    count = "one thing" if len(problems) == 1 else f"{len(problems)} things"
    return [_problem(f"Nothing was saved yet: please correct {count} below.")]


def _problem(text: str) -> ac.TextBlock:
    return ac.TextBlock(
        text=user_text(text), color=ty.Colors.ATTENTION, wrap=True, spacing=ty.Spacing.SMALL
    )


def _with_problem(element: ac.ElementAnnotated, problem: str | None) -> list[ac.ElementAnnotated]:
    return (
        [element, _problem(field_problem(problem, shown_label(element)))] if problem else [element]
    )


def _kept(typed: Mapping[str, str], key: str, default: str, limit: int = NAME_MAX) -> str:
    """What the user typed, clipped so an oversized value can't break the card itself."""
    return typed[key][:limit] if key in typed else default


def _member_title(member: DirectoryMember) -> str:
    if member.agency_name:
        return _clip(f"{member.display_name} · {member.agency_name}")
    return _clip(member.display_name)


def _clip(text: str, limit: int = CHOICE_TITLE_MAX) -> str:
    return shortened(text, limit)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
