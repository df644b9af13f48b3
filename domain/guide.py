"""The 7-minute guide: seven standard parts drafted from the meeting outcome (docs/practice.md).

The draft uses the review's reference and pseudonym and the agreed learning, never member
names, so it can be shared across the partnership. Edits are checked for identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from domain.errors import FormInvalid
from domain.identifiers import describe_findings, find_identifiers
from domain.model import small_int
from domain.plain_text import plain_words
from domain.questions import default_themes
from domain.transitions import CHAIRING, Move, Party

# The boxes' titles, the one spelling of them: on the briefing card, in the printed briefing and
# in every message naming a box. "1 · Background", not "1. Background": at the start of a card's
# TextBlock that is Markdown for a numbered list.
PART_TITLES = (
    "1 · Background",
    "2 · Why it matters",
    "3 · Key learning",
    "4 · Key learning",
    "5 · Key learning",
    "6 · Things to remember, and questions for your team",
    "7 · What to do: what is expected to change",
)
STANDING_QUESTIONS = (
    "What are your thoughts and reflections?",
    "How will we embed the learning, and how will we know?",
    "How will it fit into team or service plans?",
)
# The briefing is one printed A4 page of seven boxes: about this much text fits each box,
# in BOX_LINES printed lines of about BOX_LINE_CHARS characters at BOX_FONT_PT (measured on
# the rendered page). A box of many short lines fills its lines before its characters.
BOX_FITS = 650
BOX_LINES = 13
# A box takes no more than the page holds: the one limit its label, its placeholder, the
# card's mark under a box and Send for approval all state (the label said 1,200 while Send
# refused over 650). Save keeps a longer box (a draft saved before, or a client that lets
# more through) and marks it, so nothing typed is lost; past PART_STORED_MAX it is refused.
PART_MAX = BOX_FITS
PART_STORED_MAX = 4 * BOX_FITS
BOX_LINE_CHARS = 52
BOX_FONT_PT = 8.5
# The smallest a box prints at to make room for due-date marks: still legible when printed.
SMALLEST_BOX_FONT_PT = 6.5
# A mark is bold italic, about a fifth wider a character than the box's text.
MARK_WIDTH = 1.2


def dissemination_return(reference: str) -> str:
    """The printed briefing's instruction for the return: how any reader gets to "We used this
    briefing". In the partnership channel anyone may open a published briefing
    (`meeting.guide_review`), most readers having no sight of the review itself."""
    return (
        "Dissemination return: after your team has used this briefing, record it in Teams: "
        f"in the partnership channel, mention Line of Sight with guide {reference} (or open "
        "the briefing's post there) and choose 'We used this briefing'. Say the team, the "
        "date and how many staff took part."
    )


def questions_not_in(box_six: str) -> tuple[str, ...]:
    """The standing questions box 6 no longer holds (the chair may have edited them out): the
    briefing prints them once, in box 6 as drafted, or beside the return when they were cut."""
    held = " ".join(box_six.split())
    return tuple(q for q in STANDING_QUESTIONS if q not in held)


def too_long_for_one_page(parts: Sequence[str], *, then: str = "download again") -> str | None:
    """A sentence naming every box that won't fit the one-page briefing, or None: too many
    characters, or (many short lines) too many printed lines. Asked before the chair sends a
    draft for approval, so a published version always prints on one page, and before a
    draft's download."""
    long = [f"{PART_TITLES[i]} ({why})" for i, why in overfull_boxes(parts).items()]
    if not long:
        return None
    return (
        f"The briefing is one A4 page, and each box fits about {BOX_FITS} characters or "
        f"{BOX_LINES} printed lines. Too long: {'; '.join(long)}. Shorten them in the briefing "
        f"card, then {then}."
    )


# Every box written: the briefing is read to teams a box a minute, and the published page
# printed "Left blank." to every team in the partnership (walk 13, M7). A box the chair has
# nothing for is refused at Send for approval (a short line is enough: "No further learning
# point; see box 7"), and at Approve for a version sent before this rule.
EMPTY_BOX_NOTE = "Empty: every box is written before the briefing is sent for approval."
# The key learning boxes are drafted from the learning the meeting agreed, so one stays empty
# when fewer than three points were: say what to write rather than have one made up (review13a).
KEY_LEARNING_BOXES: Final = frozenset({2, 3, 4})
EMPTY_KEY_LEARNING_NOTE = (
    f"{EMPTY_BOX_NOTE} If the meeting agreed fewer than three learning points, say so in a "
    "line, for example “No further key learning point: see box 7”."
)


def empty_box_note(index: int) -> str:
    """What is said under an empty box: the rule, and for a key learning box what to write
    when no further point was agreed."""
    return EMPTY_KEY_LEARNING_NOTE if index in KEY_LEARNING_BOXES else EMPTY_BOX_NOTE


def empty_boxes(parts: Sequence[str]) -> tuple[int, ...]:
    """The places of the boxes with nothing written in them (spaces and line ends alone)."""
    return tuple(i for i, text in enumerate(parts) if not text.strip())


def empty_boxes_message(parts: Sequence[str], *, then: str) -> str | None:
    """One sentence naming every empty box, or None: the one rule the chair meets at Send for
    approval and the approver before Approve. `then` says what the reader does next."""
    empty = [PART_TITLES[i] for i in empty_boxes(parts) if i < len(PART_TITLES)]
    if not empty:
        return None
    one = len(empty) == 1
    return (
        f"{'This box is' if one else 'These boxes are'} empty: {'; '.join(empty)}. The "
        "briefing goes to every team with its seven boxes written, a few words at least "
        f"(each is about a minute of the briefing): {then}."
    )


def overfull_boxes(parts: Sequence[str]) -> dict[int, str]:
    """Each box too long for the printed page, by its place: why ("929 characters")."""
    return {i: why for i, text in enumerate(parts) if (why := _overfills(text))}


def overfull_box_note(why: str) -> str:
    """Said under a box too long for the page."""
    return (
        f"Too long for the page: {why}. About {BOX_FITS} characters, or {BOX_LINES} printed "
        "lines, fit a box."
    )


def _overfills(text: str) -> str | None:
    if len(text.strip()) > BOX_FITS:
        return f"{len(text.strip())} characters"
    lines = printed_lines([len(line) for line in box_lines(text, draft=True)], BOX_FONT_PT)
    return f"{lines} printed lines" if lines > BOX_LINES else None


def printed_lines(line_lengths: Sequence[int], font_pt: float) -> int:
    """How many printed lines a box's lines take at font_pt: each at least one, a long one
    wrapping (a smaller font fits more characters to a line)."""
    per_line = int(BOX_LINE_CHARS * BOX_FONT_PT / font_pt)
    return sum(max(1, -(-length // per_line)) for length in line_lengths)


def box_font_pt(line_lengths: Sequence[int]) -> float:
    """The size a box prints at so that it fills no more of the page than a full box at
    BOX_FONT_PT (smaller type takes less height a line, and fits more to a line), down to
    SMALLEST_BOX_FONT_PT."""
    size = BOX_FONT_PT
    while size > SMALLEST_BOX_FONT_PT and not _fits(line_lengths, size):
        size -= 0.25
    return size


def _fits(line_lengths: Sequence[int], size: float) -> bool:
    return printed_lines(line_lengths, size) * size <= BOX_LINES * BOX_FONT_PT


def printed_marks(
    lines: Sequence[tuple[str, DueDateChange | None]],
) -> tuple[float, tuple[str, ...]]:
    """The size box 7 prints at, and the mark on each line's end ("" where its date holds).
    The marks lengthen a box the fit check let through, and a reader's download is never
    refused because an action item's date moved after the briefing was written: the box
    prints smaller, and where even the smallest size can't hold the marks in full they are
    abbreviated ("now Sep 2027"); the legend above the grid says what they mean."""
    for short in (False, True):
        marks = tuple(change.mark(short=short) if change else "" for _, change in lines)
        lengths = [
            len(line) + round(len(mark) * MARK_WIDTH)
            for (line, _), mark in zip(lines, marks, strict=True)
        ]
        size = box_font_pt(lengths)
        if _fits(lengths, size):
            break
    return size, marks


class GuideState(StrEnum):
    """Where the working copy of a guide stands. The published versions are kept apart."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"


# Every move, as data, with who makes it: the chair drafts and sends for approval; a second
# person approves (which publishes a new version) or sends it back (the chair may withdraw it);
# a published guide is revised as a new draft, the published version staying as it is until the
# next approval.
GUIDE_TABLE: tuple[Move[GuideState], ...] = (
    Move("submit", GuideState.DRAFT, GuideState.AWAITING_APPROVAL, CHAIRING),
    Move(
        "send_back",
        GuideState.AWAITING_APPROVAL,
        GuideState.DRAFT,
        CHAIRING | {Party.LIC_MEMBER},
    ),
    Move(
        "approve",
        GuideState.AWAITING_APPROVAL,
        GuideState.PUBLISHED,
        frozenset({Party.LIC_MEMBER, Party.OTHER_CHAIR}),
    ),
    Move("revise", GuideState.PUBLISHED, GuideState.DRAFT, CHAIRING),
)
GUIDE_MOVES: Mapping[str, tuple[GuideState, GuideState]] = {
    move.name: (move.source, move.target) for move in GUIDE_TABLE
}


def approver_refusal(
    *,
    submitted_by: int | None,
    approver_id: int,
    is_lic_member: bool,
    chairs_review: bool,
    edited: bool = False,
) -> str | None:
    """Why this member may not approve the guide, or None. Approval is a second pair of eyes:
    an LIC group member, or the review's other chair (chair or deputy), never the person who
    sent it for approval, nor one who changed its text since the last version (one chair
    edits, the deputy sends it, the first chair approves their own words)."""
    if submitted_by is not None and approver_id == submitted_by:
        return (
            "You sent this briefing for approval, so someone else approves it: an LIC group "
            "member or the review's other chair."
        )
    if edited:
        return (
            "You changed this briefing's text since its last version, so someone else approves "
            "it: an LIC group member or a chair who didn't edit it."
        )
    if not (is_lic_member or chairs_review):
        return "Only an LIC group member or the review's chair or deputy chair can approve it."
    return None


def approval_request_notice(*, reached: bool, approvers: int, reference: str) -> str:
    """What the chair is told after sending the guide for approval: asked; or nobody else
    can approve it yet; or those who can (the LIC channel, LIC members, the other chair)
    exist but the request reached none of them."""
    if reached:
        return "The LIC group has been asked to approve it."
    if approvers == 0:
        return (
            "No one else can approve it yet: an admin can give someone the LIC group role, "
            "or the review a deputy chair."
        )
    return (
        "Someone can approve it, but I couldn't reach them in Teams (they may not have used "
        "Line of Sight yet). Ask an LIC group member or the review's other chair to type: "
        f"guide {reference}"
    )


def approver_label(*, is_lic_member: bool) -> str:
    """Who approved, as the shared document says it: a role, not a person's name."""
    return "the LIC group" if is_lic_member else "a second chair of the review"


def version_line(version: int, approved_on: date | None, approved_by: str | None) -> str:
    if version < 1 or approved_on is None:
        return "Not yet approved: a draft for the LIC group's approval"
    return (
        f"Version {version}, approved by {approved_by or 'the LIC group'} on {approved_on:%d %B %Y}"
    )


SEND_BACK_NOTE_MAX = 1000


def send_back_note(raw: object, *, required: bool) -> str | None:
    """The approver's reason for sending the guide back (the chair withdrawing their own needs
    none): what the chair is asked to change."""
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) > SEND_BACK_NOTE_MAX:
        raise FormInvalid(
            {"reason": f"Keep the note to {SEND_BACK_NOTE_MAX:,} characters ({len(text):,} now)."}
        )
    if required and not text:
        raise FormInvalid({"reason": "Say what the chair should change before it is approved."})
    return text or None


TEAM_MAX = 200
REFLECTIONS_MAX = 1000
STAFF_RANGE = "1 to 10,000"
STAFF_COUNT_MESSAGE = f"Give the number of staff who took part ({STAFF_RANGE})."
USED_ON_FUTURE = "The date you used it can't be in the future."


@dataclass(frozen=True)
class GuideAction:
    description: str
    agency: str
    due_on: date | None  # the live date: the revised one where it was revised
    still_open: bool = True  # not completed, closed, cancelled or split
    reference: str | None = None  # "LOS-2026-003/A1"

    @property
    def stem(self) -> str:
        """How box 7 names it, before its "(by …)": "agency: description", or the description
        alone where it starts with the agency's name, and without a due date written into it
        where the item has one ("(by …)" says the item's date, which a revision changes: the
        walk read "Demo Police: Demo Police will audit … by 31 March 2027 … (by May 2027)")."""
        said = _without_last_date(self.description.strip()) if self.due_on else None
        return _named_as(self.agency, said or self.description.strip())

    @property
    def stems(self) -> tuple[str, ...]:
        """Every way box 7 has named it as drafted: as now (`stem`), with its written date, and
        as drafted before the stem was mended ("agency: description"); each line so drafted is
        still checked against the item's due date."""
        return tuple(
            dict.fromkeys(
                (
                    self.stem,
                    _named_as(self.agency, self.description.strip()),
                    f"{self.agency}: {self.description}".strip(),
                )
            )
        )


# A due date written into an action item's words, with its lead-in: " by 31 March 2027",
# ", by March 2027", " by 31/03/2027", " by the end of March 2027".
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A date written into an item's words may name its month short: "by 28 Feb 2027" read
# "… by 28 Feb 2027 (by February 2027)" in box 7 (walk 13, L3).
_WRITTEN_MONTHS = (
    "Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    "|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_WRITTEN_DUE = re.compile(
    r",?\s+(?:by|before)\s+(?:the\s+end\s+of\s+)?"
    rf"(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_WRITTEN_MONTHS})\.?\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4})\b",
    re.IGNORECASE,
)


def _without_last_date(description: str) -> str:
    """The item's words without the last date written into them, the one "(by …)" replaces;
    an earlier one is a step on the way ("review 12 cases by 1/2/2027, then report to LIC by
    March 2027"), kept (review12b)."""
    dates = list(_WRITTEN_DUE.finditer(description))
    if not dates:
        return description
    last = dates[-1]
    return (description[: last.start()] + description[last.end() :]).strip()


def _named_as(agency: str, description: str) -> str:
    """The line's "agency: description", or the description alone if it starts with the
    agency's name as a word ("Health will …", not "Healthy Start workers will …")."""
    if re.match(rf"{re.escape(agency)}(?!\w)", description, re.IGNORECASE):
        return description
    return f"{agency}: {description}"


def draft(
    reference: str,
    pseudonym: str,
    reason: str,
    themes: Sequence[str],
    learning_needs: Sequence[str],
    actions: Sequence[GuideAction],
) -> tuple[str, ...]:
    labels = {t.slug: t.label for t in default_themes()}
    named = [labels.get(t, t) for t in themes]
    points = list(learning_needs) or [f"Learning about {name.lower()}." for name in named]
    return (
        # The reason as plain words: pasted Markdown marks and addresses printed for every team.
        f"{reference} concerned {pseudonym}. {plain_words(reason)}".strip(),
        _why(named),
        *(points[i] if i < len(points) else "" for i in range(3)),
        _remember(points[3:], named),
        _changes(actions),
    )


def _why(themes: Sequence[str]) -> str:
    if not themes:
        return "Agencies met to learn together from what happened, without blame."
    return (
        # "for every agency" read oddly where one agency returned (walk 13, L6): the partnership
        # is who the briefing is for, however many agencies took part.
        "The review found learning for the partnership about "
        + _listing(themes).lower()
        + ". These themes recur in reviews nationally; small changes in practice help."
    )


def _remember(extra_points: Sequence[str], themes: Sequence[str]) -> str:
    lines = [*extra_points]
    if themes:
        lines.append(f"Think about {themes[0].lower()} in your own cases this month.")
    lines.extend(STANDING_QUESTIONS)
    return "\n".join(lines)


def _changes(actions: Sequence[GuideAction]) -> str:
    if not actions:
        return "No partnership actions were set; each agency will share its own learning."
    lines = [a.stem + _by(a.due_on) for a in actions[:6]]
    if len(actions) > 6:
        lines.append(f"…and {len(actions) - 6} more actions tracked by the partnership.")
    return "\n".join(lines)


def _by(due_on: date | None) -> str:
    return f" (by {due_on:%B %Y})" if due_on else ""


# --- box 7's due dates against the live action items ---------------------------------------------
# Box 7 is the chair's text, drafted once from the action items and editable like every box, and a
# published version is kept as approved. So its "(by Month Year)" can go stale when a due date is
# revised. A line that still names an action item as drafted ("agency: description") is checked
# against the item's live due date; sending for approval and approving bring such lines up to
# date, and the card says so first. A reworded line is the chair's own and is left alone.

_BY = re.compile(r" \(by ([A-Z][a-z]+ \d{4})\)$")


Named = tuple[GuideAction, str | None]


def _named_each(lines: Iterable[str], actions: Sequence[GuideAction]) -> list[Named | None]:
    """For each line of box 7, the action item it names as drafted and the month it states
    (or None). Each line takes an item no earlier line took where one fits: two items whose
    words differ only by their date name alike once the date is set aside, and the second
    line was read as the first item, with its date (review12b). Its line end is not part of
    it: a client may send "\r\n", which `due_date_notes` (splitlines) and
    `with_live_due_dates` (split on "\n") would otherwise read apart."""
    taken: set[int] = set()
    found: list[Named | None] = []
    for line in lines:
        stated = _BY.search(line.rstrip())
        stem = (line.rstrip()[: stated.start()] if stated else line).strip()
        fits = [i for i, action in enumerate(actions) if stem in action.stems]
        index = next((i for i in fits if i not in taken), fits[0] if fits else None)
        if index is None:
            found.append(None)
            continue
        taken.add(index)
        found.append((actions[index], stated.group(1) if stated else None))
    return found


@dataclass(frozen=True)
class DueDateChange:
    """A line of box 7 naming an action item as drafted whose due month is no longer the one
    it states: what the line says, and what the item says now."""

    line: str  # the line as written (without its line end)
    stem: str  # the action item as box 7 names it
    stated: str | None  # "December 2026", or None where the line gives no date
    live: str | None  # the item's due month now, or None where it has none
    # The line's place in box 7 (`text.splitlines()`): box_lines shows a line as typed but
    # the box trimmed, so a line is paired with its correction by place, never by its words.
    position: int

    @property
    def note(self) -> str:
        """For the chair and the approver of a working copy."""
        said = f'says "by {self.stated}"' if self.stated else "gives no date"
        now = f"is now due {self.live}" if self.live else "now has no due date"
        return f"Box 7 {said} for {_short(self.stem)}; the action item {now}."

    @property
    def now(self) -> str:
        return f"now due {self.live}" if self.live else "now has no due date"

    def mark(self, *, short: bool = False) -> str:
        """On the end of the printed line: "↳ now due September 2027", or abbreviated where
        box 7 is too full for that ("↳ now Sep 2027")."""
        if not short:
            return f" \u21b3 {self.now}"
        if not self.live:
            return " \u21b3 now undated"
        month, _, year = self.live.partition(" ")
        return f" \u21b3 now {month[:3]} {year}".rstrip()

    def correction(self, *, published: bool) -> str:
        """Under the line itself, wherever the briefing is read: a published version keeps
        the words it was approved with, and the reader is told the live date beside them."""
        if published:
            return f"Due date changed since this version was published: {self.now}."
        return f"The action item is {self.now}."


def corrections_legend(*, published: bool) -> str:
    """Above a briefing with corrections (the printed page marks each line briefly, "↳ now
    due June 2027", to stay on its one page)."""
    if published:
        return (
            "\u21b3 marks a due date changed since this version was published; "
            "the words are as approved."
        )
    return "\u21b3 marks a line whose due date is not the action item's due date now."


def due_date_changes(text: str, actions: Sequence[GuideAction]) -> tuple[DueDateChange, ...]:
    """Box 7's stated due dates against the live action items: every line that names an item
    as drafted and states another month than the item's due date now (revised, set, or taken
    away). Every view of a briefing (card, preview, approval request, published reading,
    Word/PDF) asks this one question, so they all warn or correct alike."""
    changes = []
    lines = text.splitlines()
    for position, (line, found) in enumerate(zip(lines, _named_each(lines, actions), strict=True)):
        if found is None:
            continue
        action, stated = found
        live = f"{action.due_on:%B %Y}" if action.due_on else None
        if stated != live:
            changes.append(DueDateChange(line.rstrip(), action.stem, stated, live, position))
    return tuple(changes)


def due_date_notes(text: str, actions: Sequence[GuideAction]) -> tuple[str, ...]:
    """One sentence for each line of box 7 whose action item's due date changed since it was
    written (revised, set, or taken away)."""
    return tuple(change.note for change in due_date_changes(text, actions))


def with_corrections(
    text: str, changes: Sequence[DueDateChange], *, draft: bool
) -> tuple[tuple[str, DueDateChange | None], ...]:
    """Each shown line of a box (box_lines) as it was written, paired with its change (None
    for a line whose date still holds, or that names no action item). Paired by the line's
    place in the box, as due_date_changes numbers it: matched by their words, a line the
    box's trimming changed (leading spaces on its first line) lost its correction."""
    by_place = {change.position: change for change in changes}
    shown = _box_span(text)
    if not shown:
        return tuple((line, None) for line in box_lines(text, draft=draft))
    return tuple((line, by_place.get(place)) for place, line in shown)


def overdue_notes(text: str, actions: Sequence[GuideAction], today: date) -> tuple[str, ...]:
    """One sentence for each line of box 7 telling staff to act by a month already past, on
    an action item still open: only the chair can change that (a new date, or new words)."""
    notes = []
    for found in _named_each(text.splitlines(), actions):
        if found is None or found[1] is None:
            continue
        action, stated = found
        due = action.due_on
        if due and action.still_open and (due.year, due.month) < (today.year, today.month):
            notes.append(
                f'Box 7 says "by {stated}" for {_short(action.stem)}, which is overdue and '
                "still open: its chair can set a new date on the action item, or reword box 7."
            )
    return tuple(notes)


_STATED_MONTH = re.compile(
    r"\b(?:by|before)\s+(?:the\s+end\s+of\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
    rf"({_MONTHS})\s+(\d{{4}})\b",
    re.IGNORECASE,
)


def typed_date_notes(text: str, actions: Sequence[GuideAction]) -> tuple[str, ...]:
    """One sentence for each line of box 7 in the chair's own words (not as drafted, which
    `due_date_changes` checks and sending for approval mends) that names an action item, by
    its reference or its words, and states a month other than the item's due month: only the
    chair can mend their own words, so they are told, never rewritten."""
    notes = []
    lines = text.splitlines()
    for line, drafted in zip(lines, _named_each(lines, actions), strict=True):
        if not line.strip() or drafted is not None:
            continue
        stated = {f"{m.group(1).title()} {m.group(2)}" for m in _STATED_MONTH.finditer(line)}
        action = _referred(line, actions)
        if action is None or action.due_on is None or not stated:
            continue
        live = f"{action.due_on:%B %Y}"
        wrong = sorted(stated - {live})
        if wrong:
            notes.append(
                f'Box 7 says "by {wrong[0]}" for {_short(action.stem)}; the action item is '
                f"due {live}. Change the line, or the item's due date."
            )
    return tuple(notes)


def _referred(line: str, actions: Sequence[GuideAction]) -> GuideAction | None:
    """The action item a line of the chair's own words names: by its reference, or by its
    words once dates and a closing "(…)" are set aside."""
    for action in actions:
        if action.reference and re.search(rf"{re.escape(action.reference)}(?!\d)", line):
            return action
    words = re.sub(r"\s*\([^()]*\)\s*$", "", _WRITTEN_DUE.sub("", line)).strip()
    for action in actions:
        if words and words in {_WRITTEN_DUE.sub("", stem) for stem in action.stems}:
            return action
    return None


def with_live_due_dates(text: str, actions: Sequence[GuideAction]) -> str:
    """Box 7 with each line that names an action item as drafted stating its live due date;
    every other line exactly as typed."""
    lines = text.split("\n")
    return "\n".join(
        found[0].stem + _by(found[0].due_on) if found else line
        for line, found in zip(lines, _named_each(lines, actions), strict=True)
    )


def _short(text: str, limit: int = 70) -> str:
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1].rstrip()}…"'


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class CheckedParts:
    parts: tuple[str, ...]
    warnings: Mapping[int, str]


def check_parts(data: Mapping[str, object], current: Sequence[str]) -> CheckedParts:
    """Edits from the guide card; identifiers are warned about, never silently removed."""
    errors: dict[str, str] = {}
    parts = []
    for index, existing in enumerate(current):
        raw = data.get(f"part_{index}", existing)
        text = raw.strip() if isinstance(raw, str) else existing
        if len(text) > PART_STORED_MAX:
            errors[f"part_{index}"] = overfull_box_note(f"{len(text):,} characters")
        parts.append(text)
    if errors:
        raise FormInvalid(errors)
    warnings = {
        i: describe_findings(found)
        for i, text in enumerate(parts)
        if (found := find_identifiers(text))
    }
    return CheckedParts(tuple(parts), warnings)


@dataclass(frozen=True)
class UsageReturn:
    team: str
    used_on: date
    staff_count: int
    reflections: str | None


def check_usage(data: Mapping[str, object], today: date) -> UsageReturn:
    errors: dict[str, str] = {}
    raw_team = data.get("team")
    team = raw_team.strip() if isinstance(raw_team, str) else ""
    if not team or len(team) > TEAM_MAX:
        errors["team"] = f"Name the team (up to {TEAM_MAX} characters)."
    used_on = _past_date(data.get("used_on"), today, errors)
    staff = _count(data.get("staff_count"), errors)
    reflections = data.get("reflections")
    text = reflections.strip() if isinstance(reflections, str) else ""
    if len(text) > REFLECTIONS_MAX:
        errors["reflections"] = f"Reflections are limited to {REFLECTIONS_MAX:,} characters."
    if errors or used_on is None:
        raise FormInvalid(errors or {"used_on": "Give the date you used it."})
    return UsageReturn(team, used_on, staff, text or None)


def _past_date(raw: object, today: date, errors: dict[str, str]) -> date | None:
    try:
        value = date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        errors["used_on"] = "Give the date you used it, like 2027-01-20."
        return None
    if value > today:
        errors["used_on"] = USED_ON_FUTURE
    return value


def _count(raw: object, errors: dict[str, str]) -> int:
    text = str(raw).strip() if raw is not None else ""
    number = small_int(text)
    if number is not None and 1 <= number <= 10_000:
        return number
    errors["staff_count"] = STAFF_COUNT_MESSAGE
    return 0


# --- the seven boxes as printed and shown -------------------------------------------------------

EMPTY_DRAFT_BOX = "Not yet written."
EMPTY_PUBLISHED_BOX = "Left blank."


def box_lines(text: str, *, draft: bool) -> tuple[str, ...]:
    """One box's lines as typed. An empty box is still shown, saying so, so the briefing keeps
    its seven boxes numbered 1 to 7 (skipping two read "1, 2, 3, 6, 7")."""
    lines = tuple(line for _, line in _box_span(text))
    return lines or ((EMPTY_DRAFT_BOX if draft else EMPTY_PUBLISHED_BOX),)


def _box_span(text: str) -> tuple[tuple[int, str], ...]:
    """A box's lines with their places in `text.splitlines()` (due_date_changes' numbering):
    blank lines before and after left out, every line between as typed."""
    lines = text.splitlines()
    written = [place for place, line in enumerate(lines) if line.strip()]
    if not written:
        return ()
    return tuple((place, lines[place]) for place in range(written[0], written[-1] + 1))
