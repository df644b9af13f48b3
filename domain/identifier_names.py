"""Names, street addresses and named schools or GP surgeries, found word by word.

A name is found by what surrounds a word, not by the word alone, because most given names are
also ordinary words somewhere:
- a forename followed by a surname ("Kelly Smith"), both from packaged names lists;
- a title and a surname ("Mrs Smith");
- a name next to a relationship word ("mum Kelly", "Kelly (mum)", "Mum \u2014 Kelly \u2014");
- a name set off after a pseudonym ("Sibling 2, Maisie,", "Adult B (Darrell)"), a season that is
  a given name too when its mark closes it ("Sibling 1, Summer,", "Child K (Summer)");
- a forename with an age ("Kelly, 14", "Jay aged 9"); a joined forename is one when each part
  is ("Lily-Mae");
- a surname in the surname list between "the" and "family" ("the Brennan family", "the
  O'Neill children").
- a lone first name that is not also a common word, a UK town or a word for who someone is
  ("Jayden told the teacher"; not "Grace", "Amber", "Preston", "Roma"), unless the words
  around it name a thing or a place (`_NameScanner._stands_alone`); one that is also a common
  word when a verb of saying or reporting follows it ("Grace told the teacher", "Holly was
  seen"), and a month or a season when a verb of saying does ("May told her teacher").
A forename and a street word that is a common family name are a person after a place word only
when a verb of talking or meeting brings them in ("spoke to Sarah Green", "visited by Tom Hill";
"went to Holly Park" is a place).
Practice words (roles, agencies, months) never count as names, and single letters never do, so
pseudonyms ("Child K", "Sibling 2", "Mother of Child K") pass.

One pass over the words of the text; each word costs a few set look-ups, and only a
capitalised word or a relationship word costs more. The text is split into words once for both
detectors (`word_findings`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from domain.identifier_kinds import (
    IdentifierFinding,
    IdentifierKind,
    mask_alphanumerics,
    mask_word,
)
from domain.identifier_words import (
    ADDRESSING_VERBS,
    FAMILY_DESCRIPTIONS,
    GENERIC_PLACE_WORDS,
    HONORIFICS,
    INSTITUTION_SUFFIXES,
    NAME_COMPANIONS,
    NAMED_TIMES,
    NOT_NAMES,
    NOT_STREET_NAMES,
    RELATIONS,
    REPORTING_VERBS,
    SEASONS,
    SENTENCE_ADVERBS,
    SPEECH_VERBS,
    STREET_SUFFIXES,
    TIME_WORDS,
)
from domain.name_lexicon import common_surnames, distinctive_forenames, forenames, surnames

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_HOUSE_NUMBER = re.compile(
    r"(?:(?:flat|apartment|apt|unit)\s{1,3}\d{1,4}[a-z]?,?\s{1,3})?"
    r"\d{1,4}[a-z]?(?:-\d{1,4})?,?\s{1,3}$",
    re.IGNORECASE,
)
_AGE_AFTER = re.compile(
    r"(?:\s{0,2}[,(]\s{0,2}(?:aged?\s{1,2})?|\s{1,2}aged?\s{1,2})\d{1,2}(?!\d|[/.:]\d)"
)
# Words that follow "School" in a role or service, not a school's name: "School Nurse".
_AFTER_INSTITUTION = {
    *("nurse", "nurses", "nursing", "health", "team", "lead", "staff", "governor", "governors"),
    *("attendance", "admissions", "transport", "meals", "holidays", "holiday", "term", "run"),
    *("places", "place", "report"),
}
# "Child Seed", "Baby Rowan": a capitalised head word is how pseudonyms are made, whatever follows;
# "the child Mia" is a name.
_PSEUDONYM_HEADS = frozenset(["Child", "Baby"])
# Between a relationship word and a name: a space, or a comma, a bracket, a colon or a dash
# setting the name off ("mum, Kelly,", "Mum \u2014 Chantelle \u2014", "Dad - Craig"); never a
# line break, which starts the next item of a one-per-line box ("…to see the child" and then
# "Share incident logs…": walk13 read "Share" as the child's family name).
_RELATION_GAP = re.compile(
    r"[ \t\u00a0]{1,2}|[ \t\u00a0]{0,2}(?:[,(:\u2013\u2014]|(?<=\s)-)[ \t\u00a0]{0,2}"
)
# A pseudonym's letter or number and then such a gap: "Sibling 2, Maisie", "Child K (Mia)".
_PSEUDONYM_TAG_GAP = re.compile(
    r"\s{1,2}(?:[A-Z]|\d{1,2})\s{0,2}(?:[,(:\u2013\u2014]|(?<=\s)-)\s{0,2}"
)
# A name set off after a pseudonym is closed by its mark: "Sibling 1, Summer," "Child K (Summer)".
_SET_OFF_END = re.compile(r"\s{0,2}(?:[,)\]\u2013\u2014]|(?<=\s)-)")
# Words that head a pseudonym besides the relationship words: "Adult B", "Person 2".
_PSEUDONYM_WORDS = frozenset(["adult", "person", "male", "female", "victim", "subject"])
# After "the <Surname>", the words that say a family is meant: "the Brennan family".
_FAMILY_WORDS = frozenset(
    ["family", "household", "children", "siblings", "boys", "girls", "brothers", "sisters"]
)
_TITLE_GAP = re.compile(r"\.?\s{1,2}")
_NAME_GAP = re.compile(r"[ \u00a0]{1,2}")
_NAME_JOINS = re.compile(r"[-'\u2019]")


class _Word:
    """A word and where it is, with the forms the rules compare, worked out once."""

    __slots__ = ("bare", "capitalised", "end", "lower", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        # Without a possessive "'s": "Smith's" -> "Smith".
        bare = text[:-2] if text[-2:] in _POSSESSIVE_ENDINGS else text
        self.bare = bare
        self.lower = bare.lower()
        self.capitalised = len(bare) > 1 and bare[0].isupper() and not bare[1:].isupper()


_POSSESSIVE_ENDINGS = frozenset(["'s", "\u2019s"])


def _words(text: str) -> list[_Word]:
    return [_Word(match[0], *match.span()) for match in _WORD.finditer(text)]


def _may_be_name(word: _Word) -> bool:
    return word.capitalised and word.lower not in NOT_NAMES


def _is_forename(word: _Word) -> bool:
    if not _may_be_name(word):
        return False
    if word.bare in forenames():
        return True
    # "Lily-Mae", "Mary-Kate": a joined forename is one when every part is.
    parts = word.bare.split("-")
    return len(parts) > 1 and all(
        part in forenames() and part.lower() not in NOT_NAMES for part in parts
    )


def _is_family_name(word: _Word) -> bool:
    if _is_street_surname(word):
        return True
    if not _may_be_name(word):
        return False
    parts = _NAME_JOINS.split(word.bare)
    # "O'Brien", "Smith-Jones": a joined name is a name if its main part is one.
    return any(p in surnames() or p in forenames() for p in parts if len(p) > 1) or (
        len(parts) > 1 and parts[0] in {"O", "D", "Mc", "Mac"}
    )


_ARTICLES = frozenset(["a", "an", "the"])
# What may come just before the first word of a sentence, a line or a list item.
_SENTENCE_OPENERS = frozenset(".!?:;\n-\u2013\u2014\u2022*(\"'\u201c\u2018")
# Before a lone word, these say a place is meant: "in Stanley", "near Kimberley".
_PLACE_PREPOSITIONS = frozenset(["in", "at", "near", "outside", "around", "within"])

# Words after which a forename and a street word are a place, not a person.
_LOCATIVES = frozenset(
    [
        "at",
        "in",
        "on",
        "to",
        "from",
        "near",
        "by",
        "outside",
        "behind",
        "opposite",
        "past",
        "beside",
        "towards",
        "into",
        "around",
        "off",
    ]
)


# After a verb of talking or meeting, these bring in a person: "spoke to", "was visited by".
_ADDRESSING_PREPOSITIONS = frozenset(["to", "by"])


def _brings_in_a_person(text: str, words: Sequence[_Word], index: int) -> bool:
    """Whether words[index] is "to" or "by" after a verb of talking or meeting, so that the
    words after it name whom ("spoke to Sarah Green", "spoke briefly to Amy Lane", "was
    visited by Tom Hill"), not where ("went to Holly Park")."""
    if words[index].lower not in _ADDRESSING_PREPOSITIONS or index == 0:
        return False
    verb = index - 1
    if verb > 0 and words[verb].lower.endswith("ly"):
        verb -= 1
    # Only spaces between: "spoke, to" and "spoke. To" start something else.
    return words[verb].lower in ADDRESSING_VERBS and all(
        not _gap(text, left, right).strip() for left, right in pairwise(words[verb : index + 1])
    )


def _is_street_surname(word: _Word) -> bool:
    """A street word that is also a common family name ("Sarah Park", "Mr Green", "Tom Hill").
    It is never a name alone, but where a family name stands (after a forename, a title or a
    relationship word) it is one: an address there is found by the place rules as well, and
    an address wins a tie (`identifiers._without_overlaps`). Rare ones ("Street", "Court")
    name streets far more often than people."""
    return word.capitalised and word.lower in STREET_SUFFIXES and word.bare in common_surnames()


def _in_surname_list(word: _Word) -> bool:
    parts = _NAME_JOINS.split(word.bare)
    return _may_be_name(word) and all(part in surnames() for part in parts if len(part) > 1)


def _gap(text: str, left: _Word, right: _Word) -> str:
    return text[left.end : right.start]


class _NameScanner:
    def __init__(self, text: str, words: Sequence[_Word]) -> None:
        self.text = text
        self.words = words
        self.spans: list[tuple[int, int]] = []

    def scan(self) -> list[tuple[int, int]]:
        for index, word in enumerate(self.words):
            # Most words are lower case and no relationship word: nothing to check.
            if word.capitalised or word.lower in RELATIONS:
                self._check(index, word)
        return self.spans

    def _next(self, index: int, gap: re.Pattern[str]) -> _Word | None:
        if index + 1 >= len(self.words):
            return None
        following = self.words[index + 1]
        return following if gap.fullmatch(_gap(self.text, self.words[index], following)) else None

    def _family_name_after(self, index: int, after: _Word) -> bool:
        """Whether `after` is the family name of the forename at `index`. A street word after a
        place word, or before a school's, names a place: "near Victoria Park", "Oak Park
        school"; not after a verb of talking or meeting and its "to" or "by": "spoke to Sarah
        Green"."""
        if not _is_street_surname(after):
            return _is_family_name(after)
        place_before = (
            index > 0
            and self.words[index - 1].lower in _LOCATIVES
            and not _brings_in_a_person(self.text, self.words, index - 1)
        )
        school_after = (
            index + 2 < len(self.words) and self.words[index + 2].lower in INSTITUTION_SUFFIXES
        )
        return not (place_before or school_after)

    def _extend(self, index: int, end: int) -> int:
        """Take in further family names: "Kelly Ann Smith", "Mrs Smith Jones"."""
        while (after := self._next(index, _NAME_GAP)) is not None and _is_family_name(after):
            end = after.end
            index += 1
        return end

    def _named_after_pseudonym(self, index: int, word: _Word) -> bool:
        """A name set off after a pseudonym: "Sibling 2, Maisie,", "Child K (Mia)", and a season
        that is a given name, closed by its mark: "Sibling 1, Summer,"."""
        if not (word.capitalised and (word.lower in RELATIONS or word.lower in _PSEUDONYM_WORDS)):
            return False
        # The tag is a word of its own when it is a letter ("Child K"), not when a number.
        following = self.words[index + 1 : index + 3]
        if following and len(following[0].text) == 1:
            following = following[1:]
        if not following:
            return False
        named = following[0]
        if not _PSEUDONYM_TAG_GAP.fullmatch(self.text[word.end : named.start]):
            return False
        if not (_is_family_name(named) or self._set_off_season(named)):
            return False
        self.spans.append((named.start, named.end))
        return True

    def _set_off_season(self, named: _Word) -> bool:
        """A season that is a given name, closed by its mark after a pseudonym: "Sibling 1,
        Summer,", "Child K (Summer)"; not "Child K (Summer 2024)", "Child K, Summer term"."""
        return (
            named.lower in SEASONS
            and named.text in forenames()
            and _SET_OFF_END.match(self.text, named.end) is not None
        )

    def _named_family(self, index: int, word: _Word) -> bool:
        """A family by its surname: "the Brennan family", "the O'Neill children", "the Hill
        family". Only a word in the surname list (or a common family name that is a street
        word), and not a practice word or a word for who a family is ("the Early Help family
        hub", "the Irish family")."""
        if index == 0 or index + 1 >= len(self.words) or self.words[index - 1].lower != "the":
            return False
        after = self.words[index + 1]
        if after.lower not in _FAMILY_WORDS or not _NAME_GAP.fullmatch(
            _gap(self.text, word, after)
        ):
            return False
        if index + 2 < len(self.words) and self.words[index + 2].capitalised:
            return False  # "the Smith Family Hub": the name of a thing, decided after
        # A street word that is a common family name is one here too: "the Hill family".
        if word.lower in FAMILY_DESCRIPTIONS or not (
            _is_street_surname(word) or _in_surname_list(word)
        ):
            return False
        self.spans.append((word.start, word.end))
        return True

    def _check(self, index: int, word: _Word) -> None:
        """`word` is capitalised or a relationship word. Each rule's neighbour is looked at
        only when `word` can start that rule: most capitalised words in practice prose are
        practice words ("Police", "March"), which start none."""
        if self._named_after_pseudonym(index, word) or self._named_family(index, word):
            return
        if index > 0 and self.words[index - 1].text in _PSEUDONYM_HEADS:
            return  # "Baby Poppy": a pseudonym
        forename = _is_forename(word)
        if forename:
            after = self._next(index, _NAME_GAP)
            if after is not None and self._family_name_after(index, after):
                self.spans.append((word.start, self._extend(index + 1, after.end)))
                return
        if word.text in HONORIFICS:
            titled = self._next(index, _TITLE_GAP)
            if titled is not None and (_may_be_name(titled) or _is_street_surname(titled)):
                self.spans.append((word.start, self._extend(index + 1, titled.end)))
                return
        relation = word.lower in RELATIONS and word.text not in _PSEUDONYM_HEADS
        if not (relation or forename):
            if self._time_name_speaks(index, word):
                self.spans.append((word.start, word.end))
            return
        related = self._next(index, _RELATION_GAP)
        if relation and related is not None and _is_family_name(related):
            self.spans.append((related.start, related.end))
            return
        if not forename:
            return
        beside_relation = (
            related is not None
            and related.lower in RELATIONS
            and related.text not in _PSEUDONYM_HEADS
        )
        if (
            beside_relation
            or _AGE_AFTER.match(self.text, word.end)
            or self._stands_alone(index, word)
        ):
            self.spans.append((word.start, word.end))

    def _in_a_run(self, left: _Word, right: _Word) -> bool:
        """Whether two words are neighbours in a run of capitalised words that names a thing
        or a place ("Victoria Park", "Munro Review", "Maisie Foundation"); a word that may
        stand beside a name ("When", "Monday", "Mum") or a punctuation mark between them
        ends the run, and so does an adverb capitalised only because it opens a sentence
        ("Sadly Maisie", "Meanwhile Maisie")."""
        return (
            left.capitalised
            and right.capitalised
            and left.lower not in NAME_COMPANIONS
            and right.lower not in NAME_COMPANIONS
            and not self._opening_adverb(left)
            and _NAME_GAP.fullmatch(_gap(self.text, left, right)) is not None
        )

    def _opening_adverb(self, word: _Word) -> bool:
        if not (word.lower.endswith("ly") or word.lower in SENTENCE_ADVERBS):
            return False
        before = self.text[: word.start].rstrip(" \t")
        return not before or before[-1] in _SENTENCE_OPENERS

    def _stands_alone(self, index: int, word: _Word) -> bool:
        """A lone first name with no cue around it ("Jayden told the teacher"): a forename
        that is not also a common word, a UK town or a word for who someone is
        (`distinctive_forenames`, "Roma"), or one that is but says or reports something
        ("Grace told the teacher", "Hope reported", "Holly was seen"); and not named as a thing
        or a place (`_alone_here`)."""
        parts = word.bare.split("-")
        if word.lower in FAMILY_DESCRIPTIONS:
            return False
        if not (
            any(part in distinctive_forenames() for part in parts)
            or self._reports(index, word, REPORTING_VERBS, sighting=True)
        ):
            return False
        return self._alone_here(index, word)

    def _time_name_speaks(self, index: int, word: _Word) -> bool:
        """A month or a season that is a given name, saying something: "May told her teacher",
        "Summer said". Not before a verb of reporting ("June reported the most contacts"), nor
        after a word that makes it a time ("by June said the lead")."""
        return (
            word.capitalised
            and word.lower in NAMED_TIMES
            and word.text in forenames()
            and not (index > 0 and self.words[index - 1].lower in TIME_WORDS)
            and self._reports(index, word, SPEECH_VERBS, sighting=False)
            and self._alone_here(index, word)
        )

    def _reports(self, index: int, word: _Word, verbs: frozenset[str], *, sighting: bool) -> bool:
        """Whether `word`, not possessive, is just before one of `verbs` ("Grace told"), or,
        with `sighting`, before "was seen" or "is seen" but not "seen as" ("Hope was seen as
        the way forward")."""
        following = self.words[index + 1 : index + 4]
        if word.bare != word.text or not following:
            return False
        if not _NAME_GAP.fullmatch(_gap(self.text, word, following[0])):
            return False
        if following[0].lower in verbs:
            return True
        return (
            sighting
            and len(following) > 1
            and following[0].lower in {"was", "is"}
            and following[1].lower == "seen"
            and not (len(following) > 2 and following[2].lower == "as")
        )

    def _alone_here(self, index: int, word: _Word) -> bool:
        """Not named as a thing or a place: in a run of capitalised words, after "a"/"the" ("a
        Stanley knife", "the Christie"), after "in", "at" or "near" unless possessive ("in
        Stanley"; "in Maisie's room" names her), before "the" and a capitalised word ("Thomas
        the Tank Engine"), or paired by "and"/"or" with a capitalised word that is not a
        forename ("Chelsea and Westminster")."""
        before = self.words[index - 1] if index > 0 else None
        after = self.words[index + 1] if index + 1 < len(self.words) else None
        if before is not None and (
            self._in_a_run(before, word)
            or before.lower in _ARTICLES
            or (before.lower in _PLACE_PREPOSITIONS and word.bare == word.text)
        ):
            return False
        if after is not None and self._in_a_run(word, after):
            return False
        if (
            after is not None
            and after.lower == "the"
            and index + 2 < len(self.words)
            and self.words[index + 2].capitalised
        ):
            return False
        return not self._paired_with_a_thing(index)

    def _paired_with_a_thing(self, index: int) -> bool:
        """Paired by "and"/"or" with a capitalised word that names a thing or a place
        ("Chelsea and Westminster"): not a forename, and not a word of practice or of who
        someone is ("Maisie and Mum", "Maisie and Police" name her)."""
        for step in (-2, 2):
            joined, paired = index + step // 2, index + step
            if 0 <= paired < len(self.words) and self.words[joined].lower in {"and", "or", "&"}:
                other = self.words[paired]
                if other.capitalised and not _is_forename(other) and other.lower not in NOT_NAMES:
                    return True
        return False


def _mask_name(text: str) -> str:
    # "Mrs S••••'s": the title and the possessive say nothing about who.
    return _WORD.sub(lambda match: _mask_name_word(_Word(match.group(), 0, 0)), text)


def _mask_name_word(word: _Word) -> str:
    if word.text in HONORIFICS:
        return word.text
    return mask_word(word.bare) + word.text[len(word.bare) :]


def name_findings(text: str) -> list[IdentifierFinding]:
    return _name_findings(text, _words(text))


def place_findings(text: str) -> list[IdentifierFinding]:
    """Street addresses ("14 Acacia Road") and named schools or surgeries ("Oakfield Primary")."""
    return _place_findings(text, _words(text))


def word_findings(text: str) -> list[IdentifierFinding]:
    """Names and places, the text split into words once for both."""
    words = _words(text)
    return _name_findings(text, words) + _place_findings(text, words)


def _name_findings(text: str, words: Sequence[_Word]) -> list[IdentifierFinding]:
    return [
        IdentifierFinding(IdentifierKind.NAME, _mask_name(text[start:end]), start, end)
        for start, end in _NameScanner(text, words).scan()
    ]


def _proper_run_before(words: Sequence[_Word], index: int, text: str) -> int:
    """Index of the first word of the run of capitalised words that ends just before `index`."""
    first = index
    while first > 0:
        before = words[first - 1]
        church_school = before.text == "of" and first > 1 and words[first - 2].text == "C"
        # "St Bede's RC Primary", "St Mary's CE School", "C of E": a church's letters belong
        # to the school's name.
        church_letters = before.text.isupper() and before.lower in GENERIC_PLACE_WORDS
        if not (before.capitalised or church_letters or church_school):
            break
        if not _NAME_GAP.fullmatch(text[before.end : words[first].start].replace(".", "")):
            break
        first -= 1
        if index - first >= 6:
            break
    return first


def _names_a_place(words: Sequence[_Word], generic: frozenset[str] = GENERIC_PLACE_WORDS) -> bool:
    return any(word.capitalised and word.lower not in generic for word in words)


def _place_findings(text: str, words: Sequence[_Word]) -> list[IdentifierFinding]:
    findings: list[IdentifierFinding] = []
    for index, word in enumerate(words):
        if not word.text[0].isupper():
            continue
        if word.lower in STREET_SUFFIXES:
            finding = _address(text, words, index)
        elif word.lower in INSTITUTION_SUFFIXES or _is_health_centre(words, index):
            finding = _institution(text, words, index)
        else:
            continue
        if finding is not None:
            findings.append(finding)
    return findings


def _is_health_centre(words: Sequence[_Word], index: int) -> bool:
    word = words[index]
    return (
        word.lower in {"centre", "practice"}
        and index > 0
        and (words[index - 1].lower in {"medical", "health"})
    )


def _address(text: str, words: Sequence[_Word], index: int) -> IdentifierFinding | None:
    first = _proper_run_before(words, index, text)
    street = words[first:index]
    if not street or not _names_a_place(street, NOT_STREET_NAMES):
        return None
    if (
        index + 1 < len(words)
        and words[index + 1].capitalised
        and not _gap(text, words[index], words[index + 1]).strip(" ")
    ):
        return None  # "Castle Hill Hospital": the street's name is part of a longer one
    window = max(0, words[first].start - 24)
    number = _HOUSE_NUMBER.search(text[window : words[first].start])
    start = window + number.start() if number else words[first].start
    if number is None and (
        not _after_a_place_word(text, words[first].start) or _talked_to(text, words, first, index)
    ):
        return None
    end = words[index].end
    masked = mask_alphanumerics(text[start : words[first].start]) + " ".join(
        mask_word(word.text) for word in street
    )
    return IdentifierFinding(IdentifierKind.ADDRESS, f"{masked} {words[index].text}", start, end)


def _talked_to(text: str, words: Sequence[_Word], first: int, index: int) -> bool:
    """A forename and a street word that is a common family name, after a verb of talking or
    meeting and its "to": a person ("spoke to Sarah Green"), which the name rules report. With
    a street word after them ("Sarah Green Road") or a house number before, an address."""
    return (
        index - first == 1
        and first > 0
        and _is_forename(words[first])
        and _is_street_surname(words[index])
        and _brings_in_a_person(text, words, first - 1)
    )


_PLACE_PREPOSITION = re.compile(r"(?:\b(?:on|at|in|to|from|off|of|lives|address)\s{1,3})$")


def _after_a_place_word(text: str, start: int) -> bool:
    # Without a house number, "Acacia Road" names a street only after "on", "at", "to"...: at
    # a sentence's start, "Station Road" is as likely a bus stop's name in someone's account.
    return _PLACE_PREPOSITION.search(text[max(0, start - 12) : start]) is not None


def _institution(text: str, words: Sequence[_Word], index: int) -> IdentifierFinding | None:
    after = words[index + 1] if index + 1 < len(words) else None
    if after is not None and after.lower in _AFTER_INSTITUTION:
        return None
    first = _proper_run_before(words, index, text)
    named = words[first:index]
    if not named or not _names_a_place(named):
        return None
    tail = " ".join(
        word.text
        for word in words[first : index + 1]
        if word.lower in GENERIC_PLACE_WORDS or word is words[index]
    )
    masked = " ".join(mask_word(w.text) for w in named if w.lower not in GENERIC_PLACE_WORDS)
    return IdentifierFinding(
        IdentifierKind.SCHOOL_OR_SURGERY, f"{masked} {tail}", words[first].start, words[index].end
    )
