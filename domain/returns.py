"""A practitioner's pre-analysis return: moving through sections, saving answers, submitting,
and the agency lead's sign-off.

Positions in a return: sections 0..N-1 of the question bank, then the impact chronology (N),
then the review-and-submit overview (N+1). The position is stored on the return, so
`continue` resumes exactly there, across restarts and devices.

Card data is untrusted: which return, which section and what the answers are all arrive from
the card and are re-checked here against the actor (from the activity, never the card).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from domain import audit, chronology, lifecycle, review_flow
from domain.calendar import DEFAULT_CALENDAR
from domain.chasers import ChaserPolicy, handed_over
from domain.chronology import Page
from domain.errors import FormInvalid, NotFound, NotPermitted, StaleCard, field_error
from domain.held import HeldAnswer, Seen, closed, handed_on_note, held_answers, released, seen_by
from domain.holds import as_held, hold_return, hold_return_only
from domain.idempotency import REVISION, revision_of
from domain.identifier_checks import (
    check_form,
    record_kept,
    refuse_with_findings,
    require_confirmed,
    screen,
    typed_texts,
)
from domain.identifiers import describe_findings, find_identifiers
from domain.model import Actor, MemberView, ReturnStatus, ReviewStage
from domain.questions import (
    Question,
    QuestionBank,
    QuestionType,
    Section,
    default_question_bank,
    default_themes,
    follow_up_input_id,
    identifier_findings,
    validate_section_answers,
)
from domain.records import (
    AnswerKey,
    ChronologyView,
    EntryInput,
    ReturnView,
    ReviewProgress,
    ReviewView,
    StoredAnswer,
)
from domain.repositories import UnitOfWork
from domain.return_state import SUBMITTED_STATUSES, WRITABLE, return_status_label
from domain.reviews import HELD_STAGES
from domain.stale import TYPED_HEADING, Shown, Typed, local_day, local_when, typed_back
from domain.transitions import label as quoted_state
from domain.transitions import move_return
from domain.wording import counted, listed, plain_date, short_date, shortened

CONFIRM_PREFIX = "confirm__"
# The button field naming a key practice episode by its key (EpisodeSummary.key).
EPISODE_KEY = "episode_key"


class Nav:
    BACK = "back"
    SAVE = "save"
    NEXT = "next"
    ADD_EPISODE = "add_episode"


def bank_for(version: str) -> QuestionBank:
    bank = default_question_bank()
    if bank.version != version:
        raise NotFound(
            f"This return uses question bank version {version}, which is not "
            f"installed. Ask your admin to restore it."
        )
    return bank


def chronology_position(bank: QuestionBank) -> int:
    return bank.section_count


def overview_position(bank: QuestionBank) -> int:
    return bank.section_count + 1


# --- who may do what -------------------------------------------------------------------------


def may_write(member: MemberView, ret: ReturnView) -> bool:
    """Assigned practitioners, and the agency's own safeguarding lead, while the agency is on
    the review. Access follows the current assignment: a practitioner taken off the return is
    no longer among its assignees, and an agency removed from the review (its return
    withdrawn) takes its practitioners and its lead with it."""
    if ret.status is ReturnStatus.WITHDRAWN:
        return False
    return member.id in ret.assignee_ids or member.leads(ret.agency_id)


def may_read(member: MemberView, ret: ReturnView) -> bool:
    """Its own agency always; the review's chair once it has been submitted to the partnership."""
    submitted = ret.status in (ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF)
    chairs = (ret.chair_member_id, ret.deputy_chair_member_id)
    return may_write(member, ret) or (submitted and member.id in chairs)


def may_sign_off(member: MemberView, ret: ReturnView) -> bool:
    """The agency's own safeguarding lead, while the return waits for sign-off."""
    waiting = ret.status is ReturnStatus.SUBMITTED and ret.review_stage is not ReviewStage.CANCELLED
    return member.leads(ret.agency_id) and waiting


@dataclass(frozen=True)
class AllIn:
    """`continue LOS-…` on a review whose every return is in (signed off, nil or gone ahead
    without): nothing is left to write, which is news, not a failure (`all_in`)."""

    review: ReviewView
    title: str
    lines: tuple[str, ...]
    # The button that helps next: the meeting pack for its chair while the meeting is ahead
    # (`meeting.meeting_pack` is the chair's), the review's summary for everyone else.
    pack: bool


@dataclass(frozen=True)
class ToContinue:
    """What `continue` opens (`review_flow.returns_to_continue`), and the returns on the same
    reviews waiting for the person's sign-off (`sign_offs_beside`), which its card offers.
    `sign_off_first`: the card leads with the first sign-off, the returns opened offered
    beside it to read (`acts_first`); `all_in`: the review named has nothing left to write."""

    returns: tuple[ReturnView, ...]
    sign_offs_here: tuple[ReturnView, ...] = ()
    sign_off_first: bool = False
    all_in: AllIn | None = None
    # Typed alone: sign-offs waiting for the person on reviews where they have no return
    # open (`sign_offs_elsewhere`), said on the same card with their buttons.
    sign_offs_elsewhere: tuple[ReturnView, ...] = ()

    @property
    def offered(self) -> tuple[ReturnView, ...]:
        """Every sign-off the card offers: beside what it opened, then elsewhere."""
        return self.sign_offs_here + self.sign_offs_elsewhere


def to_continue(uow: UnitOfWork, member: MemberView, text: str) -> ToContinue:
    try:
        opened, named = review_flow.continue_target(uow, member, text)
    except review_flow.AllReturnsIn as done:
        return ToContinue((), all_in=all_in(member, done.review, done.returns))
    # What the person writes before what they only read (a list of their returns).
    ordered = sorted(opened, key=lambda r: role_on_return(member, r) not in WRITING_ROLES)
    waiting = sign_offs_beside(uow, member, ordered)
    elsewhere = () if named else sign_offs_elsewhere(uow, member, ordered, waiting)
    return ToContinue(
        tuple(ordered),
        waiting,
        acts_first(member, ordered, waiting),
        sign_offs_elsewhere=elsewhere,
    )


def sign_offs_elsewhere(
    uow: UnitOfWork,
    member: MemberView,
    opened: Sequence[ReturnView],
    beside: Sequence[ReturnView] = (),
) -> tuple[ReturnView, ...]:
    """The returns waiting for this lead's sign-off (`may_sign_off`) that `continue`, typed
    alone, would otherwise not mention: on reviews where they have no return open (a lead
    who writes nothing had only `sign-offs` to find them), by review. No query
    for a member who leads no agency."""
    if not member.led_agency_ids:
        return ()
    known = {r.id for r in (*opened, *beside)}
    waiting = (
        r
        for r in uow.returns.awaiting_lead(member.partnership_id, member.led_agency_ids)
        if r.id not in known and may_sign_off(member, r)
    )
    return tuple(sorted(waiting, key=_by_review))


def acts_first(
    member: MemberView, opened: Sequence[ReturnView], waiting: Sequence[ReturnView]
) -> bool:
    """Whether `continue` leads with a sign-off waiting for `member` rather than the returns
    it opened: when they only read every one of those (a lead while its practitioners write
    it) and a sign-off is theirs to give. Someone who writes a return there is led to it, the
    sign-off said beside it (walk8: Alex's `continue LOS-2026-002` led with a return not
    started that he only reads, his sign-off a banner below it)."""
    return bool(waiting) and all(role_on_return(member, r) not in WRITING_ROLES for r in opened)


def all_in(member: MemberView, review: ReviewView, settled: Sequence[ReturnView]) -> AllIn:
    """What `continue` says of a review whose returns are all in: which (signed off, or how
    each was settled), and what happens next at its stage, for its chair or anyone else."""
    named = f"{review.reference} ({review.pseudonym})"
    signed = all(r.status is ReturnStatus.SIGNED_OFF for r in settled)
    title = f"Every return on {review.reference} is " + ("signed off" if signed else "in")
    chairs = review.chaired_by(member.id)
    # The title says "signed off" when all are; otherwise how each was settled is listed: of
    # every return for its chair, of their own for anyone else (a practitioner's view of a
    # review holds no other agency's return).
    shown = [
        r for r in settled if chairs or member.id in r.assignee_ids or member.leads(r.agency_id)
    ]
    each = (f"the {r.agency_name} return is {review_flow.lowered_status(r.status)}" for r in shown)
    how = "" if signed or not shown else ": " + "; ".join(each)
    meeting = f" on {plain_date(review.meeting_on)}" if review.meeting_on else ""
    ahead = review.stage not in HELD_STAGES  # the meeting still to come, or being held
    if ahead and chairs:
        then = (
            f"Next: the meeting pack, which merges them for the review meeting{meeting}. "
            "Open it below."
        )
    elif ahead:
        then = (
            f"Next: the chair merges them into the meeting pack for the review meeting"
            f"{meeting}. The review's summary shows where it stands."
        )
    else:
        then = (
            "The review meeting has been held: its action items are being followed. The "
            "review's summary shows them."
        )
    return AllIn(
        review,
        title,
        (f"Nothing is left to write on {named}{how}.", then),
        pack=ahead and chairs,
    )


def sign_offs_beside(
    uow: UnitOfWork, member: MemberView, opened: Sequence[ReturnView]
) -> tuple[ReturnView, ...]:
    """The other returns on the reviews of `opened` that wait for this member's sign-off
    (`may_sign_off`), by review and agency. `continue LOS-…` opens the return a person works
    on (or, as a lead, reads) there; one who is also the signing lead of another agency's
    return on that review, submitted and waiting for them, is told of it on the same card,
    not left to find it in `sign-offs`."""
    return around(uow, member, opened)[0]


def around(
    uow: UnitOfWork, member: MemberView, opened: Sequence[ReturnView]
) -> tuple[tuple[ReturnView, ...], tuple[ReturnView, ...]]:
    """From one query, the returns on the reviews of `opened` beside them: those waiting for
    this member's sign-off (`sign_offs_beside`), and those they only read as their agency's
    lead while its practitioners write them (`reads_beside`, offered on a sign-off card). No
    query for a member who leads no agency (a practitioner's save costs nothing)."""
    if not member.led_agency_ids or not opened:
        return (), ()
    shown = {r.id for r in opened}
    # One query for all the reviews (`continue` alone may open returns on several).
    beside = uow.reviews.returns_on(sorted({r.review_id for r in opened}))
    waiting = (r for r in beside if r.id not in shown and may_sign_off(member, r))
    return tuple(sorted(waiting, key=_by_review)), reads_beside(member, beside, shown)


def reads_beside(
    member: MemberView, beside: Sequence[ReturnView], shown: set[int] | frozenset[int] = frozenset()
) -> tuple[ReturnView, ...]:
    """The returns among `beside` that `member` only reads as their agency's lead while its
    practitioners write them (`ReturnRole.LEAD_READER`): offered to read on a sign-off card
    wherever it is drawn (the lead's "read the return" beside the sign-off)."""
    reading = (
        r
        for r in beside
        if r.id not in shown and role_on_return(member, r) is ReturnRole.LEAD_READER
    )
    return tuple(sorted(reading, key=_by_review))


def _by_review(ret: ReturnView) -> tuple[str, str]:
    return ret.reference, ret.agency_name


def reads_beside_line(ret: ReturnView) -> str:
    """What a sign-off card `continue` led with says of a return there the reader only reads
    (`acts_first`): where its writing stands, without a writer's "to answer"."""
    return (
        f"You can also read the {ret.agency_name} return on {ret.reference}, which its "
        f"practitioners write. Where it stands: {review_flow.lowered_status(ret.status)}."
    )


def _beside(
    uow: UnitOfWork, member: MemberView, ret: ReturnView, given: tuple[ReturnView, ...] | None
) -> tuple[ReturnView, ...]:
    """The returns beside `ret` waiting for `member`'s sign-off, wherever its card is drawn:
    `given` when the caller has them (`continue`), else by the one rule, `sign_offs_beside`
    (no query for anyone who leads no agency, so a practitioner's save costs nothing)."""
    return given if given is not None else sign_offs_beside(uow, member, (ret,))


def _around(
    uow: UnitOfWork, member: MemberView, ret: ReturnView, given: tuple[ReturnView, ...] | None
) -> tuple[tuple[ReturnView, ...], tuple[ReturnView, ...]]:
    """`_beside`, with the returns there the member only reads (`reads_beside`), from the
    same one query: what the overview and the sign-off card offer wherever they are drawn."""
    if given is not None:
        return given, ()
    return around(uow, member, (ret,))


def sign_off_beside_line(ret: ReturnView) -> str:
    """What a card opened by `continue` says of a return beside it waiting for the reader."""
    return f"The {ret.agency_name} return on {ret.reference} is waiting for your sign-off."


class ReturnRole(Enum):
    """Whose card a return's writing cards are drawn for (`role_on_return`)."""

    # An assigned practitioner: the writer's card, submitting to the agency lead.
    WRITER = "writer"
    # A lead who writes it too (assigned, or no practitioner is: small agencies): the
    # writer's card; they then sign it off themselves.
    LEAD_WRITER = "lead_writer"
    # A lead while its practitioners write it: read it (and help if need be); the sign-off
    # comes when they submit it, so it offers no Submit.
    LEAD_READER = "lead_reader"
    # Nobody may change it now (submitted, closed), or the reader is a chair.
    READER = "reader"


def role_on_return(member: MemberView, ret: ReturnView) -> ReturnRole:
    """Which card `member` gets for `ret`'s writing cards: the choice of the overview's
    actions and of where opening the return lands (a reading lead lands on the overview, not
    where its writers stopped)."""
    if not writable(member, ret):
        return ReturnRole.READER
    if not member.leads(ret.agency_id):
        return ReturnRole.WRITER
    if member.id in ret.assignee_ids or not ret.assignee_ids:
        return ReturnRole.LEAD_WRITER
    return ReturnRole.LEAD_READER


# The roles whose visits move where the return resumes (`continue`): its writers'.
WRITING_ROLES = frozenset({ReturnRole.WRITER, ReturnRole.LEAD_WRITER})


def by_role(
    member: MemberView, returns: Sequence[ReturnView]
) -> tuple[tuple[ReturnView, ...], tuple[ReturnView, ...]]:
    """`returns` split into those `member` writes and those they only read, in order: the
    "Your returns" card lists each under its own heading."""
    writes = [role_on_return(member, r) in WRITING_ROLES for r in returns]
    return (
        tuple(r for r, w in zip(returns, writes, strict=True) if w),
        tuple(r for r, w in zip(returns, writes, strict=True) if not w),
    )


def opening_position(member: MemberView, ret: ReturnView) -> int:
    """Where opening `ret` lands when no part is asked for: where its writers stopped, but
    the overview for a reading lead (what is done and who is writing it, not a writer's
    page with its Save and Next)."""
    if role_on_return(member, ret) is ReturnRole.LEAD_READER:
        return overview_position(bank_for(ret.bank_version))
    return ret.current_section


def returned_by(role: ReturnRole) -> str:
    """How a returned return's comments are introduced on its cards: to a practitioner, "your
    agency lead" sent it back; a lead reads them as the comments they (or a fellow lead) wrote."""
    return "Returned by your agency lead" if role is ReturnRole.WRITER else "Returned with comments"


def being_written_line(writers: Sequence[str], status: ReturnStatus) -> str:
    """What a reading lead is told on the return's overview: where its writing stands (as its
    title and Status line say, `overview_heading`), who has it, and what they can do meanwhile."""
    who = listed(list(writers), "and") if writers else "its practitioners"
    where = {
        ReturnStatus.NOT_STARTED: f"This return is with {who} to write; nothing is saved yet.",
        ReturnStatus.RETURNED: f"This return is back with {who} for changes.",
    }.get(status, f"This return is still being written by {who}.")
    return (
        f"{where} You can read every part of it now (and change an answer if you need to "
        "help); I'll send you the sign-off card when it's submitted to you."
    )


@dataclass(frozen=True)
class OverviewHeading:
    """An overview card's title and its Status line, which must not contradict each other."""

    title: str
    status: str


# The title a lead reads while its practitioners write it, by the status that says how far.
_BEING_WRITTEN_TITLES: dict[ReturnStatus, str] = {
    ReturnStatus.NOT_STARTED: "Return not started yet",
    ReturnStatus.IN_PROGRESS: "Return in progress",
    ReturnStatus.RETURNED: "Return sent back for changes",
}
# Every save of an answer or a chronology entry starts it (`_mark_started`).
NOTHING_SAVED = "Not started: nothing is saved yet"


def overview_heading(role: ReturnRole, status: ReturnStatus) -> OverviewHeading:
    """The one rule for what a return's overview says it is, for whom, at which status: its
    writers' card is "Review and submit" (they can); a reading lead's says how far the writing
    is; anyone else only reads it. The Status line is the status every view shows, except that
    "Not started" says what it means (nobody has saved anything)."""
    line = NOTHING_SAVED if status is ReturnStatus.NOT_STARTED else return_status_label(status)
    if role in WRITING_ROLES:
        return OverviewHeading("Review and submit", line)
    if role is ReturnRole.LEAD_READER:
        return OverviewHeading(_BEING_WRITTEN_TITLES[status], line)
    return OverviewHeading("Return overview", line)


@dataclass(frozen=True)
class SectionState:
    """How a return's overview heads one section: its words, and whether they are drawn as
    something to do (the caution colour)."""

    text: str
    to_do: bool


def section_state(role: ReturnRole, missing: int) -> SectionState:
    """The one rule for a section's state on an overview: "Complete", or for those who can
    write the return (`WRITING_ROLES`) "6 to answer", drawn as theirs to do; anyone else (a
    reading lead, a chair, a lead signing it off) reads "6 not answered yet" in the plain
    colour, since there is nothing for them to answer (walk8: a reading lead saw every heading
    in red, which read as errors)."""
    if not missing:
        return SectionState("Complete", to_do=False)
    if role in WRITING_ROLES:
        return SectionState(f"{missing} to answer", to_do=True)
    return SectionState(f"{missing} not answered yet", to_do=False)


def overview_place_title(role: ReturnRole) -> str:
    """What the Go-to list and the chronology's button call the overview: "Review and submit"
    only for those who can submit the return now (`WRITING_ROLES`: open, and theirs to write);
    for a reading lead, a chair, or anyone once it is submitted, "Overview"."""
    return "Review and submit" if role in WRITING_ROLES else "Overview"


def load(uow: UnitOfWork, member: MemberView, return_id: object, *, write: bool) -> ReturnView:
    """Fetch a return the member may see; an id from card data is checked, never trusted.
    To write, a member not assigned to it is read again (`as_held`): the writing turn holds
    the return first, so a lead taken off meanwhile is refused here."""
    ret = uow.returns.get(return_id) if isinstance(return_id, int) else None
    if write and ret is not None and member.id not in ret.assignee_ids:
        member = as_held(uow, member, ret.agency_id)
    if ret is None or ret.partnership_id != member.partnership_id or not may_read(member, ret):
        raise NotFound("I can't find that return, or it isn't one you can open.")
    if write and not may_write(member, ret):
        raise NotPermitted(
            "Only the practitioners assigned to this return, or the agency's "
            "safeguarding lead, can change it."
        )
    if write and ret.review_stage is ReviewStage.CANCELLED:
        raise StaleCard(f"{ret.reference} has been cancelled, so its returns can't be changed.")
    if write and ret.status not in WRITABLE:
        raise StaleCard(lifecycle.decided_message(ret) or _closed_message(ret))
    return ret


def writable(member: MemberView, ret: ReturnView) -> bool:
    """Whether `member` may change `ret` now: the cards draw it read-only otherwise, so a
    cancelled review's return never offers a Save that `load(write=True)` then refuses."""
    return open_for_writing(ret) and may_write(member, ret)


def writers_of(
    uow: UnitOfWork, ret: ReturnView, stored: Mapping[AnswerKey, StoredAnswer]
) -> frozenset[int]:
    """Who may write `ret` (`may_write`): its assignees and its agency's leads, for deciding
    whose view of a held answer is raw (domain/held.py). The leads are looked up only when an
    unconfirmed answer was last written by someone not assigned, the one case in which
    held.py asks about anyone but the assignees, so a card turn costs no extra query. A turn
    asks once for each state of `stored` it reads and hands the answer to `held_for`,
    `seen_for` and `section_screen`."""
    if all(a.confirmed or a.updated_by in ret.assignee_ids for a in stored.values()):
        return ret.assignee_ids
    return ret.assignee_ids | frozenset(uow.returns.agency_lead_ids(ret.agency_id))


def open_for_writing(ret: ReturnView) -> bool:
    """Whether anyone may still change `ret`."""
    return ret.status in WRITABLE and ret.review_stage is not ReviewStage.CANCELLED


def held_for(
    member: MemberView,
    ret: ReturnView,
    stored: Mapping[AnswerKey, StoredAnswer],
    writers: frozenset[int],
) -> dict[AnswerKey, HeldAnswer]:
    """The answers of `ret` held from `member` (domain/held.py); `writers`: `writers_of` the
    same `stored`. A submitted return holds none: submitting needed every flag mended or
    ticked, so only a guard grown stricter since flags one, in text its lead read and passed
    on. A return closed another way (a nil return, going ahead without it, a cancelled
    review) still holds them, as closed."""
    if ret.status in SUBMITTED_STATUSES:
        return {}
    held = held_answers(bank_for(ret.bank_version), stored, member.id, writers)
    if open_for_writing(ret):
        return held
    return {key: closed(answer) for key, answer in held.items()}


def seen_for(
    member: MemberView,
    ret: ReturnView,
    stored: Mapping[AnswerKey, StoredAnswer],
    writers: frozenset[int],
) -> Seen:
    """The answers of `ret` as `member` may see them (domain/held.py; `held_for` says when);
    `writers`: `writers_of` the same `stored`."""
    if ret.status in SUBMITTED_STATUSES:
        return Seen(stored)
    return seen_by(bank_for(ret.bank_version), stored, member.id, writers)


def revision(ret: ReturnView) -> str:
    """What a sign-off or submit card was drawn at: the return's status, when it was last
    submitted, and the lead's comments."""
    return revision_of(ret.status.value, ret.submitted_at, ret.returned_comments)


def _closed_message(ret: ReturnView) -> str:
    when = f" on {short_date(ret.submitted_at)}" if ret.submitted_at else ""
    return (
        f"The {ret.agency_name} return for {ret.reference} was submitted{when}, so it can't "
        f"be changed from this card. If it needs changes, ask your agency lead to return it."
    )


# --- moving around a return ------------------------------------------------------------------

CHRONOLOGY_PLACE = "chronology"
OVERVIEW_PLACE = "overview"


@dataclass(frozen=True)
class Place:
    """Somewhere in a return: a position (a section, the chronology or the overview) and, in
    the key practice episodes section, which episode."""

    position: int
    episode: int | None = None


def place_value(position: int, episode: int | None = None) -> str:
    """How a place travels in card data and jump lists: "s:3", "s:4:2", "chronology"."""
    return f"s:{position}" + (f":{episode}" if episode else "")


def parse_place(raw: object, bank: QuestionBank) -> Place | None:
    """A place from card data, or None when it isn't one of this bank's places."""
    if not isinstance(raw, str):
        return None
    if raw == CHRONOLOGY_PLACE:
        return Place(chronology_position(bank))
    if raw == OVERVIEW_PLACE:
        return Place(overview_position(bank))
    parts = raw.split(":")
    if (
        parts[0] != "s"
        or len(parts) not in (2, 3)
        or not all(p.isascii() and p.isdigit() for p in parts[1:])
    ):
        return None
    index = int(parts[1])
    if not 0 <= index < bank.section_count:
        return None
    section = bank.section(index)
    episode = int(parts[2]) if len(parts) == 3 else None
    limit = section.max_repeats or 1 if section.repeatable else 0
    if episode is not None and not 1 <= episode <= limit:
        return None
    return Place(index, episode)


def jump_targets(
    bank: QuestionBank, stored: Seen, role: ReturnRole = ReturnRole.WRITER
) -> tuple[tuple[str, str], ...]:
    """Every section, every key practice episode, the chronology and the overview: (value,
    title) pairs for a card's "Go to" list, so nothing is more than one step away. `stored`
    as its reader may see it (`seen_by`): an episode's title quotes its first answer. The
    overview is called "Review and submit" only where `role` can submit it
    (`overview_place_title`)."""
    targets: list[tuple[str, str]] = []
    for index, section in enumerate(bank.sections):
        targets.append((place_value(index), f"{index + 1}. {section.title}"))
        for episode in _episodes(section, stored):
            label = shortened(f"{episode.date} {episode.headline}".strip(), 50)
            # "3.1", under its section's "3.", not a second "3."
            number = f"{index + 1}.{episode.number}"
            title = f"{number} Episode {episode.number}" + (f": {label}" if label else "")
            targets.append((place_value(index, episode.number), title))
    targets.append((CHRONOLOGY_PLACE, "Impact chronology"))
    targets.append((OVERVIEW_PLACE, overview_place_title(role)))
    return tuple(targets)


# --- what a section card shows ---------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeSummary:
    number: int
    date: str
    headline: str
    # What "Remove this episode" names it by: its first stored answer's id. Episodes are kept
    # numbered 1..n, so a number names another episode once an earlier one is removed; the key
    # does not (renumbered answers are new rows), so a stale card is refused, not obeyed.
    key: str = ""


@dataclass(frozen=True)
class SectionScreen:
    ret: ReturnView
    bank: QuestionBank
    index: int
    episode: int | None
    episodes: tuple[EpisodeSummary, ...]
    values: Mapping[str, str]
    revisions: Mapping[str, int]
    errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    read_only: bool = False
    can_sign_off: bool = False
    jumps: tuple[tuple[str, str], ...] = ()
    # Answers another member wrote that the guard flags and they have not confirmed, by
    # question id: drawn as a masked read-only block with a note, never as an input holding
    # the text (domain/held.py). Their ids are not in `values` or `warnings`.
    held: Mapping[str, HeldAnswer] = field(default_factory=dict)
    # What this member typed that a colleague's save (or a hold) kept out: shown as inert
    # text under the notices, while the inputs hold what is saved (domain/stale.py).
    typed_back: tuple[Typed, ...] = ()
    # Question id -> `drawn_mark` of the saved answer its inputs hold (not typed text): carried
    # in the card's data, so a save can tell a box left as drawn from one the person changed.
    drawn: Mapping[str, str] = field(default_factory=dict)
    role: ReturnRole = ReturnRole.WRITER  # whose card (`role_on_return`)
    # Other returns on this review waiting for this reader's sign-off (`sign_offs_beside`).
    sign_offs_here: tuple[ReturnView, ...] = ()

    @property
    def section(self) -> Section:
        return self.bank.section(self.index)


def section_screen(
    uow: UnitOfWork,
    member: MemberView,
    ret: ReturnView,
    index: int,
    episode: int | None = None,
    *,
    typed: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    notices: tuple[str, ...] = (),
    stored: Mapping[AnswerKey, StoredAnswer] | None = None,
    given_back: tuple[Typed, ...] = (),
    sign_offs_here: tuple[ReturnView, ...] | None = None,
) -> SectionScreen:
    """`stored`: the return's answers when the caller has them already (a save turn);
    `sign_offs_here`: returns beside it waiting for the reader (`sign_offs_beside`)."""
    bank = bank_for(ret.bank_version)
    section = bank.section(index)
    if stored is None:
        stored = uow.returns.answers(ret.id)
    # What this member may see: another's held answer masked (domain/held.py).
    writers = writers_of(uow, ret, stored)
    seen = seen_for(member, ret, stored, writers)
    episodes = _episodes(section, seen)
    if section.repeatable:
        episode = _clamp_episode(section, episode, len(episodes))
    slot = episode or 0
    held = {
        q: found
        for (q, at), found in held_for(member, ret, stored, writers).items()
        if at == slot and q in _ids(section)
    }
    values = {
        k: v
        for k, v in {**input_values(section, stored, slot), **_strings(typed or {})}.items()
        if _question_of(k) not in held
    }
    revisions = {
        q.id: stored[(q.id, slot)].revision for q in section.questions if (q.id, slot) in stored
    }
    shown_typed = set(_strings(typed or {}))
    drawn = {
        q.id: drawn_mark(stored[(q.id, slot)].value)
        for q in section.questions
        if q.id in revisions and q.id not in held and not {q.id, q.follow_up_input_id} & shown_typed
    }
    warnings = {q: w for q, w in _warnings(section, stored, slot).items() if q not in held}
    handed_on = tuple(
        handed_on_note(section.question(q).label, answer.updated_by_name)
        for q in warnings
        if (answer := stored[(q, slot)]).updated_by != member.id
        and released(answer, writers)
        and writable(member, ret)
    )
    role = role_on_return(member, ret)
    return SectionScreen(
        ret,
        bank,
        index,
        episode,
        episodes,
        values,
        revisions,
        errors or {},
        warnings,
        (*notices, *handed_on),
        read_only=not writable(member, ret),
        can_sign_off=may_sign_off(member, ret),
        jumps=jump_targets(bank, seen, role),
        held=held,
        typed_back=given_back,
        drawn=drawn,
        role=role,
        sign_offs_here=_beside(uow, member, ret, sign_offs_here),
    )


def _question_of(input_id: str) -> str:
    """The question an input belongs to: a follow-up's id names its question."""
    return input_id.removesuffix(follow_up_input_id(""))


def _clamp_episode(section: Section, episode: int | None, count: int) -> int:
    limit = min(count + 1, section.max_repeats or 1)
    if episode is None or episode < 1:
        return max(1, min(count, limit))
    return min(episode, limit)


def _episodes(
    section: Section, stored: Mapping[AnswerKey, StoredAnswer]
) -> tuple[EpisodeSummary, ...]:
    if not section.repeatable:
        return ()
    numbers = sorted({key[1] for key in stored if key[0] in _ids(section) and key[1] > 0})
    first_text = next((q.id for q in section.questions if q.type is QuestionType.LONG_TEXT), "")
    first_date = next((q.id for q in section.questions if q.type is QuestionType.DATE), "")
    return tuple(
        EpisodeSummary(
            n,
            _as_day(_as_text(stored.get((first_date, n)))),
            shortened(_as_text(stored.get((first_text, n))), 100),
            _episode_key(section, stored, n),
        )
        for n in numbers
    )


def _as_day(stored: str) -> str:
    """An episode's date as every card writes a date ("12 Sep 2025"), not as stored."""
    try:
        return plain_date(date.fromisoformat(stored[:10]))
    except ValueError:
        return stored


def _episode_key(section: Section, stored: Mapping[AnswerKey, StoredAnswer], episode: int) -> str:
    ids = [
        answer.answer_id
        for (question_id, number), answer in stored.items()
        if number == episode and question_id in _ids(section) and answer.answer_id is not None
    ]
    return f"e{min(ids)}" if ids else ""


def _ids(section: Section) -> set[str]:
    return {q.id for q in section.questions}


def _as_text(answer: StoredAnswer | None) -> str:
    return str(answer.value) if answer is not None and isinstance(answer.value, str) else ""


def input_values(
    section: Section, stored: Mapping[AnswerKey, StoredAnswer], slot: int
) -> dict[str, str]:
    """Stored answers as the strings a card's inputs take, keyed by input id."""
    values: dict[str, str] = {}
    for question in section.questions:
        values.update(input_values_of(question, stored.get((question.id, slot))))
    return values


def input_values_of(question: Question, answer: StoredAnswer | None) -> dict[str, str]:
    """One stored answer as the strings its inputs take, keyed by input id."""
    if answer is None:
        return {}
    value = answer.value
    if isinstance(value, dict):
        values = {question.id: str(value.get("answer", ""))}
        if value.get("follow_up"):
            values[follow_up_input_id(question.id)] = str(value["follow_up"])
        return values
    if isinstance(value, list | tuple):
        return {question.id: ",".join(str(v) for v in value)}
    return {} if value is None else {question.id: str(value)}


def _strings(typed: Mapping[str, object]) -> dict[str, str]:
    # What the user typed is shown back as it was, even when invalid, so nothing is lost.
    return {k: v for k, v in typed.items() if isinstance(v, str)}


def _warnings(
    section: Section, stored: Mapping[AnswerKey, StoredAnswer], slot: int
) -> dict[str, str]:
    # Stored answers are clean already: only the guard runs, not the section's validation
    # once per question (a save drew this twice, on every section of the Go-to list's work).
    unconfirmed = {
        question.id: answer.value
        for question in section.questions
        if (answer := stored.get((question.id, slot))) is not None and not answer.confirmed
    }
    found = identifier_findings(section, unconfirmed)
    warnings: dict[str, str] = {}
    for question in section.questions:
        for input_id in (question.id, question.follow_up_input_id):
            if input_id in found:
                warnings[question.id] = describe_findings(found[input_id])
    return warnings


# --- saving a section ------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveOutcome:
    position: int
    episode: int | None
    screen: SectionScreen | None


def save_section(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    nav: str,
    today: date,
    now: datetime,
) -> SaveOutcome:
    # Held before it is read (domain/holds.py): a save and a submit crossing on PostgreSQL
    # queue, so a flagged answer is never written into a return being submitted.
    hold_return_only(uow, data.get("return_id"))
    ret = load(uow, member, data.get("return_id"), write=True)
    bank = bank_for(ret.bank_version)
    index = _section_index(data.get("section"), bank, member, ret)
    section = bank.section(index)
    episode = _episode(data.get("episode"), section)
    # Read once: the save checks against these and the next card is drawn from them.
    stored = dict(uow.returns.answers(ret.id))
    held = held_for(member, ret, stored, writers_of(uow, ret, stored))
    check = validate_section_answers(
        section,
        data,
        episode=episode,
        today=today,
        require_complete=nav in (Nav.NEXT, Nav.ADD_EPISODE) and _has_content(section, data),
        # Another's held answer can't be completed from this card: its writer will (submit
        # still waits for it, and the overview says for whom).
        held={q for (q, at) in held if at == (episode or 0)},
    )
    before = dict(stored)
    # The questions whose answer this save kept out, each with the line its input shows.
    kept_out: list[_KeptOut] = []
    notices = _store(
        uow,
        actor,
        member,
        ret,
        stored,
        _Edit(
            section,
            episode or 0,
            check.values,
            check.cleared,
            _revisions(data.get("revs")),
            _marks(data.get(DRAWN)),
            _episode_moved(section, stored, episode, data.get(EPISODE_KEY)),
        ),
        data,
        held,
        kept_out,
    )
    if stored:  # a Save of empty boxes on a return nobody has written in starts nothing
        _mark_started(uow, actor, ret, now)
    if not check.errors and not notices and _new_warnings(section, episode or 0, before, stored):
        # The draft is saved; the practitioner sees what was found now, on the card they
        # typed it in, rather than only at submit.
        notices.append(IDENTIFIER_HELD)
    if check.errors or notices:
        lost = {i for k in kept_out for i in (k.question.id, k.question.follow_up_input_id)}
        # Beside the input too: the card may open scrolled to its buttons.
        beside = {
            k.question.id: k.line for k in kept_out if k.line and k.question.id not in check.errors
        }
        screen = section_screen(
            uow,
            member,
            ret,
            index,
            episode,
            # The form holds what is saved where this save was kept out; what was typed there
            # comes back as text, so saving again never overwrites the colleague's unseen.
            typed={k: v for k, v in data.items() if k not in lost},
            errors={**check.errors, **beside},
            notices=tuple(notices),
            stored=stored,
            given_back=_given_back(
                [k.question for k in kept_out if k.typed], stored, episode or 0, data
            ),
            sign_offs_here=_ON_SAVE,
        )
        return SaveOutcome(index, episode, screen)
    jump = parse_place(data.get("goto"), bank) if data.get("jump") is True else None
    if jump is not None:
        return _go_to(uow, member, ret, stored, jump, today)
    return _navigate(uow, member, ret, stored, index, episode, nav, today)


# A save's next card looks up no sign-offs beside it (`_beside`): the save turn's statements
# are counted (tests/scenarios/test_save_statements.py), and a lead who writes a return is told
# of them where the return is opened (`continue`, its own button, the overview).
_ON_SAVE: Final[tuple[ReturnView, ...]] = ()


IDENTIFIER_HELD = (
    "Saved as a draft, but something here may identify someone. Check the warning below: "
    "edit it, or tick that it is not identifying, then carry on. Until you do, anyone else "
    "who opens this return sees it masked."
)


def _new_warnings(
    section: Section,
    slot: int,
    before: Mapping[AnswerKey, StoredAnswer],
    after: Mapping[AnswerKey, StoredAnswer],
) -> bool:
    """Whether this save wrote an answer that the identifier guard flags and nobody has
    confirmed: an unchanged answer flagged before doesn't stop the practitioner again."""
    flagged = _warnings(section, after, slot)
    return any(after.get((q, slot)) is not before.get((q, slot)) for q in flagged)


def _go_to(
    uow: UnitOfWork,
    member: MemberView,
    ret: ReturnView,
    stored: Mapping[AnswerKey, StoredAnswer],
    place: Place,
    today: date,
) -> SaveOutcome:
    _move_resume(uow, member, ret, place.position)
    if place.position < bank_for(ret.bank_version).section_count:
        screen = section_screen(
            uow,
            member,
            ret,
            place.position,
            place.episode,
            notices=late_notices(member, ret, today),
            stored=stored,
            sign_offs_here=_ON_SAVE,
        )
        return SaveOutcome(place.position, screen.episode, screen)
    return SaveOutcome(place.position, None, None)


def _move_resume(uow: UnitOfWork, member: MemberView, ret: ReturnView, position: int) -> None:
    """Move where `continue` resumes the return to `position`, when `member` writes it: a
    lead who only reads it (and helps with a section) leaves its writers' place as it was."""
    if position != ret.current_section and role_on_return(member, ret) in WRITING_ROLES:
        uow.returns.update(ret.id, {"current_section": position})


def continue_command(member: MemberView, ret: ReturnView) -> str:
    """What `member` types to come back to `ret`: `continue` alone opens the returns they
    write; a lead reading it names its review ("continue LOS-2026-004")."""
    return f"continue {_continue_words(member, ret)}".strip()


def _continue_words(member: MemberView, ret: ReturnView) -> str:
    return "" if role_on_return(member, ret) in WRITING_ROLES else ret.reference


def continue_opens_it_alone(uow: UnitOfWork, member: MemberView, ret: ReturnView) -> bool:
    """Whether `member`'s `continue_command` opens `ret` itself, by the rule `continue`
    follows, rather than a list of their returns to choose it from (a lead covering several
    agencies on one review, a practitioner writing two returns)."""
    try:
        opened = review_flow.returns_to_continue(uow, member, _continue_words(member, ret))
    except NotFound:
        return False
    return [r.id for r in opened] == [ret.id]


def saved_notice(
    member: MemberView, ret: ReturnView, *, alone: bool = True, anything: bool = True
) -> str:
    """What Save draft tells `member`, true to what their `continue` opens: a writer's comes
    back to the part they saved (their Save moves where the return resumes); a reading lead's
    Save leaves its writers' place alone, and their `continue LOS-…` opens the overview
    (`opening_position`), so they are told that, not "here". Where `continue` lists several
    returns (`alone` false, `continue_opens_it_alone`), they are told which one to choose. A
    Save with nothing in the whole return (`anything` false) stores nothing: it says so."""
    back = continue_command(member, ret)
    writes = role_on_return(member, ret) in WRITING_ROLES
    saved = "Saved." if anything else "Nothing is saved yet: every box is empty."
    if not alone:
        then = "come back here" if writes else "open it again, at its overview"
        on = f" on {ret.reference}" if writes else ""
        return (
            f"{saved} You can close Teams now: type {back} and choose the {ret.agency_name} "
            f"return{on} to {then}."
        )
    if writes:
        return f"{saved} You can close Teams now: type {back} to come back here."
    return (
        f"{saved} You can close Teams now: type {back} to open this return again, at its overview."
    )


def _navigate(
    uow: UnitOfWork,
    member: MemberView,
    ret: ReturnView,
    stored: Mapping[AnswerKey, StoredAnswer],
    index: int,
    episode: int | None,
    nav: str,
    today: date,
) -> SaveOutcome:
    bank = bank_for(ret.bank_version)
    if nav == Nav.ADD_EPISODE and episode is not None:
        position, episode = index, episode + 1
    elif nav == Nav.BACK:
        position, episode = max(index - 1, 0), None
    elif nav == Nav.NEXT:
        position, episode = index + 1, None
    else:
        position = index
    _move_resume(uow, member, ret, position)
    # The overdue line on the page a save opens too (`late_notices`: no query), first.
    notice = late_notices(member, ret, today) + (
        (
            saved_notice(
                member,
                ret,
                alone=continue_opens_it_alone(uow, member, ret),
                anything=bool(stored),
            ),
        )
        if nav == Nav.SAVE
        else ()
    )
    if position < bank.section_count:
        screen = section_screen(
            uow,
            member,
            ret,
            position,
            episode,
            notices=notice,
            stored=stored,
            sign_offs_here=_ON_SAVE,
        )
        return SaveOutcome(position, screen.episode, screen)
    return SaveOutcome(position, None, None)


def _section_index(raw: object, bank: QuestionBank, member: MemberView, ret: ReturnView) -> int:
    if isinstance(raw, int) and 0 <= raw < bank.section_count:
        return raw
    raise StaleCard(
        "That card doesn't match this return's questions any more. "
        f"Type {continue_command(member, ret)} to open the current card."
    )


def _episode(raw: object, section: Section) -> int | None:
    if not section.repeatable:
        return None
    limit = section.max_repeats or 1
    return raw if isinstance(raw, int) and 1 <= raw <= limit else 1


def _has_content(section: Section, data: Mapping[str, object]) -> bool:
    """An untouched repeatable form on Next is not an incomplete episode, just no new one."""
    if not section.repeatable:
        return True
    keys = _ids(section) | {follow_up_input_id(q) for q in _ids(section)}
    return any(isinstance(data.get(k), str) and str(data.get(k)).strip() for k in keys)


def _episode_moved(
    section: Section, stored: Mapping[AnswerKey, StoredAnswer], episode: int | None, key: object
) -> bool:
    """Whether the card drew another key practice episode (its key, `EpisodeSummary.key`)
    than the one at its number now: one was removed since, and the rest renumbered."""
    if episode is None or not isinstance(key, str) or not key:
        return False  # not an episode, or a new one the card drew empty (revisions tell)
    return key != _episode_key(section, stored, episode)


def _revisions(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, int)}


# The card data key carrying `SectionScreen.drawn`.
DRAWN = "drawn"


def drawn_mark(value: object) -> str:
    """A short mark of a saved answer a card's inputs were drawn holding, never the text: a box
    sent back holding the same answer was left as drawn. A forged mark can only make the
    sender's own change to that box look untouched or clashing (kept out, nothing else
    written)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def changed_since_drawn(current: StoredAnswer | None, revision: int, mark: object) -> bool:
    """Whether a question's saved answer is no longer the one its card was drawn holding:
    `revision` is the card's (0: it drew no answer), `mark` its `drawn_mark` of that answer
    (absent when the box showed typed text instead). Saved since, by a colleague or by this
    person on another card (a newer revision); cleared or its episode removed (no answer is
    left to carry a newer revision, so the card's revision says one was there); or cleared
    and answered again, or an episode renumbered into its place (a new answer starts again at
    revision 1, so only the mark tells it from the one drawn)."""
    if current is None:
        return revision > 0
    if current.revision != revision:
        return True
    return isinstance(mark, str) and drawn_mark(current.value) != mark


class Clash(Enum):
    """What a save does with one box, against the answer saved now (`clash`)."""

    NONE = "none"  # write it: nobody changed the answer since the card was drawn
    LEFT = "left"  # changed since, box left as drawn: theirs stands, in the form, unannounced
    TYPED = "typed"  # changed since, box changed here: not saved, told, what was typed given back


def clash(
    current: StoredAnswer | None,
    new: object,
    revision: int,
    mark: object,
    *,
    elsewhere: bool = False,
) -> Clash:
    """The rule for one box whose value differs from the answer saved now (`current`, None
    when there is none): a colleague's newer answer, and a colleague's clearing alike, is never
    overwritten by a card drawn before it. `new` is the box's checked value (None: emptied);
    `revision` and `mark` are what the card carried for it (`changed_since_drawn`).
    `elsewhere`: the card drew another key practice episode than the one now at its number
    (one was removed since), so every answer there is a change since it was drawn, even a
    box empty in both."""
    if not elsewhere and not changed_since_drawn(current, revision, mark):
        return Clash.NONE
    if current is None and new is None:
        return Clash.NONE  # emptied here as it was there: nothing of theirs to keep
    if left_as_drawn(new, mark):
        return Clash.LEFT
    return Clash.TYPED


def left_as_drawn(value: object, mark: object) -> bool:
    """Whether a box's value is the answer its card was drawn holding (`mark`): the person never
    changed it, so a colleague's newer answer there is not a clash, and nothing of theirs is
    given back for it."""
    return value is not None and isinstance(mark, str) and drawn_mark(value) == mark


def _marks(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


@dataclass(frozen=True)
class _KeptOut:
    """A question whose answer a save kept out, the line its input shows (or None), and
    whether the person changed its box (what they typed is given back) or left it as drawn."""

    question: Question
    line: str | None
    typed: bool = True


@dataclass(frozen=True)
class _Edit:
    """One section's checked answers from a card, and the revisions the card was drawn at."""

    section: Section
    slot: int
    values: Mapping[str, Any]
    cleared: frozenset[str]
    revisions: Mapping[str, int]
    drawn: Mapping[str, str]  # `SectionScreen.drawn`, as the card carried it
    # The card drew another episode than the one now at its number (`_episode_moved`).
    elsewhere: bool = False


def _store(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    ret: ReturnView,
    stored: dict[AnswerKey, StoredAnswer],
    edit: _Edit,
    data: Mapping[str, object],
    held: Mapping[AnswerKey, HeldAnswer],
    kept_out: list[_KeptOut],
) -> list[str]:
    """Write what changed; `stored` is kept up to date so the next card needs no re-read.
    `held`: `held_for` the answers as they were read, before this save. The questions whose
    answer was not saved (a colleague's newer save, or held) are added to `kept_out`."""
    notices: list[str] = []
    changes: dict[str, object] = {}
    slot, values = edit.slot, edit.values
    # Held from this member (domain/held.py): their form drew no input for it, so a value here
    # came from a card drawn before it was held, or was made up. Either way the writer's text
    # stays as they left it, never overwritten, cleared or confirmed by anyone who may not
    # mend it (its writer, or the return's writers once the writer can't write it).
    for question in edit.section.questions:
        key = (question.id, slot)
        current = stored.get(key)
        if key in held:
            if question.id in values or question.id in edit.cleared:
                notices.append(_held_notice(question, held[key]))
                kept_out.append(_KeptOut(question, None))  # its held block says why
            continue
        new = _jsonable(values.get(question.id)) if question.id in values else None
        if question.id not in values and question.id not in edit.cleared:
            continue
        if current is not None and current.value == new:
            _confirm(uow, member, ret, stored, key, data)
            continue
        found = clash(
            current,
            new,
            edit.revisions.get(question.id, 0),
            edit.drawn.get(question.id),
            elsewhere=edit.elsewhere,
        )
        if found is Clash.LEFT:
            # Never changed here: the colleague's answer (or their clearing) stands, in the
            # form, unannounced.
            kept_out.append(_KeptOut(question, None, typed=False))
            continue
        if found is Clash.TYPED:
            if edit.elsewhere:
                if episode_moved_notice(slot) not in notices:
                    notices.insert(0, episode_moved_notice(slot))
            elif current is None:
                notices.append(cleared_notice(question.label))
            else:
                notices.append(changed_notice(question.label, current, member.id))
            kept_out.append(_KeptOut(question, NOT_SAVED_HERE))
            continue
        if new is None:
            if current is not None:
                _delete(uow, ret, key, current)
            stored.pop(key, None)
        else:
            confirmed = _confirmed_in(data, question.id)
            saved = uow.returns.save_answer(
                ret.id, key, new, member.id, confirmed, revision=_revision(current)
            )
            stored[key] = _saved(saved, member)
        changes[f"{question.id}#{slot}" if slot else question.id] = _fingerprint(new)
    if changes:
        audit.record(
            uow,
            ret.partnership_id,
            actor,
            "return.answers_saved",
            ("pre_analysis_return", ret.id),
            after=changes,
        )
    return notices


NOT_SAVED_HERE = (
    f"Not saved: this was changed after you opened the card. What you typed is at the top, "
    f"under '{TYPED_HEADING}'."
)


def changed_notice(label: str, current: StoredAnswer, member_id: int) -> str:
    """A save refused for one question a colleague (or this member, on another card) saved
    after the card was drawn: who, and when."""
    who = (
        "you, on another card"
        if current.updated_by == member_id
        else current.updated_by_name or "a colleague"
    )
    when = f" at {local_when(current.updated_at)}" if current.updated_at else ""
    return (
        f"'{label}' was changed by {who}{when}, after you opened this card, so your answer "
        f"was not saved. The saved answer is in the form now; yours is under "
        f"'{TYPED_HEADING}'."
    )


def episode_moved_notice(number: int) -> str:
    """A save refused because the card's key practice episode, or one before it, was removed
    after the card was drawn: episode `number` is another episode now."""
    return (
        f"Episode {number} is not the one this card showed: it, or one before it, was removed "
        f"after you opened this card, so what you changed was not saved. Episode {number} as "
        f"it is now is in the form; yours is under '{TYPED_HEADING}'."
    )


def cleared_notice(label: str) -> str:
    """A save refused for one question whose answer was cleared (or its episode removed) after
    the card was drawn: no answer row is left to say by whom or when."""
    return (
        f"'{label}' was cleared after you opened this card, so your answer was not saved. "
        f"It is empty in the form now; yours is under '{TYPED_HEADING}'."
    )


def _given_back(
    kept_out: Sequence[Question],
    stored: Mapping[AnswerKey, StoredAnswer],
    slot: int,
    data: Mapping[str, object],
) -> tuple[Typed, ...]:
    """What this member typed for the questions kept out, where it differs from what is
    saved. A held answer's text is never given back: a card drawn before it was held may
    carry it, and it is its writer's (domain/held.py)."""
    shown: dict[str, Shown] = {}
    held: set[str] = set()
    for question in kept_out:
        answer = stored.get((question.id, slot))
        now = input_values_of(question, answer)
        choices = {choice.value: choice.label for choice in question.choices}
        # Under the prompt the person answered, so they can find where it goes.
        shown[question.id] = Shown(question.prompt, now.get(question.id), choices=choices)
        if question.follow_up_prompt is not None:
            shown[question.follow_up_input_id] = Shown(
                question.follow_up_prompt, now.get(question.follow_up_input_id)
            )
        if answer is not None and not answer.confirmed:
            held.update(v for v in now.values() if v)
    typed = {key: data[key] for key in shown if key in data}
    return typed_back(typed, shown, held=held)


def _held_notice(question: Question, held: HeldAnswer) -> str:
    return (
        f"'{question.label}' is held until its writer edits it or confirms it, so your answer "
        f"was not saved. {held.note}"
    )


def _confirmed_in(data: Mapping[str, object], question_id: str) -> bool:
    return str(data.get(CONFIRM_PREFIX + question_id, "")).lower() == "true"


def _confirm(
    uow: UnitOfWork,
    member: MemberView,
    ret: ReturnView,
    stored: dict[AnswerKey, StoredAnswer],
    key: AnswerKey,
    data: Mapping[str, object],
) -> None:
    """The tick "not identifying" on an unchanged answer. Whoever ticks it answers for it, so
    it is recorded as theirs: its writer, or, once the writer can no longer write the return,
    the colleague it was released to (domain/held.py)."""
    current = stored[key]
    if not current.confirmed and _confirmed_in(data, key[0]):
        saved = uow.returns.save_answer(
            ret.id, key, current.value, member.id, True, revision=current.revision
        )
        stored[key] = _saved(saved, member)


def _revision(current: StoredAnswer | None) -> int:
    return current.revision if current is not None else 0


def _saved(saved: StoredAnswer | None, member: MemberView | None) -> StoredAnswer:
    """The answer as written, or a clear stop if a colleague saved it in the same instant."""
    if saved is None:
        raise _moved()
    return replace(saved, updated_by_name=member.display_name) if member else saved


def _delete(uow: UnitOfWork, ret: ReturnView, key: AnswerKey, current: StoredAnswer) -> None:
    if not uow.returns.delete_answer(ret.id, key, revision=current.revision):
        raise _moved()


def _moved() -> StaleCard:
    # A colleague's write landed between this turn's read and its own: roll this turn back
    # rather than overwrite or delete theirs; pressing the button again shows their answer.
    return StaleCard(
        "A colleague saved this part of the return at the same moment, so nothing on "
        "this card was saved. Press the button again to see their answer."
    )


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _fingerprint(value: object) -> str | None:
    # The audit trail records that an answer changed, not the (special category) text itself.
    if value is None:
        return None
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def _mark_started(uow: UnitOfWork, actor: Actor, ret: ReturnView, now: datetime) -> None:
    # Only a return not started: one sent back stays "Returned for changes" until it is
    # submitted again (walk12: its own card said "In progress" where `continue` said
    # "Returned for changes").
    if ret.status is not ReturnStatus.NOT_STARTED:
        return
    target = move_return(ret.status, ReturnStatus.IN_PROGRESS)
    if not uow.returns.transition(ret.id, {ret.status}, {"status": target.value}, at=now):
        return  # a colleague's save started it in the same instant, and recorded that
    audit.status_change(
        uow,
        ret.partnership_id,
        actor,
        "return.status_changed",
        ("pre_analysis_return", ret.id),
        ret.status,
        target,
    )


def remove_episode(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> SectionScreen:
    # The return first, as a save holds it: taken after the answers it deletes, a save of the
    # same episode and this would each wait for the other on PostgreSQL (domain/holds.py).
    hold_return_only(uow, data.get("return_id"))
    ret = load(uow, member, data.get("return_id"), write=True)
    bank = bank_for(ret.bank_version)
    index = _section_index(data.get("section"), bank, member, ret)
    section = bank.section(index)
    if not section.repeatable:
        raise StaleCard("Only key practice episodes can be removed this way.")
    stored = uow.returns.answers(ret.id)
    named = [e.number for e in _episodes(section, stored) if e.key == data.get(EPISODE_KEY)]
    if not named:
        raise audit.already_done(
            uow,
            _target(ret),
            ("return.episode_removed",),
            "That episode is no longer where this card showed it, so nothing was removed: it, "
            "or one listed before it, was removed",
        )
    episode = named[0]
    held = held_for(member, ret, stored, writers_of(uow, ret, stored))
    if waiting := [held[k] for k in held if k[1] == episode and k[0] in _ids(section)]:
        # Removing it would erase text its writer has not yet seen through: theirs to mend.
        raise NotPermitted(
            f"Episode {episode} can't be removed yet: an answer in it may identify someone "
            f"and is held back until {_writer(waiting[0])} edits it or confirms it."
        )
    for question in section.questions:
        if (question.id, episode) in stored:
            _delete(uow, ret, (question.id, episode), stored[(question.id, episode)])
    _renumber(uow, ret, section, episode, stored)
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        "return.episode_removed",
        ("pre_analysis_return", ret.id),
        before={"episode": episode},
    )
    return section_screen(
        uow, member, ret, index, max(episode - 1, 1), notices=(f"Episode {episode} removed.",)
    )


def _renumber(
    uow: UnitOfWork,
    ret: ReturnView,
    section: Section,
    removed: int,
    stored: Mapping[AnswerKey, StoredAnswer],
) -> None:
    # Keep episodes numbered 1..n so "Episode 3" always means the third one listed.
    later = sorted(key for key in stored if key[0] in _ids(section) and key[1] > removed)
    for question_id, number in later:
        answer = stored[(question_id, number)]
        _delete(uow, ret, (question_id, number), answer)
        saved = uow.returns.save_answer(
            ret.id,
            (question_id, number - 1),
            answer.value,
            answer.updated_by or 0,
            answer.confirmed,
            revision=0,  # the slot below was just emptied: a new row
        )
        _saved(saved, None)


# --- overview, submit and sign-off -----------------------------------------------------------


@dataclass(frozen=True)
class SectionStatus:
    index: int
    title: str
    answered: int
    total: int
    missing: tuple[str, ...]
    highlights: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Overview:
    ret: ReturnView
    sections: tuple[SectionStatus, ...]
    entry_count: int
    unconfirmed: tuple[str, ...]
    read_only: bool
    can_sign_off: bool = False
    jumps: tuple[tuple[str, str], ...] = ()
    # Where the writer ticked "none of this is identifying" and kept flagged text: the lead
    # sees this at sign-off ("Section: Question (a name)").
    kept: tuple[str, ...] = ()
    # Whose card this is (`role_on_return`), and, for a reading lead, who is writing it.
    role: ReturnRole = ReturnRole.WRITER
    writers: tuple[str, ...] = ()
    # Other returns on this review waiting for this reader's sign-off (`sign_offs_beside`).
    sign_offs_here: tuple[ReturnView, ...] = ()
    # On the sign-off card `continue` leads with (`leading_sign_off`): the returns it opened,
    # which the reader only reads, offered beside it (`reads_beside_line`).
    reads_here: tuple[ReturnView, ...] = ()
    # A resubmitted return: what its lead sent back before, for this reader
    # (`sent_back_before`), and the name of the lead who did (for another reader's line).
    sent_back_before: str | None = None
    sent_back_by_name: str | None = None

    @property
    def complete(self) -> bool:
        return not any(s.missing for s in self.sections) and not self.unconfirmed


def overview(
    uow: UnitOfWork,
    member: MemberView,
    ret: ReturnView,
    today: date,
    sign_offs_here: tuple[ReturnView, ...] | None = None,
) -> Overview:
    bank = bank_for(ret.bank_version)
    stored = uow.returns.answers(ret.id)
    writers = writers_of(uow, ret, stored)
    held = held_for(member, ret, stored, writers)
    statuses = tuple(
        _section_status(i, bank.section(i), stored, today, held) for i in range(bank.section_count)
    )
    unconfirmed = tuple(
        f"{bank.section_of(q).title}: {bank.question(q).label}" + _waiting_for(held.get((q, slot)))
        for (q, slot), answer in sorted(stored.items())
        if q in _all_ids(bank)
        and not answer.confirmed
        and _warnings(bank.section_of(q), stored, slot).get(q)
    )
    entries = uow.returns.entries(ret.id)
    role = role_on_return(member, ret)
    can_sign_off = may_sign_off(member, ret)
    waiting, reading = _around(uow, member, ret, sign_offs_here)
    by_name = _sent_back_by_name(uow, ret)
    return Overview(
        ret,
        statuses,
        len(entries),
        unconfirmed,
        read_only=not writable(member, ret),
        can_sign_off=can_sign_off,
        jumps=jump_targets(bank, seen_for(member, ret, stored, writers), role),
        kept=_kept_answers(bank, stored) + _kept_entries(entries),
        role=role,
        writers=_writer_names(uow, ret) if role is ReturnRole.LEAD_READER else (),
        sign_offs_here=waiting,
        # Wherever a sign-off card is drawn (buttons, the reviews list, the lead's notice,
        # `continue`): the returns on its review the lead only reads, offered beside it.
        reads_here=reading if can_sign_off else (),
        sent_back_before=sent_back_before(member, ret, by_name),
        sent_back_by_name=by_name,
    )


def _sent_back_by_name(uow: UnitOfWork, ret: ReturnView) -> str | None:
    """Who sent a resubmitted return back last, by name: one read, only when it says so."""
    last = ret.sent_back
    if ret.status is not ReturnStatus.SUBMITTED or last is None or last.by is None:
        return None
    return uow.members.get(last.by).display_name


def sent_back_before(reader: MemberView, ret: ReturnView, by_name: str | None) -> str | None:
    """What the sign-off card of a resubmitted return says its lead sent back before, so they
    can check each point was met (walk12): "You sent this back on 6 Dec 2026: <comments>"
    (another lead reads the name of the one who did). Only while it waits for sign-off; a
    send-back from before migration 0017 recorded who and when says neither."""
    last = ret.sent_back
    if ret.status is not ReturnStatus.SUBMITTED or last is None:
        return None
    when = f" on {local_day(last.at)}" if last.at else ""
    if last.by is not None and last.by == reader.id:
        return f"You sent this back{when}: {last.comments}"
    if by_name:
        return f"{by_name} sent this back{when}: {last.comments}"
    return f"This return was sent back{when}: {last.comments}"


def leading_sign_off(
    uow: UnitOfWork, member: MemberView, found: ToContinue, today: date
) -> Overview:
    """The card `continue` leads with when the person acts first (`acts_first`): the first
    sign-off waiting for them, with the others waiting, and the returns `continue` opened
    (which they only read) offered beside it."""
    first, *others = found.offered
    return replace(overview(uow, member, first, today, tuple(others)), reads_here=found.returns)


@dataclass(frozen=True)
class SignOffGlance:
    """What the sign-off card says first, read at a glance: what to decide, and the key
    facts (the detail of each part sits behind its "Each part" show-card)."""

    decide: str
    facts: tuple[tuple[str, str], ...]


def sign_off_glance(summary: Overview) -> SignOffGlance:
    """The one rule for the top of the sign-off card: the decision in the lead's words, then
    how much of the return is answered, its chronology, and what needs a look before
    approving (answers kept past an identifier warning, possible identifiers unchecked)."""
    ret = summary.ret
    parts = summary.sections
    done = sum(1 for s in parts if not s.missing)
    facts = [
        ("Parts answered", f"{done} of {len(parts)}"),
        ("Chronology", counted(summary.entry_count, "entry")),
    ]
    to_check = len(summary.kept) + len(summary.unconfirmed)
    if to_check:
        facts.append(("To check first", counted(to_check, "flagged answer")))
    decide = (
        f"Approve the {ret.agency_name} return for {ret.reference}, or return it to its "
        "practitioners with comments."
    )
    return SignOffGlance(decide, tuple(facts))


def lead_notice_view(lead: MemberView, view: Overview, beside: Sequence[ReturnView]) -> Overview:
    """The sign-off card sent to one of the agency's leads when its return is submitted
    (drawn for the submitter, `view`): with what that lead only reads on the review offered
    beside it (`reads_beside` over `beside`, the review's returns read once for every lead)."""
    return replace(
        view,
        reads_here=reads_beside(lead, beside, {view.ret.id}),
        sent_back_before=sent_back_before(lead, view.ret, view.sent_back_by_name),
    )


def _writer_names(uow: UnitOfWork, ret: ReturnView) -> tuple[str, ...]:
    """The names of the practitioners writing `ret`, in a steady order."""
    return tuple(sorted(uow.members.get(i).display_name for i in ret.assignee_ids))


def _waiting_for(held: HeldAnswer | None) -> str:
    """Who can mend an answer held from this reader (domain/held.py)."""
    return f" (waiting for {_writer(held)})" if held is not None else ""


def _writer(held: HeldAnswer) -> str:
    return held.waiting_for


def _kinds_label(text: str) -> str:
    labels = [f.label for f in find_identifiers(text)]
    return ", ".join(dict.fromkeys(labels))


def _kept_answers(bank: QuestionBank, stored: Mapping[AnswerKey, StoredAnswer]) -> tuple[str, ...]:
    """Confirmed answers that the guard still flags: the writer kept them on purpose."""
    known = _all_ids(bank)
    kept = []
    for (question_id, _slot), answer in sorted(stored.items()):
        if question_id not in known or not answer.confirmed or not isinstance(answer.value, str):
            continue
        if kinds := _kinds_label(answer.value):
            where = f"{bank.section_of(question_id).title}: {bank.question(question_id).label}"
            kept.append(f"{where} ({kinds})")
    return tuple(kept)


def _kept_entries(entries: Sequence[ChronologyView]) -> tuple[str, ...]:
    """Saved entries that the guard flags were kept past its warning."""
    kept = []
    for view in entries:
        warned = chronology.identifier_warnings(view.entry)
        if warned:
            kinds = _kinds_label("\n".join(getattr(view.entry, name) or "" for name in warned))
            kept.append(f"Chronology, {chronology.describe_date(view.entry)} ({kinds})")
    return tuple(kept)


def _all_ids(bank: QuestionBank) -> set[str]:
    return {q.id for q in bank.questions}


def _section_status(
    index: int,
    section: Section,
    stored: Mapping[AnswerKey, StoredAnswer],
    today: date,
    held: Mapping[AnswerKey, HeldAnswer],
) -> SectionStatus:
    slots = sorted({key[1] for key in stored if key[0] in _ids(section)}) or [
        1 if section.repeatable else 0
    ]
    missing: list[str] = []
    for slot in slots:
        answers = {q: a.value for (q, s), a in stored.items() if s == slot}
        check = validate_section_answers(
            section, answers, require_complete=True, episode=slot or None, today=today
        )
        prefix = f"Episode {slot}: " if section.repeatable else ""
        missing.extend(prefix + section.question(q).label for q in check.missing)
    answered = sum(1 for key in stored if key[0] in _ids(section))
    highlights = tuple(_highlights(section, stored, held))
    total = len(section.questions) * len(slots)
    return SectionStatus(index, section.title, answered, total, tuple(missing), highlights)


def _highlights(
    section: Section,
    stored: Mapping[AnswerKey, StoredAnswer],
    held: Mapping[AnswerKey, HeldAnswer],
) -> list[tuple[str, str]]:
    """The answers worth showing at a glance: required questions first, in question order.
    An answer held from the reader shows masked, with who it waits for (domain/held.py)."""
    ordered = sorted(section.questions, key=lambda q: not q.required)
    shown = []
    for question in ordered:
        for key, answer in sorted(stored.items()):
            if key[0] == question.id:
                prefix = f"Episode {key[1]}, " if key[1] else ""
                if key in held:
                    text = f"{display_value(question, held[key].value)} ({held[key].note})"
                else:
                    text = display_value(question, answer.value)
                shown.append((prefix + question.label, text))
    return shown[:6]


def display_value(question: Question, value: object, limit: int = 140) -> str:
    """An answer as a person reads it: choice wording, not stored codes."""
    if isinstance(value, dict):
        answer = str(value.get("answer", "")).capitalize()
        text = f"{answer}: {value['follow_up']}" if value.get("follow_up") else answer
    elif isinstance(value, list | tuple):
        text = ", ".join(_label(question, str(v)) for v in value)
    elif isinstance(value, str) and question.type is QuestionType.DATE:
        text = _pretty_date(value)
    else:
        text = _label(question, str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(question: Question, value: str) -> str:
    if question.type is QuestionType.THEME_TAGS:
        return {t.slug: t.label for t in default_themes()}.get(value, value)
    return question.choice_label(value) if question.choices else value


def _pretty_date(value: str) -> str:
    try:
        return plain_date(date.fromisoformat(value))
    except ValueError:
        return value


@dataclass(frozen=True)
class Submitted:
    ret: ReturnView
    lead_ids: tuple[int, ...]
    chair_id: int | None


def submit(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> Submitted:
    # Held before the answers are checked (domain/holds.py; bot/freshness.py holds it too when
    # the card carries its revision): a save finishing meanwhile can't add a flagged answer.
    hold_return_only(uow, data.get("return_id"))
    ret = load(uow, member, data.get("return_id"), write=True)
    if ret.review_stage is not ReviewStage.PRE_ANALYSIS:
        raise StaleCard(
            f"{ret.reference} is not taking returns now (it is at the "
            f"{quoted_state(ret.review_stage)} stage)."
        )
    summary = overview(uow, member, ret, today)
    if not summary.complete:
        raise NotPermitted(_incomplete_message(summary))
    status = move_return(
        ReturnStatus.IN_PROGRESS if ret.status is ReturnStatus.NOT_STARTED else ret.status,
        ReturnStatus.SUBMITTED,
    )
    won = uow.returns.transition(
        ret.id,
        {ret.status},
        {
            "status": status.value,
            "submitted_at": now,
            "submitted_by": member.id,
            # The last send-back (`returned_comments`, `returned_by`, `returned_at`) is kept:
            # the lead's sign-off card says what they asked for (`sent_back_before`).
            # The lead is chased now, from their own count.
            **handed_over(ret.status, status),
        },
        at=now,
    )
    if not won:  # a colleague's submit got there first: theirs stands, and only theirs is sent
        raise audit.already_done(
            uow, _target(ret), ("return.submitted",), "This return was already submitted"
        )
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        "return.submitted",
        ("pre_analysis_return", ret.id),
        before={"status": ret.status.value},
        after={"status": status.value},
    )
    return Submitted(
        uow.returns.get(ret.id) or ret,
        tuple(uow.returns.agency_lead_ids(ret.agency_id)),
        ret.chair_member_id,
    )


def _target(ret: ReturnView) -> tuple[str, int]:
    return ("pre_analysis_return", ret.id)


def _incomplete_message(summary: Overview) -> str:
    missing = [m for s in summary.sections for m in s.missing]
    parts = []
    if missing:
        # The first five, and how many more (walk10: a list of five read as the whole of it).
        more = (
            f" (and {len(missing) - 5} more: the overview lists them)" if len(missing) > 5 else ""
        )
        parts.append("These still need an answer: " + "; ".join(missing[:5]) + more + ".")
    if summary.unconfirmed:
        parts.append(
            "Check the possible identifiers in: "
            + "; ".join(summary.unconfirmed[:3])
            + " (edit them, or tick that they are not identifying)."
        )
    return "The return isn't ready to submit. " + " ".join(parts)


@dataclass(frozen=True)
class SignedOff:
    ret: ReturnView
    approved: bool
    comments: str | None
    chair_id: int | None
    assignee_ids: tuple[int, ...]
    review_ready_for_analysis: bool
    # Who the comments go to, by name: the lead is told who has them (sent_back_message).
    assignee_names: Mapping[int, str] = field(default_factory=dict)


def sign_off(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    approve: bool,
    now: datetime,
) -> SignedOff:
    # Approving may settle the review into analysis: its review first (domain/holds.py), so a
    # sign-off racing a cancel queues behind it instead of deadlocking on PostgreSQL.
    hold_return(uow, data.get("return_id"))
    ret = load(uow, member, data.get("return_id"), write=False)
    _check_sign_off(as_held(uow, member, ret.agency_id), ret)  # a lead, still, once held
    try:
        comments = _comments(data.get("comments"), required=not approve)
    except FormInvalid as invalid:  # too long: said with its identifier findings, at once
        refuse_with_findings(invalid, {} if approve else typed_texts(data, ("comments",)), data)
    if approve and comments:
        # An approval has nowhere to keep comments (only a return sends them): refused, the
        # box kept, rather than the lead's words thrown away without a word (walk12).
        raise FormInvalid({"comments": APPROVE_WITH_COMMENTS})
    # Returned comments go to the practitioners, and stay on every card of the return.
    screened = require_confirmed({"comments": None if approve else comments}, data)
    target = ReturnStatus.SIGNED_OFF if approve else ReturnStatus.RETURNED
    fields: dict[str, object] = {"status": move_return(ret.status, target).value}
    fields |= handed_over(ret.status, target)  # sent back: the practitioners are chased again
    if approve:
        fields |= {"signed_off_at": now, "signed_off_by": member.id}
    else:
        # The practitioner opens the return where the lead's comments are about: the part
        # they chose on the sign-off card (carried by a page's buttons, `carried_start`), else
        # the page returned from, or else the review-and-submit card, which links to every part.
        bank = bank_for(ret.bank_version)
        chosen = parse_place(data.get(START_CHOSEN), bank)
        place = (
            chosen or parse_place(data.get("comment_on"), bank) or Place(overview_position(bank))
        )
        fields |= {
            "returned_comments": comments,
            "returned_by": member.id,
            "returned_at": now,
            "current_section": place.position,
        }
    if not uow.returns.transition(ret.id, {ret.status}, fields, at=now):
        raise audit.already_done(
            uow,
            _target(ret),
            ("return.signed_off", "return.returned"),
            "This return was already signed off or sent back",
        )
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        "return.signed_off" if approve else "return.returned",
        ("pre_analysis_return", ret.id),
        before={"status": ret.status.value},
        after={"status": target.value},
    )
    record_kept(uow, ret.partnership_id, actor, ("pre_analysis_return", ret.id), screened)
    ready = approve and _all_signed_off(uow, actor, ret)
    return SignedOff(
        uow.returns.get(ret.id) or ret,
        approve,
        comments,
        ret.chair_member_id,
        tuple(sorted(ret.assignee_ids)),
        ready,
        {i: uow.members.get(i).display_name for i in sorted(ret.assignee_ids)},
    )


def sent_back_message(names: Sequence[str], unreached: Sequence[str], *, own: bool = False) -> str:
    """What the lead is told after sending a return back: who has the comments, by name, and
    who Teams didn't take them to (the comments wait on the return for them). `own`: the lead
    writes it too (a small agency), so it is back with them, never "<their name> has your
    comments"; `names` and `unreached` are the other writers."""
    kept = "their answers are kept for them to change."
    if own and not names and not unreached:
        return "It's back with you to change: your comments are on it, and its answers are kept."
    if not names and not unreached:
        return f"No practitioner is assigned to it yet: your comments wait on the return; {kept}"
    parts = ["It's back with you to change too."] if own else []
    if names:
        verb = "has" if len(names) == 1 else "have"
        parts.append(f"{listed(list(names), 'and')} {verb} your comments; {kept}")
    if unreached:
        parts.append(
            f"I couldn't reach {listed(list(unreached), 'or')} in Teams, so they haven't seen "
            "your comments yet: they are on the return for when they next open it."
        )
    return " ".join(parts)


def sign_off_view(
    uow: UnitOfWork, member: MemberView, data: Mapping[str, object], today: date
) -> Overview:
    """The sign-off card's content, for the agency's lead while the return waits for them."""
    ret = load(uow, member, data.get("return_id"), write=False)
    _check_sign_off(member, ret)
    return overview(uow, member, ret, today)


def _check_sign_off(member: MemberView, ret: ReturnView) -> None:
    if not member.leads(ret.agency_id):
        raise NotPermitted(
            f"Only a safeguarding lead of {ret.agency_name} can sign this return off."
        )
    if ret.status is not ReturnStatus.SUBMITTED:
        raise StaleCard(
            f"The {ret.agency_name} return for {ret.reference} is "
            f"{ret.status.value.replace('_', ' ')} now, so it isn't waiting for sign-off."
        )
    if ret.review_stage is ReviewStage.CANCELLED:
        raise StaleCard(f"{ret.reference} has been cancelled, so its returns aren't signed off.")


@dataclass(frozen=True)
class WaitingSignOff:
    ret: ReturnView
    working_days: int  # since it was submitted, or since the chair recorded the nil return
    late: bool  # waiting longer than the partnership's policy allows

    @property
    def nil(self) -> bool:
        """A nil return the chair recorded, for the lead to confirm (not a return to read)."""
        return self.ret.status is ReturnStatus.NIL_PENDING


def waiting_sign_offs(
    uow: UnitOfWork, member: MemberView, policy: ChaserPolicy, today: date
) -> list[WaitingSignOff]:
    """What waits for this safeguarding lead, longest waiting first: submitted returns to sign
    off, and nil returns to confirm, of every agency they lead."""
    if not member.led_agency_ids:
        raise NotPermitted(
            "Only an agency's safeguarding lead signs returns off. Type help to see what "
            "you can do."
        )
    waiting = []
    for ret in uow.returns.awaiting_lead(member.partnership_id, member.led_agency_ids):
        if ret.review_stage is ReviewStage.CANCELLED:
            continue  # nothing to sign off: the review ended
        since = ret.submitted_at if ret.status is ReturnStatus.SUBMITTED else ret.status_changed_at
        start = policy.local_date(since) if since else today
        days = max(policy.calendar.working_days_between(start, today), 0)
        waiting.append(WaitingSignOff(ret, days, days >= policy.signoff_days))
    return sorted(waiting, key=lambda w: (-w.working_days, w.ret.reference))


def overdue_returns(progress: ReviewProgress, today: date) -> int:
    """How many of a review's returns are still outstanding after their own due date (an
    agency given an extension is late only after its new date); a return without a date of
    its own is due when the review's returns are."""
    review = progress.review
    if review.stage is not ReviewStage.PRE_ANALYSIS:
        return 0
    dues = (due or review.returns_due_on for due in progress.outstanding_due_on)
    return sum(1 for due in dues if due and today > DEFAULT_CALENDAR.next_working_day(due))


def late_notice(member: MemberView, ret: ReturnView) -> str:
    """The overdue line on the card `continue` opens: its writers are asked to finish it; a
    lead who only reads it is told the fact (the card says who is writing it)."""
    due = f"Overdue: this return was due {short_date(ret.due_on)}."
    if role_on_return(member, ret) in WRITING_ROLES:
        return f"{due} Please finish it as soon as you can."
    return due


def late_notices(member: MemberView, ret: ReturnView, today: date) -> tuple[str, ...]:
    """The overdue line wherever a return's card is drawn (`continue`, its buttons, a save's
    next page, the overview, the chronology): none while it isn't late. No query."""
    return (late_notice(member, ret),) if is_overdue(ret, today) else ()


def is_overdue(ret: ReturnView, today: date) -> bool:
    """Still with the practitioners after its due date (met on the next working day)."""
    if ret.status not in WRITABLE or ret.due_on is None:
        return False
    return today > DEFAULT_CALENDAR.next_working_day(ret.due_on)


# What a lead returning a return with no comments is told, under the comments box (named by
# its label there: walk8 found a toast that named no box).
COMMENTS_NEEDED = field_error(
    "Comments", " is empty: say what the practitioner should change, then return it."
)
COMMENTS_MAX = 2000


# Approve pressed with text in the comments box: the lead chooses, nothing is dropped.
APPROVE_WITH_COMMENTS: Final = (
    "You typed comments, and an approval doesn't keep them: press Return with comments to "
    "send them to the practitioner, or clear the box and press Approve."
)


def carried_comments(data: Mapping[str, object]) -> str | None:
    """What the lead typed in the comments box of the card they pressed a button on (the
    sign-off card or a page of the return they read), for the next card's box: reading the
    full return page by page must not drop it (walk12). As typed, at most the box's limit
    (Teams stops typing there; only a forged click brings more); None when blank."""
    raw = data.get("comments")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw[:COMMENTS_MAX]


# In a page's sign-off buttons (not the sign-off card's): "comment_on" there is that page, and a
# refusal is answered on it.
FROM_PAGE: Final = "from_page"

# Where the lead chose, on the sign-off card, that the practitioner should start, carried in
# the data of every button on the pages of the return they then read (`carried_start`). Its
# own key: a page's sign-off buttons say in "comment_on" which page they are on.
START_CHOSEN: Final = "start_at"


def carried_start(data: Mapping[str, object], bank: QuestionBank) -> str | None:
    """The part the lead chose for the practitioner to start at, for the next card: carried by
    a page's buttons (`START_CHOSEN`), else the sign-off card's own list ("comment_on", unless
    the click came from a page, whose "comment_on" is that page). Reading the return page by
    page, or going back to the sign-off card, must not drop it, as it doesn't drop the
    comments (`carried_comments`). None when none was chosen, or it is no part of `bank`."""
    for raw in (data.get(START_CHOSEN), None if data.get(FROM_PAGE) else data.get("comment_on")):
        place = parse_place(raw, bank)
        if place is not None and place.position != overview_position(bank):
            return raw if isinstance(raw, str) else None
    return None


def _comments(raw: object, *, required: bool) -> str | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if required and not text:
        raise FormInvalid({"comments": COMMENTS_NEEDED})
    if len(text) > COMMENTS_MAX:
        too_long = f" is {len(text):,} characters; the limit is {COMMENTS_MAX:,}."
        raise FormInvalid({"comments": field_error("Comments", too_long)})
    return text or None


def _all_signed_off(uow: UnitOfWork, actor: Actor, ret: ReturnView) -> bool:
    # Signed off, nil, or proceeded without: the lifecycle's gate decides (domain/lifecycle),
    # held on the review so that two leads signing off the last two at once can't both miss.
    review = uow.reviews.get(ret.partnership_id, ret.review_id)
    return review is not None and lifecycle.settle(uow, actor, review).stage is not review.stage


# --- the chronology on a return --------------------------------------------------------------


@dataclass(frozen=True)
class ChronologyScreen:
    ret: ReturnView
    page: Page
    total: int
    read_only: bool
    notices: tuple[str, ...] = ()
    can_sign_off: bool = False
    jumps: tuple[tuple[str, str], ...] = ()
    role: ReturnRole = ReturnRole.WRITER  # whose card (`role_on_return`)
    # Other returns on this review waiting for this reader's sign-off (`sign_offs_beside`).
    sign_offs_here: tuple[ReturnView, ...] = ()


def chronology_screen(
    uow: UnitOfWork,
    member: MemberView,
    data: Mapping[str, object],
    notices: tuple[str, ...] = (),
    sign_offs_here: tuple[ReturnView, ...] | None = None,
) -> ChronologyScreen:
    ret = load(uow, member, data.get("return_id"), write=False)
    entries = chronology.ordered(uow.returns.entries(ret.id))
    number = data.get("page")
    current = chronology.page(entries, number if isinstance(number, int) else 1)
    read_only = not writable(member, ret)
    role = role_on_return(member, ret)
    if role in WRITING_ROLES:  # a reading lead leaves where its writers resume as it was
        uow.returns.update(
            ret.id, {"current_section": chronology_position(bank_for(ret.bank_version))}
        )
    bank = bank_for(ret.bank_version)
    stored = uow.returns.answers(ret.id)
    return ChronologyScreen(
        ret,
        current,
        len(entries),
        read_only,
        notices,
        can_sign_off=may_sign_off(member, ret),
        jumps=jump_targets(bank, seen_for(member, ret, stored, writers_of(uow, ret, stored)), role),
        role=role,
        sign_offs_here=_beside(uow, member, ret, sign_offs_here),
    )


@dataclass(frozen=True)
class EntryForm:
    ret: ReturnView
    entry_id: int | None
    values: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, str] = field(default_factory=dict)
    # The stored entry's revision the form was drawn at (editing only): a save from a form
    # drawn before the entry last changed is refused (bot/freshness.py).
    revision: str | None = None


def entry_revision(entry: ChronologyView) -> str:
    return revision_of(*sorted(entry_values(entry.entry).items()))


def current_entry_revision(uow: UnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    """The revision of the entry a form edits now; gone if it was removed."""
    ret = load(uow, member, data.get("return_id"), write=False)
    return entry_revision(_entry(uow, ret, data.get("entry_id")))


def _shown_revision(data: Mapping[str, object]) -> str | None:
    shown = data.get(REVISION)
    return shown if isinstance(shown, str) else None


def entry_form(uow: UnitOfWork, member: MemberView, data: Mapping[str, object]) -> EntryForm:
    ret = load(uow, member, data.get("return_id"), write=True)
    entry_id = data.get("entry_id")
    if entry_id is None:
        return EntryForm(ret, None, {})
    entry = _entry(uow, ret, entry_id)
    return EntryForm(ret, entry.id, entry_values(entry.entry), revision=entry_revision(entry))


def _entry(uow: UnitOfWork, ret: ReturnView, entry_id: object) -> ChronologyView:
    found = next((e for e in uow.returns.entries(ret.id) if e.id == entry_id), None)
    if found is None:
        raise _entry_gone()
    return found


def _entry_gone() -> StaleCard:
    return StaleCard("That chronology entry has been removed. Here is the chronology now.")


def entry_values(entry: EntryInput) -> dict[str, str]:
    values = {
        "event_date": entry.event_date.isoformat(),
        "date_certainty": entry.date_certainty.value,
        "end_date": entry.end_date.isoformat() if entry.end_date else "",
        "key_practice_episode": str(entry.key_practice_episode).lower(),
        "missed_opportunity": str(entry.missed_opportunity).lower(),
        "themes": ",".join(entry.themes),
    }
    for name in chronology.TEXT_FIELDS:
        values[name] = getattr(entry, name) or ""
    return values


def save_entry(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> EntryForm | ChronologyScreen:
    """Save an entry, or return the form with errors, or with identifier warnings to confirm."""
    hold_return_only(uow, data.get("return_id"))  # before as_held's re-read (domain/holds.py)
    ret = load(uow, member, data.get("return_id"), write=True)
    entry_id = data.get("entry_id")
    typed = _strings(data)
    try:
        checked = chronology.check_entry(data, today)
    except FormInvalid as invalid:
        # Every problem at once: the identifier warnings of the text as typed come back with
        # the date's or the length's, so one submit shows them all.
        found = check_form(invalid.errors, typed_texts(data, chronology.TEXT_FIELDS), data)
        return EntryForm(
            ret,
            entry_id if isinstance(entry_id, int) else None,
            typed,
            found.errors,
            found.warnings,
            revision=_shown_revision(data),
        )
    # One tick per flagged field: a tick under the event keeps the event, not the source.
    screened = screen({name: getattr(checked.entry, name) for name in checked.warnings}, data)
    if screened.warnings:
        return EntryForm(
            ret,
            entry_id if isinstance(entry_id, int) else None,
            typed,
            warnings=screened.warnings,
            revision=_shown_revision(data),
        )
    if entry_id is None:
        view = uow.returns.add_entry(ret.id, checked.entry, member.id)
        action, record_id, notice = "chronology.entry_added", view.id, "Entry added."
    else:
        existing = _entry(uow, ret, entry_id)
        if not uow.returns.update_entry(ret.id, existing.id, checked.entry):
            raise _entry_gone()
        action, record_id, notice = "chronology.entry_updated", existing.id, "Entry updated."
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        action,
        ("chronology_entry", record_id),
        after={"return_id": ret.id, "fields": _fingerprint(entry_values(checked.entry))},
    )
    record_kept(uow, ret.partnership_id, actor, ("chronology_entry", record_id), screened)
    _mark_started(uow, actor, ret, now)
    return chronology_screen(uow, member, {"return_id": ret.id}, (notice,))


def remove_entry(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> ChronologyScreen:
    hold_return_only(uow, data.get("return_id"))  # before as_held's re-read (domain/holds.py)
    ret = load(uow, member, data.get("return_id"), write=True)
    entry = _entry(uow, ret, data.get("entry_id"))
    if not uow.returns.delete_entry(ret.id, entry.id):
        raise _entry_gone()  # a colleague removed it in the same instant
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        "chronology.entry_removed",
        ("chronology_entry", entry.id),
        before={"return_id": ret.id, "sequence": entry.sequence},
    )
    return chronology_screen(
        uow,
        member,
        {"return_id": ret.id},
        (f"Entry of {chronology.describe_date(entry.entry)} removed.",),
    )


@dataclass(frozen=True)
class AfterSignOff:
    """What the lead's card says once they approved (walk10: its "Sign-offs waiting" led to
    "Nothing is waiting", and no card named the return still unsigned): the returns still
    waiting for this lead, and the review's returns not yet in, each by agency and status."""

    waiting: tuple[ReturnView, ...]
    unsigned: tuple[str, ...]


def still_unsigned(returns: Sequence[ReturnView]) -> tuple[str, ...]:
    """A review's returns not yet in (neither signed off, nil, nor gone ahead without; a
    removed agency's left out), by agency: "Demo Health (in progress)"."""
    return tuple(
        f"{ret.agency_name} ({return_status_label(ret.status).lower()})"
        for ret in sorted(returns, key=lambda r: r.agency_name)
        if ret.status not in review_flow.SETTLED and ret.status is not ReturnStatus.WITHDRAWN
    )


def after_sign_off(
    uow: UnitOfWork, member: MemberView, ret: ReturnView, policy: ChaserPolicy, today: date
) -> AfterSignOff:
    """`AfterSignOff` for `member`, who has just signed `ret` off."""
    waiting = tuple(
        w.ret for w in waiting_sign_offs(uow, member, policy, today) if w.ret.id != ret.id
    )
    return AfterSignOff(waiting, still_unsigned(uow.reviews.returns(ret.review_id)))
