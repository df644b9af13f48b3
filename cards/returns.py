"""Cards for the pre-analysis return: invitation, sections, chronology, overview, sign-off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Final

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    CAUTION,
    GOTO_LIST_ID,
    Card,
    build,
    button,
    button_json,
    card_nodes,
    choice_input,
    date_input,
    dumped,
    error_line,
    facts,
    field_error_line,
    field_problem,
    fit_typed_back,
    fits_teams,
    fitting_breaks,
    friendly_date,
    good_news,
    header,
    header_json,
    header_length,
    identifier_warning,
    most_that_fits,
    notice_lines,
    paragraph,
    replaced,
    revised,
    sent_size,
    show_form,
    text_input,
    toggle,
    typed_block,
    user_text,
    warning_line,
    with_problems,
)
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard
from domain.chronology import (
    REASON_MAX,
    SOURCE_MAX,
    TEXT_MAX,
    Page,
    describe_date,
)
from domain.held import HeldAnswer
from domain.idempotency import CARD_ID
from domain.identifier_checks import is_confirmed
from domain.model import DateCertainty
from domain.questions import Question, QuestionType, Theme, follow_up_input_id
from domain.records import ChronologyView, ReturnView
from domain.return_state import return_status_label
from domain.returns import (
    CHRONOLOGY_PLACE,
    CONFIRM_PREFIX,
    DRAWN,
    EPISODE_KEY,
    OVERVIEW_PLACE,
    START_CHOSEN,
    WRITING_ROLES,
    AfterSignOff,
    AllIn,
    Overview,
    ReturnRole,
    SectionScreen,
    WaitingSignOff,
    being_written_line,
    is_overdue,
    overview_heading,
    overview_place_title,
    place_value,
    reads_beside_line,
    returned_by,
    revision,
    section_state,
    sign_off_beside_line,
    sign_off_glance,
)
from domain.returns import (
    FROM_PAGE as FROM_PAGE,
)
from domain.stale import Typed
from domain.wording import counted, listed, shortened

CERTAINTY_CHOICES = [
    (DateCertainty.ON.value, "On"),
    (DateCertainty.BEFORE.value, "Before"),
    (DateCertainty.AFTER.value, "After"),
    (DateCertainty.APPROXIMATELY.value, "Approximately"),
]


def where(ret: ReturnView) -> str:
    """The line every return card carries: which review, which agency, when it is due."""
    return (
        f"{ret.reference} · {ret.pseudonym} · {ret.agency_name} return · due "
        f"{friendly_date(ret.due_on)}"
    )


def ids(ret: ReturnView, **extra: Any) -> dict[str, Any]:
    return {"return_id": ret.id, **extra}


def invitation_card(ret: ReturnView) -> Card:
    body = [
        *header(f"Your {ret.agency_name} pre-analysis return", where(ret)),
        paragraph(
            "You've been asked to complete your agency's pre-analysis for this "
            "Line-of-Sight review: 11 short sections and an impact chronology. "
            "Your answers are saved each time you press Next, Back or Save draft, so you can "
            "stop and type continue later."
        ),
        paragraph(
            "Use the pseudonym only. Never type a child's real name, date of birth, "
            "address or NHS number.",
            subtle=True,
        ),
    ]
    return build(body, [button("Start your return", verbs.RETURN_OPEN, ids(ret), primary=True)])


def returns_list_card(
    returns: Sequence[ReturnView],
    today: date | None = None,
    sign_offs_here: Sequence[ReturnView] = (),
    reading: Sequence[ReturnView] = (),
) -> Card:
    """`continue` with several returns: those the person writes, those they only read (a
    lead whose practitioners write them) and those waiting for their sign-off, each under its
    own heading with its own buttons beside it (walk10: one list and one row of buttons mixed
    returns written and returns to sign off)."""
    body: list[ac.ElementAnnotated] = [*header("Your returns")]
    if returns:
        body.append(_heading("To write"))
        body.extend(_return_row(ret, today, "Open") for ret in returns[:_LISTED])
        body.extend(_listed_more(returns))
    if reading:
        body.append(_heading("To read"))
        body.extend(_return_row(ret, today, "Read") for ret in reading[:_LISTED])
        body.extend(_listed_more(reading))
    if not returns and not reading:
        # A lead who writes none may still have sign-offs waiting: said below, each a click away.
        body.append(
            paragraph(
                "You have no returns to write."
                if sign_offs_here
                else "You have no returns to work on."
            )
        )
    if sign_offs_here:
        body.append(_heading("To sign off"))
        body.extend(sign_off_offers(sign_offs_here))
        # All of them, with how long each has waited, one click away.
        body.append(ac.ActionSet(actions=[button("All sign-offs waiting", verbs.SIGN_OFFS)]))
    return build(body, [])


# Returns listed under each heading of the "Your returns" card; any more are counted.
_LISTED = 5


def _heading(text: str) -> ac.TextBlock:
    return ac.TextBlock(text=text, weight=ty.FontWeight.BOLDER, wrap=True, spacing=ty.Spacing.LARGE)


def _return_row(ret: ReturnView, today: date | None, verb_word: str) -> ac.Container:
    """One return under its heading: what and when, and its own button."""
    late = today is not None and is_overdue(ret, today)
    line = (
        f"{ret.agency_name} · {return_status_label(ret.status)} · due "
        f"{friendly_date(ret.due_on)}" + (" · OVERDUE" if late else "")
    )
    title = shortened(f"{verb_word} {ret.reference} ({ret.agency_name})", 60)
    return ac.Container(
        separator=True,
        items=[
            facts([(ret.reference, line)]),
            ac.ActionSet(actions=[button(title, verbs.RETURN_OPEN, ids(ret))]),
        ],
    )


def _listed_more(returns: Sequence[ReturnView]) -> list[ac.ElementAnnotated]:
    more = len(returns) - _LISTED
    if more <= 0:
        return []
    return [paragraph(f"And {more} more: type continue with a review's reference.", subtle=True)]


# Returns offered beside a card, each with its button; any more are counted, never dropped.
_OFFERED = 3


def sign_off_offers(waiting: Sequence[ReturnView]) -> list[ac.ElementAnnotated]:
    """Under a card `continue` opened: each other return on its review waiting for the
    reader's sign-off (`domain.returns.sign_offs_beside`), said, with its sign-off card a
    click away."""
    return [
        _offer(
            good_news(sign_off_beside_line(ret)),
            button(
                shortened(f"Open the {ret.agency_name} sign-off card", 60),
                verbs.SIGNOFF_OPEN,
                ids(ret),
            ),
        )
        for ret in waiting[:_OFFERED]
    ] + _more(waiting, "waiting for your sign-off: type sign-offs to see them all")


def read_offers(reading: Sequence[ReturnView]) -> list[ac.ElementAnnotated]:
    """Under the sign-off card `continue` led with (`domain.returns.acts_first`): each return
    it opened that the reader only reads, said plainly, a click away."""
    return [
        _offer(
            paragraph(reads_beside_line(ret)),
            button(
                shortened(f"Read the {ret.agency_name} return", 60), verbs.RETURN_OPEN, ids(ret)
            ),
        )
        for ret in reading[:_OFFERED]
    ] + _more(reading, "to read: type continue {reference} to see them all")


def _more(offered: Sequence[ReturnView], what: str) -> list[ac.ElementAnnotated]:
    """The line under the offers saying how many more ("And 2 more …"), `what` naming the
    review as {reference}."""
    more = len(offered) - _OFFERED
    if more <= 0:
        return []
    return [paragraph(f"And {more} more " + what.format(reference=offered[0].reference) + ".")]


def _offer(said: ac.TextBlock, action: ac.ActionExecute) -> ac.Container:
    """Another return beside a card: a line saying it, and the button that opens it."""
    return ac.Container(separator=True, items=[said, ac.ActionSet(actions=[action])])


def all_in_card(done: AllIn) -> Card:
    """`continue LOS-…` where every return is in (`domain.returns.all_in`): said as news, with
    what happens next and the button that helps (the chair's meeting pack, else the summary)."""
    review = done.review
    data = {"review_id": review.id}
    body = [
        *header(done.title, f"{review.reference} · {review.pseudonym}"),
        *(paragraph(line) for line in done.lines),
    ]
    if done.pack:
        return build(body, [button("Meeting pack", verbs.PACK, data, primary=True)])
    return build(body, [button("Review summary", verbs.SUMMARY, data, primary=True)])


# --- a section of questions ------------------------------------------------------------------


def section_card(screen: SectionScreen) -> Card:
    """One section of questions. When long answers would push the card past Teams' size
    limit, the worked examples are left out rather than the card failing to send, and then
    the "Go to" list (Back, Next and the review-and-submit card still reach every part).
    What a refused save typed (`screen.typed_back`) is given back whole if the card can drop
    its examples and list for it, and shortened, saying so, only if it still can't."""
    if screen.typed_back:
        return _with_typed_back(screen)
    card = MeasuredCard(_section_card(screen, with_examples=True))
    if card.size <= TEAMS_CARD_LIMIT_BYTES:
        return card
    shorter = MeasuredCard(_section_card(screen, with_examples=False))
    if shorter.size <= TEAMS_CARD_LIMIT_BYTES:
        return shorter
    return _section_card(screen, with_examples=False, with_jumps=False)


def _with_typed_back(screen: SectionScreen) -> Card:
    card: Card = {}
    for examples, jumps in ((True, True), (False, True), (False, False)):

        def draw(typed: tuple[Typed, ...], e: bool = examples, j: bool = jumps) -> Card:
            return _section_card(screen, with_examples=e, with_jumps=j, typed=typed)

        card, cut = fit_typed_back(draw, screen.typed_back)
        if not cut:
            break
    return card


def _section_card(
    screen: SectionScreen,
    *,
    with_examples: bool,
    with_jumps: bool = True,
    typed: Sequence[Typed] = (),
) -> Card:
    section, ret = screen.section, screen.ret
    progress = f"Section {screen.index + 1} of {screen.bank.section_count} · {section.title}"
    body: list[ac.ElementAnnotated | Card] = [*header_json(progress, where(ret))]
    if ret.returned_comments:
        body.append(error_line(f"{returned_by(screen.role)}: {ret.returned_comments}"))
    body.extend(notice_lines(screen.notices))
    body.extend(sign_off_offers(screen.sign_offs_here))
    body.extend(typed_block(typed))
    body.append(_intro(section.intro))
    if section.repeatable:
        body.extend(_episode_list(screen))
    for question in section.questions:
        body.extend(_question_block(question, screen, with_examples))
    if screen.read_only:
        if with_jumps:
            body.append(jump_list(screen.jumps, button(GO, verbs.RETURN_OPEN, ids(ret))))
        if screen.can_sign_off:
            body.append(_comments_input())
        return build(body, _read_only_actions(screen))
    go = button_json(SAVE_AND_GO, verbs.RETURN_SAVE, {**_section_data(screen), "jump": True})
    if with_jumps:
        body.append(jump_list(screen.jumps, go))
    return build(body, _section_actions(screen))


def _read_only_actions(screen: SectionScreen) -> list[ac.ActionExecute]:
    ret, index = screen.ret, screen.index
    actions = []
    if index > 0:
        actions.append(button("Previous section", verbs.RETURN_OPEN, ids(ret, section=index - 1)))
    if index < screen.bank.section_count - 1:
        actions.append(button("Next section", verbs.RETURN_OPEN, ids(ret, section=index + 1)))
    if screen.can_sign_off:
        # A section card is measured, so not stamped: its sign-off buttons carry their own id.
        card_id = f"signoff-{ret.id}-{index}-{screen.episode or 0}"
        return actions + signoff_buttons(ret, place_value(index, screen.episode), card_id)
    actions.append(button("Chronology", verbs.CHRONOLOGY, ids(ret)))
    return actions


GOTO_INPUT = "goto"
# The "Go to" list's button says what happens: a writable section saves its answers before it
# opens the part chosen; every other card (the chronology's entries are saved by their own
# form, a read-only card has nothing to save) only opens it.
GO = "Open"
SAVE_AND_GO = "Save and open"


# The sign-off card's "Read this part" carries it: that button opens only the part chosen.
READ_CHOSEN: Final = "chosen_only"
CHOOSE_A_PART: Final = (
    "Nothing was chosen to read: open 'Each part at a glance' below, choose a part under "
    "'Go to', then press Read this part."
)


def jump_list(jumps: Sequence[tuple[str, str]], go: ac.ActionExecute | Card) -> ac.Container | Card:
    """ "Go to" any section, key practice episode, the chronology or the overview, in one step.
    The choices come from the return; the button says what happens (saving first, or not)."""
    choices = ac.InputChoiceSet(
        id=GOTO_INPUT,
        label="Go to",
        placeholder="Choose a part of the return",
        choices=[ac.InputChoice(title=title, value=value) for value, title in jumps],
        style=ty.ChoiceInputStyle.COMPACT,
        wrap=True,
    )
    if isinstance(go, dict):
        return {
            "type": "Container",
            "id": GOTO_LIST_ID,
            "separator": True,
            "items": [dumped(choices), {"type": "ActionSet", "actions": [go]}],
        }
    return ac.Container(
        id=GOTO_LIST_ID, items=[choices, ac.ActionSet(actions=[go])], separator=True
    )


# The most the comments box takes (and shows back when a return is refused).
COMMENTS_MAX: Final = 2000


def _comments_input(value: str | None = None) -> ac.InputText:
    return text_input(
        "comments",
        "Comments for the practitioner (needed to return it)",
        value,
        max_length=COMMENTS_MAX,
        multiline=True,
    )


# `FROM_PAGE` (domain.returns) in a page's Return with comments (not the sign-off card's): a
# refusal answers on that page.


def signoff_buttons(
    ret: ReturnView, comment_on: str | None = None, card_id: str | None = None
) -> list[ac.ActionExecute]:
    """Approve, or Return with comments: on the sign-off card and on every page of the
    return the lead reads, so opening the full return never loses the sign-off. A page's
    (`comment_on`, where it is) is answered on that page when refused (`with_return_box`)."""
    token = {CARD_ID: card_id} if card_id else {}
    shown = revised(ids(ret, **token), revision(ret))
    # Both from a page: an Approve refused (comments typed, which it doesn't keep) is
    # answered on that page too, the box as typed.
    returning = {**shown, "comment_on": comment_on, FROM_PAGE: 1} if comment_on else shown
    return [
        button("Approve", verbs.SIGNOFF_APPROVE, returning, primary=True),
        button("Return with comments", verbs.SIGNOFF_RETURN, returning),
    ]


def with_return_box(
    page: Card,
    ret: ReturnView,
    comment_on: str,
    comments: str | None,
    errors: Mapping[str, str],
    start: str | None = None,
) -> Card:
    """A page of the return the lead reads, drawn again after its Return with comments was
    refused: its comments box moved from the page's foot to near its top, under its header,
    as typed, with the problem under it and the button to return it from there, so the lead
    stays where they were and sees why.

    The page was fitted to Teams' size limit with its box empty; the comments typed into it
    (up to the box's 2,000 characters, four bytes each at most) can take it over, and the
    size check on the way out (cards/fit.py) would then keep only the page's opening lines,
    the box with them. So it is measured as sent (`sent_size`) here, and gives up, only as it
    must: the page's "Go to" list (Back and Next still reach every part), then the rest of
    the page under the box, saying so. The box, what was typed in it, its problem and the
    button always stay."""
    typed = comments[:COMMENTS_MAX] if comments else comments
    box = with_problems([_comments_input(typed)], errors)
    again = dumped(ac.ActionSet(actions=[signoff_buttons(ret, comment_on)[1]]))
    # The part chosen on the sign-off card, as the page's own buttons carry it (`with_start`).
    added = [*(dumped(e) for e in box), _with_data(again, {START_CHOSEN: start} if start else {})]
    body = [
        e for e in page.get("body", []) if not (isinstance(e, dict) and e.get("id") == "comments")
    ]
    top = header_length(body[:3])
    # The box's own button is the page's Return with comments, moved up with it: the page's
    # foot keeps Approve and its reading buttons, never a second Return with comments.
    actions = [a for a in page.get("actions", []) if not _returns_it(a)]
    moved = {**page, "body": [*body[:top], *added, *body[top:]], "actions": actions}
    return _fitted(moved, body[:top], added)


def _returns_it(action: object) -> bool:
    return isinstance(action, dict) and action.get("verb") == verbs.SIGNOFF_RETURN


def with_comments(page: Card, comments: str | None) -> Card:
    """A page of the return the lead reads (a section, the chronology), its comments box
    holding what they typed on the card whose button opened it (`domain.returns.
    carried_comments`): turning pages, or going back to the sign-off card, never drops it
    (walk12: each page's box came empty). A page with no box (no sign-off to give) as it is.
    Fitted as `with_return_box` is: in place at the page's foot while the page fits, else
    without its "Go to" list, else the box under the header and the rest left off, saying so
    (the page's own buttons, Return with comments among them, stay)."""
    if not comments:
        return page
    box = dumped(_comments_input(comments[:COMMENTS_MAX]))
    filled = replaced(page, "comments", box)
    if filled == page:
        return _comments_not_here(page, comments[:COMMENTS_MAX])
    body = [
        e for e in page.get("body", []) if not (isinstance(e, dict) and e.get("id") == "comments")
    ]
    return _fitted(filled, body[: header_length(body[:3])], [box])


# A page with no comments box (another agency's return, read beside a sign-off card) reached
# with comments typed: they are said back, not dropped without a word (they belong to the
# return whose sign-off card they were typed on, never to this one).
COMMENTS_NOT_HERE: Final = (
    "The comments you typed are for the return whose sign-off card you came from, so they "
    "are not on this one. Here they are, to copy back into its comments box:"
)


def _comments_not_here(page: Card, comments: str) -> Card:
    """`page`, under its header the comments typed on the card its button was on, said back
    (`COMMENTS_NOT_HERE`), so nothing typed is lost; the page as it was if it can't fit."""
    body = page.get("body", [])
    top = header_length(body[:3])
    said = [dumped(warning_line(COMMENTS_NOT_HERE)), dumped(paragraph(comments))]
    card = {**page, "body": [*body[:top], *said, *body[top:]]}
    return card if fits_teams(card) else page


def with_start(page: Card, start: str | None, jumps: Sequence[tuple[str, str]]) -> Card:
    """A page of the return the lead reads, carrying the part they chose on the sign-off card
    for the practitioner to start at (`domain.returns.carried_start`): in the data of each of
    its buttons (its Return with comments sends the practitioner there, not to this page; its
    next page and the sign-off card carry it on), and said above its comments box. A page
    with no box (no sign-off to give) as it is."""
    if not start or not any(n.get("id") == "comments" for n in card_nodes(page)):
        return page
    carried: Card = _with_data(page, {START_CHOSEN: start})
    title = dict(jumps).get(start)
    if title is None:
        return carried
    line = dumped(paragraph(f"If you return it, the practitioner starts at: {title}.", subtle=True))
    body = carried.get("body", [])
    at = next(i for i, e in enumerate(body) if isinstance(e, dict) and e.get("id") == "comments")
    said = {**carried, "body": [*body[:at], line, *body[at:]]}
    return said if fits_teams(said) else carried


def _with_data(node: Any, extra: Mapping[str, Any]) -> Any:
    """`node` with `extra` in the data of every button in it (and its Action.Submit fallback)."""
    if isinstance(node, list):
        return [_with_data(item, extra) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _with_data(value, extra) for key, value in node.items()}
    if node.get("type") in ("Action.Execute", "Action.Submit") and isinstance(
        node.get("data"), dict
    ):
        copied["data"] = {**node["data"], **extra}
    return copied


def _fitted(card: Card, head: list[Any], added: list[Card]) -> Card:
    """`card`, a page with the comments box holding what was typed, within Teams' size limit
    as sent (`sent_size`): whole, else without its "Go to" list (Back and Next still reach
    every part), else its `head`, the box (`added`) and as much of the page as fits after
    them, saying the rest is left off (review12b: the whole page went, so a lead carrying
    comments could not read it at all)."""
    if fits_teams(card):
        return card
    shorter = replaced(card, GOTO_LIST_ID, None)
    if fits_teams(shorter):
        return shorter
    rest = [e for e in shorter.get("body", [])[len(head) :] if e not in added]
    note = dumped(paragraph(PAGE_LEFT_OFF, subtle=True))

    def first(count: int) -> Card:
        return {**card, "body": [*head, *added, *rest[:count], note]}

    return first(most_that_fits(len(rest), lambda count: fits_teams(first(count))))


# What a page too long to show beside the comments typed on it says instead of the rest.
PAGE_LEFT_OFF: Final = (
    "The rest of this page is left off to make room for your comments. Return it from here, "
    "or use the buttons below to go on reading."
)


def _episode_list(screen: SectionScreen) -> list[ac.ElementAnnotated]:
    rows = [
        (f"Episode {e.number}", f"{e.date} {e.headline}".strip() or "(no answers yet)")
        for e in screen.episodes
    ]
    limit = screen.section.max_repeats
    title = f"Episode {screen.episode} of up to {limit}"
    items: list[ac.ElementAnnotated] = [facts(rows)] if rows else []
    items.append(ac.TextBlock(text=title, weight=ty.FontWeight.BOLDER, separator=True))
    return items


def _question_block(
    question: Question, screen: SectionScreen, with_examples: bool
) -> list[ac.ElementAnnotated | Card]:
    if question.id in screen.held:
        return _held_block(question, screen.held[question.id])
    if screen.read_only:
        return _answer_block(question, screen)
    block: list[ac.ElementAnnotated | Card] = [
        _guidance(question, with_examples),
        _with_value(_input_template(question), screen.values.get(question.id)),
    ]
    if question.id in screen.errors:
        # Named by the question the box shows, not the short name the rule knows it by.
        block.append(error_line(field_problem(screen.errors[question.id], question.prompt)))
    if question.type is QuestionType.YES_NO_FOLLOWUP:
        follow_id = follow_up_input_id(question.id)
        block.append(_with_value(_follow_up_template(question), screen.values.get(follow_id)))
        if follow_id in screen.errors:
            # Named by the follow-up box's own label ("If no: why not?"), as the card asks it.
            named = field_problem(screen.errors[follow_id], follow_up_label(question))
            block.append(error_line(named))
    if question.id in screen.warnings:
        block.append(warning_line(screen.warnings[question.id]))
        block.append(
            toggle(
                CONFIRM_PREFIX + question.id,
                "I've checked: this is not identifying information",
                False,
            )
        )
    return block


def _held_block(question: Question, held: HeldAnswer) -> list[ac.ElementAnnotated | Card]:
    """A colleague's answer held back (domain/held.py): masked, with who it waits for, as
    text and never as an input, so the raw text is not in this card and a save from it
    leaves the writer's answer alone."""
    return [
        ac.TextBlock(text=user_text(question.prompt), wrap=True, weight=ty.FontWeight.BOLDER),
        paragraph(held.text),
        warning_line(held.note),
    ]


def _answer_block(question: Question, screen: SectionScreen) -> list[ac.ElementAnnotated | Card]:
    """A question and its answer as text: a reader (the agency lead at sign-off) gets no input
    boxes, which would look editable and silently drop what was typed into them."""
    block: list[ac.ElementAnnotated | Card] = [
        ac.TextBlock(text=user_text(question.prompt), wrap=True, weight=ty.FontWeight.BOLDER),
        paragraph(_answer_text(question, screen.values.get(question.id)) or "(not answered)"),
    ]
    if question.type is QuestionType.YES_NO_FOLLOWUP:
        follow_up = screen.values.get(follow_up_input_id(question.id))
        if follow_up:
            block.append(paragraph(f"{follow_up_label(question)}: {follow_up}"))
    return block


def _answer_text(question: Question, value: str | None) -> str:
    """What a choice answer's values mean to a reader (their labels); other answers as typed."""
    if not value:
        return ""
    labels: dict[str, str] = {}
    match question.type:
        case QuestionType.YES_NO_FOLLOWUP:
            labels = {"yes": "Yes", "no": "No"}
        case QuestionType.CHOICE | QuestionType.MULTI_CHOICE:
            labels = {c.value: c.label for c in question.choices}
        case QuestionType.THEME_TAGS:
            labels = dict(screen_themes())
        case _:
            return value
    return ", ".join(labels.get(part, part) for part in value.split(","))


# A question's guidance and inputs are the same on every card of its bank but for the values,
# so they are built and dumped once (common.dumped) and a section card, drawn on every save,
# builds only what changes (bench/).


@lru_cache(maxsize=256)
def _guidance(question: Question, with_examples: bool) -> Card:
    guidance = f"{question.help} Example: {question.example}" if with_examples else question.help
    return dumped(
        ac.TextBlock(
            text=guidance, wrap=True, is_subtle=True, size=ty.FontSize.SMALL, separator=True
        )
    )


@lru_cache(maxsize=64)
def _intro(text: str) -> Card:
    return dumped(paragraph(text, subtle=True))


@lru_cache(maxsize=256)
def _input_template(question: Question) -> Card:
    return dumped(_input_for(question, None))


@lru_cache(maxsize=256)
def _follow_up_template(question: Question) -> Card:
    return dumped(
        text_input(
            follow_up_input_id(question.id),
            follow_up_label(question),
            None,
            max_length=question.max_length or 1000,
            multiline=True,
        )
    )


def _with_value(template: Card, value: str | None) -> Card:
    """An input from its template, holding `value` as the input builders would."""
    return {**template, "value": value} if value else template


def _input_for(question: Question, value: str | None) -> ac.ElementAnnotated:
    label = question.prompt
    required = question.required
    match question.type:
        case QuestionType.SHORT_TEXT | QuestionType.LONG_TEXT:
            return text_input(
                question.id,
                label,
                value,
                max_length=question.max_length or 500,
                multiline=question.type is QuestionType.LONG_TEXT,
                required=required,
            )
        case QuestionType.DATE:
            return date_input(question.id, label, value, required=required)
        case QuestionType.YES_NO_FOLLOWUP:
            return choice_input(
                question.id,
                label,
                [("yes", "Yes"), ("no", "No")],
                value,
                expanded=True,
                required=required,
            )
        case QuestionType.CHOICE | QuestionType.MULTI_CHOICE:
            choices = [(c.value, c.label) for c in question.choices]
            return choice_input(
                question.id,
                label,
                choices,
                value,
                required=required,
                multi=question.type is QuestionType.MULTI_CHOICE,
            )
        case QuestionType.THEME_TAGS:
            return choice_input(
                question.id, label, screen_themes(), value, multi=True, required=required
            )
    raise ValueError(f"no input for {question.type}")


def screen_themes() -> list[tuple[str, str]]:
    from domain.questions import default_themes

    return [(theme.slug, theme.label) for theme in default_themes()]


def _section_data(screen: SectionScreen) -> dict[str, Any]:
    data = ids(screen.ret, section=screen.index, revs=dict(screen.revisions))
    if screen.drawn:
        data[DRAWN] = dict(screen.drawn)
    if screen.episode is not None:
        data["episode"] = screen.episode
        # Which episode it drew, by key: a save after one was removed (and the rest renumbered)
        # never writes into the episode that took its number (domain/returns.py).
        shown = [e for e in screen.episodes if e.number == screen.episode]
        if shown and shown[0].key:
            data[EPISODE_KEY] = shown[0].key
    # Its own id, since a section card is measured once and read-only (stamped() leaves it):
    # the same section at the same answer revisions is the same card, and the answers' own
    # revisions refuse a stale save.
    data[CARD_ID] = f"section-{screen.ret.id}-{screen.index}-{screen.episode or 0}"
    return data


def _section_actions(screen: SectionScreen) -> list[Card]:
    data = _section_data(screen)
    actions = []
    if screen.index > 0:
        actions.append(button_json("Back", verbs.RETURN_BACK, data))
    actions.append(button_json("Save draft", verbs.RETURN_SAVE, data))
    if screen.section.repeatable and screen.episode is not None:
        if screen.episode < (screen.section.max_repeats or 1):
            actions.append(button_json("Save and add another", verbs.EPISODE_ADD, data))
        if EPISODE_KEY in data:
            actions.append(button_json("Remove this episode", verbs.EPISODE_REMOVE, data))
    last = screen.index == screen.bank.section_count - 1
    actions.append(
        button_json("Next: chronology" if last else "Next", verbs.RETURN_NEXT, data, primary=True)
    )
    return actions


# --- the impact chronology -------------------------------------------------------------------


def chronology_card(
    ret: ReturnView,
    page: Page,
    total: int,
    *,
    read_only: bool,
    notices: Sequence[str] = (),
    can_sign_off: bool = False,
    jumps: Sequence[tuple[str, str]] = (),
    role: ReturnRole = ReturnRole.WRITER,
    sign_offs_here: Sequence[ReturnView] = (),
) -> Card:
    def draw() -> Card:
        returned = _returned(ret, read_only, role)
        notes = [*notice_lines(notices), *sign_off_offers(sign_offs_here)]
        card = _chronology_card(
            ret, page, total, read_only, notes, can_sign_off, jumps, returned, role
        )
        if not ret.returned_comments or sent_size(card) <= TEAMS_CARD_LIMIT_BYTES:
            return card
        # A full page of long entries leaves no room for long comments: point to where they are.
        pointer = [error_line(f"{returned_by(role)}: see the review-and-submit card.")]
        return _chronology_card(
            ret, page, total, read_only, notes, can_sign_off, jumps, pointer, role
        )

    # A full page of long unbroken entries gives up their wrap breaks first.
    return fitting_breaks(draw)


def _chronology_card(
    ret: ReturnView,
    page: Page,
    total: int,
    read_only: bool,
    notes: Sequence[ac.ElementAnnotated],
    can_sign_off: bool,
    jumps: Sequence[tuple[str, str]],
    returned: Sequence[ac.ElementAnnotated],
    role: ReturnRole,
) -> Card:
    title = f"Impact chronology · {counted(total, 'entry')}"
    body: list[ac.ElementAnnotated] = [*header(title, where(ret)), *returned]
    body.extend(notes)
    if not total:
        body.append(
            paragraph(
                "No entries yet. Add the key events your agency knew of, in any "
                "order: I keep them in date order."
            )
        )
    for item in page.items:
        body.append(_entry_summary(ret, item, read_only))
    if page.count > 1:
        body.append(paragraph(f"Page {page.number} of {page.count}", subtle=True))
    actions = []
    if page.number > 1:
        actions.append(button("Previous page", verbs.CHRONOLOGY, ids(ret, page=page.number - 1)))
    if page.number < page.count:
        actions.append(button("Next page", verbs.CHRONOLOGY, ids(ret, page=page.number + 1)))
    if jumps:
        body.append(_as_model(jump_list(jumps, button(GO, verbs.RETURN_OPEN, ids(ret)))))
    if not read_only:
        actions.insert(0, button("Add entry", verbs.ENTRY_FORM, ids(ret)))
        actions.append(button("Back to questions", verbs.RETURN_OPEN, ids(ret, section=10)))
        # "Review and submit" only for its writers: a reading lead's overview has no Submit.
        overview = overview_place_title(role)
        primary = role in WRITING_ROLES
        actions.append(button(overview, verbs.RETURN_OVERVIEW, ids(ret), primary=primary))
    elif can_sign_off:
        body.append(_comments_input())
        actions += signoff_buttons(ret, CHRONOLOGY_PLACE)
    return build(body, actions)


def _as_model(element: ac.Container | Card) -> ac.Container:
    assert isinstance(element, ac.Container)  # jump_list gives a model for a model button
    return element


def _returned(
    ret: ReturnView, read_only: bool, role: ReturnRole = ReturnRole.WRITER
) -> list[ac.ElementAnnotated]:
    """The lead's comments, on every card of a returned return until it is submitted again."""
    if read_only or not ret.returned_comments:
        return []
    return [error_line(f"{returned_by(role)}: {ret.returned_comments}")]


def _entry_summary(ret: ReturnView, item: ChronologyView, read_only: bool) -> ac.Container:
    entry = item.entry
    flags = [
        label
        for flag, label in (
            (entry.key_practice_episode, "Key practice episode"),
            (entry.missed_opportunity, "Missed opportunity"),
        )
        if flag
    ]
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text=user_text(f"{describe_date(entry)} · {entry.source}"),
            weight=ty.FontWeight.BOLDER,
            wrap=True,
        ),
        ac.TextBlock(text=user_text(entry.event), wrap=True, spacing=ty.Spacing.NONE),
    ]
    if flags:
        lines.append(
            ac.TextBlock(text=" · ".join(flags), color=ty.Colors.ATTENTION, spacing=ty.Spacing.NONE)
        )
    if not read_only:
        lines.append(
            ac.ActionSet(
                actions=[
                    button("Edit", verbs.ENTRY_FORM, ids(ret, entry_id=item.id)),
                    button("Remove", verbs.ENTRY_REMOVE, ids(ret, entry_id=item.id)),
                ]
            )
        )
    return ac.Container(items=lines, separator=True)


def entry_form_card(
    ret: ReturnView,
    themes: Sequence[Theme],
    values: Mapping[str, str],
    *,
    entry_id: int | None = None,
    errors: Mapping[str, str] | None = None,
    warnings: Mapping[str, str] | None = None,
    revision: str | None = None,
) -> Card:
    errors, warnings = errors or {}, warnings or {}
    title = "Edit chronology entry" if entry_id else "Add a chronology entry"
    fields: list[tuple[str, ac.ElementAnnotated]] = [
        ("event_date", date_input("event_date", "Date", values.get("event_date"), required=True)),
        (
            "date_certainty",
            choice_input(
                "date_certainty",
                "How certain is the date?",
                CERTAINTY_CHOICES,
                values.get("date_certainty", "on"),
            ),
        ),
        ("end_date", date_input("end_date", "End date (for a period)", values.get("end_date"))),
        (
            "source",
            text_input(
                "source",
                "Source of information",
                values.get("source"),
                max_length=SOURCE_MAX,
                required=True,
                placeholder="for example: health visitor record 14/03",
            ),
        ),
        (
            "event",
            text_input(
                "event",
                "What happened (brief, factual, non-judgemental)",
                values.get("event"),
                max_length=TEXT_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            "impact_on_child",
            text_input(
                "impact_on_child",
                "Impact on the child",
                values.get("impact_on_child"),
                max_length=TEXT_MAX,
                multiline=True,
            ),
        ),
        (
            "action_outcome",
            text_input(
                "action_outcome",
                "Action taken or outcome",
                values.get("action_outcome"),
                max_length=TEXT_MAX,
                multiline=True,
            ),
        ),
        (
            "key_practice_episode",
            toggle(
                "key_practice_episode",
                "Key practice episode",
                values.get("key_practice_episode") == "true",
            ),
        ),
        (
            "missed_opportunity",
            toggle(
                "missed_opportunity",
                "Missed opportunity",
                values.get("missed_opportunity") == "true",
            ),
        ),
        (
            "missed_opportunity_reason",
            text_input(
                "missed_opportunity_reason",
                "If a missed opportunity: why, in a sentence",
                values.get("missed_opportunity_reason"),
                max_length=REASON_MAX,
                multiline=True,
            ),
        ),
        (
            "themes",
            choice_input(
                "themes",
                "Themes",
                [(t.slug, t.label) for t in themes],
                values.get("themes"),
                multi=True,
            ),
        ),
    ]
    body: list[ac.ElementAnnotated] = [*header(title, where(ret))]
    for key, element in fields:
        body.append(element)
        if key in errors:
            body.append(field_error_line(element, errors[key]))
        if key in warnings:
            body.extend(identifier_warning(key, warnings[key], ticked=is_confirmed(values, key)))
    data = ids(ret, entry_id=entry_id) if entry_id else ids(ret)
    if entry_id and revision:
        data = revised(data, revision)
    return build(
        body,
        [
            button("Save entry", verbs.ENTRY_SAVE, data, primary=True),
            button("Cancel", verbs.CHRONOLOGY, ids(ret)),
        ],
    )


# --- overview, submit and sign-off -----------------------------------------------------------


def overview_card(summary: Overview, *, notices: Sequence[str] = ()) -> Card:
    """The review-and-submit card: for its writers, what is left and Submit; for a lead
    while its practitioners write it (`ReturnRole.LEAD_READER`), who is writing it, and no
    Submit (the sign-off card comes when they submit it)."""
    ret = summary.ret
    if summary.role is ReturnRole.LEAD_READER:
        return _lead_reading_card(summary, notices)
    actions = (
        []
        if summary.read_only
        else [
            button(
                shortened(f"Finish: {status.title}", 40),
                verbs.RETURN_OPEN,
                ids(ret, section=status.index),
            )
            for status in summary.sections
            if status.missing
        ][:3]
    )
    if not summary.read_only:
        actions.append(button("Chronology", verbs.CHRONOLOGY, ids(ret)))
        actions.append(
            button(
                "Submit to agency lead",
                verbs.RETURN_SUBMIT,
                revised(ids(ret), revision(ret)),
                primary=True,
            )
        )
    body = _overview_body(summary, notices)
    body[3:3] = _returned(ret, summary.read_only, summary.role)
    if summary.jumps:
        body.append(_as_model(jump_list(summary.jumps, button(GO, verbs.RETURN_OPEN, ids(ret)))))
    return build(body, actions)


def _lead_reading_card(summary: Overview, notices: Sequence[str]) -> Card:
    ret = summary.ret
    body = _overview_body(summary, notices)
    # Under the header and the return's line (three elements), before its facts.
    body.insert(3, paragraph(being_written_line(summary.writers, ret.status)))
    if ret.returned_comments:
        body.insert(4, error_line(f"{returned_by(summary.role)}: {ret.returned_comments}"))
    if summary.jumps:
        body.append(_as_model(jump_list(summary.jumps, button(GO, verbs.RETURN_OPEN, ids(ret)))))
    return build(body, [button("Chronology", verbs.CHRONOLOGY, ids(ret))])


def _overview_body(
    summary: Overview, notices: Sequence[str] = (), title: str | None = None
) -> list[ac.ElementAnnotated]:
    """The overview's header, notices and facts: its title (unless given, as the sign-off
    card's is) and Status line from the one rule, `overview_heading`."""
    heading = overview_heading(summary.role, summary.ret.status)
    body: list[ac.ElementAnnotated] = [
        *header(title or heading.title, where(summary.ret)),
        *notice_lines(notices),
        *sign_off_offers(summary.sign_offs_here),
        *read_offers(summary.reads_here),
        facts(
            [
                ("Status", heading.status),
                ("Chronology", counted(summary.entry_count, "entry")),
            ]
        ),
    ]
    body.extend(
        _section_summary(s.title, s.missing, s.highlights, summary.role) for s in summary.sections
    )
    if summary.unconfirmed:
        body.append(
            error_line("Possible identifiers to check: " + "; ".join(summary.unconfirmed[:5]))
        )
    return body


def _section_summary(
    title: str, missing: Sequence[str], highlights: Sequence[tuple[str, str]], role: ReturnRole
) -> ac.Container:
    state = section_state(role, len(missing))  # "to answer" only for its writers
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text=user_text(f"{title} · {state.text}"),
            weight=ty.FontWeight.BOLDER,
            wrap=True,
            color=CAUTION if state.to_do else None,
        ),
    ]
    lines.extend(
        ac.TextBlock(
            text=user_text(f"{label}: {text}"),
            wrap=True,
            size=ty.FontSize.SMALL,
            spacing=ty.Spacing.NONE,
            max_lines=3,
        )
        for label, text in highlights[:3]
    )
    return ac.Container(items=lines, separator=True)


def submitted_card(ret: ReturnView, *, lead_reached: bool) -> Card:
    body: list[ac.ElementAnnotated] = [
        *header("Return submitted", where(ret)),
        paragraph(
            "Thank you. Your agency's safeguarding lead has been asked to sign it off. "
            "You'll hear from me if they return it with comments."
        ),
    ]
    if not lead_reached:
        body.append(
            error_line(
                "I couldn't reach a safeguarding lead for your agency. Please "
                "tell them the return is waiting, or ask your admin to add one."
            )
        )
    return build(body, [button("What can I do?", verbs.HELP)])


# Said above the other returns a sign-off card offers to read: what is typed in its box is for
# this return, and the other return's page says it back rather than carrying it on
# (`COMMENTS_NOT_HERE`).
READ_BESIDE_LEAVES_COMMENTS: Final = (
    "Comments typed above are for this return: reading another one doesn't take them with it "
    "(its first page shows them back to copy)."
)


def signoff_card(
    summary: Overview,
    comments: str | None = None,
    warnings: Mapping[str, str] | None = None,
    start: str | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The agency lead's card, read at a glance (`sign_off_glance`): what to decide, the key
    facts and what needs a look, the comments box, then Approve or Return with comments; each
    part's highlights and "Read this part" behind the "Each part at a glance" show-card.
    Drawn again, as typed, after a warning or a problem: the comments and where the
    practitioner should start, each problem under its own box (`with_problems`)."""
    ret = summary.ret
    glance = sign_off_glance(summary)
    body: list[ac.ElementAnnotated] = [
        *header("Return for sign-off", where(ret)),
        paragraph(glance.decide),
        *sign_off_offers(summary.sign_offs_here),
        facts([("Status", overview_heading(summary.role, ret.status).status), *glance.facts]),
    ]
    if summary.sent_back_before:
        # The lead's own words, inert as all user text: what to check was done.
        body.append(ac.TextBlock(text=user_text(summary.sent_back_before), wrap=True))
    if summary.unconfirmed:
        body.append(
            error_line("Possible identifiers to check: " + "; ".join(summary.unconfirmed[:5]))
        )
    if summary.kept:
        body.append(
            ac.TextBlock(
                text=user_text(
                    "Kept after an identifier warning (the writer ticked that it is not "
                    "identifying): " + "; ".join(summary.kept[:8])
                ),
                wrap=True,
                color=CAUTION,
            )
        )
    body.append(_comments_input(comments))
    if warnings and "comments" in warnings:
        body.extend(identifier_warning("comments", warnings["comments"]))
    places = [(v, t) for v, t in summary.jumps if v != OVERVIEW_PLACE]
    body.append(
        choice_input(
            "comment_on",
            "If returning it: where should the practitioner start? (optional)",
            places,
            start if any(v == start for v, _ in places) else None,
        )
    )
    # The returns the lead only reads come after their own decision (the new-user walk: the
    # card opened with another agency's unstarted return above the one to sign off).
    if summary.reads_here:
        body.append(paragraph(READ_BESIDE_LEAVES_COMMENTS, subtle=True))
        body.extend(read_offers(summary.reads_here))

    def drawn(highlights: bool) -> Card:
        return build(
            with_problems(body, errors or {}),
            [
                *signoff_buttons(ret),
                *_each_part(summary, highlights=highlights),
                button("Read the full return", verbs.RETURN_OPEN, ids(ret, section=0)),
            ],
        )

    # What was sent back before and what is typed in the box (2,000 characters each) can take
    # the fullest card over Teams' limit: then each part's highlights go, its state, "Go to"
    # and "Read the full return" staying (the lead's words, and theirs to check, never go).
    card = drawn(highlights=True)
    return card if fits_teams(card) else drawn(highlights=False)


def _each_part(summary: Overview, *, highlights: bool = True) -> list[Card]:
    """The sign-off card's detail, one click away: each part's state and highlights (unless
    left off to fit), and "Go to" with "Read this part"."""
    parts: list[ac.ElementAnnotated] = [
        _section_summary(s.title, s.missing, s.highlights if highlights else (), summary.role)
        for s in summary.sections
    ]
    if not summary.jumps:
        whole = button("Read the full return", verbs.RETURN_OPEN, ids(summary.ret, section=0))
        return [show_form("Each part at a glance", parts, whole)]
    choices = ac.InputChoiceSet(
        id=GOTO_INPUT,
        label="Go to",
        placeholder="Choose a part of the return",
        choices=[ac.InputChoice(title=title, value=value) for value, title in summary.jumps],
        style=ty.ChoiceInputStyle.COMPACT,
        wrap=True,
    )
    # `READ_CHOSEN`: with nothing chosen, the card comes back with the problem said under its
    # header (`errors[GOTO_LIST_ID]`; the list is in this show-card, closed when redrawn),
    # rather than opening where the practitioner stopped unasked (walk9).
    read = button("Read this part", verbs.RETURN_OPEN, {**ids(summary.ret), READ_CHOSEN: 1})
    return [show_form("Each part at a glance", [*parts, choices], read)]


def signoffs_card(waiting: Sequence[WaitingSignOff], signoff_days: int) -> Card:
    """`sign-offs`: the returns waiting for this lead, longest first, each one click away."""
    body: list[ac.ElementAnnotated] = [*header("Returns waiting for your sign-off")]
    if not waiting:
        body.append(paragraph("Nothing is waiting for your sign-off."))
    for item in waiting[:10]:
        ret = item.ret
        age = f"waiting {counted(item.working_days, 'working day')}"
        what = "Nil return to confirm" if item.nil else "Submitted"
        lines: list[ac.ElementAnnotated] = [
            ac.TextBlock(
                text=user_text(f"{ret.reference} · {ret.pseudonym} · {ret.agency_name}"),
                weight=ty.FontWeight.BOLDER,
                wrap=True,
            ),
            ac.TextBlock(
                text=f"{what}, {age}" + (" · LATE" if item.late else ""),
                wrap=True,
                spacing=ty.Spacing.NONE,
                color=ty.Colors.ATTENTION if item.late else None,
            ),
            *_nil_lines(item),
            ac.ActionSet(actions=_waiting_buttons(item)),
        ]
        body.append(ac.Container(items=lines, separator=True))
    if len(waiting) > 10:
        body.append(paragraph(f"And {len(waiting) - 10} more.", subtle=True))
    body.append(
        paragraph(
            f"Your partnership allows {signoff_days} working days for a sign-off; after that "
            f"I remind you, and then the review chair.",
            subtle=True,
        )
    )
    return build(body, [button("What can I do?", verbs.HELP)])


def _nil_lines(item: WaitingSignOff) -> list[ac.ElementAnnotated]:
    if not item.nil:
        return []
    reason = shortened(item.ret.status_note or "not given", 300)
    return [paragraph(f"The chair says {item.ret.agency_name} had no involvement: {reason}")]


def _waiting_buttons(item: WaitingSignOff) -> list[ac.ActionExecute]:
    """A nil return is answered here (nothing to read); a return opens its sign-off card."""
    data = ids(item.ret)
    if item.nil:
        return [
            button("Confirm nil return", verbs.NIL_CONFIRM, data, primary=True),
            button("We were involved", verbs.NIL_DECLINE, data),
        ]
    return [button("Open the sign-off card", verbs.SIGNOFF_OPEN, data)]


def with_you_card(title: str, ret: ReturnView, message: str, note: str | None = None) -> Card:
    """Every message telling someone a return is with them now (`message`, and a quieter
    `note`), with the button that opens it where they should start: never a dead end where
    they must guess a command (the new-user walk: a lead who writes the return too sent it
    back and was told "it's back with you" with nothing to press)."""
    body = [*header(title, where(ret)), paragraph(message)]
    if note:
        body.append(paragraph(note, subtle=True))
    opens = button("Open the return", verbs.RETURN_OPEN, ids(ret), primary=True)
    return build(body, [opens, button("What can I do?", verbs.HELP)])


def returned_card(ret: ReturnView, comments: str) -> Card:
    """To each practitioner of a return their lead sent back: it is with them again."""
    return with_you_card(
        "Your return needs changes",
        ret,
        f"Your agency lead returned it with these comments: {comments}",
        "All your answers are kept. Make the changes and submit again.",
    )


def signed_off_card(
    ret: ReturnView, *, by_chair: bool = False, after: AfterSignOff | None = None
) -> Card:
    """The lead's card once they approved. A lead who also chairs the review (walk10: the
    demo's Alex) isn't told it is "now with the review chair": the chair's own notice, with
    where the review stands, comes as a message below. `after`: what still waits for them,
    and the review's returns not yet in, by name; "Sign-offs waiting" only when one does
    (walk10: it led to "Nothing is waiting")."""
    with_chair = (
        "You chair this review: where it stands, and the meeting pack when every return is "
        "signed off, are in the message below."
        if by_chair
        else "The return is now with the review chair for the meeting pack."
    )
    body = [*header("Return signed off", where(ret)), paragraph(with_chair)]
    waiting = after.waiting if after is not None else ()
    if after is not None:
        body.extend(_after_sign_off(ret, after))
    # The next useful steps, not only "Reviews" (walk9): the next return waiting for this
    # lead's sign-off, or the return as signed off.
    actions = [
        # At its overview (every part at a glance), not where its writer stopped.
        button("Read the return", verbs.RETURN_OPEN, {**ids(ret), GOTO_INPUT: OVERVIEW_PLACE}),
        button("Reviews", verbs.REVIEWS),
    ]
    if after is None or waiting:
        actions.insert(0, button("Sign-offs waiting", verbs.SIGN_OFFS, primary=True))
    return build(body, actions)


def _after_sign_off(ret: ReturnView, after: AfterSignOff) -> list[ac.ElementAnnotated]:
    lines: list[ac.ElementAnnotated] = []
    if after.waiting:
        named = [f"{w.reference} {w.agency_name}" for w in after.waiting]
        lines.append(paragraph(f"Still waiting for your sign-off: {_some(named, 3)}."))
    else:
        lines.append(paragraph("Nothing else is waiting for your sign-off.", subtle=True))
    if after.unsigned:
        unsigned = _some(list(after.unsigned), 6)
        lines.append(paragraph(f"Not yet signed off on {ret.reference}: {unsigned}."))
    else:
        lines.append(paragraph(f"Every return on {ret.reference} is in."))
    return lines


def _some(names: Sequence[str], most: int) -> str:
    """The first `most` names as a sentence says them, and how many more."""
    more = len(names) - most
    if more <= 0:
        return listed(names, "and")
    return f"{', '.join(names[:most])} and {more} more"


def chair_notice_card(ret: ReturnView, event: str, progress: str, *, pack: bool = False) -> Card:
    """To the chair; with `pack`, the review has just reached analysis: its pack is next."""
    body = [*header(event, where(ret)), paragraph(progress)]
    # Where the review stands next, not only the list of reviews (walk9).
    summary = button("Review summary", verbs.SUMMARY, {"review_id": ret.review_id})
    actions = [summary, button("Reviews", verbs.REVIEWS)]
    if pack:
        actions.insert(0, button("Meeting pack", verbs.PACK, {"review_id": ret.review_id}))
    return build(body, actions)


def follow_up_label(question: Question) -> str:
    """Say when the follow-up applies, since it shows whatever the answer is."""
    prompt = question.follow_up_prompt or "Tell us more"
    when = question.follow_up_when
    return f"If {when}: {prompt[0].lower()}{prompt[1:]}" if when in ("yes", "no") else prompt
