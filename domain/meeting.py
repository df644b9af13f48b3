"""From signed-off returns to published learning: the meeting pack, the outcome card, the
actions it creates, and the 7-minute briefing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from domain import audit, guide, outcome, pack
from domain.errors import FormInvalid, InvalidInput, NotFound, NotPermitted, StaleCard
from domain.guide import DueDateChange
from domain.idempotency import require_unchanged, required_revision, revision_of
from domain.identifier_checks import (
    IdentifiersToConfirm,
    Screened,
    check_form,
    is_confirmed,
    record_kept,
    refuse_with_findings,
    require_confirmed,
    typed_texts,
)
from domain.identifier_checks import screen as screen_fields
from domain.identifiers import find_identifiers, kinds_found
from domain.members import ended_choice
from domain.model import (
    ActionStatus,
    Actor,
    ChannelPurpose,
    ConversationAddress,
    MemberView,
    ReviewStage,
    Role,
    channel_conversation,
    is_guid,
    small_int,
)
from domain.outcome import DraftAction
from domain.questions import default_themes
from domain.records import (
    ActionView,
    GuideRecord,
    GuideVersion,
    NewActionItem,
    OutcomeRecord,
    ReviewView,
)
from domain.repositories import UnitOfWork
from domain.returns import seen_for, writers_of
from domain.review_flow import chaired_review, find_review, held_review, named_review
from domain.reviews import may_read_published_briefing
from domain.transitions import label as quoted_state
from domain.transitions import move_review
from domain.wording import counted, listed

OUTCOME_STAGES = frozenset({ReviewStage.ANALYSIS, ReviewStage.MEETING})


def meeting_pack(
    uow: UnitOfWork, member: MemberView, review_id: object, today: date | None = None
) -> pack.MeetingPack:
    """`today` marks the outstanding returns past their due date as overdue."""
    review = chaired_review(uow, member, review_id)
    contents = []
    for ret in uow.reviews.returns(review.id):
        # A held answer (flagged, not yet confirmed by its writer) is masked for the chair as
        # for any reader; only a return still open for writing holds one (domain/held.py).
        raw = uow.returns.answers(ret.id)
        stored = seen_for(member, ret, raw, writers_of(uow, ret, raw)).items()
        answers = {q: a.value for (q, slot), a in stored if not slot}
        episodes: dict[int, dict[str, object]] = {}
        for (q, slot), a in stored:
            if slot:  # a repeatable section's answers: the key practice episodes
                episodes.setdefault(slot, {})[q] = a.value
        contents.append(pack.ReturnContent(ret, answers, uow.returns.entries(ret.id), episodes))
    background = pack.Background(
        review.reason, review.period_under_review or "", review.opened_on, review.meeting_on
    )
    built = pack.build_pack(
        review.reference, review.pseudonym, contents, background=background, today=today
    )
    if not built.included and not built.decisions:
        raise NotFound(
            f"No agency has submitted a return for {review.reference} yet, so "
            f"there is nothing for the meeting pack."
        )
    return built


# --- the outcome card --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeScreen:
    review: ReviewView
    agencies: tuple[tuple[int, str], ...]
    attendees: Mapping[str, str]
    agreed_themes: tuple[str, ...]
    learning_needs: tuple[str, ...]
    actions: tuple[DraftAction, ...]
    issues: tuple[tuple[str, ...], ...]
    owners: tuple[tuple[str, str], ...]
    published: bool
    errors: Mapping[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    # The stored outcome's revision as this card draws it: a save, publish or removal from a
    # card drawn before the outcome last changed is refused (bot/freshness.py).
    revision: str = ""
    held_on: date | None = None  # recorded, or what the card offers until it is
    # Possible identifiers in the typed attendees or learning needs: the card comes back with
    # what was typed, each warning under its field with that field's own tick.
    warnings: Mapping[str, str] = field(default_factory=dict)
    typed: Mapping[str, str] = field(default_factory=dict)
    # Flagged fields the chair has ticked already: drawn ticked, so the tick is not lost
    # while another field's warning is answered.
    ticked: frozenset[str] = frozenset()
    chosen: str | None = None  # the action item picked for Edit/Remove, as the card sent it
    published_at: datetime | None = None  # when it was published (read-only from then)


def outcome_revision(record: OutcomeRecord | None) -> str:
    """What an outcome card was drawn at: everything a save rewrites, and whether it is
    published."""
    if record is None:
        return revision_of("not saved yet")
    return revision_of(
        record.attendees,
        record.agreed_themes,
        record.learning_needs,
        record.draft_actions,
        record.published_at is not None,
        record.held_on,
    )


def draft_revision(draft: DraftAction) -> str:
    """What an action item's form was drawn at: which item (its key), and all of it."""
    return revision_of(draft.to_json())


def current_outcome_revision(uow: UnitOfWork, member: MemberView, review_id: object) -> str:
    review = _outcome_review(uow, member, review_id)
    return outcome_revision(uow.outcomes.get(review.id))


def current_draft_revision(uow: UnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    """The revision of the draft action item a form edits now; gone if it was removed."""
    review = _outcome_review(uow, member, data.get("review_id"))
    record = uow.outcomes.get(review.id)
    drafts = outcome.keyed(
        [DraftAction.from_json(d) for d in (record.draft_actions if record else ())]
    )
    index = _index(data, drafts)
    if index is None:
        raise StaleCard(
            "That action item has been removed since this form was drawn; here is the "
            "outcome as it is now."
        )
    return draft_revision(drafts[index])


def outcome_screen(
    uow: UnitOfWork,
    member: MemberView,
    review_id: object,
    today: date,
    *,
    errors: Mapping[str, str] | None = None,
    notices: tuple[str, ...] = (),
) -> OutcomeScreen:
    review = _outcome_review(uow, member, review_id)
    record = uow.outcomes.get(review.id)
    agencies = tuple((r.agency_id, r.agency_name) for r in uow.reviews.returns(review.id))
    if record is None:
        themes = tuple(row.slug for row in meeting_pack(uow, member, review.id).themes)
        attendees: Mapping[str, str] = {}
        needs: tuple[str, ...] = ()
        drafts: tuple[DraftAction, ...] = ()
    else:
        themes, needs, attendees = record.agreed_themes, record.learning_needs, record.attendees
        drafts = outcome.keyed([DraftAction.from_json(d) for d in record.draft_actions])
    owners = tuple(
        (aad, name) for aad, name, _ in uow.reviews.assignable_members(member.partnership_id)
    )
    return OutcomeScreen(
        review,
        agencies,
        attendees,
        themes,
        needs,
        drafts,
        tuple(tuple(outcome.smart_issues(a, today)) for a in drafts),
        _with_chair(owners, uow, member),
        record is not None and record.published_at is not None,
        errors or {},
        notices,
        outcome_revision(record),
        (record.held_on if record else None) or outcome.default_held_on(review.meeting_on, today),
        published_at=record.published_at if record else None,
    )


def _with_chair(
    owners: tuple[tuple[str, str], ...], uow: UnitOfWork, member: MemberView
) -> tuple[tuple[str, str], ...]:
    # Action owners may be any member; the chair's own team are the usual candidates.
    mine = (member.aad_object_id or "", uow.members.get(member.id).display_name)
    return owners if not mine[0] or mine in owners else (mine, *owners)


def _outcome_review(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    review = chaired_review(uow, member, review_id)
    if review.stage not in OUTCOME_STAGES | {ReviewStage.ACTIONS_OPEN}:
        raise NotPermitted(no_outcome_yet(review))
    return review


def no_outcome_yet(review: ReviewView) -> str:
    """Why a review's outcome can't be opened: a closed review's was published long ago (it
    is not waiting for sign-offs), a cancelled one never has one."""
    ref = review.reference
    if review.stage is ReviewStage.CLOSED:
        return (
            f"{ref} is closed: its outcome was published and every action item is settled. "
            f"Type summary {ref} to see them."
        )
    if review.stage is ReviewStage.CANCELLED:
        return f"{ref} was cancelled, so it has no meeting outcome."
    return (
        f"{ref} is at the {quoted_state(review.stage)} stage: the outcome is "
        "recorded once every agency return is signed off."
    )


def _editable(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    review = _outcome_review(uow, member, review_id)
    if review.stage is ReviewStage.ACTIONS_OPEN:
        raise audit.already_done(
            uow,
            ("review", review.id),
            ("outcome.published",),
            f"The outcome of {review.reference} was already published",
        )
    return review


def save_outcome(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> OutcomeScreen:
    held_review(uow, member, data.get("review_id"))  # racing saves and publishes queue
    review = _editable(uow, member, data.get("review_id"))
    current = outcome_screen(uow, member, review.id, today)
    names = [name for _, name in current.agencies]
    vocabulary = [t.slug for t in default_themes()]
    held = _held_on(data, current, today)
    # Refused, the card comes back with what was typed, so fixing one field means no retyping.
    typed = _typed_outcome(data, len(names))
    as_typed = _as_typed(current, data, typed, held.day, vocabulary)
    try:
        attendees, themes, needs = outcome.check_outcome_fields(data, names, vocabulary)
    except FormInvalid as invalid:
        return replace(as_typed, errors={**invalid.errors, **held.errors})
    # The pack, the contributors' learning card and the guide quote these. Text saved before
    # passed this guard when it was saved (a save needs every flag ticked), so it stays
    # confirmed until it is changed, as a return's confirmed answer does.
    unsaved = {
        key: text
        for key, text in typed.items()
        if not _as_saved(key, current, attendees, needs, names)
    }
    # The meeting's date and the boxes' identifier findings come back in one refusal.
    found = check_form(held.errors, unsaved, data)
    if not found.saves:
        flagged = screen_fields(unsaved, {}).warnings  # the ticked ones too, drawn ticked
        return replace(
            as_typed,
            errors=found.errors,
            warnings=flagged,
            ticked=frozenset(found.screened.kept),
        )
    screened = found.screened
    drafts = outcome.confirm_actions(current.actions, data)
    _store(uow, actor, member, review, attendees, themes, needs, drafts)
    record_kept(uow, member.partnership_id, actor, ("review", review.id), screened)
    assert held.day is not None  # no errors: a valid day
    uow.outcomes.set_held_on(review.id, held.day)
    return outcome_screen(uow, member, review.id, today, notices=("Outcome saved.",))


@dataclass(frozen=True)
class _HeldOn:
    day: date | None
    errors: Mapping[str, str]


def _held_on(data: Mapping[str, object], current: OutcomeScreen, today: date) -> _HeldOn:
    """The day the meeting was held, from the card; a card drawn before it asked (no field)
    keeps what the card would have offered."""
    day = outcome.parse_held_on(data["held_on"]) if "held_on" in data else current.held_on
    problem = outcome.held_on_problem(day, current.review.opened_on, today)
    return _HeldOn(day, {"held_on": problem} if problem else {})


def _as_typed(
    current: OutcomeScreen,
    data: Mapping[str, object],
    typed: Mapping[str, str],
    held_on: date | None,
    vocabulary: Sequence[str],
) -> OutcomeScreen:
    """The outcome card drawn again after a refusal: everything the chair typed or chose (the
    day, the themes, which action items to keep, the item picked), not what is saved."""
    raw = data.get("agreed_themes")
    chosen = [t.strip() for t in raw.split(",")] if isinstance(raw, str) else []
    themes = tuple(dict.fromkeys(t for t in chosen if t in vocabulary))
    picked = data.get(ACTION_KEY)
    return replace(
        current,
        typed=typed,
        held_on=held_on or current.held_on,
        agreed_themes=themes,  # none chosen is what a save would store too
        actions=outcome.confirm_actions(current.actions, data),
        chosen=next((a.key for a in current.actions if a.key == picked), None),
    )


def _as_saved(
    key: str,
    current: OutcomeScreen,
    attendees: Mapping[str, str],
    needs: tuple[str, ...],
    names: Sequence[str],
) -> bool:
    """Whether a typed field says what the stored outcome already says."""
    if key == "learning_needs":
        return bool(needs) and needs == current.learning_needs
    index = small_int(key.removeprefix("attendees_"))
    if not isinstance(index, int) or not 0 <= index < len(names):
        return False
    name = names[index]
    return name in attendees and attendees[name] == current.attendees.get(name)


def _typed_outcome(data: Mapping[str, object], agencies: int) -> dict[str, str]:
    keys = [f"attendees_{index}" for index in range(agencies)] + ["learning_needs"]
    return {key: value for key in keys if isinstance(value := data.get(key), str) and value}


def _store(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    review: ReviewView,
    attendees: Mapping[str, str],
    themes: tuple[str, ...],
    needs: tuple[str, ...],
    drafts: tuple[DraftAction, ...],
) -> None:
    uow.outcomes.save(review.id, attendees, themes, needs, [d.to_json() for d in drafts], member.id)
    if review.stage is ReviewStage.ANALYSIS:
        target = move_review(review.stage, ReviewStage.MEETING)
        uow.reviews.set_stage(review.id, target, {review.stage})
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "outcome.saved",
        ("review", review.id),
        after={"themes": list(themes), "needs": len(needs), "actions": len(drafts)},
    )


@dataclass(frozen=True)
class ActionFormScreen:
    review: ReviewView
    index: int | None
    values: Mapping[str, str]
    themes: tuple[str, ...]
    agencies: tuple[tuple[int, str], ...]
    owners: tuple[tuple[str, str], ...]
    errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)
    # The edited item's revision as the form was drawn (None when adding: nothing to
    # overwrite).
    revision: str | None = None
    key: str | None = None  # the draft's key, when editing one


def action_form(
    uow: UnitOfWork, member: MemberView, data: Mapping[str, object], today: date
) -> ActionFormScreen:
    held_review(uow, member, data.get("review_id"))  # the draft list is read, then rewritten
    screen = outcome_screen(uow, member, data.get("review_id"), today)
    _editable(uow, member, screen.review.id)
    index = _index(data, screen.actions)
    values = _action_values(screen.actions[index]) if index is not None else {}
    revision = draft_revision(screen.actions[index]) if index is not None else None
    return ActionFormScreen(
        screen.review,
        index,
        values,
        screen.agreed_themes,
        screen.agencies,
        screen.owners,
        revision=revision,
        key=screen.actions[index].key if index is not None else None,
    )


# The input and button field naming one draft action item by its key (DraftAction.key).
ACTION_KEY = "action_key"


def _index(data: Mapping[str, object], actions: tuple[DraftAction, ...]) -> int | None:
    """Where the action item the card names (by its key: picked on the outcome card's chooser,
    or carried by the edit form's button) is in the list now; None for a new one."""
    chosen = data.get(ACTION_KEY)
    if data.get("new") is True or chosen is None or chosen == "":
        return None  # "Add action item": the chooser's value rides along but is not meant
    found = [i for i, action in enumerate(actions) if action.key == chosen]
    if not found:
        raise StaleCard(
            "That action item has been removed since this card was drawn, so nothing was "
            "changed. Open the outcome to see the action items as they are now."
        )
    return found[0]


def _action_values(action: DraftAction) -> dict[str, str]:
    return {
        "description": action.description,
        "theme": action.theme or "",
        "owner": action.owner_aad or "",
        "agency_id": str(action.agency_id or ""),
        "due_on": action.due_on.isoformat() if action.due_on else "",
        "success_measure": action.success_measure or "",
        "finding": action.finding or "",
    }


def save_action(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> OutcomeScreen | ActionFormScreen:
    form = action_form(uow, member, data, today)
    typed = {k: v for k, v in data.items() if isinstance(v, str)}
    try:
        checked = outcome.check_action(
            data,
            form.themes or tuple(t.slug for t in default_themes()),
            [i for i, _ in form.agencies],
        )
    except FormInvalid as invalid:
        # Every problem at once: the boxes' identifier findings come back with the rest.
        found = check_form(invalid.errors, typed_texts(data, outcome.ACTION_TEXT_BOXES), data)
        return replace(form, values=typed, errors=found.errors, warnings=found.warnings)
    # Each flagged field keeps its text only by its own tick.
    screened = screen_fields({key: typed.get(key) for key in checked.warnings}, data)
    if screened.warnings:
        return replace(form, values=typed, warnings=screened.warnings)
    record_kept(uow, member.partnership_id, actor, ("review", form.review.id), screened)
    owner = checked.action.owner_aad
    ended = (
        ended_choice(uow.members.by_aad_ids(member.partnership_id, [owner]).get(owner))
        if owner
        else None
    )
    if ended is not None:
        return replace(form, values=typed, errors={"owner": ended})
    if owner and owner not in dict(form.owners) and not is_guid(owner):
        # Someone new can only be named through the Teams people picker (a real directory id).
        return replace(form, values=typed, errors={"owner": "Choose the owner from the list."})
    screen = outcome_screen(uow, member, form.review.id, today)
    names = dict(form.owners)
    action = replace(checked.action, owner_name=names.get(checked.action.owner_aad or ""))
    actions = list(screen.actions)
    index = _index(data, screen.actions)
    if index is None:
        if len(actions) >= outcome.MAX_ACTIONS:
            return replace(
                form,
                values=typed,
                errors={
                    "description": (
                        f"A review can have up to {outcome.MAX_ACTIONS} action items; combine or "
                        f"prioritise them."
                    )
                },
            )
        actions.append(replace(action, key=outcome.new_draft_key()))
    else:
        actions[index] = replace(action, key=actions[index].key)
    _store(
        uow,
        actor,
        member,
        form.review,
        screen.attendees,
        screen.agreed_themes,
        screen.learning_needs,
        tuple(actions),
    )
    return outcome_screen(
        uow,
        member,
        form.review.id,
        today,
        notices=(f"Action {len(actions) if index is None else index + 1} saved.",),
    )


def remove_action(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> OutcomeScreen:
    held_review(uow, member, data.get("review_id"))
    screen = outcome_screen(uow, member, data.get("review_id"), today)
    _editable(uow, member, screen.review.id)
    index = _index(data, screen.actions)
    if index is None:
        raise StaleCard("Choose the action item to remove on the outcome card first.")
    actions = screen.actions[:index] + screen.actions[index + 1 :]
    _store(
        uow,
        actor,
        member,
        screen.review,
        screen.attendees,
        screen.agreed_themes,
        screen.learning_needs,
        actions,
    )
    return outcome_screen(
        uow, member, screen.review.id, today, notices=(f"Action {index + 1} removed.",)
    )


@dataclass(frozen=True)
class Published:
    review: ReviewView
    actions: tuple[ActionView, ...]
    contributors: tuple[int, ...]
    themes: tuple[str, ...]
    learning_needs: tuple[str, ...]


@dataclass(frozen=True)
class PublishedReach:
    """Who Teams took the publication's cards for: each owner's action card (one per item
    with an owner) and each contributor's "what we learned" card. Names are of those it
    didn't; an answer that never came counts as reached (it may have), never as "not sent"."""

    owner_cards: int
    owners_unreached: tuple[str, ...]
    contributors: int
    contributors_unreached: tuple[str, ...]
    unowned: tuple[str, ...]  # references of items with no owner: nobody was sent them


def published_lines(items: int, reach: PublishedReach) -> tuple[str, tuple[str, ...]]:
    """What the chair is told once the outcome is published: what happened, said only as far
    as Teams confirms it, and a caution for each kind of person not reached."""
    said = [f"{counted(items, 'action item')} now tracked."]
    owned = reach.owner_cards
    if owned and not reach.owners_unreached:
        said.append("Each owner has their action card.")
    elif owned:
        got = owned - len(reach.owners_unreached)
        said.append(f"{got} of {counted(owned, 'action card')} reached their owners.")
    if reach.contributors and not reach.contributors_unreached:
        said.append("Contributors have heard what was agreed.")
    elif reach.contributors:
        heard = reach.contributors - len(reach.contributors_unreached)
        said.append(
            f"{heard} of {counted(reach.contributors, 'contributor')} heard what was agreed."
        )
    cautions = []
    if reach.owners_unreached:
        names = listed(sorted(set(reach.owners_unreached)), "and")
        cautions.append(f"I couldn't reach {names}. Please pass their action on to them.")
    if reach.contributors_unreached:
        names = listed(sorted(set(reach.contributors_unreached)), "and")
        cautions.append(
            f"I couldn't reach {names} in Teams, so they haven't heard what was agreed: please "
            "tell them yourself."
        )
    if reach.unowned:
        cautions.append(f"No owner, so nobody was sent it: {', '.join(reach.unowned)}.")
    return " ".join(said), tuple(cautions)


def publish(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> Published | OutcomeScreen:
    screen = save_outcome(uow, actor, member, data, today)
    if screen.errors or screen.warnings:
        return screen
    draft = outcome.OutcomeDraft(
        screen.attendees, screen.agreed_themes, screen.learning_needs, screen.actions
    )
    problems = outcome.publish_problems(draft, today)
    if problems:
        return replace(screen, errors={"publish": " ".join(problems)}, notices=())
    target = move_review(ReviewStage.MEETING, ReviewStage.ACTIONS_OPEN)
    if not uow.reviews.set_stage(screen.review.id, target, {ReviewStage.MEETING}):
        _editable(uow, member, screen.review.id)  # says who published it, and when
        raise StaleCard(f"{screen.review.reference} has moved on since this card was drawn.")
    # Agreed at the meeting: dashboards count the actions in the period it was held.
    items = _new_items(uow, member, screen, screen.held_on or today)
    created = uow.outcomes.create_actions(screen.review.id, items)
    uow.outcomes.mark_published(screen.review.id, now)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "outcome.published",
        ("review", screen.review.id),
        after={"actions": [a.reference for a in created]},
    )
    return Published(
        screen.review,
        tuple(created),
        tuple(uow.outcomes.contributors(screen.review.id)),
        screen.agreed_themes,
        screen.learning_needs,
    )


def _new_items(
    uow: UnitOfWork, member: MemberView, screen: OutcomeScreen, agreed_on: date
) -> list[NewActionItem]:
    owners = uow.members.by_aad_ids(
        member.partnership_id, [a.owner_aad for a in screen.actions if a.owner_aad]
    )
    items = []
    for number, action in enumerate(screen.actions, start=1):
        owner = owners.get(action.owner_aad or "")
        ended = ended_choice(owner)
        if ended is not None:
            # Chosen while they still had access: the chair gives the action to someone else.
            raise InvalidInput(f"Action {number}: {ended}")
        if owner is None and action.owner_aad:
            # Chosen with the people picker but never seen by the bot: keep them, link later.
            owner = uow.members.create_pending(
                member.partnership_id, action.owner_aad, action.agency_id, Role.PRACTITIONER
            )
        items.append(
            NewActionItem(
                number,
                outcome.action_reference(screen.review.reference, number),
                action.description,
                action.theme,
                owner.id if owner else None,
                action.agency_id,
                agreed_on,
                action.due_on,
                action.success_measure,
                action.finding,
            )
        )
    return items


# --- the 7-minute briefing ---------------------------------------------------------------------


@dataclass(frozen=True)
class GuideScreen:
    review: ReviewView
    guide: GuideRecord
    warnings: Mapping[int, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    edits: bool = True  # the member chairs the review: drafts, sends for approval, revises
    approves: bool = False  # the member may approve the version awaiting approval
    # A send-back refused (no note, or a possible identifier in it): what was typed, and the
    # guard's warning under it.
    note_typed: str | None = None
    note_warning: str | None = None
    # Where box 7 of the working copy states a due date the action items no longer have
    # (guide.due_date_notes): shown to the chair and the approver, and part of the revision.
    due_notes: tuple[str, ...] = ()
    # Where box 7 tells staff to act by a month already past on an open item (shown only).
    overdue_notes: tuple[str, ...] = ()
    # guide.due_date_changes of the working copy and of the published version: each view
    # marks the line itself, and a published version's readers see the live date beside the
    # words it was approved with (the record stays as approved).
    draft_changes: tuple[DueDateChange, ...] = ()
    published_changes: tuple[DueDateChange, ...] = ()
    # Someone who may see the review but neither drafts nor approves guides: they read the
    # published version only, and record that their team used it.
    reads_only: bool = False
    # While it awaits approval: why this chair or LIC member has no Approve button.
    not_approver: str | None = None


def guide_revision(record: GuideRecord, due_notes: tuple[str, ...] = ()) -> str:
    """What a guide card was drawn at: its text, its state, how many versions it has, and
    what it said about box 7's due dates (approving publishes the live ones)."""
    return revision_of(*record.parts, record.state.value, len(record.versions), *due_notes)


def current_guide_revision(uow: UnitOfWork, member: MemberView, review_id: object) -> str:
    review, _ = _guide_review(uow, member, review_id)
    record = uow.outcomes.guide(review.id)
    if record is None:
        raise NotFound("That 7-minute briefing is no longer here.")
    return guide_revision(record, due_notes_for(uow, review.id, record))


def _guide_actions(uow: UnitOfWork, review_id: int) -> list[guide.GuideAction]:
    """The review's action items as box 7 names them, with their live (revised) due dates."""
    ended = {ActionStatus.COMPLETED, ActionStatus.CLOSED, ActionStatus.CANCELLED}
    return [
        guide.GuideAction(
            a.description,
            a.agency_name or "Partnership",
            a.due_on,
            still_open=a.status not in {*ended, ActionStatus.SPLIT},
            reference=a.reference,
        )
        for a in uow.outcomes.actions(review_id)
    ]


def due_notes_for(uow: UnitOfWork, review_id: int, record: GuideRecord) -> tuple[str, ...]:
    """Where box 7 of the working copy states a due date its action item no longer has."""
    return tuple(c.note for c in _changes(record.parts, _guide_actions(uow, review_id)))


def _changes(
    parts: Sequence[str], actions: Sequence[guide.GuideAction]
) -> tuple[guide.DueDateChange, ...]:
    return guide.due_date_changes(parts[6], actions) if len(parts) > 6 else ()


def _with_live_due_dates(
    uow: UnitOfWork, review: ReviewView, parts: tuple[str, ...]
) -> tuple[str, ...]:
    if len(parts) < 7:
        return parts
    box = guide.with_live_due_dates(parts[6], _guide_actions(uow, review.id))
    return (*parts[:6], box, *parts[7:])


def _guide_review(
    uow: UnitOfWork,
    member: MemberView,
    review_id: object,
    where: ConversationAddress | None = None,
) -> tuple[ReviewView, bool]:
    """The review, and whether the member drafts its guide (its chair, or an admin). The LIC
    group reads (and approves) guides of every review in the partnership; anyone else reads a
    published guide by the one rule (`may_read_published_briefing`; guide_screen checks that
    it is published). Someone who reads it only because `where` is the partnership channel
    learns nothing of a review whose briefing isn't published: they are told what anyone is
    told of a review they can't see."""
    if member.has(Role.CHAIR, Role.ADMIN) and not member.has(Role.LIC_MEMBER):
        try:
            return chaired_review(uow, member, review_id), True
        except NotFound:
            pass  # another chair's review: read as anyone who may see it
    shown = small_int(review_id)
    review = uow.reviews.get(member.partnership_id, shown) if shown is not None else None
    if review is None:
        raise NotFound(NO_SUCH_REVIEW)
    if member.has(Role.LIC_MEMBER):
        return review, review.chaired_by(member.id) or member.has(Role.ADMIN)
    access = uow.reviews.access(review.id)
    if may_read_published_briefing(member, access):
        return review, False
    in_channel = _in_partnership_channel(uow, member, where)
    record = uow.outcomes.guide(review.id) if in_channel else None
    if (
        record is not None
        and record.published
        and may_read_published_briefing(member, access, in_partnership_channel=in_channel)
    ):
        return review, False
    raise NotFound(NO_SUCH_REVIEW)


NO_SUCH_REVIEW = "I can't find that review in your partnership."


def _in_partnership_channel(
    uow: UnitOfWork, member: MemberView, where: ConversationAddress | None
) -> bool:
    if where is None or where.conversation_type != "channel":
        return False
    channel = uow.outcomes.channel(member.partnership_id, ChannelPurpose.PARTNERSHIP.value)
    return channel is not None and channel.conversation_id == channel_conversation(
        where.conversation_id
    )


def published_briefing(
    uow: UnitOfWork, member: MemberView, review_id: object, where: ConversationAddress | None
) -> tuple[ReviewView, GuideRecord]:
    """A review's published briefing, for recording that a team used it, to those who may
    read it (`_guide_review`); `where` is the conversation the click came from."""
    review, _ = _guide_review(uow, member, review_id, where)
    record = uow.outcomes.guide(review.id)
    if record is None or not record.published:
        raise NotFound("I can't find a published 7-minute briefing for that review.")
    return review, record


def guide_review(
    uow: UnitOfWork, member: MemberView, text: str, where: ConversationAddress | None = None
) -> ReviewView:
    """The review `guide LOS-…` names: the LIC group approves any review's guide, so finds
    any review in the partnership; anyone else finds the reviews they may see, and, typing it
    in the partnership channel, any review whose briefing is published (the rule clicking
    there follows: `may_read_published_briefing`). The printed briefing tells its readers to
    do just that."""
    if member.has(Role.LIC_MEMBER):
        review = named_review(uow, member, text)
        if review is not None:
            return review
    try:
        return find_review(uow, member, text)
    except NotFound as unseen:
        if not _in_partnership_channel(uow, member, where):
            raise NotFound(f"{unseen.user_message} {GUIDE_IN_CHANNEL}") from unseen
        review = named_review(uow, member, text)
        record = uow.outcomes.guide(review.id) if review is not None else None
        if review is None or record is None or not record.published:
            raise
        return review


# Said to anyone told a review can't be found by `guide`, whether it exists or not: a published
# briefing is read by everyone from the partnership channel.
GUIDE_IN_CHANNEL = (
    "A published 7-minute briefing can be opened by anyone in the partnership channel: "
    "mention Line of Sight there with guide and the review's reference."
)


def _approver_refusal(member: MemberView, review: ReviewView, record: GuideRecord) -> str | None:
    if record.state is not guide.GuideState.AWAITING_APPROVAL:
        return "This briefing isn't waiting for approval."
    return guide.approver_refusal(
        submitted_by=record.submitted_by,
        approver_id=member.id,
        is_lic_member=member.has(Role.LIC_MEMBER),
        chairs_review=review.chaired_by(member.id),
        edited=member.id in record.editors,
    )


def _screen(
    uow: UnitOfWork,
    member: MemberView,
    review: ReviewView,
    record: GuideRecord,
    edits: bool,
    today: date | None = None,
    **extra: Any,
) -> GuideScreen:
    refusal = _approver_refusal(member, review, record)
    approves = refusal is None
    reads_only = not edits and not approves and not member.has(Role.LIC_MEMBER)
    awaiting = record.state is guide.GuideState.AWAITING_APPROVAL
    if reads_only and not record.published:
        # A draft stays with those who draft and approve it.
        raise NotFound(f"{review.reference}'s 7-minute briefing isn't published yet.")
    actions = _guide_actions(uow, review.id)
    draft_changes = _changes(record.parts, actions)
    return GuideScreen(
        review,
        record,
        edits=edits,
        approves=approves,
        due_notes=tuple(c.note for c in draft_changes),
        overdue_notes=(
            (guide.overdue_notes(record.parts[6], actions, today) if today is not None else ())
            + guide.typed_date_notes(record.parts[6], actions)
            if not reads_only and len(record.parts) > 6
            else ()
        ),
        draft_changes=draft_changes,
        published_changes=_changes(record.latest.parts, actions) if record.latest else (),
        reads_only=reads_only,
        not_approver=refusal if awaiting and not reads_only else None,
        **extra,
    )


def guide_screen(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    review_id: object,
    today: date | None = None,
    where: ConversationAddress | None = None,
) -> GuideScreen:
    """The guide, drafted from the published outcome the first time its chair opens it;
    `where` is the conversation asking (the partnership channel's post is read there)."""
    review, edits = _guide_review(uow, member, review_id, where)
    existing = uow.outcomes.guide(review.id)
    if existing is None and not edits:
        raise NotFound(f"The chair of {review.reference} hasn't drafted its 7-minute briefing yet.")
    if existing is None:  # drafted once: opening it twice at once queues, then finds the draft
        review = held_review(uow, member, review.id)
        existing = uow.outcomes.guide(review.id)
    if existing is not None:
        return _screen(uow, member, review, existing, edits, today)
    record = uow.outcomes.get(review.id)
    if record is None or record.published_at is None:
        raise NotPermitted("Publish the meeting outcome first: the briefing is drafted from it.")
    actions = _guide_actions(uow, review.id)
    parts = guide.draft(
        review.reference,
        review.pseudonym,
        review.reason,
        record.agreed_themes,
        record.learning_needs,
        actions,
    )
    created = uow.outcomes.save_guide(review.id, parts, member.id)
    audit.record(uow, member.partnership_id, actor, "guide.drafted", ("review", review.id))
    return _screen(uow, member, review, created, edits, today)


def save_guide(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date | None = None,
) -> GuideScreen:
    """The chair's edits saved; given `today`, the screen also names box 7's overdue lines
    (the card and the preview show them as the approval request does)."""
    held_review(uow, member, data.get("review_id"))  # racing edits and submissions queue
    screen = guide_screen(uow, actor, member, data.get("review_id"), today)
    _require_draft(uow, screen)
    try:
        checked = guide.check_parts(data, screen.guide.parts)
    except FormInvalid as invalid:
        return replace(screen, errors=invalid.errors)
    saved = uow.outcomes.save_guide(screen.review.id, checked.parts, member.id)
    audit.record(uow, member.partnership_id, actor, "guide.edited", ("review", screen.review.id))
    # Box 7's checks are of the text just saved: a date the chair has mended is not named.
    fresh = _screen(uow, member, screen.review, saved, screen.edits, today)
    return replace(fresh, warnings=checked.warnings, notices=("Guide saved.",))


def _require_draft(uow: UnitOfWork, screen: GuideScreen) -> None:
    state = screen.guide.state
    if state is guide.GuideState.AWAITING_APPROVAL:
        raise audit.already_done(
            uow,
            ("review", screen.review.id),
            ("guide.submitted",),
            "This briefing was sent for approval",
        )
    if state is guide.GuideState.PUBLISHED:
        raise audit.already_done(
            uow,
            ("review", screen.review.id),
            ("guide.published",),
            "This briefing was already published",
        )


@dataclass(frozen=True)
class GuideSent:
    """A guide sent for approval, and who is asked: the LIC channel (or, with none, each LIC
    member) and the review's other chair."""

    screen: GuideScreen
    lic_channel: ConversationAddress | None
    lic_members: tuple[int, ...]
    other_chairs: tuple[int, ...]


def submit_guide(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> GuideSent | GuideScreen:
    """The chair's draft goes to a second person for approval; nothing is published yet."""
    screen = save_guide(uow, actor, member, data)
    if screen.errors:
        return screen
    unticked = [i for i in screen.warnings if not is_confirmed(data, f"part_{i}")]
    if unticked:
        return replace(
            screen,
            errors={
                "publish": "Check the possible identifiers before sending it for approval, or "
                "tick that they are not identifying."
            },
        )
    refreshed = _with_live_due_dates(uow, screen.review, screen.guide.parts)
    if refreshed != screen.guide.parts:
        # Sending it brings box 7's due dates up to date: the card said so first.
        saved = uow.outcomes.save_guide(screen.review.id, refreshed, member.id)
        screen = replace(screen, guide=saved)
    # Approved words are printed as they are, so they must fit the one page before approval:
    # measured on the box as now saved, which the refusal's card shows.
    parts = screen.guide.parts
    overlong = guide.too_long_for_one_page(parts, then="send it for approval")
    empty = guide.empty_boxes_message(parts, then="write it, then send it for approval")
    if overlong or empty:
        # Said at the top, and under each box to change (as a sign-off's problem is).
        boxes = guide.overfull_boxes(parts)
        under = {f"part_{i}": guide.overfull_box_note(why) for i, why in boxes.items()}
        under |= {f"part_{i}": guide.empty_box_note(i) for i in guide.empty_boxes(parts)}
        said = " ".join(m for m in (empty, overlong) if m)
        return replace(screen, errors={"publish": f"Not sent for approval. {said}", **under})
    moved = uow.outcomes.move_guide(
        screen.guide.id,
        *guide.GUIDE_MOVES["submit"],
        member.id,
        now,
    )
    if not moved:
        _require_draft(uow, screen)
    ticked = {f"part_{i}": screen.guide.parts[i] for i in screen.warnings}
    kept = Screened({}, {k: tuple(kinds_found(find_identifiers(t))) for k, t in ticked.items()})
    record_kept(uow, member.partnership_id, actor, ("review", screen.review.id), kept)
    version = len(screen.guide.versions) + 1
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "guide.submitted",
        ("review", screen.review.id),
        after={"version": version},
    )
    sent = _reload(uow, member, screen, notices=("Sent for approval.",), today=now.date())
    review = screen.review
    chairs = (review.chair_member_id, review.deputy_chair_member_id)
    lic = tuple(
        m for m in uow.members.with_role(member.partnership_id, Role.LIC_MEMBER) if m != member.id
    )
    return GuideSent(
        sent,
        uow.outcomes.channel(member.partnership_id, ChannelPurpose.LIC.value),
        lic,
        tuple(c for c in chairs if c is not None and c != member.id and c not in lic),
    )


def _reload(
    uow: UnitOfWork,
    member: MemberView,
    screen: GuideScreen,
    notices: tuple[str, ...],
    today: date | None = None,
) -> GuideScreen:
    record = uow.outcomes.guide(screen.review.id)
    assert record is not None
    return _screen(uow, member, screen.review, record, screen.edits, today, notices=notices)


@dataclass(frozen=True)
class GuideApproved:
    screen: GuideScreen
    version: GuideVersion
    partnership_channel: ConversationAddress | None
    submitted_by: int | None


def approve_guide(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> GuideApproved:
    """A second person approves: the working copy becomes a new published version, kept
    whole beside the ones before it (a re-publish never overwrites)."""
    screen = _held_guide(uow, actor, member, data)
    record = screen.guide
    refusal = _approver_refusal(member, screen.review, record)
    if refusal is not None:
        if record.state is guide.GuideState.PUBLISHED:
            _require_draft(uow, screen)
        raise NotPermitted(refusal)
    empty = guide.empty_boxes_message(record.parts, then="send it back to the chair to write it")
    if empty:  # sent before every box had to be written
        raise NotPermitted(f"Not approved. {empty}")
    parts = _with_live_due_dates(uow, screen.review, record.parts)
    # Approved words print as they are: box 7 brought up to date may no longer fit the page.
    overlong = guide.too_long_for_one_page(parts, then="send it for approval again")
    if overlong:
        raise NotPermitted(
            "Not approved: with the action items' current due dates the briefing no longer "
            f"prints on one page. {overlong} Send it back to the chair to shorten it."
        )
    if parts != record.parts:
        # The approver was told (the card's due_notes, in the revision they approved) that
        # approving publishes box 7 with the action items' live due dates.
        uow.outcomes.save_guide(screen.review.id, parts, member.id)
    moved = uow.outcomes.move_guide(record.id, *guide.GUIDE_MOVES["approve"], None, now)
    label = guide.approver_label(is_lic_member=member.has(Role.LIC_MEMBER))
    version = GuideVersion(len(record.versions) + 1, parts, member.display_name, label, now)
    if not moved or not uow.outcomes.add_version(
        record.id, version, record.submitted_by, member.id
    ):
        raise audit.already_done(
            uow, ("review", screen.review.id), ("guide.published",), "This briefing was approved"
        )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "guide.published",
        ("review", screen.review.id),
        after={"version": version.version, "approved_by": label},
    )
    return GuideApproved(
        _reload(uow, member, screen, notices=(f"Approved: version {version.version} published.",)),
        version,
        uow.outcomes.channel(member.partnership_id, ChannelPurpose.PARTNERSHIP.value),
        record.submitted_by,
    )


def _held_guide(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> GuideScreen:
    """The guide with its row held, for a move that acts on the exact text the card showed
    (approve, send back): a click that names no revision, or another one, is refused."""
    screen = guide_screen(uow, actor, member, data.get("review_id"))  # may they see it at all
    shown = required_revision(data, "guide")
    uow.outcomes.hold_guide(screen.guide.id)
    screen = guide_screen(uow, actor, member, screen.review.id)
    require_unchanged(shown, guide_revision(screen.guide, screen.due_notes))
    return screen


def send_back_guide(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> tuple[GuideScreen, int | None]:
    """An approver sends the guide back to its chair with a note saying why, or the chair
    withdraws it to edit; the member to tell (the chair who sent it), or None when they did it
    themselves. A note refused (missing, or holding a possible identifier not ticked) comes
    back on the card with what was typed, and nothing moves."""
    screen = _held_guide(uow, actor, member, data)
    record = screen.guide
    if record.state is not guide.GuideState.AWAITING_APPROVAL:
        raise audit.already_done(
            uow,
            ("review", screen.review.id),
            ("guide.sent_back", "guide.published"),
            "This briefing was already dealt with",
        )
    if not screen.edits and not screen.approves:
        raise NotPermitted(_approver_refusal(member, screen.review, record) or "")
    typed = data.get("reason")
    try:
        try:
            note = guide.send_back_note(typed, required=record.submitted_by != member.id)
        except FormInvalid as invalid:  # too long: said with its identifier findings, at once
            refuse_with_findings(invalid, typed_texts(data, ("reason",)), data)
        kept = require_confirmed({"reason": note}, data)
    except FormInvalid as refused:
        warning = (
            refused.warnings.get("reason") if isinstance(refused, IdentifiersToConfirm) else None
        )
        return replace(
            screen,
            errors=refused.errors,
            note_typed=typed if isinstance(typed, str) else None,
            note_warning=warning,
        ), None
    moved = uow.outcomes.move_guide(
        record.id, *guide.GUIDE_MOVES["send_back"], None, now, note=note
    )
    if not moved:
        raise audit.already_done(
            uow,
            ("review", screen.review.id),
            ("guide.sent_back", "guide.published"),
            "This briefing was already dealt with",
        )
    record_kept(uow, member.partnership_id, actor, ("review", screen.review.id), kept)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "guide.sent_back",
        ("review", screen.review.id),
        after={"with_note": note is not None},
    )
    back = _reload(uow, member, screen, notices=("Back with the chair as a draft.",))
    return back, record.submitted_by if record.submitted_by != member.id else None


def revise_guide(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> GuideScreen:
    """The chair starts the next version from the published text; the published version stays
    as it is (and is what downloads give) until the next approval."""
    review = held_review(uow, member, data.get("review_id"))
    screen = guide_screen(uow, actor, member, review.id)
    record = screen.guide
    if not uow.outcomes.move_guide(record.id, *guide.GUIDE_MOVES["revise"], None, now):
        raise audit.already_done(
            uow, ("review", review.id), ("guide.revised",), "A new version was already started"
        )
    latest = record.latest
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "guide.revised",
        ("review", review.id),
        after={"from_version": latest.version if latest else 0},
    )
    notice = (
        f"Drafting version {len(record.versions) + 1}; version {len(record.versions)} stays "
        "published until this one is approved."
    )
    return _reload(uow, member, screen, notices=(notice,))


# The usage form's free-text boxes, by input id: the chair and the summaries read them.
USAGE_TEXT_BOXES = ("team", "reflections")


def record_usage(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    where: ConversationAddress | None,
) -> GuideScreen:
    """A member who may read the published briefing (`published_briefing`) records that their
    team used it; `where` is the conversation the click came from."""
    review, record = published_briefing(uow, member, data.get("review_id"), where)
    try:
        usage = guide.check_usage(data, today)
    except FormInvalid as invalid:  # with the boxes' identifier findings, in one refusal
        refuse_with_findings(invalid, typed_texts(data, USAGE_TEXT_BOXES), data)
    # The chair and the partnership's summaries read these.
    screened = require_confirmed(
        dict(zip(USAGE_TEXT_BOXES, (usage.team, usage.reflections), strict=True)), data
    )
    uow.outcomes.add_usage(
        record.id, usage.team, usage.used_on, usage.staff_count, usage.reflections, member.id
    )
    record_kept(uow, member.partnership_id, actor, ("seven_minute_guide", record.id), screened)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "guide.usage_recorded",
        ("seven_minute_guide", record.id),
        after={"staff_count": usage.staff_count},
    )
    updated = uow.outcomes.guide(review.id)
    assert updated is not None
    notices = (f"Recorded. {_teams_have(updated.usage_count)} now used this briefing.",)
    # The card as this member may see it (the chair's buttons only for its chair), by the
    # same rule that let them record it.
    card = guide_screen(uow, actor, member, review.id, where=where)
    return replace(card, notices=notices)


def register_channel(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    address: ConversationAddress,
    purpose: str,
    names: tuple[str | None, str | None],
) -> ChannelPurpose:
    if member.has(Role.ADMIN) is False:
        raise NotPermitted("Only a partnership admin can register a channel.")
    if address.conversation_type != "channel":
        raise NotPermitted(
            "Type this in the Teams channel you want to register, after "
            "adding Line of Sight to that team."
        )
    try:
        chosen = ChannelPurpose(purpose)
    except ValueError as error:
        raise NotPermitted(
            "Say which channel this is: register channel lic, or register channel partnership."
        ) from error
    address = replace(address, conversation_id=channel_conversation(address.conversation_id))
    uow.outcomes.register_channel(member.partnership_id, chosen.value, address, names, member.id)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "channel.registered",
        ("team_channel", chosen.value),
        after={"conversation": address.conversation_id},
    )
    return chosen


OUTCOME_FIELDS = ("agreed_themes", "learning_needs", "keep")


def keep_typed_outcome(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> OutcomeScreen | None:
    """Buttons on the outcome card carry what the chair typed; save it before moving on, so
    opening an action item never loses attendees, themes or learning needs."""
    typed = any(k in data for k in OUTCOME_FIELDS) or any(k.startswith("attendees_") for k in data)
    if not typed:
        return None
    screen = save_outcome(uow, actor, member, data, today)
    return screen if screen.errors or screen.warnings else None


def _teams_have(count: int) -> str:
    return f"{counted(count, 'team')} {'has' if count == 1 else 'have'}"
