"""Building blocks shared by every card: header, facts, buttons that carry a verb, and
`user_text`, the one way text a person typed reaches a card."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Final

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard, card_size
from domain.calendar import DEFAULT_CALENDAR
from domain.display import LOOKALIKE, shown, wrap_points
from domain.errors import FieldError
from domain.idempotency import CARD_ID, REVISION
from domain.identifier_checks import CONFIRM_LABEL, confirm_key
from domain.stale import (
    INPUT_LABELS,
    LABEL_MAX,
    SHORTENED,
    TYPED_HEADING,
    Shown,
    Typed,
    fitted,
    labels_fit,
)
from domain.wording import short_date, shortened

CARD_VERSION: Final = "1.5"
Card = dict[str, Any]


# --- user text is inert ----------------------------------------------------------------------
#
# Teams renders a TextBlock's text and a Fact's title and value as Markdown (bold, italic,
# lists, links; desktop and web also draw some things its documentation calls unsupported,
# and turn bare addresses into links). Text a person typed must show as typed, never as a live
# link or a heading in front of the chair.
#
# Backslash escapes are not used: Teams' clients disagree about them (desktop honours `\*`,
# Android and older iOS clients show the backslash; microsoft/AdaptiveCards #5590, #7474,
# Teams-AdaptiveCards-Mobile #83), so an escaped answer would read "\*\*" on a phone. Instead
# each construct is broken in a way every Markdown parser agrees on and the reader can't see:
#
# - emphasis, code and strike markers (* _ ` ~) are swapped for look-alikes (U+2217, U+02CD,
#   U+02CB, U+223C), because no invisible character stops them pairing up (an underscore
#   inside a word is left alone: it can't pair up);
# - a zero-width space (U+200B) goes after `]` (so `](`, `][` and `]:` never make a link or an
#   image), after `<` (no HTML tag, `<at>` mention or <autolink>), after `&` (no entity),
#   after `\` (a typed backslash shows, and escapes nothing), after `{` (no `{{DATE()}}`
#   function) and after a `:` that a non-space follows (no `https:`, `mailto:` or `tel:`
#   link), unless digits are both sides of it (a time, "10:42");
# - a dot between a non-space and a letter becomes a one-dot leader (U+2024), so no bare
#   "example.com" or "www.x.co.uk" autolinks;
# - a line whose start would make a heading, quote, list, rule, table or code block starts
#   with a zero-width space instead;
# - a run of more than WRAP_RUN characters with no space gets a zero-width space every
#   WRAP_RUN or so, where a line can break (text with no break opportunity runs off a card).
#
# The stored value is untouched, and so are inputs' prefilled `value`s (plain text, never
# Markdown). A typed https address broken here is also offered whole, to copy, in a text box
# (cards/copyable.py, on every card sent). `domain.display.shown` first drops bidi controls
# and invisible characters, so a person can't disguise text either, and escaping twice gives
# the same text.

# What each marker shows as, and LOOKALIKE_OF reading it back (domain/display.py, where the
# identifier guard reads them back too). Each is a narrow character from a block Latin fonts
# carry (spacing modifiers, punctuation, operators; DejaVu holds all five): the fullwidth forms
# used before (U+FF3F, U+FF40) are in CJK fonts only, so where none is installed they showed as
# empty boxes, and where one is they were twice as wide (new-user walk L10).
# tests/unit/test_user_text.py keeps them narrow.
_LOOKALIKES: Final = tuple((m, LOOKALIKE[m]) for m in "*`~")
# An underscore between two letters or digits ("pre_analysis") never opens or closes emphasis
# (CommonMark, and Teams' renderers follow it), so only the others are swapped.
_EDGE_UNDERSCORE: Final = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
ZERO_WIDTH: Final = "\u200b"
# In a summary button's data (not a verb): the summary comes as a new message and the card
# clicked stays (the admin's "Still with them" list, walk10: it replaced the member card).
OPENS_BESIDE: Final = "beside"
# A colon between two digits ("at 10:42") starts no scheme (a scheme begins with a letter and
# is followed by what it names), so a time keeps its colon as typed, with nothing hidden in it.
_BREAK_AFTER: Final = re.compile(r"[\]<&\\{]|(?<!\d):(?=\S)|(?<=\d):(?=[^\s\d])")
# Autolinkers take any letter, digit, symbol or invisible character for part of a host name, so
# every dot between a non-space and a letter goes, in any word that holds one ("e.g." looks the
# same). A file's absolute path (shown in local mode) is kept, so it can be copied.
_DOTTED_WORD: Final = re.compile(r"(?<!\S)\S*\.[^\W\d_]\S*")
_HOST_DOT: Final = re.compile(r"(?<=\S)\.(?=[^\W\d_])")
# A run this long with no space gets a zero-width space, a place a line may break: card
# renderers wrap only at break opportunities, so an unbroken token (a reason pasted as one
# long word) ran off the card's right edge (walk9). Where in the run is `display.wrap_points`'s
# rule: after a comma, semicolon or slash when one is near the line's end, never inside a
# reference ("…/A3,LOS-2026-001" broke inside the second, review10), a character as drawn, or
# beside an underscore.
WRAP_RUN: Final = 30
_LONG_RUN: Final = re.compile(rf"[^\s{ZERO_WIDTH}]{{{WRAP_RUN + 1},}}")
# Off while a card too big with them is drawn again (`fitting_breaks`): the breaks cost three
# bytes each, and a card sized for its longest texts (a full chronology page) must still fit.
_WRAP_BREAKS: ContextVar[bool] = ContextVar("wrap_breaks", default=True)
# Indentation (a tab or four spaces make a code block), #, >, +, =, |, - and "1." or "1)".
_BLOCK_START: Final = re.compile(r"^(?=[ \t#>+=|-]|\d+[.)])", re.MULTILINE)
_BLOCK_FIRST: Final = frozenset(" \t#>+=|-")


def user_text(value: object) -> str:
    """`value`, as a person typed it, made inert for a card's Markdown (TextBlock, Fact).

    Not for an input's prefilled `value`, a choice's title or a button's title: those are
    plain text already. Every step is skipped when its characters are absent (a C-speed `in`),
    since headers are escaped on every turn, a section card's too."""
    text = shown("" if value is None else str(value))
    if "\r" in text:
        # A carriage return ends a line in Markdown too; one kind of line end makes `^` below
        # see every line start.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for markup, lookalike in _LOOKALIKES:
        if markup in text:
            text = text.replace(markup, lookalike)
    if "_" in text:
        text = _EDGE_UNDERSCORE.sub(LOOKALIKE["_"], text)
    if any(mark in text for mark in "]<&\\{:"):
        text = _BREAK_AFTER.sub("\\g<0>" + ZERO_WIDTH, text)
    if "." in text:
        text = _DOTTED_WORD.sub(_without_host_dots, text)
    if "\n" in text or text[:1] in _BLOCK_FIRST or text[:1].isdigit():
        text = _BLOCK_START.sub(ZERO_WIDTH, text)
    if len(text) > WRAP_RUN and _WRAP_BREAKS.get():
        text = _LONG_RUN.sub(_with_wrap_breaks, text)
    return text


def message_text(text: str) -> str:
    """A plain bot message: a text reply, or a Universal Action's "message" answer (the error a
    click gets). Teams renders a message's text as Markdown as it does a card's, and these
    quote what people typed (an agency's name, a reference, a pseudonym), so every one leaves
    the core through here (bot/core.py `inert_text`, for every edge). The bot writes no
    Markdown in them on purpose."""
    return user_text(text)


def _with_wrap_breaks(run: re.Match[str]) -> str:
    found = run.group(0)
    ends = [0, *wrap_points(found, WRAP_RUN), len(found)]
    return ZERO_WIDTH.join(found[start:end] for start, end in itertools.pairwise(ends))


def _without_host_dots(word: re.Match[str]) -> str:
    found = word.group(0)
    if found.startswith("/") and "//" not in found:
        return found
    return _HOST_DOT.sub(LOOKALIKE["."], found)


def markdown(text: str, *, subtle: bool = False) -> ac.TextBlock:
    """A paragraph whose Markdown the bot wrote on purpose (a bold label, a list). Every part
    a person typed must already be in it through `user_text`."""
    return ac.TextBlock(text=text, wrap=True, is_subtle=subtle or None)


def header(title: str, context: str = "") -> list[ac.ElementAnnotated]:
    """Title plus a line that says where the user is. Both may hold what
    people typed (a pseudonym, an agency's name), so both are shown inert."""
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text="Line of Sight", size=ty.FontSize.SMALL, is_subtle=True, spacing=ty.Spacing.NONE
        ),
        ac.TextBlock(
            text=user_text(title),
            size=ty.FontSize.LARGE,
            weight=ty.FontWeight.BOLDER,
            wrap=True,
            spacing=ty.Spacing.NONE,
        ),
    ]
    if context:
        items.append(
            ac.TextBlock(
                text=user_text(context), is_subtle=True, wrap=True, spacing=ty.Spacing.SMALL
            )
        )
    return items


def header_json(title: str, context: str = "") -> list[Card]:
    """header()'s JSON, from templates dumped once: for cards drawn on every turn."""
    brand, heading, *where = _header_templates(bool(context))
    return [
        brand,
        {**heading, "text": user_text(title)},
        *({**line, "text": user_text(context)} for line in where),
    ]


@lru_cache(maxsize=2)
def _header_templates(with_context: bool) -> tuple[Card, ...]:
    return tuple(dumped(item) for item in header("title", "context" if with_context else ""))


def paragraph(text: str, *, subtle: bool = False) -> ac.TextBlock:
    """A paragraph shown exactly as given: for text that is, or holds, what people typed.
    Bot-written Markdown goes through `markdown` instead."""
    return markdown(user_text(text), subtle=subtle)


def small_line(text: str) -> ac.TextBlock:
    """A small, subtle line tucked under the one before it (a list row's detail). `text` is
    shown as given: make typed text inert with `user_text` first."""
    return ac.TextBlock(
        text=text, wrap=True, is_subtle=True, size=ty.FontSize.SMALL, spacing=ty.Spacing.NONE
    )


def why_rated(colour: str) -> str:
    """What the cause of a red or amber rating is called on every card: "Why it's red", in a
    manager's words ("Why red" read as jargon, walk9)."""
    return f"Why it's {colour}"


def rag_why_lines(colour: str | None, reason: str | None) -> list[ac.TextBlock]:
    """A list row's "Why it's red: overdue by 3 working days" (`domain.action_state.
    rag_reason`), as the item card's fact says it: nothing for an item no cause makes red or
    amber."""
    return [small_line(f"{why_rated(colour)}: {reason}")] if colour and reason else []


def facts(pairs: Sequence[tuple[str, str]]) -> ac.FactSet:
    """Facts shown exactly as given (Teams renders both sides as Markdown)."""
    return ac.FactSet(
        facts=[ac.Fact(title=user_text(title), value=user_text(value)) for title, value in pairs]
    )


def button(
    title: str, verb: str, data: Mapping[str, Any] | None = None, *, primary: bool = False
) -> ac.ActionExecute:
    """A Universal Action button, with an Action.Submit fallback for clients older than 1.4.

    The verb rides in the data too, because Action.Submit arrives as a message whose value is
    the data alone.
    """
    payload = {**(data or {}), "verb": verb}
    style = ty.ActionStyle.POSITIVE if primary else None
    return ac.ActionExecute(
        title=title,
        verb=verb,
        data=payload,
        style=style,
        fallback=ac.ActionSubmit(title=title, data=payload),
    )


def button_json(
    title: str, verb: str, data: Mapping[str, Any] | None = None, *, primary: bool = False
) -> Card:
    """button()'s JSON, from a template dumped once: only the data changes between turns. The
    data goes in as it is, so it must already be JSON (ids, strings, dicts of them): button()
    would have turned a date into text."""
    template = _button_template(title, verb, primary)
    payload = {**(data or {}), "verb": verb}
    return {**template, "data": payload, "fallback": {**template["fallback"], "data": payload}}


@lru_cache(maxsize=128)
def _button_template(title: str, verb: str, primary: bool) -> Card:
    return dumped(button(title, verb, primary=primary))


def without_inputs(action: ac.ActionExecute) -> ac.ActionExecute:
    """A button that sends none of the card's inputs: a Cancel or Back must work even when a
    required input is empty or invalid, and carries nothing typed."""
    action.associated_inputs = ty.AssociatedInputs.NONE
    if isinstance(action.fallback, ac.ActionSubmit):
        action.fallback.associated_inputs = ty.AssociatedInputs.NONE
    return action


def revised(data: Mapping[str, Any], revision: str) -> dict[str, Any]:
    """A button's data with the revision of the thing the card shows: a click on a card
    drawn before the thing last changed is refused as stale (domain/idempotency.py)."""
    return {**data, REVISION: revision}


def stamped(card: Card, card_id: str) -> Card:
    """The card with its id in the data of every state-changing button (any depth: action
    sets, show-cards, fallbacks) that has none yet: the token a click is claimed by. The bot
    stamps every card it sends, so no builder can forget; a card that carries its own id
    (a section card, which is measured once and read-only) is sent as it is."""
    if isinstance(card, MeasuredCard) or card.get("type") != "AdaptiveCard":
        return card
    result: Card = _stamp(card, card_id)
    return result


def show_form(title: str, items: Sequence[ac.ElementAnnotated], submit: ac.ActionExecute) -> Card:
    """A ShowCard: a small form that opens under the button, with its own submit button."""
    sub = ac.AdaptiveCard.new().version("1.5").add_items(list(items)).add_actions([submit]).create()
    show: Card = ac.ActionShowCard(title=title, card=sub).model_dump(
        mode="json", exclude_none=True, by_alias=True, warnings=False
    )
    return show


# The id of the line `with_notice` sets under a card's header: a refusal of an old card's
# click, answered with the thing's current card (bot/core.py `_current`), is known by it.
STALE_NOTICE_ID: Final = "stale-notice"
STAND_IN_NOTICE_ID: Final = "stand-in-notice"


def with_notice(card: Card, message: str, *, notice_id: str = STALE_NOTICE_ID) -> Card:
    """The card with a warning straight under its header (title and the line under it, never
    between the two): why this card came instead of the one expected (a stale click answered
    with the current state). The first thing read after what the card is. `notice_id` names
    the line (a stale refusal's by default; another notice, such as a stand-in's, its own)."""
    body = list(card.get("body", []))
    line = {**dumped(warning_line(message)), "id": notice_id}
    body.insert(header_length(body), line)
    return {**card, "body": body}


def header_length(body: Sequence[Any]) -> int:
    """How many of `body`'s first elements are its `header`: the brand line, the title and,
    where there is one, the line that says where the user is (0 where the card has none)."""
    brand, heading, line = _header_templates(True)
    shape = (brand, heading, line)
    length = 0
    for element, template in zip(body, shape, strict=False):
        if not _shaped_as(element, template, with_text=template is brand):
            break
        length += 1
    return length if length >= 2 else 0


def _shaped_as(element: Any, template: Card, *, with_text: bool) -> bool:
    """Whether `element` is `template` but for its text (or exactly it, `with_text`)."""
    if not isinstance(element, dict) or element.keys() != template.keys():
        return False
    return all(element[key] == template[key] for key in template if with_text or key != "text")


# --- what a refused click typed, given back (domain/stale.py) ---------------------------------

# The block's id: a card still too big once it is sent gives it up for a sentence (cards/fit.py).
TYPED_BACK_ID: Final = "typed-back"
# The "Go to" list's id (cards/returns.py `jump_list`): optional navigation, the first thing a
# card gives up for room (Back, Next and the review-and-submit card still reach every part).
GOTO_LIST_ID: Final = "goto-list"
# What the block takes besides the texts (its heading, the labels, the JSON around them).
_BLOCK_BYTES: Final = 1024
# A typed character may take this many bytes once made inert (a zero-width space after it, a
# look-alike of three bytes): the room for text is reckoned so, then checked.
_BYTES_PER_CHARACTER: Final = 4
# An id as long as the one the bot stamps on every card it sends (uuid4().hex: bot/once.py,
# bot/outbound.py): the typing is fitted to the card as sent, each state-changing button
# carrying it, or the stamp pushes the card over and the size check drops the typing.
_STAMP_SIZED: Final = "0" * 32


def with_typed_back(card: Card, notice: str, typed: Sequence[Typed]) -> Card:
    """`card` (the thing now) with `notice` under its title and, under that, what the person
    typed and was not saved, as inert text (`typed_block`): whole if the card can drop its
    "Go to" list for it, shortened to fit only if it still can't."""
    given, cut = _typed_onto(card, notice, typed)
    if cut:
        # What they typed is theirs and saved nowhere: it is worth more than a shortcut.
        lighter = replaced(card, GOTO_LIST_ID, None)
        if lighter != card:
            given, cut = _typed_onto(lighter, notice, typed)
    return given


def _typed_onto(card: Card, notice: str, typed: Sequence[Typed]) -> tuple[Card, bool]:
    noticed = with_notice(card, notice)
    at = header_length(card.get("body", [])) + 1

    def draw(shown: tuple[Typed, ...]) -> Card:
        body = list(noticed.get("body", []))
        body[at:at] = typed_block(shown)
        return {**noticed, "body": body}

    return fit_typed_back(draw, typed)


def replaced(card: Card, element_id: str, replacement: Card | None) -> Card:
    """`card` with every element whose id is `element_id` replaced by `replacement` (None:
    removed), at any depth; the rest as it was."""
    result: Card = _replaced(card, element_id, replacement)
    return result


def _replaced(node: Any, element_id: str, replacement: Card | None) -> Any:
    if isinstance(node, list):
        items = [
            replacement if isinstance(item, dict) and item.get("id") == element_id else item
            for item in node
        ]
        return [_replaced(item, element_id, replacement) for item in items if item is not None]
    if isinstance(node, dict):
        return {key: _replaced(value, element_id, replacement) for key, value in node.items()}
    return node


def fit_typed_back(
    draw: Callable[[tuple[Typed, ...]], Card], typed: Sequence[Typed]
) -> tuple[Card, bool]:
    """The card `draw` makes with `typed` in it: whole when the card, as sent (stamped), stays
    inside Teams' size limit, otherwise each long text shortened (domain/stale.py `fitted`)
    until it does. And whether any text was cut."""
    if not typed:
        return draw(()), False
    room = (TEAMS_CARD_LIMIT_BYTES - sent_size(draw(())) - _BLOCK_BYTES) // _BYTES_PER_CHARACTER
    while True:
        shown = fitted(typed, max(room, 0))
        card = draw(shown)
        if room <= 0 or sent_size(card) <= TEAMS_CARD_LIMIT_BYTES:
            return card, any(t.cut for t in shown)
        room //= 2


def sent_size(card: Card) -> int:
    """The card's size once the bot has stamped it (`stamped`) to send it: what a builder
    that fits its own card measures, since the size check on the way out (cards/fit.py)
    measures the stamped card, and one over the limit there loses far more than a builder's
    own lighter layout would."""
    return card_size(stamped(card, _STAMP_SIZED))


def fits_teams(card: Card) -> bool:
    """Whether the card, as it will be sent (`sent_size`), is within Teams' size limit."""
    return sent_size(card) <= TEAMS_CARD_LIMIT_BYTES


def most_that_fits(most: int, fits: Callable[[int], bool]) -> int:
    """The largest count up to `most` for which `fits` holds, found by halving: `fits(0)`
    holds, and once a count fails every larger one does (more in a card is never smaller)."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def fitting_breaks(draw: Callable[[], Card]) -> Card:
    """The card `draw` makes, drawn again without the wrap breaks in long unbroken runs
    (`user_text`) if they take it over Teams' limit: such a card shows a long token running
    off its edge, rather than not at all. Text with spaces has no such breaks to give up."""
    card = draw()
    if sent_size(card) <= TEAMS_CARD_LIMIT_BYTES:
        return card
    token = _WRAP_BREAKS.set(False)
    try:
        return draw()
    finally:
        _WRAP_BREAKS.reset(token)


def typed_block(typed: Sequence[Typed]) -> list[Card]:
    """ "What you typed (not saved)": each input's label and what was typed in it, as typed
    (inert: never an input, so nothing is saved from it by a later click)."""
    if not typed:
        return []
    items: list[Card] = [
        dumped(ac.TextBlock(text=TYPED_HEADING, weight=ty.FontWeight.BOLDER, wrap=True))
    ]
    for entry in typed:
        items.append(
            dumped(
                ac.TextBlock(
                    text=user_text(entry.label),
                    weight=ty.FontWeight.BOLDER,
                    wrap=True,
                    spacing=ty.Spacing.SMALL,
                )
            )
        )
        items.append(dumped(ac.TextBlock(text=user_text(entry.text), wrap=True)))
    if any(entry.cut for entry in typed):
        items.append(dumped(paragraph(SHORTENED, subtle=True)))
    return [{"type": "Container", "id": TYPED_BACK_ID, "style": "emphasis", "items": items}]


def card_nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every object in a card's JSON, depth first, the card itself first."""
    if isinstance(node, list):
        for item in node:
            yield from card_nodes(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from card_nodes(value)


def inputs_shown(card: Mapping[str, Any], *, forms: bool = True) -> dict[str, Shown]:
    """The card's inputs by id, wherever they are (a ShowCard's form too, unless not `forms`:
    then the card's own, which its own buttons submit): each one's label, what it holds and,
    for a choice set, its choices' titles. The first of an id wins."""
    found: dict[str, Shown] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind, input_id = node.get("type"), node.get("id")
        if isinstance(kind, str) and kind.startswith("Input.") and isinstance(input_id, str):
            found.setdefault(input_id, _shown(node, input_id))
        for value in node.values():
            if not forms and isinstance(value, dict) and value.get("type") == "AdaptiveCard":
                continue
            if isinstance(value, (dict, list)):
                walk(value)

    walk(card)
    return found


def buttons_carry(card: Mapping[str, Any]) -> frozenset[str]:
    """The keys the card's buttons carry in their data (never typed by anyone)."""
    return frozenset(
        key
        for node in card_nodes(card)
        if node.get("type") in ("Action.Execute", "Action.Submit")
        and isinstance(data := node.get("data"), dict)
        for key in data
    )


def _shown(node: Mapping[str, Any], input_id: str) -> Shown:
    label = node.get("label") or node.get("title") or node.get("placeholder") or input_id
    choices = {
        str(c.get("value")): str(c.get("title"))
        for c in node.get("choices", [])
        if isinstance(c, dict) and "value" in c and "title" in c
    }
    value = node.get("value")
    return Shown(
        bare_label(str(label)),
        None if value is None else str(value),
        toggle=node.get("type") == "Input.Toggle",
        choices=choices,
    )


def _stamp(node: Any, card_id: str, scope: _Scope | None = None) -> Any:
    """`node` with its buttons stamped, copied only along the paths to a stamped button: most
    of a card is text, and copying all of it cost a help turn more than the rest of its work.
    The result may share unchanged parts with `node` (a card built for this turn).

    Each stamped button also carries the labels of the inputs it submits, as the person sees
    them (domain/stale.py INPUT_LABELS): its own card's and, in a ShowCard's form, the cards
    around it. A refused click's typing is given back under those labels, not the ones the
    current card happens to have."""
    if isinstance(node, list):
        items = [_stamp(item, card_id, scope) for item in node]
        return node if all(new is old for new, old in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    if node.get("type") == "AdaptiveCard":
        scope = _Scope(node, scope)
    changed = {
        key: stamped_value
        for key, value in node.items()
        if isinstance(value, (dict, list))
        and (stamped_value := _stamp(value, card_id, scope)) is not value
    }
    if _is_changing(node) and CARD_ID not in node["data"]:
        changed["data"] = {**node["data"], CARD_ID: card_id}
        # Even none: a button on a card without inputs submits nothing typed.
        labels = scope.labels() if scope is not None else {}
        if labels is not None:
            changed["data"][INPUT_LABELS] = labels
    return {**node, **changed} if changed else node


class _Scope:
    """A card (the sent card, or a ShowCard's form inside it) and the cards around it: the
    inputs a button in it submits. Its labels are read only when a button needs them."""

    def __init__(self, card: Mapping[str, Any], outer: _Scope | None) -> None:
        self._card, self._outer = card, outer
        self._labels: dict[str, str] | None = None

    def labels(self) -> dict[str, str] | None:
        """The labels by input id, or None for a form too big to carry them on each button
        (LABELS_ROOM): its typing is read by the current card's labels."""
        if self._labels is None:
            outer = self._outer.labels() if self._outer is not None else {}
            if outer is None:
                return None
            found = dict(outer)
            for input_id, seen in inputs_shown(self._card, forms=False).items():
                if not seen.toggle:  # a tick is not typing (domain/stale.py)
                    found.setdefault(input_id, shortened(seen.label, LABEL_MAX))
            self._labels = found
        return self._labels if labels_fit(self._labels) else None


def _is_changing(node: dict[str, Any]) -> bool:
    data = node.get("data")
    return (
        node.get("type") in ("Action.Execute", "Action.Submit")
        and isinstance(data, dict)
        and data.get("verb") in verbs.STATE_CHANGING
    )


def build(
    body: Sequence[ac.ElementAnnotated | Card],
    actions: Sequence[ac.ActionExecute | Card] = (),
) -> Card:
    """The card's JSON. `body` and `actions` may mix models with JSON already dumped
    (`dumped`, `header_json`, `button_json`), which is copied in, nested lists and objects
    too: it may be a template other cards share."""
    models = [element for element in body if not isinstance(element, dict)]
    action_models = [action for action in actions if not isinstance(action, dict)]
    builder = ac.AdaptiveCard.new().version(CARD_VERSION).add_items(models)
    if action_models:
        builder = builder.add_actions(action_models)
    # JSON mode, not to_dict(): to_dict keeps enum members, which the SDK's serialiser later
    # writes as "Spacing.NONE" and Teams rejects. The same as json.loads(to_json()), at a
    # third of the cost (cards are built on every turn).
    card: Card = builder.create().model_dump(
        mode="json", exclude_none=True, by_alias=True, warnings=False
    )
    if len(models) < len(body):
        card["body"] = _merged(body, card.get("body", []))
    if len(action_models) < len(actions):
        card["actions"] = _merged(actions, card.get("actions", []))
    return card


def _merged(given: Sequence[Any], built: list[Card]) -> list[Card]:
    """`given` in order: the models as the SDK dumped them (`built`), copies of the rest."""
    dumped_models = iter(built)
    return [_copy(item) if isinstance(item, dict) else next(dumped_models) for item in given]


def _copy(value: Any) -> Any:
    """A copy of JSON data; copy.deepcopy's memo and dispatch cost three times as much."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def dumped(element: ac.ElementAnnotated | ac.ActionExecute) -> Card:
    """An element's JSON, as build() writes it: for parts of a card that are the same on every
    turn, so they are built and dumped once (a section card is drawn on every save)."""
    json: Card = element.model_dump(mode="json", exclude_none=True, by_alias=True, warnings=False)
    return json


_LIMIT_NOTE: Final = re.compile(r"(; | \()up to [0-9,]+ characters\)$")


def limited(label: str, max_length: int) -> str:
    """`label` with the box's limit beside it: "Reason (up to 2,000 characters)", or inside a
    closing aside ("Why? (no names; up to 200 characters)"). The one way every form states a
    box's limit; `bare_label` takes it off again."""
    if label.endswith(")"):
        return f"{label[:-1]}; up to {max_length:,} characters)"
    return f"{label} (up to {max_length:,} characters)"


def bare_label(label: str) -> str:
    """A label as a problem or a typed-back line names the box: without the required mark or
    the limit ("'Reason' is required.", not "'Reason (up to 2,000 characters)' ...")."""
    bare = label.strip().removesuffix(" *")
    return _LIMIT_NOTE.sub(lambda m: ")" if m.group(1) == "; " else "", bare).strip()


def shown_label(element: object) -> str | None:
    """The label a person reads on an input (a toggle's title), without the required mark."""
    if isinstance(element, Mapping):
        label = element.get("label") or element.get("title")
    else:
        label = getattr(element, "label", None) or getattr(element, "title", None)
    if not isinstance(label, str) or not label.strip():
        return None
    return bare_label(label)


def field_problem(message: str, label: str | None) -> str:
    """A field's problem naming the field as its card shows it (`label`), not by the short
    name the rule knows it by (`domain.errors.FieldError`): "'Why, for both owners and the
    record' is required.", not "'Reason' is required.". Any other message is left as it is."""
    if isinstance(message, FieldError) and label:
        return message.named(label)
    return message


def field_error_line(element: object, message: str) -> ac.TextBlock:
    """`error_line` for the problem of the input `element`, drawn under it."""
    return error_line(field_problem(message, shown_label(element)))


def with_problems(body: Sequence[Any], errors: Mapping[str, str]) -> list[Any]:
    """`body` with each field's problem under its box (`field_error_line`: named as the box
    shows it), whichever field it is; a problem whose box isn't among `body`'s elements is
    said under the card's header, so no problem is dropped."""
    drawn: list[Any] = []
    placed: set[str] = set()
    for element in body:
        drawn.append(element)
        key = element.get("id") if isinstance(element, Mapping) else getattr(element, "id", None)
        if isinstance(key, str) and key in errors:
            drawn.append(field_error_line(element, errors[key]))
            placed.add(key)
    rest = [error_line(message) for key, message in errors.items() if key not in placed]
    top = header_length([e if isinstance(e, Mapping) else dumped(e) for e in drawn[:3]])
    return [*drawn[:top], *rest, *drawn[top:]]


def error_line(message: str) -> ac.TextBlock:
    """A problem, shown as given: messages quote what people typed (and the identifier
    warning's masked text, whose asterisks would otherwise pair up into bold)."""
    return ac.TextBlock(
        text=user_text(message), wrap=True, color=ty.Colors.ATTENTION, spacing=ty.Spacing.NONE
    )


# --- colours that read on white -----------------------------------------------------------------
#
# Teams' light theme (whose host config the Agents Playground uses) draws the text colours
# `attention` #c4314b (5.4:1 on white), `accent` #6264a7 (5.4:1) and the default #252424, but
# `good` #92c353 (2.1:1) and `warning` #f8d22a (1.5:1) too faint to read. So no text is drawn
# in either (cards/validation.py refuses a card with any): a caution is `attention`, good news
# the default colour in bold (`good_news`), and a colour that means something (a RAG rating)
# is its word on a pale tint of that colour (`tinted`), where the text keeps the default
# colour (about 10:1 or better on every tint).

# The colour of a caution (the identifier guard's finding, a late return, someone not
# reached). The create form's guard finding was already this colour.
CAUTION = ty.Colors.ATTENTION


def warning_line(message: str, spacing: ty.Spacing | None = None) -> ac.TextBlock:
    """A caution (the identifier guard's warning, with its masked text), shown as given;
    `spacing` NONE sets it tight under the line it speaks of."""
    return ac.TextBlock(text=user_text(message), wrap=True, color=CAUTION, spacing=spacing)


def good_news(message: str) -> ac.TextBlock:
    """A confirmation ("Entry added."), shown as given: bold in the default colour."""
    return ac.TextBlock(text=user_text(message), wrap=True, weight=ty.FontWeight.BOLDER)


def tinted(word: str, tint: ty.ContainerStyle) -> ac.Container:
    """`word` in bold on a pale tint of a colour (`good`, `warning`, `attention`, `accent`):
    the colour says it at a glance, the word says it to anyone, and a client that draws no
    tint still shows the word."""
    return ac.Container(
        style=tint,
        items=[ac.TextBlock(text=user_text(word), weight=ty.FontWeight.BOLDER, wrap=True)],
    )


def notice_lines(notices: Sequence[str]) -> list[ac.ElementAnnotated]:
    return [warning_line(n) if _cautions(n) else good_news(n) for n in notices]


def _cautions(notice: str) -> bool:
    # Confirmations read as good news; anything about what did not happen, is late or needs
    # checking is a warning.
    return any(word in notice for word in _CAUTION_WORDS)


_CAUTION_WORDS = (
    "not saved",
    "couldn't",
    "No ",
    "can't",
    "Overdue",
    "may identify",
    "after the meeting",
)


# A box that takes a sentence or more: people paste into it, so it says its limit.
PASTE_SIZED: Final = 200


def text_input(
    input_id: str,
    label: str,
    value: str | None,
    *,
    max_length: int,
    multiline: bool = False,
    required: bool = False,
    placeholder: str | None = None,
    say_limit: bool | None = None,
) -> ac.InputText:
    """A text box. A box for a paragraph or a sentence (or `say_limit`) states its limit in its
    label, where it stays in sight while typing (a placeholder goes at the first key): Teams
    cuts a longer paste at `max_length` without a word (new-user walks lost an answer's end,
    in a paragraph box and then in a one-line answer of 500)."""
    says = multiline or max_length >= PASTE_SIZED
    if says if say_limit is None else say_limit:
        label = limited(label, max_length)
    return ac.InputText(
        id=input_id,
        label=label + (" *" if required else ""),
        value=value or None,
        max_length=max_length,
        is_multiline=multiline or None,
        placeholder=placeholder,
    )


def choice_input(
    input_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    value: str | None,
    *,
    multi: bool = False,
    expanded: bool = False,
    required: bool = False,
) -> ac.InputChoiceSet:
    """`choices` are (value, title) pairs."""
    style = ty.ChoiceInputStyle.EXPANDED if expanded or multi else ty.ChoiceInputStyle.COMPACT
    return ac.InputChoiceSet(
        id=input_id,
        label=label + (" *" if required else ""),
        value=value or None,
        choices=[ac.InputChoice(title=title, value=val) for val, title in choices],
        is_multi_select=multi or None,
        style=style,
        wrap=True,
    )


def date_input(
    input_id: str,
    label: str,
    value: str | None,
    *,
    required: bool = False,
    latest: str | None = None,
    too_late: str | None = None,
) -> ac.InputDate:
    """A date picker. A `latest` date always comes with the message shown when a later one is
    typed (`too_late`, or one naming the date): without it Teams refuses the card's button
    and says nothing. The server checks the same limit; this only tells people sooner."""
    error = None
    if latest is not None:
        error = too_late or f"Choose {friendly_date(latest)} or earlier."
    return ac.InputDate(
        id=input_id,
        label=label + (" *" if required else ""),
        value=value or None,
        max=latest,
        error_message=error,
    )


def toggle(input_id: str, title: str, value: bool) -> ac.InputToggle:
    return ac.InputToggle(
        id=input_id,
        title=title,
        value="true" if value else "false",
        value_on="true",
        value_off="false",
        wrap=True,
    )


def identifier_warning(
    field: str, warning: str, *, ticked: bool = False
) -> list[ac.ElementAnnotated]:
    """Under a field the guard flagged: what it found (masked), and that field's own tick
    (ticked when the card is drawn again after the writer ticked it)."""
    return [
        # The masked text ("DOB **/**/****") would pair its asterisks into bold unescaped.
        ac.TextBlock(text=user_text(warning), wrap=True, color=CAUTION, spacing=ty.Spacing.NONE),
        toggle(confirm_key(field), CONFIRM_LABEL, ticked),
    ]


def friendly_date(value: object) -> str:
    """A date as every card writes it ("Mon 5 Apr 2027"): the one format, short_date's. A
    moment is written as the day it fell on where the partnership is (review12b: a moment's
    own `.date()` is UTC's, the day before for anything published after midnight in summer)."""
    if isinstance(value, datetime):
        stored = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite's
        return short_date(DEFAULT_CALENDAR.local_date(stored))
    return short_date(value) if isinstance(value, date) else "not set"


PEOPLE_PICKER = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


def with_people_picker(card: Card, input_ids: Sequence[str], enabled: bool) -> Card:
    """Let Teams search the directory from these choice sets (docs/teams-platform.md); the
    static member
    choices stay as the fallback. Off for clients without a picker (the Agents Playground
    replaces the list with its own fake directory). adaptive-cards-py has no field for
    `choices.data`, so it is added to the JSON here."""
    if not enabled:
        return card
    for element in card.get("body", []):
        if element.get("type") == "Input.ChoiceSet" and element.get("id") in input_ids:
            element["choices.data"] = dict(PEOPLE_PICKER)
    return card
