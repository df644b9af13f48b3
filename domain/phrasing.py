"""Natural phrasing for the manager's questions (issue 6): which command a sentence asks for,
which review it names, and which agency and period a dashboard question is about.

Pure functions over normalised text (see `domain.commands.normalise`). Nothing here knows
which commands are registered: `domain.commands.interpret` passes that in, so a phrase is only
ever mapped to a command some handler answers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from domain.identifier_kinds import IdentifierKind
from domain.identifiers import find_identifiers
from domain.reviews import format_reference, parse_reference
from domain.wording import listed, shortened

# Commands whose argument is cleaned of connecting words ("summary for child k" -> "child k").
ASKING_COMMANDS: Final = frozenset({"summary", "dashboard", "overdue", "export"})

# What a sentence is about, tried in order; the first whose command is registered wins.
# Each pattern matches anywhere in the sentence, on word boundaries.
_INTENTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("my actions", re.compile(r"\bmy (?:open )?(?:actions?|action items?|tasks?)\b")),
    ("export", re.compile(r"\b(?:export|download|tracker|spreadsheet|xlsx|excel|csv)\b")),
    ("overdue", re.compile(r"\b(?:overdue|past due|late actions?)\b")),
    ("dashboard", re.compile(r"\b(?:dashboard|partnership view|overview)\b")),
    ("summary", re.compile(r"\b(?:summary|summarise|summarize|status of|progress (?:of|on))\b")),
    ("reviews", re.compile(r"\b(?:list|show|open|all|which|what)\b.*\breviews\b")),
    ("help", re.compile(r"\bwhat can i (?:do|ask)\b|\bhow do i\b")),
)
# Words that ask the bot to change something: a sentence starting with one is not a question.
_DOING_WORDS: Final = frozenset(
    {
        "approve",
        "reject",
        "sign",
        "signoff",
        "cancel",
        "close",
        "reopen",
        "assign",
        "unassign",
        "remove",
        "delete",
        "add",
        "extend",
        "proceed",
        "nil",
        "return",
        "submit",
        "withdraw",
    }
)
# A reference anywhere in a sentence: LOS-2026-004, los 2026 4, 2026-004, 2026/4.
_REFERENCE_IN_TEXT: Final = re.compile(r"\b(?:los[\s\-/]*)?(\d{4})[\s\-/]+(\d{1,4})\b")
FILLER: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "for",
        "of",
        "on",
        "about",
        "in",
        "at",
        "to",
        "me",
        "us",
        "please",
        "show",
        "give",
        "get",
        "send",
        "tell",
        "what's",
        "whats",
        "what",
        "is",
        "are",
        "was",
        "how's",
        "hows",
        "doing",
        "going",
        "review",
        "reviews",
        "case",
        "can",
        "could",
        "would",
        "you",
        "i",
        "i'd",
        "like",
        "want",
        "need",
        "see",
        "with",
        # Words that only say "the things" (walk10: "show me the overdue stuff for child k"
        # was read as an agency or period called "stuff child k").
        "stuff",
        "things",
        "thing",
        "ones",
        "bits",
        "lot",
        "any",
        "anything",
        "all",
        "everything",
        "from",
        "by",
        "involving",
        "regarding",
        "concerning",
        "re",
        "our",
        "my",
        "which",
        "where",
        "there",
        "now",
        "currently",
        "still",
    ]
)
_FORMAT_WORDS: Final = {
    "xlsx": "xlsx",
    "excel": "xlsx",
    "spreadsheet": "xlsx",
    "tracker": "xlsx",
    "csv": "csv",
    "docx": "docx",
    "word": "docx",
    "document": "docx",
    "pdf": "pdf",
}
# The formats `export` makes, as people are told when they ask for another one.
EXPORT_FORMATS: Final = ("xlsx", "csv", "docx", "pdf")
FORMATS_SENTENCE: Final = (
    "xlsx (Excel tracker), csv (tracker as CSV), docx (Word summary) or pdf (PDF summary)"
)
# Words that name a file format we don't make: answered with the list above, never guessed at.
_OTHER_FORMATS: Final = frozenset(
    [
        "odt",
        "ods",
        "rtf",
        "txt",
        "html",
        "htm",
        "json",
        "xml",
        "pptx",
        "ppt",
        "doc",
        "xls",
        "md",
        "markdown",
        "text",
        "png",
        "jpg",
        "jpeg",
        "zip",
        "tsv",
        "xlsm",
        "odf",
        "epub",
    ]
)


def unknown_format(fmt: object) -> str | None:
    """The format asked for when it is not one `export` makes (None when it is)."""
    if isinstance(fmt, str) and fmt in EXPORT_FORMATS:
        return None
    return str(fmt)[:20] if fmt is not None else "nothing"


def natural(cleaned: str, known: Collection[str]) -> tuple[str, str] | None:
    """(command, argument) for a normalised sentence, or None when it asks for nothing known."""
    for name, pattern in _INTENTS:
        if name in known and pattern.search(cleaned):
            if name == "summary" and says_more_than_it_asks(cleaned):
                return None
            return name, argument_for(name, cleaned)
    if cleaned.split(" ", 1)[0] in _DOING_WORDS:
        # "approve LOS-2026-004" asks to do something: never answer it with another command.
        return None
    if "summary" not in known or not asks_about_a_review(cleaned):
        # "note for LOS-2026-004: mum says …" names a review but asks nothing about it.
        return None
    if _REFERENCE_IN_TEXT.search(cleaned):
        # "how is LOS-2026-004 doing?", or a bare reference: the review's summary.
        return "summary", argument_for("summary", cleaned)
    # "how is child q doing?": `review_named` finds it or asks which. A pseudonym alone
    # ("child k") asks nothing: it may be the start of something else.
    named = pseudonym_in(cleaned)
    beside = words_beside_the_review(cleaned) or []
    return ("summary", named) if named and _ASKING_WORDS.intersection(beside) else None


def pseudonym_in(cleaned: str) -> str | None:
    """A review's pseudonym written in a sentence ("child q", "sibling group a"), as typed;
    "the child is scared" names none ("is" is one of a sentence's words, not a name), but a
    letter is always a name ("child a", "child i")."""
    for found in _PSEUDONYM_IN_TEXT.finditer(cleaned):
        name = found.group(2)
        if len(name) == 1 or name not in QUESTION_WORDS:
            return found.group(0)
    return None


def asks_about_a_review(cleaned: str) -> bool:
    """Whether a sentence naming a review (by reference or pseudonym) asks only about it:
    every word beside the name is one a question is made of ("how is … doing", "status of",
    "update on", "summary", or the name alone). A sentence with anything else in it (a note,
    an instruction, "please add …") is not a question, however it names the review."""
    if words_beside_the_review(cleaned) is None:
        return False
    return not own_words(cleaned) or (
        starts_a_question(cleaned) and _REFERENCE_IN_TEXT.search(cleaned) is not None
    )


# The words a question starts with (review13b: "who is the lead for LOS-2026-001", "has
# LOS-2026-001 been signed off" were told their message wasn't kept; before, they opened the
# review's summary, which answers them).
_QUESTION_STARTS: Final = frozenset(
    {
        "what",
        "what's",
        "whats",
        "who",
        "who's",
        "whos",
        "when",
        "where",
        "where's",
        "wheres",
        "which",
        "why",
        "how",
        "how's",
        "hows",
        "is",
        "are",
        "has",
        "have",
        "does",
        "did",
        "was",
        "were",
        "can",
        "could",
        "will",
        "any",
    }
)


def starts_a_question(cleaned: str) -> bool:
    """Whether a normalised sentence starts as a question does ("who is …", "has … been")."""
    first = cleaned.split(" ", 1)[0]
    return first in _QUESTION_STARTS


def words_beside_the_review(cleaned: str) -> list[str] | None:
    """The words of a sentence other than the review's reference or pseudonym, without their
    punctuation; None when the sentence names no review."""
    reference = _REFERENCE_IN_TEXT.search(cleaned)
    if reference:
        rest = _without(cleaned, reference)
    else:
        named = pseudonym_in(cleaned)
        if named is None:
            return None
        rest = cleaned.replace(named, " ", 1)
    return plain_words(rest)


# How many words of its own (`own_words`) make a sentence that names a summary something else:
# a pseudonym's letter or name typed alone is one ("summary for kai").
NOTE_WORDS_BESIDE_A_REVIEW: Final = 2


def says_more_than_it_asks(cleaned: str) -> bool:
    """Whether a sentence with a summary's word in it is something else: "summary of the
    strategy meeting for LOS-2026-004 was sent" is a note; "summary for kai" names a review
    by its name alone (one word of its own)."""
    return len(own_words(cleaned)) >= NOTE_WORDS_BESIDE_A_REVIEW


def own_words(cleaned: str) -> list[str]:
    """The words of a sentence beside the review it names (all of them when it names none)
    that no question is made of."""
    beside = words_beside_the_review(cleaned)
    words = plain_words(cleaned) if beside is None else beside
    # A period asked about ("summary for LOS-2026-001 2026 Q3") is a question's words too.
    return [w for w in plain_words(_without_periods(" ".join(words))) if w not in QUESTION_WORDS]


def _without_periods(text: str) -> str:
    for pattern in (_QUARTER_FIRST, _QUARTER_LAST, _RELATIVE, _YEAR):
        text = pattern.sub(" ", text)
    return text


def plain_words(cleaned: str) -> list[str]:
    """The words of a sentence without the punctuation around them."""
    words = (w.strip(",;:!?.'\"()") for w in cleaned.split())
    return [w for w in words if w]


def asks_by_itself(word: str) -> bool:
    """Whether one word is enough to name what a sentence asks for ("summarise", "overdue")."""
    return any(pattern.search(word) for _, pattern in _INTENTS)


def reference_in(cleaned: str) -> str | None:
    """The review reference somewhere in a sentence, written as the bot writes it."""
    found = _REFERENCE_IN_TEXT.search(cleaned)
    return format_reference(int(found.group(1)), int(found.group(2))) if found else None


def argument_for(name: str, cleaned: str) -> str:
    """The part of a sentence that names the review, agency or period the command is about."""
    if name not in ASKING_COMMANDS:
        return ""
    words = cleaned.split()
    reference = _REFERENCE_IN_TEXT.search(cleaned)
    if reference and name in _READ_BESIDE_A_REVIEW:
        # The reference first, then what else was typed with it ("overdue for LOS-2026-001
        # this quarter"): a period or an agency, read by `asked_words`, never dropped unsaid.
        beside = _around_keyword(name, _without(cleaned, reference))
        return " ".join([reference.group(0), *beside])
    if reference:
        formats = [_FORMAT_WORDS[w] for w in words if w in _FORMAT_WORDS]
        suffix = f" {formats[-1]}" if name == "export" and formats else ""
        return reference.group(0) + suffix
    return " ".join(_around_keyword(name, cleaned))


def _around_keyword(name: str, cleaned: str) -> list[str]:
    """The words on both sides of the command's word, minus connecting words and the ways a
    question starts: "police overdue" and "2026 q3 overdue for LOS-2026-001" name an agency and
    a period before it (they were dropped unsaid, and every agency's items listed), as "overdue
    for police in 2026-q3" does after it."""
    keyword = _KEYWORDS[name].search(cleaned)
    around = _without(cleaned, keyword) if keyword else cleaned
    words = [w.strip(",;:!?") for w in around.split()]
    return meaningful([w for w in words if w], _COMMAND_WORDS | _QUESTION_LEADS)


# How a question starts, beside the connecting words (`FILLER`): "hi, do we have anything
# overdue for police?" names only the police. Read only around an asking command's word.
_QUESTION_LEADS: Final = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "bot",
        "how",
        "many",
        "much",
        "ok",
        "okay",
        "so",
        "and",
        "then",
        "just",
        "quick",
        "quickly",
        "do",
        "does",
        "we",
        "have",
        "has",
        "got",
        "there's",
        "theres",
        "anyone",
        "anybody",
        "know",
        "let's",
        "lets",
        "check",
        "find",
        "list",
        "look",
        "up",
        "right",
        "today",
    }
)


# The words that ask about a review named by pseudonym ("how is child q doing").
_ASKING_WORDS: Final = frozenset(
    {
        "how",
        "how's",
        "hows",
        "where",
        "doing",
        "going",
        "getting",
        "status",
        "progress",
        "progressing",
        "update",
        "updates",
        "latest",
        "news",
        "summary",
        "summarise",
        "summarize",
    }
)


# The words a question about one review is made of, beside its name: connecting words, the
# ways a question starts, and what it asks for ("how is … doing", "how's … getting on",
# "status of", "progress on", "any update on", "summary"). Any other word makes the sentence
# something else: a note, an instruction, news about the child.
QUESTION_WORDS: Final = (
    FILLER
    | _QUESTION_LEADS
    | _ASKING_WORDS
    | frozenset(
        {
            "get",
            "coming",
            "along",
            "on",
            "up",
            "state",
            "overview",
            "things",
            "it",
            "its",
            "it's",
            "we",
            "are",
            "with",
            "this",
            "that",
            "los",
            # review13b: "what's happening with …", "… details", "info on …", "is … on
            # track", "what stage is … at", "view …" opened the summary before
            "happening",
            "new",
            "details",
            "detail",
            "info",
            "information",
            "stage",
            "track",
            "view",
            "current",
            "at",
            "far",
            "late",
        }
    )
)
_PSEUDONYM_IN_TEXT: Final = re.compile(
    r"\b(child|baby|young person|sibling group)\s+([a-z0-9][a-z0-9'\-]*)\b"
)


# The asking commands that read a period and an agency beside a review, not the review alone.
_READ_BESIDE_A_REVIEW: Final = frozenset({"overdue"})


@dataclass(frozen=True)
class AskedWords:
    """A question's words taken apart: the review reference typed, the period, and the rest
    (a pseudonym, an agency, or words that name nothing), connecting words left out. The
    reference is taken out before the period, so its year ("LOS-2026-001") is never read as
    the year 2026."""

    reference: str | None
    period: Period | None
    rest: str


def asked_words(text: str, today: date) -> AskedWords:
    lowered = text.lower()
    found = _REFERENCE_IN_TEXT.search(lowered)
    reference = None
    if found:
        reference = format_reference(int(found.group(1)), int(found.group(2)))
        lowered = _without(lowered, found)
    period, rest = take_period(lowered, today)
    return AskedWords(reference, period, " ".join(meaningful(rest.split())))


# The words a pseudonym starts with: the letter after one is a name, never filler ("Child A",
# "Child I": "a" and "i" are connecting words anywhere else).
_NAME_LEADS: Final = frozenset({"child", "baby", "person", "group"})


def meaningful(words: Sequence[str], also: Collection[str] = ()) -> list[str]:
    """`words` without connecting and vague words (`FILLER`, and `also`), but a pseudonym's
    letter kept: "the overdue stuff for child a" leaves "child a"."""
    kept = []
    for index, word in enumerate(words):
        named = index > 0 and words[index - 1].lower() in _NAME_LEADS
        if named or (word.lower() not in FILLER and word.lower() not in also):
            kept.append(word)
    return kept


_KEYWORDS: Final = {
    "summary": re.compile(r"\b(?:summary|summarise|summarize|status of|progress (?:of|on))\b"),
    "dashboard": re.compile(r"\b(?:dashboard|partnership view|overview)\b"),
    "overdue": re.compile(r"\b(?:overdue|past due|late actions?)\b"),
    "export": re.compile(r"\b(?:export|download)\b"),
}
_COMMAND_WORDS: Final = frozenset(
    {
        "summary",
        "dashboard",
        "overdue",
        "export",
        "download",
        "action",
        "actions",
        "item",
        "items",
        "late",
        "past",
        "due",
        "tasks",
    }
)


def export_format(argument: str) -> tuple[str, str]:
    """Split `export` arguments into (what, format): 'los-2026-004 csv' -> ('los-2026-004',
    'csv'). The format defaults to the XLSX tracker; a format we don't make ('odt') comes back
    as itself, for `unknown_format` to name the ones we do."""
    words = argument.split()
    formats = [_FORMAT_WORDS.get(w, w) for w in words if w in _FORMAT_WORDS or w in _OTHER_FORMATS]
    rest = " ".join(
        w for w in words if w not in _FORMAT_WORDS and w not in _OTHER_FORMATS and w not in FILLER
    )
    return rest, (formats[-1] if formats else "xlsx")


# --- naming a review ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRef:
    """A review someone may see, as much as it takes to recognise it by name."""

    id: int
    reference: str
    pseudonym: str
    year: int
    sequence: int


class Fit(StrEnum):
    """Why typed text is answered with a choice rather than the one thing it names. Not the
    same question: several that fit equally ask which one; near misses say nothing has that
    name and offer what comes close."""

    SEVERAL = "several"  # more than one fits it equally ("child k": two reviews called Child K)
    NEAR = "near"  # none is called that; these come close ("child z": Child K, Child R, …)
    UNNAMED = "unnamed"  # nothing was named: the ones to choose from


@dataclass(frozen=True)
class ReviewMatch:
    """`found` when the text names one review; otherwise `candidates` for a choice, and `fit`
    saying which choice it is (several equal matches, or near misses)."""

    found: ReviewRef | None
    candidates: tuple[ReviewRef, ...] = ()
    fit: Fit = Fit.NEAR


# How much of what was typed a question back repeats (a card's line, a reply).
TYPED_SHOWN: Final = 60
# What a near miss may repeat: the names of organisations, never of a review (a child).
SAID_BACK: Final = frozenset({"agency"})
# The way on from a choice when none of its buttons is the one meant: every review, or for an
# agency filter, the same view across all agencies.
NONE_OF_THESE: Final[Mapping[str, str]] = {"review": "List reviews", "agency": "All agencies"}


def which_one(fit: Fit, typed: str, noun: str = "review") -> str:
    """The question a choice asks, by why it is one: "More than one review fits “child k”:
    which one?" is not "No review you can see is called that. Did you mean one of these?".

    Several that fit are the person's own reviews' name (or number), so it is said back; a
    near miss names none of them and is never repeated (it may be a real name typed by
    mistake, or a review the person may not see: `reviews.not_visible`'s rule). A review is
    looked for among those the person may see, so a hidden one of that name is not denied.
    An agency is an organisation, never a child, and every member may know all of them: its
    near miss is said back, so the person sees what they typed ("No agency is called
    “polce”.")."""
    if fit is Fit.SEVERAL:
        return f"More than one {noun} fits {said_back(typed)}: which one?"
    if fit is Fit.NEAR and noun in SAID_BACK:
        return f"No {noun} is called {said_back(typed)}. Did you mean one of these?"
    if fit is Fit.NEAR:
        return f"{_none_called(noun)} Did you mean one of these?"
    return f"Choose the {noun} you mean."


def which_review(match: ReviewMatch, typed: str) -> str:
    """`which_one` as a typed command's reply, naming the candidates (up to three) by
    reference and pseudonym, for a command that takes a review and gives no buttons."""
    choices = listed([f"{c.reference} ({c.pseudonym})" for c in match.candidates[:3]])
    if match.fit is Fit.SEVERAL:
        return (
            f"More than one review fits {said_back(typed)}: {choices}. "
            "Type the reference of the one you mean."
        )
    if match.fit is Fit.NEAR:
        return f"{_none_called('review')} Did you mean {choices}? Type its reference."
    return f"Which review: {choices}? Type its reference."


def said_back(typed: str, limit: int = TYPED_SHOWN) -> str:
    """Typed words as a reply repeats them, in quotes, so the person sees what was read; never
    words the identifier guard flags (review13b: "Kelly Smith NHS … has overdue actions" was
    answered "I don't know an agency called “kelly smith nhs …”", the bot writing a child's
    details into the chat's history itself)."""
    if holds_a_childs_details(typed):
        return "what you typed"
    return f"“{shortened(' '.join(typed.split()), limit)}”"


def holds_a_childs_details(text: str) -> bool:
    """Whether typed words hold what the guard reads as a person's details. A school or a
    surgery alone is not counted: in a question it is an agency's name far more often (the
    demo's "Demo Primary School"), and reading it as a child's would refuse the question."""
    return any(f.kind is not IdentifierKind.SCHOOL_OR_SURGERY for f in find_identifiers(text))


def _none_called(noun: str) -> str:
    among = " you can see" if noun == "review" else ""
    return f"No {noun}{among} is called that."


MAX_CANDIDATES: Final = 5
_SEQUENCE_ONLY: Final = re.compile(r"^(?:los)?[\s\-/]*(\d{1,4})$")
_CHILD: Final = re.compile(r"^(?:child|baby|young person|sibling group)\s+")


def _pseudonym_key(text: str) -> str:
    return _CHILD.sub("", " ".join(text.lower().split()))


def looks_like_review(text: str) -> bool:
    """Whether `text` is written as a review is named: a reference in any spelling, a sequence
    number, a pseudonym ("Child Z", "young person Q") or a pseudonym's letter ("z"). Ordinary
    words ("my return", "where i left off") are not."""
    query = " ".join(meaningful(text.lower().split())).strip(" ?.!")
    return bool(
        parse_reference(query) is not None
        or _SEQUENCE_ONLY.match(query)
        or _CHILD.match(query)
        or (len(query) == 1 and query.isalpha())
    )


def match_review(text: str, refs: Sequence[ReviewRef]) -> ReviewMatch:
    """Tolerant matching over the reviews a member may see, most recent first.

    A full reference in any spelling names one review; so does a sequence number alone when one
    review has it. A pseudonym names a review when exactly one has it ("child k" and "k" both
    name "Child K"); several with it are `Fit.SEVERAL`. Anything else close enough (part of a
    name, a near spelling) is a "did you mean" list of near misses, `Fit.NEAR`.
    """
    query = " ".join(meaningful(text.lower().split())).strip(" ?.!")
    if not query:
        return ReviewMatch(None, tuple(refs[:MAX_CANDIDATES]), Fit.UNNAMED)
    ordered = sorted(refs, key=lambda r: (r.year, r.sequence), reverse=True)
    parsed = parse_reference(query)
    if parsed is not None:
        exact = [r for r in ordered if (r.year, r.sequence) == parsed]
        return ReviewMatch(exact[0]) if exact else ReviewMatch(None)
    sequence = _SEQUENCE_ONLY.match(query)
    if sequence:
        same = [r for r in ordered if r.sequence == int(sequence.group(1))]
        return _one_or_many(same)
    key = _pseudonym_key(query)
    named = [r for r in ordered if _pseudonym_key(r.pseudonym) == key]
    if named:
        return _one_or_many(named)
    partial = [r for r in ordered if key and key in _pseudonym_key(r.pseudonym)]
    if partial:  # part of a name ("ka" of Child Kai): none is called what was typed
        return ReviewMatch(None, tuple(partial[:MAX_CANDIDATES]), Fit.NEAR)
    by_name = {_pseudonym_key(r.pseudonym): r for r in reversed(ordered)}
    by_name.update({" ".join(r.pseudonym.lower().split()): r for r in reversed(ordered)})
    by_reference = {r.reference.lower(): r for r in ordered}
    close = difflib.get_close_matches(query, list(by_name) + list(by_reference), n=8, cutoff=0.6)
    found: dict[int, ReviewRef] = {}
    for name in close:
        ref = by_name.get(name) or by_reference[name]
        found.setdefault(ref.id, ref)
    return ReviewMatch(None, tuple(list(found.values())[:MAX_CANDIDATES]), Fit.NEAR)


def _one_or_many(refs: Sequence[ReviewRef]) -> ReviewMatch:
    """Reviews that each fit the text exactly (one name, one sequence number): the one, or
    the question which of several."""
    if len(refs) == 1:
        return ReviewMatch(refs[0])
    return ReviewMatch(None, tuple(refs[:MAX_CANDIDATES]), Fit.SEVERAL)


# --- agencies and periods --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """An inclusive date range with a label people recognise ("2026 Q3", "2026")."""

    start: date
    end: date
    label: str
    key: str  # what a card's period choice sends back: "2026-Q3", "2026"

    def quarters(self) -> tuple[tuple[int, int], ...]:
        """(year, quarter) for every quarter the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, quarter = self.start.year, (self.start.month - 1) // 3 + 1
        while (year, quarter) <= (self.end.year, (self.end.month - 1) // 3 + 1):
            found.append((year, quarter))
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return tuple(found)


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * (number - 1) + 1, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period(
        start, date.fromordinal(end.toordinal() - 1), f"{year} Q{number}", f"{year}-Q{number}"
    )


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), str(year))


_QUARTER_FIRST: Final = re.compile(r"\b(\d{4})[\s\-/]?q([1-4])\b")
_QUARTER_LAST: Final = re.compile(r"\bq([1-4])[\s\-/]?(\d{4})\b")
_YEAR: Final = re.compile(r"\b(20\d{2})\b")
_RELATIVE: Final = re.compile(r"\b(this|last) (year|quarter)\b")


def take_period(text: str, today: date) -> tuple[Period | None, str]:
    """Find a period in the text; return it and the text without it."""
    lowered = text.lower()
    for pattern, order in ((_QUARTER_FIRST, (1, 2)), (_QUARTER_LAST, (2, 1))):
        match = pattern.search(lowered)
        if match:
            year, number = int(match.group(order[0])), int(match.group(order[1]))
            return quarter(year, number), _without(lowered, match)
    relative = _RELATIVE.search(lowered)
    if relative:
        this_quarter = (today.month - 1) // 3 + 1
        if relative.group(2) == "year":
            offset = 0 if relative.group(1) == "this" else 1
            return year_period(today.year - offset), _without(lowered, relative)
        if relative.group(1) == "this":
            return quarter(today.year, this_quarter), _without(lowered, relative)
        year, number = (today.year - 1, 4) if this_quarter == 1 else (today.year, this_quarter - 1)
        return quarter(year, number), _without(lowered, relative)
    match = _YEAR.search(lowered)
    if match:
        return year_period(int(match.group(1))), _without(lowered, match)
    return None, lowered


def period_from_key(key: object, today: date) -> Period | None:
    """A card's period choice ("2026-Q3", "2026", "" for all time); junk is all time."""
    if not isinstance(key, str) or not key.strip():
        return None
    period, rest = take_period(key.strip(), today)
    return period if period is not None and not rest.strip() else None


def _without(text: str, match: re.Match[str]) -> str:
    return " ".join((text[: match.start()] + " " + text[match.end() :]).split())


@dataclass(frozen=True)
class AgencyMatch:
    found: tuple[int, str] | None
    candidates: tuple[tuple[int, str], ...] = ()
    fit: Fit = Fit.NEAR


def match_agency(text: str, agencies: Sequence[tuple[int, str, str]]) -> AgencyMatch:
    """`agencies` are (id, name, sector). "police" names "Humberside Police" when it is the
    only police agency; several make a "did you mean" list."""
    words = [w for w in text.lower().split() if w not in FILLER and w != "agency"]
    query = " ".join(words)
    if not query:
        return AgencyMatch(None)
    exact = [(i, n) for i, n, _ in agencies if n.lower() == query]
    if exact:
        return AgencyMatch(exact[0])
    hits = [
        (i, n)
        for i, n, sector in agencies
        if all(w in n.lower().split() or w in n.lower() for w in words) or sector.lower() == query
    ]
    if len(hits) == 1:
        return AgencyMatch(hits[0])
    if hits:  # each has every word typed ("health": two health agencies)
        return AgencyMatch(None, tuple(hits[:MAX_CANDIDATES]), Fit.SEVERAL)
    names = {n.lower(): (i, n) for i, n, _ in agencies}
    close = difflib.get_close_matches(query, list(names), n=MAX_CANDIDATES, cutoff=0.5)
    return AgencyMatch(None, tuple(names[c] for c in close), Fit.NEAR)
