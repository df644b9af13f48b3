"""One RAG and one table of the owner's moves, whatever view shows the item.

The property tests generate items in every state (due dates either side of today and the warning
window, none, revised; every self-assessment) and check that `my actions`, the owner's card
(which is also every chaser), the summary card, the dashboard's overdue list, the XLSX tracker
and the Word summary all show the same RAG.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cards import actions as action_cards
from cards import summaries as summary_cards
from cards import verbs
from cards.summaries import RAG_LABELS
from cards.validation import card_problems
from domain import actions
from domain.action_controls import Told, after_sending
from domain.action_history import HistoryEntry
from domain.action_state import (
    MOVES,
    OWNER_MOVES,
    STATUS_LABELS,
    STATUS_ORDER,
    TARGETS,
    Move,
    Mover,
    OwnerMove,
    Reader,
    action_rag,
    copy_readers,
    moves_for,
    offered_moves,
    owner_moves,
    require_move,
    status_after,
    status_label,
    status_words,
    working_days_late,
)
from domain.actions import ActionDetail
from domain.chasers import DEFAULT_POLICY, Rag
from domain.errors import FormInvalid
from domain.model import ActionStatus, ReviewStage
from domain.phrasing import year_period
from domain.summaries import (
    LIVE,
    RAG_NAMES,
    SPLIT_NAME,
    Access,
    ActionRow,
    OverdueRow,
    ThemeTally,
    Tracker,
    TrackerLine,
    TrackerRecord,
    _late,
    build_summary,
    overdue_cutoff,
    rag_name,
    rate,
    theme_trends,
)
from domain.transitions import ACTION_TRANSITIONS
from exports.summary_doc import summary_docx
from exports.tracker import RAG_COLUMN, tracker_xlsx
from tests.unit.test_summaries import TODAY, action, records, review

DAYS = st.integers(min_value=-40, max_value=60).map(lambda n: TODAY + timedelta(days=n))


@st.composite
def items(draw: st.DrawFn) -> ActionRow:
    due = draw(st.none() | DAYS)
    return action(
        status=draw(st.sampled_from(list(ActionStatus))),
        due_on=due,
        revised_due_on=draw(st.none() | DAYS) if due else None,
        latest_rag=draw(st.sampled_from([None, "", "red", "amber", "green", "blue", "junk"])),
        impact_closed=draw(st.booleans()),
    )


def detail_of(row: ActionRow) -> ActionDetail:
    """The same item as `my actions`, the owner's card and the chasers load it."""
    return ActionDetail(
        id=row.id,
        partnership_id=1,
        review_id=row.review_id,
        review_reference=row.review_reference,
        pseudonym=row.pseudonym,
        review_stage=review().stage,
        chair_member_id=99,
        reference=row.reference,
        description=row.description,
        theme=row.theme,
        owner_member_id=7,
        owner_name=row.owner_name,
        agency_id=3,
        agency_name=row.agency_name,
        due_on=row.due_on,
        revised_due_on=row.revised_due_on,
        success_measure=row.success_measure,
        status=row.status,
        evidence_text=row.evidence,
        evidence_link=None,
        chase_count=row.chase_count,
        history=(row.latest,) if row.latest is not None else (),
        latest_rag=row.latest_rag,
        pending_date=None,
        pending_date_reason=None,
    )


@settings(max_examples=400)
@given(items())
def test_every_rating_of_an_item_is_the_same(row: ActionRow) -> None:
    expected = action_rag(row.status, row.effective_due, row.latest_rag, TODAY, DEFAULT_POLICY)
    assert actions.item_rag(detail_of(row), TODAY, DEFAULT_POLICY) == expected, "my actions"
    assert rate(row, TODAY, DEFAULT_POLICY) == expected, "summary and tracker"
    summary = build_summary(review(), Access.FULL, records(2, rows=(row,)), TODAY, DEFAULT_POLICY)
    assert summary.actions[0].rag == expected, "summary"
    due = row.effective_due
    if due and due <= overdue_cutoff(TODAY, DEFAULT_POLICY) and row.status in LIVE:
        late = OverdueRow(
            row.id, row.reference, 1, row.review_reference, "x", None, None, due, row.status, 0
        )
        assert _late(late, TODAY, DEFAULT_POLICY).rag == expected == Rag.RED, "dashboard"


@settings(max_examples=400)
@given(items())
def test_the_rating_follows_the_state(row: ActionRow) -> None:
    rated = rate(row, TODAY, DEFAULT_POLICY)
    if row.status in (ActionStatus.CANCELLED, ActionStatus.SPLIT):
        assert rated is None, "no rating: its views say cancelled, or split"
    elif row.status is ActionStatus.CLOSED:
        assert rated is Rag.BLUE
    elif row.status is ActionStatus.BLOCKED:
        assert rated is Rag.RED
    elif row.status is ActionStatus.ESCALATED:
        assert rated is Rag.RED, "escalated to the chair is never green, whatever its date"
    elif row.status is ActionStatus.COMPLETED:
        assert rated is Rag.GREEN, "a completed item is never amber ('due soon') nor red"
    elif row.latest_rag == "red":
        assert rated is Rag.RED, "the owner's own assessment makes it worse"
    elif row.effective_due is None:
        assert rated in (Rag.GREEN, Rag.AMBER), "no due date is never late"


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def _xlsx_rag(row: ActionRow) -> str:
    line = TrackerLine(TrackerRecord(row, (), None, ()), rate(row, TODAY, DEFAULT_POLICY))
    book = load_workbook(io.BytesIO(tracker_xlsx(Tracker("t", "n", TODAY, (line,)))))
    value = book["Tracker"].cell(row=2, column=RAG_COLUMN + 1).value
    return str(value)


def _docx_rag(row: ActionRow) -> str:
    summary = build_summary(review(), Access.FULL, records(1, rows=(row,)), TODAY, DEFAULT_POLICY)
    document = Document(io.BytesIO(summary_docx(summary, (), TODAY)))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "RAG")
    return str(table.rows[1].cells[1].text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
def test_every_view_renders_the_same_rag(row: ActionRow) -> None:
    expected = rate(row, TODAY, DEFAULT_POLICY)
    name = rag_name(expected, row.status)
    assert name == (SPLIT_NAME if row.status is ActionStatus.SPLIT else RAG_NAMES[expected])
    detail = detail_of(row)
    if expected is not None:
        label = action_cards.RAG_LABELS[expected]
        owner_card = action_cards.action_item_card(
            detail, actions.item_rag(detail, TODAY, DEFAULT_POLICY)
        )
        assert label in _texts(owner_card), "the owner's card and every chaser"
        mine = action_cards.my_actions_card(
            actions.MyActions(None, (actions.Rated(detail, expected),))
        )
        assert label in _texts(mine), "my actions"
    summary = build_summary(review(), Access.FULL, records(1, rows=(row,)), TODAY, DEFAULT_POLICY)
    shown = _texts(summary_cards.summary_card(summary))
    label_shown = SPLIT_NAME if row.status is ActionStatus.SPLIT else RAG_LABELS[expected][0]
    assert label_shown in shown, "summary card"
    assert _xlsx_rag(row) == name, "XLSX tracker"
    assert _docx_rag(row) == name, "Word summary"


def _fact(card: dict[str, Any], title: str) -> str:
    found = [
        fact["value"]
        for node in _nodes(card)
        if node.get("type") == "FactSet"
        for fact in node["facts"]
        if fact["title"] == title
    ]
    assert len(found) == 1, found
    return str(found[0])


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(n for value in node.values() for n in _nodes(value))]


@pytest.mark.parametrize("status", list(ActionStatus))
def test_every_view_names_a_status_in_the_same_people_s_words(status: ActionStatus) -> None:
    label = status_label(status)
    assert "_" not in label, "a person's word, not the stored value"
    assert label[0].isupper()
    assert status_words(status) == label[0].lower() + label[1:]
    row = action(status=status)
    assert _fact(action_cards.action_item_card(detail_of(row)), "Status") == label, "its card"
    summary = build_summary(review(), Access.FULL, records(1, rows=(row,)), TODAY, DEFAULT_POLICY)
    assert f"· {status_words(status)}" in _texts(summary_cards.summary_card(summary)), "summary"
    line = TrackerLine(TrackerRecord(row, (), None, ()), rate(row, TODAY, DEFAULT_POLICY))
    book = load_workbook(io.BytesIO(tracker_xlsx(Tracker("t", "n", TODAY, (line,)))))
    header = [cell.value for cell in book["Tracker"][1]]
    assert book["Tracker"].cell(row=2, column=header.index("Status") + 1).value == label, "XLSX"
    document = Document(io.BytesIO(summary_docx(summary, (), TODAY)))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "RAG")
    status_column = [c.text for c in table.rows[0].cells].index("Status")
    assert table.rows[1].cells[status_column].text == label, "Word summary"


def test_no_status_is_left_without_words_and_views_list_them_in_one_order() -> None:
    assert set(STATUS_LABELS) == set(ActionStatus)
    assert STATUS_ORDER[:2] == (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    assert len(set(STATUS_LABELS.values())) == len(ActionStatus), "no two read alike"


# --- the owner's moves -------------------------------------------------------------------------


def test_every_state_has_its_moves_and_no_move_the_state_table_refuses() -> None:
    assert set(OWNER_MOVES) == set(ActionStatus)
    targets = {OwnerMove.COMPLETE: ActionStatus.COMPLETED, OwnerMove.BLOCKED: ActionStatus.BLOCKED}
    for status, moves in OWNER_MOVES.items():
        for move, target in targets.items():
            if move in moves:
                assert target in ACTION_TRANSITIONS[status], (status, move)


def test_every_mover_has_moves_for_every_state_and_each_move_is_a_legal_transition() -> None:
    for mover, table in MOVES.items():
        assert set(table) == set(ActionStatus), mover
        for status, moves in table.items():
            for move in moves:
                target = TARGETS.get(move)
                assert target is None or target in ACTION_TRANSITIONS[status], (mover, move)


def test_an_escalated_item_is_the_chair_s_to_decide() -> None:
    assert owner_moves(ActionStatus.ESCALATED) == ()
    assert moves_for(Mover.CHAIR, ActionStatus.ESCALATED) == (
        Move.SET_DATE,
        Move.NOT_ACHIEVABLE,
        Move.REOPEN,
        Move.REASSIGN,
        Move.SPLIT,
    )
    item = detail_of(action(status=ActionStatus.ESCALATED))
    owners = [("a1000000-0000-4000-8000-000000000005", "Another Owner")]
    chair = action_cards.action_item_card(item, Rag.RED, owner=False, chair=True, owners=owners)
    assert card_problems(chair) == []
    titles = [a["title"] for a in chair["actions"]]
    assert titles == [
        "Set a new date",
        "Not achievable",
        "Reopen",
        "Reassign",
        "Split in two",
        "Review summary",
        "My actions",
    ]
    # Seven: Teams draws six, so the way back to the list goes to its "…" menu, not off.
    modes = [a.get("mode", "primary") for a in chair["actions"]]
    assert modes == ["primary"] * 6 + ["secondary"], "the chair's decisions stay in sight"
    assert "Another Owner" in _texts(chair), "the members the item may be given to"
    owner = action_cards.action_item_card(item, Rag.RED)
    owner_titles = [a["title"] for a in owner.get("actions", [])]
    assert owner_titles == ["Review summary", "My actions"], (
        "the owner has no moves while the chair decides"
    )
    with pytest.raises(FormInvalid) as refused:
        require_move("LOS-2026-004/A1", Mover.CHAIR, ActionStatus.IN_PROGRESS, Move.REOPEN)
    assert "not escalated" in refused.value.errors["move"]


@pytest.mark.parametrize("status", list(ActionStatus))
def test_the_chair_s_card_offers_exactly_the_chair_s_moves(status: ActionStatus) -> None:
    item = detail_of(action(status=status))
    card = action_cards.action_item_card(item, None, owner=False, chair=True)
    assert card_problems(card) == []
    names = {
        Move.SET_DATE: "Set a new date",
        Move.NOT_ACHIEVABLE: "Not achievable",
        Move.REOPEN: "Reopen",
        Move.REASSIGN: "Reassign",
        Move.AMEND: "Amend",
        Move.SPLIT: "Split in two",
        Move.CANCEL: "Cancel this action item…",
    }
    titles = [a["title"] for a in card.get("actions", [])]
    # The chair can always go back to the review's summary (where they open items from), and
    # to their `my actions` list (where they open the items waiting for their decision).
    expected = [*(names[m] for m in moves_for(Mover.CHAIR, status)), "Review summary"]
    assert titles == [*expected, "My actions"]
    primary = [a for a in card["actions"] if a.get("mode", "primary") == "primary"]
    assert [a["title"] for a in primary] == [*expected, "My actions"][:6], "six in sight"


@given(st.lists(st.sampled_from(list(Mover)), max_size=4), st.sampled_from(list(ActionStatus)))
def test_a_card_offers_the_union_of_its_readers_moves_each_once(
    movers: list[Mover], status: ActionStatus
) -> None:
    """A chair who owns an item of their own review got only the owner's moves (no Reassign
    or Amend of their own item): the owner's and the chair's moves go on one card, each once,
    with nothing the reader may not make; a lead or LIC reader is offered theirs alone."""
    offered = offered_moves(movers, status)
    drawn = [move for _, moves in offered for move in moves]
    assert len(drawn) == len(set(drawn)), "no move twice"
    for mover, moves in offered:
        assert mover in movers
        assert set(moves) <= set(MOVES[mover][status]), "only moves the mover may make"
    having = [m for m in dict.fromkeys(movers) if MOVES[m][status]]
    if not having:
        assert offered == ()
        return
    together = {Mover.OWNER, Mover.CHAIR}
    expected = {having[0]} | ({*having} & together if having[0] in together else set())
    assert {m for m, _ in offered} == expected
    if expected == together:
        union = set(MOVES[Mover.OWNER][status]) | set(MOVES[Mover.CHAIR][status])
        assert set(drawn) == union - ({Move.NEW_DATE} if Move.AMEND in union else set())


def _headed_rows(card: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Each row of buttons in the card's body, under the heading drawn just above it."""
    rows: list[tuple[str, list[str]]] = []
    heading = ""
    for element in card["body"]:
        if element.get("type") == "TextBlock":
            heading = element["text"]
        elif element.get("type") == "ActionSet":
            rows.append((heading, [a["title"] for a in element["actions"]]))
    return rows


@pytest.mark.parametrize("status", list(ActionStatus))
def test_a_chair_who_owns_the_item_gets_their_moves_and_the_chairs(status: ActionStatus) -> None:
    """The chair's own moves as the item's owner come first, under a heading saying so, then
    the chair's under theirs: the chair's were drawn above the owner's, which had no heading.
    A blocked item waits for the chair's decision (`my actions` lists it so): theirs first."""
    item = detail_of(action(status=status))
    owners = [("aad-1", "Another Member")]
    card = action_cards.action_item_card(item, None, owner=True, chair=True, owners=owners)
    assert card_problems(card) == []
    rows = _headed_rows(card)
    below = [title for _, titles in rows for title in titles]
    titles = [a["title"] for a in card.get("actions", [])] + below
    assert len(titles) == len(set(titles)), titles
    primary = [a for a in card.get("actions", []) if a.get("mode", "primary") == "primary"]
    assert len(primary) <= 6, "Teams shows six of a card's buttons"
    assert titles[len(card.get("actions", [])) - 1] == "My actions", "the list's way back, last"
    assert all(len(row) <= 6 for _, row in rows), "nor more than six in a row"
    chairs = {
        "Reassign",
        "Amend",
        "Split in two",
        "Cancel this action item…",
        "Set a new date",
        "Reopen",
    }
    has_chair = bool(moves_for(Mover.CHAIR, status))
    assert bool(chairs & set(titles)) is has_chair
    if owner_moves(status) and has_chair:
        as_chair = action_cards.action_item_card(item, None, owner=False, chair=True, owners=owners)
        as_owner = action_cards.action_item_card(item, None, owners=owners)
        own = [
            a["title"]
            for a in as_owner["actions"]
            if a["title"] not in ("Ask for a new date", "My actions")
        ]
        chairs_row = [
            a["title"]
            for a in as_chair["actions"]
            if a["title"] not in ("Review summary", "My actions")
        ]
        if status is ActionStatus.BLOCKED:
            assert rows == [
                ("As the review's chair, you can:", chairs_row),
                ("As its owner, you can also:", own),
            ], "waiting for the chair's decision: the chair's moves first"
        else:
            assert rows == [
                ("As its owner, you can:", own),
                ("As the review's chair, you can also:", chairs_row),
            ], "the owner's moves first, each role's under its heading"
        assert [a["title"] for a in card["actions"]] == ["Review summary", "My actions"]
        assert "Ask for a new date" not in titles, "the chair sets the date with Amend"
    else:
        assert rows == [], "one role's moves are the card's buttons, as for anyone"


def test_a_blocked_item_does_not_offer_mark_complete() -> None:
    blocked = detail_of(action(status=ActionStatus.BLOCKED))
    card = _texts(action_cards.action_item_card(blocked, Rag.RED))
    assert "Mark complete" not in card
    assert "Update progress" in card
    assert "Ask for a new date" in card
    assert owner_moves(ActionStatus.BLOCKED) == (OwnerMove.PROGRESS, OwnerMove.NEW_DATE)


@pytest.mark.parametrize("status", list(ActionStatus))
def test_the_card_offers_exactly_the_states_moves(status: ActionStatus) -> None:
    item = detail_of(action(status=status))
    card = action_cards.action_item_card(item, None)
    titles = [a["title"] for a in card.get("actions", [])]
    names = {
        OwnerMove.PROGRESS: "Update progress",
        OwnerMove.COMPLETE: "Mark complete",
        OwnerMove.NEW_DATE: "Ask for a new date",
        OwnerMove.BLOCKED: "Blocked",
    }
    # An item the owner can no longer move leads to its review's summary, never nowhere.
    if status is ActionStatus.COMPLETED:  # delivered: evidence of impact, not progress
        names[OwnerMove.PROGRESS] = "Add evidence of impact"
    expected = [names[m] for m in owner_moves(status)] or ["Review summary"]
    # Last, the way back to the owner's list (where they open their items from).
    assert titles == [*expected, "My actions"]


@pytest.mark.parametrize("status", list(ActionStatus))
def test_a_cancelled_reviews_item_draws_no_move_only_to_be_refused(status: ActionStatus) -> None:
    """`actions.load(hold=True)` refuses every move on a cancelled review's item: its cards
    (the owner's, the chair's, each escalation copy, a date request) draw none, say why, and
    lead to the review's summary instead."""
    item = replace(
        detail_of(action(status=status)),
        review_stage=ReviewStage.CANCELLED,
        pending_date=TODAY,
        pending_request_id=5,
    )
    why = actions.settled_by_review(item)
    assert why == (
        f"{item.review_reference} has been cancelled, so its action items can't be changed."
    )
    for mover in Mover:
        assert actions.open_moves(mover, item) == ()
    drawn = [
        action_cards.action_item_card(item, None),
        action_cards.action_item_card(item, None, owner=False, chair=True),
        action_cards.action_item_card(item, None, readers=list(Mover)),
        action_cards.date_request_card(item),
        action_cards.impact_card(item),
        *(action_cards.escalation_card(item, Rag.RED, reader, 3, 2) for reader in Reader),
    ]
    for card in drawn:
        assert card_problems(card) == []
        lines = [b.get("text") for b in card["body"]]
        assert why in lines
        assert actions.SETTLED_INSTEAD in lines
        verbs_drawn = {a.get("verb") for a in card.get("actions", [])}
        assert {a["type"] for a in card.get("actions", [])} == {"Action.Execute"}, "no forms"
        # The summary, or the reader's `my actions` (SETTLED_INSTEAD names both).
        assert verbs_drawn <= {verbs.SUMMARY, verbs.ACTION_VIEW, verbs.MY_ACTIONS}, verbs_drawn
        assert verbs_drawn, "never a dead end"


def _body_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for b in card["body"] if b.get("type") == "ActionSet" for a in b["actions"]]


def _input_ids(node: Any) -> list[str]:
    if isinstance(node, list):
        return [i for n in node for i in _input_ids(n)]
    if not isinstance(node, dict):
        return []
    own = [node["id"]] if str(node.get("type", "")).startswith("Input.") else []
    return own + [i for key, v in node.items() if key != "actions" for i in _input_ids(v)]


@pytest.mark.parametrize("status", list(ActionStatus))
def test_a_refused_form_comes_back_with_the_cards_other_controls(status: ActionStatus) -> None:
    """A refused form came back open with only its submit: no other move, no way back."""
    item = detail_of(action(status=status))
    owners = [("aad-1", "Another Member"), ("aad-2", "Third Member")]
    kinds = (
        {},
        {"owner": False, "chair": True},
        {"chair": True},  # a chair who owns the item: the chair's moves in the card
        {"owner": False, "readers": list(Mover)},
    )
    for kind in kinds:
        plain = action_cards.action_item_card(item, None, owners=owners, **kind)  # type: ignore[arg-type]
        # A chair who owns the item has each role's moves in the card's body, under headings.
        moves = [*plain.get("actions", []), *_body_buttons(plain)]
        for shown in [a for a in moves if a["type"] == "Action.ShowCard"]:
            [submit] = shown["card"]["actions"]
            typed = dict.fromkeys(_input_ids(shown["card"]["body"]), "Typed text kept")
            warned = action_cards.WarnedForm(submit["verb"], typed, {})
            refused = action_cards.action_item_card(
                item,
                None,
                errors={"move": "Refused."},
                warned=warned,
                owners=owners,
                **kind,  # type: ignore[arg-type]
            )
            assert card_problems(refused) == [], (status, kind, shown["title"])
            drawn = refused["actions"]
            if len(moves) > len(plain.get("actions", [])):
                # Two roles' moves in the body: the submit is the first button after the
                # inputs, before either role's other moves, and the card keeps its summary.
                drawn = [*_body_buttons(refused), *drawn]
                assert _headed_rows(refused)[0][1][:2] == [submit["title"], "Back to the item"]
            assert drawn[0]["verb"] == submit["verb"]
            assert drawn[0]["data"] == submit["data"], "the submit carries what the show-card's did"
            opened = _input_ids(refused["body"])
            assert set(opened) == set(typed)
            assert "Typed text kept" in _texts(refused["body"]) or not typed
            titles = [a["title"] for a in [*drawn, *_body_buttons(refused)]]
            others = [a for a in moves if a is not shown]
            for other in others:
                clash = set(_input_ids(other.get("card", {}).get("body", []))) & set(opened)
                assert (other["title"] in titles) != bool(clash), (other["title"], titles)
            back = next(a for a in drawn if a["title"] == "Back to the item")
            assert (back["verb"], back["associatedInputs"]) == (verbs.ACTION_VIEW, "none")


def test_a_refused_move_says_why() -> None:
    from domain.action_state import require_owner_move

    with pytest.raises(FormInvalid) as refused:
        require_owner_move("LOS-2026-004/A1", ActionStatus.BLOCKED, OwnerMove.COMPLETE)
    assert "blocked" in refused.value.errors["move"]
    require_owner_move("LOS-2026-004/A1", ActionStatus.OPEN, OwnerMove.COMPLETE)


def test_a_completed_item_is_green_even_if_it_was_at_risk() -> None:
    row = replace(action(due_on=TODAY + timedelta(days=1)), status=ActionStatus.COMPLETED)
    assert rate(replace(row, latest_rag="amber"), TODAY, DEFAULT_POLICY) is Rag.GREEN


# --- escalation copies -------------------------------------------------------------------------


def test_each_person_is_copied_once_as_the_reader_with_most_to_do() -> None:
    assert copy_readers([1], [2, 3, 2], 4) == (
        (4, Reader.CHAIR),
        (2, Reader.AGENCY_LEAD),
        (3, Reader.AGENCY_LEAD),
    )
    assert copy_readers([1], [1, 4], 4) == ((4, Reader.CHAIR),), "owner: own card; lead+chair: one"
    assert copy_readers([4], [], 4) == (), "a chair standing in for a missing owner"
    assert copy_readers([1], [2], 4, 5) == (
        (4, Reader.CHAIR),
        (5, Reader.DEPUTY_CHAIR),
        (2, Reader.AGENCY_LEAD),
    ), "the deputy chair is copied wherever the chair is"
    assert copy_readers([4], [5], 4, 5) == ((5, Reader.DEPUTY_CHAIR),), "a deputy who leads: once"
    assert copy_readers([1], [], None, 5) == ((5, Reader.DEPUTY_CHAIR),)


def test_lateness_is_in_working_days_from_the_day_the_due_date_is_met() -> None:
    monday = TODAY
    assert working_days_late(monday, monday, DEFAULT_POLICY) == 0
    assert working_days_late(monday - timedelta(days=3), monday, DEFAULT_POLICY) == 1, "Fri"
    assert working_days_late(monday - timedelta(days=2), monday, DEFAULT_POLICY) == 0, "Sat"
    assert working_days_late(None, monday, DEFAULT_POLICY) == 0
    assert working_days_late(monday + timedelta(days=9), monday, DEFAULT_POLICY) == 0


@pytest.mark.parametrize("reader", list(Reader))
def test_escalation_copies_name_the_owner_and_stay_valid(reader: Reader) -> None:
    long_note = HistoryEntry(datetime(2026, 5, 1, tzinfo=UTC), "progress", "n" * 2000)
    item = detail_of(action(due_on=TODAY - timedelta(days=30), latest=long_note))
    card = action_cards.escalation_card(item, Rag.RED, reader, 21, 4)
    assert card_problems(card) == []
    text = _texts(card)
    assert "Practitioner With A Long Name" in text
    assert "21 working days late" in text
    assert verbs.ACTION_COMPLETE not in text
    assert "could not be reached" not in text
    unreached = action_cards.escalation_card(
        item, Rag.RED, reader, 21, 4, unreached=("Kelly Smith",)
    )
    assert card_problems(unreached) == []
    assert "Kelly Smith could not be reached in Teams" in _texts(unreached)


# --- charts ------------------------------------------------------------------------------------


def test_theme_trends_never_plot_a_future_quarter() -> None:
    tallies = [ThemeTally("neglect", 2026, 2, 3), ThemeTally("neglect", 2026, 5, 1)]
    trends = theme_trends(tallies, (), year_period(2026), TODAY)  # mid-June: Q2
    assert [q.name for q in trends[0].by_quarter] == ["2026 Q1", "2026 Q2"]
    early = theme_trends(tallies, (), year_period(2027), TODAY)
    assert len(early[0].by_quarter) == 1, "a period wholly ahead still has one quarter to draw"


def test_a_one_quarter_xlsx_line_chart_marks_its_point() -> None:
    row = action(agreed_on=TODAY)
    line = TrackerLine(TrackerRecord(row, (), None, ()), Rag.GREEN)
    book = load_workbook(io.BytesIO(tracker_xlsx(Tracker("t", "n", TODAY, (line,)))))
    data = [r for r in book["Chart data"].iter_rows(values_only=True) if r and r[0]]
    assert data[-1][0] == "2026 Q2", "one quarter of themes"
    with zipfile.ZipFile(io.BytesIO(tracker_xlsx(Tracker("t", "n", TODAY, (line,))))) as xlsx:
        charts = [xlsx.read(n).decode() for n in xlsx.namelist() if "charts/chart" in n]
    line_chart = next(c for c in charts if "lineChart" in c)
    assert 'symbol val="circle"' in line_chart, "a single point is drawn, not an empty chart"


def test_taking_an_item_on_reads_as_done_and_only_the_unreached_as_a_caution() -> None:
    """A chair who took an item on read "You have taken this action on" in the caution colour:
    it shared one line with the sentence about the owner Teams could not reach."""
    took = "You have taken this action on: it is yours now, due Fri 9 Jan."
    told = (
        Told(
            1,
            "Police Practitioner (demo)",
            "Police Practitioner (demo), who had it, has been told.",
        ),
        Told(2, "Health Practitioner (demo)", "Health Practitioner (demo) has been told."),
    )
    assert after_sending(told, {1, 2}) == (
        "Police Practitioner (demo), who had it, has been told. "
        "Health Practitioner (demo) has been told.",
    )
    assert after_sending(told, set()) == (
        "I couldn't reach Police Practitioner (demo) or Health Practitioner (demo) in Teams, so "
        "they haven't seen this: please contact them yourself.",
    )
    assert after_sending((), set()) == ()
    lines = after_sending(told, {2})
    assert lines == (
        "Health Practitioner (demo) has been told.",
        "I couldn't reach Police Practitioner (demo) in Teams, so they haven't seen this: "
        "please contact them yourself.",
    )
    item = detail_of(action(status=ActionStatus.IN_PROGRESS))
    card = action_cards.action_item_card(item, None, owner=True, chair=True, notices=(took, *lines))
    drawn = {b["text"]: b for b in card["body"] if b.get("type") == "TextBlock"}
    assert drawn[took].get("color") is None, "done, in the default colour"
    assert drawn[took]["weight"].lower() == "bolder"
    assert drawn[lines[0]].get("color") is None
    assert drawn[lines[1]]["color"].lower() == "attention", (
        "only who Teams couldn't reach is a caution"
    )


def _chair_buttons(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["title"], a.get("mode", "primary")) for a in card.get("actions", [])]


@pytest.mark.parametrize(
    "status", [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED]
)
def test_the_chair_decides_a_waiting_date_request_from_the_items_card(status: ActionStatus) -> None:
    """Opened from `my actions` ("Waiting for your decision"), the item of a date request had
    Reassign, Amend, Split and Cancel but not what it waited for: now the request (its date and
    reason) and its Approve and Decline lead, bound to the exact request and the item's revision
    as on the request card sent to the chair. The way back goes to the "…" menu past six."""
    asked = replace(
        detail_of(action(status=status)),
        pending_date=TODAY + timedelta(days=30),
        pending_date_reason="Waiting for the audit team",
        pending_request_id=41,
    )
    owners = [("aad-1", "Another Member")]
    card = action_cards.action_item_card(asked, Rag.AMBER, owner=False, chair=True, owners=owners)
    assert card_problems(card) == []
    texts = json.dumps(card, ensure_ascii=False)
    # A blocked item waits for the chair's decision whatever was asked: its title says so.
    what = "blocked action" if status is ActionStatus.BLOCKED else "action"
    assert f"For your decision: {what} · {asked.reference}" in texts
    assert "New date asked for" in texts
    assert "Waiting for the audit team" in texts
    assert _chair_buttons(card) == [
        ("Approve", "primary"),
        ("Decline", "primary"),
        ("Reassign", "primary"),
        ("Amend", "primary"),
        ("Split in two", "primary"),
        ("Cancel this action item…", "primary"),
        ("Review summary", "secondary"),
        ("My actions", "secondary"),
    ]
    request = action_cards.date_request_card(asked)
    for verb in (verbs.DATE_APPROVE, verbs.DATE_DECLINE):
        [on_item] = [a["data"] for a in card["actions"] if a.get("verb") == verb]
        [on_request] = [a["data"] for a in request["actions"] if a.get("verb") == verb]
        assert on_item == on_request, "one binding: the request's id and the item's revision"
        assert on_item["request_id"] == 41
    # Its owner's card, and the chair's once it is decided, have neither.
    mine = action_cards.action_item_card(asked, Rag.AMBER)
    assert verbs.DATE_APPROVE not in json.dumps(mine)
    decided = replace(asked, pending_date=None, pending_request_id=None)
    plain = action_cards.action_item_card(decided, None, owner=False, chair=True, owners=owners)
    assert verbs.DATE_APPROVE not in json.dumps(plain)
    if status is ActionStatus.BLOCKED:
        assert f"For your decision: blocked action · {asked.reference}" in json.dumps(
            plain, ensure_ascii=False
        )
    else:
        assert "For your decision" not in json.dumps(plain)


def test_a_chair_who_owns_an_item_with_a_request_decides_it_first() -> None:
    """A chair who owns the item (a lead proposed a date to them): the chair's row leads with
    Approve and Decline, above their own updates; each row within six."""
    asked = replace(
        detail_of(action(status=ActionStatus.IN_PROGRESS)),
        pending_date=TODAY + timedelta(days=30),
        pending_date_reason="Audit slipped",
        pending_request_id=8,
    )
    card = action_cards.action_item_card(
        asked, None, owner=True, chair=True, owners=[("aad-1", "Another Member")]
    )
    assert card_problems(card) == []
    rows = _headed_rows(card)
    assert rows[0] == (
        "As the review's chair, you can:",
        ["Approve", "Decline", "Reassign", "Amend", "Split in two", "Cancel this action item…"],
    )
    assert rows[1][0] == "As its owner, you can also:"
    assert [a["title"] for a in card["actions"]] == ["Review summary", "My actions"]


def test_a_refused_form_keeps_the_requests_decision_sending_nothing_typed() -> None:
    asked = replace(
        detail_of(action(status=ActionStatus.OPEN)),
        pending_date=TODAY + timedelta(days=30),
        pending_date_reason="Audit slipped",
        pending_request_id=8,
    )
    warned = action_cards.WarnedForm(verbs.ACTION_AMEND, {"reason": ""}, {})
    card = action_cards.action_item_card(
        asked, None, owner=False, chair=True, warned=warned, errors={"reason": "Say why."}
    )
    assert card_problems(card) == []
    approve = next(a for a in card["actions"] if a.get("verb") == verbs.DATE_APPROVE)
    assert approve["associatedInputs"] == "none"


def test_a_decision_on_an_item_waiting_for_the_chair_sends_it_back_to_work() -> None:
    # Every move the chair (or the agency lead) may make on a blocked or escalated item takes
    # it out of waiting for them: to work, or ended. A blocked item reassigned or amended
    # stayed blocked, "waiting for your decision", after the decision.
    waiting = (ActionStatus.BLOCKED, ActionStatus.ESCALATED)
    for status in waiting:
        for mover in (Mover.CHAIR, Mover.AGENCY_LEAD):
            for move in moves_for(mover, status):
                if move in (Move.NUDGE, Move.PROPOSE_DATE, Move.ASK_REASSIGN):
                    continue  # the lead's messages: they change no status
                assert status_after(move, status) not in (None, *waiting), (status, move)
    assert status_after(Move.AMEND, ActionStatus.BLOCKED) is ActionStatus.IN_PROGRESS
    assert status_after(Move.REASSIGN, ActionStatus.BLOCKED) is ActionStatus.IN_PROGRESS
    assert status_after(Move.CANCEL, ActionStatus.BLOCKED) is ActionStatus.CANCELLED
    # On an item at work, reassigning or amending leaves its status as it is.
    assert status_after(Move.AMEND, ActionStatus.IN_PROGRESS) is None
    assert status_after(Move.REASSIGN, ActionStatus.OPEN) is None
