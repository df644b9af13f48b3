"""The meeting pack: the agency returns merged for the Line-of-Sight meeting (docs/practice.md).

Pure functions over values the caller loads: the combined chronology in date order with the
agency on every entry, likely duplicates (same date, similar event, two agencies), gaps with no
agency contact, the themes each agency raised, and the learning grouped by theme.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from itertools import pairwise

from domain.chronology import describe_date, identifier_warnings, ordered
from domain.identifiers import find_identifiers
from domain.model import ReturnStatus
from domain.questions import Question, QuestionType, default_themes
from domain.records import ChronologyView, EntryInput, ReturnView
from domain.return_state import return_status_label
from domain.returns import bank_for, display_value
from domain.wording import plain_date

GAP_DAYS = 90
SIMILARITY = 0.5
UNTHEMED = "Not linked to a theme"
_WORD = re.compile(r"[a-z0-9]+")
# Only returns submitted to the partnership may be shared with the chair and the meeting.
SHAREABLE = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF})


@dataclass(frozen=True)
class ReturnContent:
    """One agency's return as the pack needs it."""

    ret: ReturnView
    answers: Mapping[str, object]
    entries: Sequence[ChronologyView]
    # Repeatable sections' answers (key practice episodes): slot number -> answers.
    episodes: Mapping[int, Mapping[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnsweredSection:
    title: str
    answers: tuple[tuple[str, str], ...]  # (question label, answer as a person reads it)


@dataclass(frozen=True)
class AgencyReturn:
    """One shared return, every section as answered, with the marks the meeting should see."""

    agency: str
    status: ReturnStatus
    due_on: date | None
    submitted_on: date | None
    sections: tuple[AnsweredSection, ...]
    episodes: tuple[AnsweredSection, ...]
    kept_identifiers: bool
    # How many of `sections` come before the episodes in the question bank (the form's order).
    episodes_after: int = 0

    def marks(self) -> tuple[str, ...]:
        marks = []
        if self.status is ReturnStatus.SUBMITTED:
            marks.append("UNSIGNED: not yet signed off by its safeguarding lead")
        if self.due_on and self.submitted_on and self.submitted_on > self.due_on:
            marks.append(
                f"LATE: submitted {plain_date(self.submitted_on)}, due {plain_date(self.due_on)}"
            )
        if self.kept_identifiers:
            marks.append("† identifier warning overridden by its writer")
        return tuple(marks)


@dataclass(frozen=True)
class RollLine:
    """One agency on the pack's list of returns: in the pack or not, and what the meeting
    should know about it (its marks: UNSIGNED, LATE, OVERDUE, NIL, PROCEEDED WITHOUT, †)."""

    agency: str
    included: bool
    marks: tuple[str, ...]


@dataclass(frozen=True)
class SideBySideRow:
    """One short-answer question, with each included agency's answer in the pack's order."""

    section: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Background:
    reason: str = ""
    period: str = ""
    opened_on: date | None = None
    meeting_on: date | None = None


@dataclass(frozen=True)
class PackEntry:
    agency: str
    entry: EntryInput
    duplicate_group: int | None
    kept_identifiers: bool = False  # its writer ticked "not identifying" past a warning


@dataclass(frozen=True)
class KeptIdentifiers:
    """How much of one agency's return its writers kept past an identifier warning."""

    agency: str
    answers: int
    entries: int

    def describe(self) -> str:
        parts = [
            f"{count} {one if count == 1 else many}"
            for count, one, many in (
                (self.answers, "answer", "answers"),
                (self.entries, "chronology entry", "chronology entries"),
            )
            if count
        ]
        return f"{self.agency} ({' and '.join(parts)})"


@dataclass(frozen=True)
class Gap:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class ThemeRow:
    slug: str
    label: str
    agencies: tuple[str, ...]
    entry_count: int
    # The evidence: whose returns named it as a learning theme, and the chronology entries
    # tagged with it that were key practice episodes (dated, by agency, missed ones marked).
    returns: tuple[str, ...] = ()
    episodes: tuple[str, ...] = ()

    @property
    def evidence(self) -> str:
        parts = []
        if self.returns:
            parts.append(f"Returns naming it: {', '.join(self.returns)}.")
        if self.entry_count:
            parts.append(f"Chronology entries: {self.entry_count}.")
        if self.episodes:
            shown = "; ".join(self.episodes[:EPISODES_SHOWN])
            more = len(self.episodes) - EPISODES_SHOWN
            parts.append(
                f"Key practice episodes: {shown}" + (f"; and {more} more." if more > 0 else ".")
            )
        return " ".join(parts)


# Enough episodes to point the meeting at the evidence; the chronology has every one.
EPISODES_SHOWN = 6


@dataclass(frozen=True)
class LearningPoint:
    agency: str
    text: str


@dataclass(frozen=True)
class ThemedLearning:
    theme: str
    worked_well: tuple[LearningPoint, ...]
    could_differ: tuple[LearningPoint, ...]


@dataclass(frozen=True)
class MeetingPack:
    reference: str
    pseudonym: str
    included: tuple[str, ...]
    outstanding: tuple[str, ...]
    entries: tuple[PackEntry, ...]
    gaps: tuple[Gap, ...]
    themes: tuple[ThemeRow, ...]
    learning: tuple[ThemedLearning, ...]
    # The chair's decisions about agencies without a return: one short marker line each.
    decisions: tuple[str, ...] = ()
    kept: tuple[KeptIdentifiers, ...] = ()
    returns: tuple[AgencyReturn, ...] = ()
    background: Background = Background()
    proposed_learning: tuple[LearningPoint, ...] = ()
    questions: tuple[str, ...] = ()
    roll: tuple[RollLine, ...] = ()  # every agency's return, in the pack or not, with marks
    overdue: tuple[str, ...] = ()  # outstanding returns past their due date, by agency
    side_by_side: tuple[SideBySideRow, ...] = ()

    @property
    def duplicate_count(self) -> int:
        return len({e.duplicate_group for e in self.entries if e.duplicate_group is not None})


def build_pack(
    reference: str,
    pseudonym: str,
    returns: Sequence[ReturnContent],
    gap_days: int = GAP_DAYS,
    background: Background = Background(),
    today: date | None = None,
) -> MeetingPack:
    """`today` decides which outstanding returns are overdue; without it none is marked."""
    shared = sorted(
        (r for r in returns if r.ret.status in SHAREABLE), key=lambda r: r.ret.agency_name
    )
    decided = [r.ret for r in returns if r.ret.status in DECIDED]
    outstanding = tuple(
        sorted(r.ret.agency_name for r in returns if r not in shared and r.ret not in decided)
    )
    entries = combined_chronology(shared)
    gaps = find_gaps([e.entry for e in entries], gap_days)
    kept = kept_identifiers(shared)
    kept_by = {k.agency for k in kept}
    agency_returns = tuple(answered_return(r, r.ret.agency_name in kept_by) for r in shared)
    themes = theme_rows(shared)
    roll = return_roll(returns, agency_returns, today)
    overdue = tuple(line.agency for line in roll if any(m.startswith(OVERDUE) for m in line.marks))
    return MeetingPack(
        reference,
        pseudonym,
        tuple(r.ret.agency_name for r in shared),
        outstanding,
        entries,
        gaps,
        themes,
        themed_learning(shared),
        tuple(decision_line(r) for r in sorted(decided, key=lambda r: r.agency_name)),
        kept,
        agency_returns,
        background,
        proposed_learning(shared),
        meeting_questions(
            pseudonym, entries, gaps, themes, agency_returns, outstanding, frozenset(overdue)
        ),
        roll,
        overdue,
        side_by_side(shared),
    )


OVERDUE = "OVERDUE"


def return_roll(
    returns: Sequence[ReturnContent], shared: Sequence[AgencyReturn], today: date | None
) -> tuple[RollLine, ...]:
    """Every agency on the review, by name, with its marks; nothing unmarked is left unsaid."""
    by_agency = {r.agency: r for r in shared}
    lines = []
    for content in sorted(returns, key=lambda r: r.ret.agency_name):
        ret = content.ret
        if ret.agency_name in by_agency:
            shown = by_agency[ret.agency_name]
            signed = ("Signed off by its safeguarding lead",) if ret.status in SIGNED else ()
            lines.append(RollLine(ret.agency_name, True, (*signed, *shown.marks())))
        elif ret.status in DECIDED or ret.status is ReturnStatus.NIL_PENDING:
            lines.append(RollLine(ret.agency_name, False, (decision_mark(ret),)))
        else:
            lines.append(RollLine(ret.agency_name, False, (outstanding_mark(ret, today),)))
    return tuple(lines)


SIGNED = frozenset({ReturnStatus.SIGNED_OFF})


def decision_mark(ret: ReturnView) -> str:
    label = {
        ReturnStatus.NIL: "NIL: no involvement, confirmed by its lead",
        ReturnStatus.NIL_PENDING: "NIL: no involvement, awaiting its lead's confirmation",
        ReturnStatus.PROCEEDED_WITHOUT: "PROCEEDED WITHOUT it: the chair's decision",
    }[ret.status]
    return label + (f" ({ret.status_note[:200]})" if ret.status_note else "")


def outstanding_mark(ret: ReturnView, today: date | None) -> str:
    """Not yet in: OVERDUE once its due date (as extended) has passed."""
    due = ret.due_on
    if due is None:
        return "Not yet submitted (no due date set)"
    if today is not None and due < today:
        return f"{OVERDUE}: due {plain_date(due)}, not yet submitted"
    return f"Not yet submitted: due {plain_date(due)}"


# Answers short enough to read across agencies: a choice, or the yes / no of a yes-no question
# (its follow-up stays in the agency's own section).
SIDE_BY_SIDE_TYPES = frozenset(
    {QuestionType.CHOICE, QuestionType.MULTI_CHOICE, QuestionType.YES_NO_FOLLOWUP}
)
NOT_ANSWERED = "Not answered"


def side_by_side(returns: Sequence[ReturnContent]) -> tuple[SideBySideRow, ...]:
    """The short answers, one row per question and one column per return, in bank order;
    questions no return answered are left out."""
    rows: dict[str, tuple[str, str, list[str]]] = {}
    for index, content in enumerate(returns):
        for section in bank_for(content.ret.bank_version).sections:
            if section.repeatable:
                continue
            for question in section.questions:
                if question.type not in SIDE_BY_SIDE_TYPES:
                    continue
                row = rows.setdefault(
                    question.id, (section.title, question.label, [NOT_ANSWERED] * len(returns))
                )
                row[2][index] = short_answer(question, content.answers.get(question.id))
    return tuple(
        SideBySideRow(section, label, tuple(answers))
        for section, label, answers in rows.values()
        if any(a != NOT_ANSWERED for a in answers)
    )


def short_answer(question: Question, value: object) -> str:
    if value in (None, "", [], ()):
        return NOT_ANSWERED
    if isinstance(value, dict):
        value = {"answer": value.get("answer", "")}  # the yes or no, without its follow-up
    return display_value(question, value, limit=_NEVER_CUT) or NOT_ANSWERED


def answered_return(content: ReturnContent, kept: bool) -> AgencyReturn:
    """Every answered section in the bank's order; answers never shortened."""
    bank = bank_for(content.ret.bank_version)
    sections: list[AnsweredSection] = []
    episodes = []
    episodes_after = 0
    for section in bank.sections:
        if section.repeatable:
            episodes_after = len(sections)
            for slot, answers in sorted(content.episodes.items()):
                shown = _shown(section.questions, answers)
                if shown:
                    episodes.append(AnsweredSection(f"{section.item_label} {slot}", shown))
            continue
        shown = _shown(section.questions, content.answers)
        if shown:
            sections.append(AnsweredSection(section.title, shown))
    submitted = content.ret.submitted_at.date() if content.ret.submitted_at else None
    return AgencyReturn(
        content.ret.agency_name,
        content.ret.status,
        content.ret.due_on,
        submitted,
        tuple(sections),
        tuple(episodes),
        kept,
        episodes_after,
    )


def _shown(
    questions: Sequence[Question], answers: Mapping[str, object]
) -> tuple[tuple[str, str], ...]:
    shown = []
    for question in questions:
        value = answers.get(question.id)
        if value in (None, "", [], ()):
            continue
        shown.append((question.label, display_value(question, value, limit=_NEVER_CUT)))
    return tuple(shown)


_NEVER_CUT = 10**9
PROPOSED_LEARNING_QUESTIONS = ("multi_agency_learning", "good_practice_to_share")


def proposed_learning(returns: Sequence[ReturnContent]) -> tuple[LearningPoint, ...]:
    return tuple(
        LearningPoint(r.ret.agency_name, str(r.answers[q]))
        for r in returns
        for q in PROPOSED_LEARNING_QUESTIONS
        if isinstance(r.answers.get(q), str) and str(r.answers[q]).strip()
    )


def meeting_questions(
    pseudonym: str,
    entries: Sequence[PackEntry],
    gaps: Sequence[Gap],
    themes: Sequence[ThemeRow],
    returns: Sequence[AgencyReturn],
    outstanding: Sequence[str],
    overdue: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """Questions the pack puts to the meeting, from what the returns show and don't show."""
    asked = [
        f"What was {pseudonym}'s day-to-day experience, and how do we know?",
    ]
    for row in themes:
        if len(row.agencies) > 1:
            asked.append(
                f"{row.label} was raised by {', '.join(row.agencies)}: what is the shared learning?"
            )
    for item in entries:
        if item.entry.missed_opportunity:
            why = (
                f" ({item.entry.missed_opportunity_reason})"
                if item.entry.missed_opportunity_reason
                else ""
            )
            asked.append(
                f"{item.agency}, {describe_date(item.entry)}: a missed opportunity{why}. "
                "What would have made the difference?"
            )
    for gap in gaps:
        asked.append(
            f"No agency recorded contact from {plain_date(gap.start)} to {plain_date(gap.end)} "
            f"({gap.days} days): who was involved with {pseudonym} then?"
        )
    groups = sorted({e.duplicate_group for e in entries if e.duplicate_group is not None})
    for group in groups:
        asked.append(f"Entries marked ‡{group}: one event seen by two agencies, or two events?")
    for ret in returns:
        if ret.status is ReturnStatus.SUBMITTED:
            asked.append(
                f"{ret.agency}'s return is not yet signed off: may the meeting rely on it?"
            )
    if outstanding:
        named = ", ".join(f"{a} (overdue)" if a in overdue else a for a in outstanding)
        asked.append(f"Returns still outstanding ({named}): proceed without them?")
    return tuple(asked)


# Returns that are in no pack because the chair decided so (nil, or going ahead without).
DECIDED = frozenset({ReturnStatus.NIL, ReturnStatus.PROCEEDED_WITHOUT})


# The heading every card and document puts over those returns: a nil return is its lead's
# word and going ahead without one is the chair's, so the heading names neither.
WITHOUT_RETURN = "Without a return"


def decision_label(status: ReturnStatus) -> str:
    """'Nil return: no involvement (confirmed by its lead)': whose word settled it, in the
    words every view says the status in (`domain.return_state.return_status_label`): the
    summary said "Proceeded without" where the Manage card said "Proceeding without"."""
    return return_status_label(status)


def decision_line(ret: ReturnView) -> str:
    """'Demo Health: Proceeding without (chair's decision): the return is late.'"""
    label = decision_label(ret.status)
    why = f": {ret.status_note[:200]}" if ret.status_note else ""
    return f"{ret.agency_name}: {label}{why}"


def kept_identifiers(returns: Sequence[ReturnContent]) -> tuple[KeptIdentifiers, ...]:
    """Shared returns still hold flagged text only where a writer ticked past the warning."""
    kept = []
    for content in returns:
        answers = sum(
            1 for v in content.answers.values() if isinstance(v, str) and find_identifiers(v)
        )
        entries = sum(1 for view in content.entries if identifier_warnings(view.entry))
        if answers or entries:
            kept.append(KeptIdentifiers(content.ret.agency_name, answers, entries))
    return tuple(kept)


def combined_chronology(returns: Sequence[ReturnContent]) -> tuple[PackEntry, ...]:
    tagged = [(r.ret.agency_name, view) for r in returns for view in r.entries]
    order = {id(view): i for i, view in enumerate(ordered(v for _, v in tagged))}
    tagged.sort(key=lambda pair: order[id(pair[1])])
    groups = _duplicate_groups(tagged)
    return tuple(
        PackEntry(agency, view.entry, groups.get(i), bool(identifier_warnings(view.entry)))
        for i, (agency, view) in enumerate(tagged)
    )


def _duplicate_groups(tagged: Sequence[tuple[str, ChronologyView]]) -> dict[int, int]:
    """Index → group number, for entries another agency recorded on the same day alike."""
    groups: dict[int, int] = {}
    for i, (agency, view) in enumerate(tagged):
        for j in range(i + 1, len(tagged)):
            other_agency, other = tagged[j]
            if other.entry.event_date != view.entry.event_date:
                break  # sorted by date: nothing later can match
            if other_agency != agency and similar(view.entry.event, other.entry.event):
                group = groups.setdefault(i, len(set(groups.values())) + 1)
                groups[j] = group
    return groups


def similar(first: str, second: str) -> bool:
    a, b = " ".join(_WORD.findall(first.lower())), " ".join(_WORD.findall(second.lower()))
    return SequenceMatcher(None, a, b).ratio() >= SIMILARITY or _shared_words(a, b) >= 0.5


def _shared_words(a: str, b: str) -> float:
    first, second = set(a.split()), set(b.split())
    return len(first & second) / max(1, min(len(first), len(second)))


def find_gaps(entries: Sequence[EntryInput], gap_days: int = GAP_DAYS) -> tuple[Gap, ...]:
    days = sorted({d for e in entries for d in (e.event_date, e.end_date) if d is not None})
    return tuple(
        Gap(a, b)
        for a, b in pairwise(days)
        if (b - a).days > gap_days and not _covered(entries, a, b)
    )


def _covered(entries: Sequence[EntryInput], start: date, end: date) -> bool:
    # A recorded period (date to end date) spanning the gap is contact, not silence.
    return any(e.end_date and e.event_date <= start and e.end_date >= end for e in entries)


def theme_rows(returns: Sequence[ReturnContent]) -> tuple[ThemeRow, ...]:
    labels = {t.slug: t.label for t in default_themes()}
    agencies: dict[str, set[str]] = {}
    raised: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    episodes: dict[str, list[tuple[date, str]]] = {}
    for content in returns:
        name = content.ret.agency_name
        for slug in return_themes(content):
            agencies.setdefault(slug, set()).add(name)
            raised.setdefault(slug, set()).add(name)
        for view in content.entries:
            for slug in view.entry.themes:
                agencies.setdefault(slug, set()).add(name)
                counts[slug] = counts.get(slug, 0) + 1
                if view.entry.key_practice_episode:
                    episodes.setdefault(slug, []).append(
                        (view.entry.event_date, _episode(view, name))
                    )
    rows = [
        ThemeRow(
            slug,
            labels.get(slug, slug),
            tuple(sorted(names)),
            counts.get(slug, 0),
            tuple(sorted(raised.get(slug, ()))),
            tuple(text for _, text in sorted(episodes.get(slug, []))),
        )
        for slug, names in agencies.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-len(r.agencies), -r.entry_count, r.label)))


def _episode(view: ChronologyView, agency: str) -> str:
    missed = ", missed opportunity" if view.entry.missed_opportunity else ""
    return f"{describe_date(view.entry)} ({agency}{missed})"


def return_themes(content: ReturnContent) -> tuple[str, ...]:
    value = content.answers.get("learning_themes")
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def themed_learning(returns: Sequence[ReturnContent]) -> tuple[ThemedLearning, ...]:
    labels = {t.slug: t.label for t in default_themes()}
    worked: dict[str, list[LearningPoint]] = {}
    differ: dict[str, list[LearningPoint]] = {}
    for content in returns:
        # Filed under every theme the return raised, not just its first.
        for theme in [labels.get(t, t) for t in return_themes(content)] or [UNTHEMED]:
            _add(worked, theme, content, "what_worked_well")
            _add(differ, theme, content, "what_could_differ")
    names = sorted(set(worked) | set(differ), key=lambda t: (t == UNTHEMED, t))
    return tuple(
        ThemedLearning(t, tuple(worked.get(t, [])), tuple(differ.get(t, []))) for t in names
    )


def _add(
    into: dict[str, list[LearningPoint]], theme: str, content: ReturnContent, question_id: str
) -> None:
    text = content.answers.get(question_id)
    if isinstance(text, str) and text.strip():
        into.setdefault(theme, []).append(LearningPoint(content.ret.agency_name, text))
