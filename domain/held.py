"""Held answers: a return answer the identifier guard flags, and that its writer has not yet
confirmed, is stored (nothing typed is lost) but shown in full only to the member who wrote
it. Everyone else who can read the return (a co-writer of the same agency, its lead) sees it
masked, each finding replaced by its kind ("[a name]"), and a note saying who it
waits for, until the writer edits it clean or ticks that it is not identifying.

Held for the writer only while the writer can still write the return. Once they can't (taken
off it, no longer its agency's lead, or gone), it is released to everyone who can write the
return (`writers`: its assignees and its agency's leads, as `returns.may_write` says), who
read it as its writer did, with the guard's warning and tick, and may edit or confirm it, so
no answer waits for someone who can never come back. Readers who can't write still see it
masked. In one line: held from everyone but the writer while the writer can
write, and from everyone but the return's writers after that (`menders`).

A submitted return holds nothing (submitting needs every flag mended or ticked); one closed
another way (nil, gone ahead without, cancelled) keeps them hidden, waiting for no one
(`closed`): `domain/returns.held_for` and `seen_for` apply these.

One rule for every reader: `seen_by` gives a return's answers as one member may see them,
and `held_answers` what is held from them (for the note, and so a form draws no input for
it). Issue 15.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NewType

from domain.identifier_kinds import IdentifierFinding
from domain.identifiers import find_identifiers
from domain.questions import Question, QuestionBank, guarded_texts
from domain.records import AnswerKey, StoredAnswer


@dataclass(frozen=True)
class HeldAnswer:
    """What a member other than the writer is shown of a held answer."""

    value: object  # the stored value with every flagged piece of text masked
    text: str  # the masked free text, as one string, for a read-only block
    note: str
    writer_id: int | None
    writer_name: str | None
    # Who can mend it, as a phrase: "Pat Writer", or, once Pat can't write the return,
    # "someone who can change this return".
    waiting_for: str


ANYONE_WHO_CAN = "someone who can change this return"

# A return's answers as one member may see them (`seen_by`): what a card or list that shows
# answers to a member takes, so none is drawn from the stored answers by mistake.
Seen = NewType("Seen", Mapping[AnswerKey, StoredAnswer])


def released(answer: StoredAnswer, writers: Collection[int]) -> bool:
    """Whether `answer`'s writer can no longer write its return: not among `writers` (the
    members who may write it now), or no longer known at all."""
    return answer.updated_by is None or answer.updated_by not in writers


def menders(answer: StoredAnswer, writers: Collection[int]) -> Collection[int]:
    """Who may read a flagged, unconfirmed answer in full, edit it and confirm it: its writer
    while they are among `writers`; once they are not, every one of `writers`."""
    writer = answer.updated_by
    return writers if writer is None or released(answer, writers) else (writer,)


def masked(text: str, findings: Sequence[IdentifierFinding]) -> str:
    """`text` with each finding replaced by its kind: "[a name], [a street address], was seen
    at home". Not the warning's "K•••• S••••": a colleague who knows the family could read a
    name from its initial and length, where its writer only needs to see which word it was."""
    out = text
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        out = out[: finding.start] + f"[{finding.label}]" + out[finding.end :]
    return out


def held_note(writer_name: str | None, *, released: bool = False) -> str:
    if released:
        who = f"{writer_name}, who wrote it," if writer_name else "Its writer"
        return (
            f"Held back: it may identify someone. {who} can no longer change this return, so "
            f"it waits for {ANYONE_WHO_CAN} to edit it or confirm it is not identifying."
        )
    who = writer_name or "the colleague who wrote it"
    return (
        f"Held back: it may identify someone. Waiting for {who} to edit it or confirm it "
        f"is not identifying."
    )


CLOSED_NOTE = (
    "Held back: it may identify someone. This return was closed before it was mended or "
    "confirmed, so it stays hidden unless the return is opened again."
)


def closed(held: HeldAnswer) -> HeldAnswer:
    """A held answer in a return nobody can change now (a nil return, going ahead without it,
    a cancelled review): no one is waited for."""
    return replace(held, note=CLOSED_NOTE, waiting_for="the return to be opened again")


def handed_on_note(label: str, writer_name: str | None) -> str:
    """What a writer of the return reads above a released answer of someone else's, so they
    know why its warning is theirs to settle."""
    who = f"{writer_name}, who wrote it," if writer_name else "Its writer"
    return (
        f"'{label}': {who} can no longer change this return, so it is yours to check. Edit it, "
        f"or tick that it is not identifying."
    )


def held_from(
    question: Question, answer: StoredAnswer, viewer_id: int, writers: Collection[int]
) -> HeldAnswer | None:
    """None when `viewer_id` sees `answer` as stored: they may mend it (`menders`), its
    writer confirmed it, or the guard finds nothing in it. Otherwise what they see instead.
    `writers`: the members who may write the answer's return now."""
    if answer.confirmed or viewer_id in menders(answer, writers):
        return None
    texts = guarded_texts(question, answer.value)
    shown: dict[str, str] = {}
    for input_id, text in texts.items():
        found = find_identifiers(text)
        if found:
            shown[input_id] = masked(text, found)
    if not shown:
        return None
    value: object
    if isinstance(answer.value, dict):
        follow_up = shown[question.follow_up_input_id]
        value = {**answer.value, "follow_up": follow_up}
        text = f"{str(answer.value.get('answer', '')).capitalize()}: {follow_up}"
    else:
        value = text = shown[question.id]
    writer = answer.updated_by_name
    gone = released(answer, writers)
    return HeldAnswer(
        value,
        text,
        held_note(writer, released=gone),
        answer.updated_by,
        writer,
        ANYONE_WHO_CAN if gone else writer or "the colleague who wrote it",
    )


def held_answers(
    bank: QuestionBank,
    stored: Mapping[AnswerKey, StoredAnswer],
    viewer_id: int,
    writers: Collection[int],
) -> dict[AnswerKey, HeldAnswer]:
    """Every answer of a return held from `viewer_id`, by (question id, episode). `writers`:
    the members who may write the return now."""
    known = {q.id: q for q in bank.questions}
    held: dict[AnswerKey, HeldAnswer] = {}
    for key, answer in stored.items():
        question = known.get(key[0])
        if question is not None and (found := held_from(question, answer, viewer_id, writers)):
            held[key] = found
    return held


def seen_by(
    bank: QuestionBank,
    stored: Mapping[AnswerKey, StoredAnswer],
    viewer_id: int,
    writers: Collection[int],
) -> Seen:
    """A return's answers as `viewer_id` may see them: held answers masked, the rest as
    stored (revisions and writers unchanged, so a stale card is still caught)."""
    held = held_answers(bank, stored, viewer_id, writers)
    return Seen(
        {
            key: replace(answer, value=held[key].value) if key in held else answer
            for key, answer in stored.items()
        }
    )
