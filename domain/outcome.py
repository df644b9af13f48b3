"""Recording what the Line-of-Sight meeting agreed, SMART-checking its actions, publishing it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from domain.calendar import DEFAULT_CALENDAR, is_working_day
from domain.errors import FormInvalid, field_error
from domain.idempotency import revision_of
from domain.identifiers import describe_findings, find_identifiers
from domain.model import is_directory_id, small_int
from domain.wording import short_date

MAX_ACTIONS = 20
DESCRIPTION_MAX = 500
MEASURE_MAX = 500
FINDING_MAX = 500
NEED_MAX = 300
MAX_NEEDS = 12
ATTENDEES_MAX = 200
# docs/practice.md's examples of actions that cannot be measured, plus their close relatives.
VAGUE_PHRASES = (
    "raise awareness",
    "consider",
    "remind staff",
    "look into",
    "explore",
    "encourage",
    "promote",
    "be mindful",
    "think about",
    "reflect on",
)


@dataclass(frozen=True)
class DraftAction:
    """An action item as the chair drafts it; every field may still be missing."""

    description: str
    theme: str | None = None
    owner_aad: str | None = None
    owner_name: str | None = None
    agency_id: int | None = None
    due_on: date | None = None
    success_measure: str | None = None
    confirmed: bool = False
    # The finding or learning statement the action answers (the tracker's column of that name).
    finding: str | None = None
    # Its stable id on the outcome card: Edit and Remove name it by this, not by its place in
    # the list, so a racing removal or a card drawn before one never acts on another item.
    key: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_on"] = self.due_on.isoformat() if self.due_on else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DraftAction:
        due = data.get("due_on")
        return cls(
            description=str(data.get("description") or ""),
            theme=data.get("theme"),
            owner_aad=data.get("owner_aad"),
            owner_name=data.get("owner_name"),
            agency_id=data.get("agency_id"),
            due_on=date.fromisoformat(due) if isinstance(due, str) else None,
            success_measure=data.get("success_measure"),
            confirmed=bool(data.get("confirmed")),
            key=str(data.get("key") or ""),
            finding=data.get("finding"),
        )


def new_draft_key() -> str:
    return secrets.token_hex(6)


def keyed(drafts: Sequence[DraftAction]) -> tuple[DraftAction, ...]:
    """Every draft with a key of its own. Drafts stored before keys existed get one from their
    content and place, kept from the next save on."""
    seen: set[str] = set()
    result = []
    for place, draft in enumerate(drafts):
        key = draft.key
        if not key or key in seen:
            key = revision_of(draft.description, draft.owner_aad, draft.due_on, place)[:12]
        seen.add(key)
        result.append(replace(draft, key=key))
    return tuple(result)


def smart_issues(action: DraftAction, today: date) -> list[str]:
    """What stops this action being SMART; empty when it is."""
    issues = []
    if not action.owner_aad:
        issues.append("no named owner")
    if action.due_on is None:
        issues.append("no due date")
    elif action.due_on < today:
        issues.append("the due date is in the past")
    elif not is_working_day(action.due_on):
        met_on = DEFAULT_CALENDAR.next_working_day(action.due_on)
        # walk13: kept as typed, the card then said "Due Sun 28 Feb" under a warning that it
        # "would fall due on the next working day": name both days, so keeping it is informed.
        issues.append(
            f"the due date, {short_date(action.due_on)}, is a weekend or bank holiday: chasers "
            f"count it as due on {short_date(met_on)}, the next working day"
        )
    if not action.success_measure:
        issues.append("no measure of success (how will we know it made a difference?)")
    if action.agency_id is None:
        issues.append("no lead agency")
    vague = [p for p in VAGUE_PHRASES if re.search(rf"\b{p}\b", action.description.lower())]
    if vague:
        issues.append(f"'{vague[0]}' is hard to measure: say exactly what will be done")
    return issues


@dataclass(frozen=True)
class ActionForm:
    """Checks the action item card's inputs; ids from card data are checked by the caller."""

    action: DraftAction
    warnings: Mapping[str, str] = field(default_factory=dict)


def check_action(
    data: Mapping[str, object], themes: Sequence[str], agency_ids: Sequence[int]
) -> ActionForm:
    errors: dict[str, str] = {}
    description = _text(
        data.get("description"),
        "description",
        "What will be done",
        DESCRIPTION_MAX,
        errors,
        required=True,
    )
    measure = _text(
        data.get("success_measure"),
        "success_measure",
        "Measure of success",
        MEASURE_MAX,
        errors,
        required=False,
    )
    finding = _text(
        data.get("finding"),
        "finding",
        "Finding or learning statement",
        FINDING_MAX,
        errors,
        required=False,
    )
    theme = data.get("theme") if data.get("theme") in themes else None
    if data.get("theme") not in (None, "") and theme is None:
        errors["theme"] = "Choose a theme from the list."
    owner = _owner(data.get("owner"), errors)
    agency = _agency(data.get("agency_id"), agency_ids, errors)
    due = _due(data.get("due_on"), errors)
    if errors:
        raise FormInvalid(errors)
    action = DraftAction(
        description,
        theme if isinstance(theme, str) else None,
        owner,
        None,
        agency,
        due,
        measure or None,
        finding=finding or None,
    )
    texts = dict(zip(ACTION_TEXT_BOXES, (description, measure, finding), strict=True))
    return ActionForm(action, _identifier_warnings(texts))


# The action-item form's free-text boxes, by input id: the pack and the tracker quote them.
ACTION_TEXT_BOXES = ("description", "success_measure", "finding")


def _text(
    raw: object, key: str, label: str, limit: int, errors: dict[str, str], *, required: bool
) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if required and not text:
        errors[key] = field_error(label, " is required.")
    elif len(text) > limit:
        errors[key] = field_error(label, f" is {len(text):,} characters; the limit is {limit:,}.")
    return text


def _owner(raw: object, errors: dict[str, str]) -> str | None:
    # The people picker and the member list both send an AAD object id.
    if raw in (None, ""):
        return None
    if isinstance(raw, str) and is_directory_id(raw.strip()):
        return raw.strip()
    errors["owner"] = "Choose the owner from the list (one person)."
    return None


def _agency(raw: object, known: Sequence[int], errors: dict[str, str]) -> int | None:
    if raw in (None, ""):
        return None
    value = small_int(raw)
    if isinstance(value, int) and value in known:
        return value
    errors["agency_id"] = "Choose the lead agency from the list."
    return None


def _due(raw: object, errors: dict[str, str]) -> date | None:
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        errors["due_on"] = field_error("Due date", " must be a date like 2027-03-31.")
        return None


def _identifier_warnings(texts: Mapping[str, str]) -> dict[str, str]:
    return {
        key: describe_findings(found)
        for key, text in texts.items()
        if (found := find_identifiers(text))
    }


@dataclass(frozen=True)
class OutcomeDraft:
    attendees: Mapping[str, str]
    agreed_themes: tuple[str, ...]
    learning_needs: tuple[str, ...]
    actions: tuple[DraftAction, ...]


def check_outcome_fields(
    data: Mapping[str, object], agency_names: Sequence[str], themes: Sequence[str]
) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """Attendees by agency, agreed themes and learning needs from the outcome card."""
    errors: dict[str, str] = {}
    attendees = {}
    for index, name in enumerate(agency_names):
        text = _text(
            data.get(f"attendees_{index}"),
            f"attendees_{index}",
            f"Attendees from {name}",
            ATTENDEES_MAX,
            errors,
            required=False,
        )
        if text:
            attendees[name] = text
    raw_themes = data.get("agreed_themes")
    chosen = [t.strip() for t in raw_themes.split(",")] if isinstance(raw_themes, str) else []
    if any(t and t not in themes for t in chosen):
        errors["agreed_themes"] = "Choose the themes from the list."
    needs = _needs(data.get("learning_needs"), errors)
    if errors:
        raise FormInvalid(errors)
    return attendees, tuple(dict.fromkeys(t for t in chosen if t)), needs


def _needs(raw: object, errors: dict[str, str]) -> tuple[str, ...]:
    lines = [line.strip(" -•\t") for line in raw.splitlines()] if isinstance(raw, str) else []
    needs = tuple(line for line in lines if line)
    if len(needs) > MAX_NEEDS:
        errors["learning_needs"] = f"Up to {MAX_NEEDS} learning needs, one per line."
    elif any(len(n) > NEED_MAX for n in needs):
        errors["learning_needs"] = (
            f"Keep each learning need to a short statement ({NEED_MAX} characters)."
        )
    return needs


def default_held_on(planned: date | None, today: date) -> date:
    """What the outcome card offers as the day the meeting was held: the planned date once it
    has come, else today (the outcome is usually recorded on the day)."""
    return planned if planned is not None and planned <= today else today


def held_on_problem(held: date | None, opened: date, today: date) -> str | None:
    """Why `held` can't be the day the meeting was held; None when it can. Dashboards count
    the review in that day's period, and its actions as agreed on it."""
    if held is None:
        return "Give the date the meeting was held, like 2027-01-21."
    if held > today:
        return "The meeting date can't be in the future: record the outcome once it is held."
    if held < opened:
        return f"The meeting can't have been held before the review opened ({short_date(opened)})."
    return None


def parse_held_on(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        return None


def publish_problems(draft: OutcomeDraft, today: date) -> list[str]:
    """Why the outcome can't be published yet; empty when it can."""
    problems = []
    if not draft.agreed_themes:
        problems.append("Choose at least one agreed learning theme.")
    if not draft.learning_needs and not draft.actions:
        problems.append("Record at least one learning need or action item.")
    for number, action in enumerate(draft.actions, start=1):
        issues = smart_issues(action, today)
        if issues and not action.confirmed:
            problems.append(
                f"Action {number}: {'; '.join(issues)}. Sharpen it, or choose it under "
                f"'Keep these as they are'."
            )
    return problems


def confirm_actions(
    actions: Sequence[DraftAction], data: Mapping[str, object]
) -> tuple[DraftAction, ...]:
    """Apply the chair's 'keep these as they are' choice: a comma-separated list of the
    drafts' keys (DraftAction.key), so a draft removed meanwhile can't pass its tick on."""
    raw = data.get("keep")
    if not isinstance(raw, str):
        return tuple(actions)
    kept = {part.strip() for part in raw.split(",")}
    return tuple(replace(a, confirmed=a.key in kept) for a in actions)


def action_reference(review_reference: str, number: int) -> str:
    return f"{review_reference}/A{number}"
