"""The pre-analysis question bank (docs/practice.md) and the checking of answers to it.

The bank is data, not code: a versioned YAML file the admin can replace. Loading it checks it
thoroughly, because a bad replacement must be refused with a message that says what to fix,
rather than break a practitioner's card later.

Card data is untrusted, so `validate_section_answers` accepts whatever a card (or a forged
payload) sends and turns it into clean values plus user-facing messages. It also accepts its
own output, so stored drafts can be checked again on Submit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from domain.calendar import london_today
from domain.errors import DomainError, InvalidInput, NotFound, field_error
from domain.identifiers import IdentifierFinding, find_identifiers

if TYPE_CHECKING:
    # Only a type: at run time the domain imports pydantic itself, not its core package.
    from pydantic_core import ErrorDetails

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_QUESTION_BANK_PATH = DATA_DIR / "question_bank_v1.yaml"
DEFAULT_THEMES_PATH = DATA_DIR / "themes_v1.yaml"

SHORT_TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 2000
MAX_LENGTH_CEILING = 20_000
MAX_REPEATS_CEILING = 100
FOLLOW_UP_SUFFIX = "__follow_up"
EARLIEST_DATE = date(1900, 1, 1)
_MAX_PROBLEMS_SHOWN = 10


class QuestionBankError(DomainError):
    """The question bank or theme vocabulary file cannot be used; the message says why."""


class QuestionType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    THEME_TAGS = "theme_tags"
    YES_NO_FOLLOWUP = "yes_no_followup"


_TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
_CHOICE_TYPES = frozenset({QuestionType.CHOICE, QuestionType.MULTI_CHOICE})
_DEFAULT_MAX_LENGTH = {
    QuestionType.SHORT_TEXT: SHORT_TEXT_MAX_LENGTH,
    QuestionType.LONG_TEXT: LONG_TEXT_MAX_LENGTH,
    QuestionType.YES_NO_FOLLOWUP: LONG_TEXT_MAX_LENGTH,
}

# Single underscores only, so an id can never collide with a "<id>__follow_up" input id.
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", re.ASCII)


def _snake_case(value: str) -> str:
    if len(value) > 64 or not _SNAKE_CASE.fullmatch(value):
        raise ValueError(
            f"'{value[:70]}' is not a valid id: use lower-case letters, digits and single "
            "underscores, starting with a letter (for example 'period_under_review')"
        )
    return value


def _version_as_text(value: object) -> object:
    # "version: 2" without quotes is an int in YAML; it is still a perfectly good version.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


SnakeCaseId = Annotated[str, AfterValidator(_snake_case)]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
VersionText = Annotated[NonBlank, BeforeValidator(_version_as_text)]
FollowUpWhen = Literal["yes", "no", "always"]


class _Frozen(BaseModel):
    # extra="forbid" turns a misspelt field in a replacement file ("requried") into an error
    # instead of a silently ignored line.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    value: SnakeCaseId
    label: NonBlank


class Question(_Frozen):
    id: SnakeCaseId
    label: NonBlank
    prompt: NonBlank
    help: NonBlank
    example: NonBlank
    type: QuestionType
    required: bool = False
    choices: tuple[Choice, ...] = ()
    follow_up_prompt: NonBlank | None = None
    follow_up_when: FollowUpWhen | None = None
    max_length: int | None = Field(default=None, ge=1, le=MAX_LENGTH_CEILING)
    allow_future: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_max_length(cls, data: object) -> object:
        if not isinstance(data, dict) or data.get("max_length") is not None:
            return data
        kind = data.get("type")
        if isinstance(kind, str) and kind in _DEFAULT_MAX_LENGTH:
            return {**data, "max_length": _DEFAULT_MAX_LENGTH[QuestionType(kind)]}
        return data

    @field_validator("follow_up_when", mode="before")
    @classmethod
    def _yaml_booleans_as_words(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted yes/no as a boolean; an admin should not have to know that.
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    @model_validator(mode="after")
    def _check_type_rules(self) -> Self:
        self._check_choices()
        self._check_follow_up()
        if self.max_length is not None and self.type not in _DEFAULT_MAX_LENGTH:
            raise ValueError(f"'max_length' does not apply to a {self.type} question")
        if self.allow_future and self.type is not QuestionType.DATE:
            raise ValueError("'allow_future' applies only to a date question")
        return self

    def _check_choices(self) -> None:
        if self.type not in _CHOICE_TYPES:
            if self.choices:
                raise ValueError(f"'choices' do not apply to a {self.type} question")
            return
        if len(self.choices) < 2:
            raise ValueError(f"a {self.type} question needs at least two 'choices'")
        values = [choice.value for choice in self.choices]
        if len(set(values)) != len(values):
            raise ValueError(f"choice values must be unique; repeated: {_repeated(values)}")

    def _check_follow_up(self) -> None:
        has_follow_up = self.follow_up_prompt is not None or self.follow_up_when is not None
        if self.type is not QuestionType.YES_NO_FOLLOWUP:
            if has_follow_up:
                raise ValueError("'follow_up_prompt' and 'follow_up_when' need yes_no_followup")
            return
        if self.follow_up_prompt is None or self.follow_up_when is None:
            raise ValueError(
                "a yes_no_followup question needs 'follow_up_prompt' and 'follow_up_when' "
                "(yes, no or always)"
            )

    @property
    def follow_up_input_id(self) -> str:
        return follow_up_input_id(self.id)

    def choice_label(self, value: str) -> str:
        return next((choice.label for choice in self.choices if choice.value == value), value)


class Section(_Frozen):
    id: SnakeCaseId
    title: NonBlank
    intro: NonBlank
    questions: tuple[Question, ...] = Field(min_length=1)
    repeatable: bool = False
    max_repeats: int | None = Field(default=None, ge=1, le=MAX_REPEATS_CEILING)
    repeat_label: NonBlank | None = None

    @model_validator(mode="after")
    def _check_repeats(self) -> Self:
        if self.repeatable and self.max_repeats is None:
            raise ValueError("a repeatable section needs 'max_repeats'")
        if not self.repeatable and (self.max_repeats is not None or self.repeat_label):
            raise ValueError("'max_repeats' and 'repeat_label' need 'repeatable: true'")
        return self

    @property
    def item_label(self) -> str:
        """What one repeat is called on cards, for example "Episode"."""
        return self.repeat_label or "Entry"

    @property
    def required_question_ids(self) -> tuple[str, ...]:
        return tuple(question.id for question in self.questions if question.required)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise NotFound(f"There is no question '{question_id[:80]}' in '{self.title}'.")


class QuestionBank(_Frozen):
    version: VersionText
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_unique_ids(self) -> Self:
        section_ids = [section.id for section in self.sections]
        if len(set(section_ids)) != len(section_ids):
            raise ValueError(f"section ids must be unique; repeated: {_repeated(section_ids)}")
        question_ids = [question.id for question in self.questions]
        if len(set(question_ids)) != len(question_ids):
            raise ValueError(
                "question ids must be unique across the whole bank, because answers are "
                f"stored by id; repeated: {_repeated(question_ids)}"
            )
        return self

    @property
    def section_count(self) -> int:
        return len(self.sections)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for section in self.sections for question in section.questions)

    def section(self, index: int) -> Section:
        """The section at a 0-based index. The index may come from card data, so it is checked."""
        if not 0 <= index < self.section_count:
            raise InvalidInput(
                f"There is no section {index + 1}: the questions have {self.section_count} "
                "sections. Type 'continue' to go back to where you left off."
            )
        return self.sections[index]

    def section_index(self, section_id: str) -> int:
        for index, section in enumerate(self.sections):
            if section.id == section_id:
                return index
        raise NotFound(f"There is no section '{section_id[:80]}' in question bank {self.version}.")

    def section_by_id(self, section_id: str) -> Section:
        return self.sections[self.section_index(section_id)]

    def section_of(self, question_id: str) -> Section:
        for section in self.sections:
            if any(question.id == question_id for question in section.questions):
                return section
        raise NotFound(f"There is no question '{question_id[:80]}' in bank {self.version}.")

    def question(self, question_id: str) -> Question:
        return self.section_of(question_id).question(question_id)


class Theme(_Frozen):
    slug: SnakeCaseId
    label: NonBlank


class _ThemeVocabulary(_Frozen):
    version: VersionText
    themes: tuple[Theme, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_unique_slugs(self) -> Self:
        slugs = [theme.slug for theme in self.themes]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"theme slugs must be unique; repeated: {_repeated(slugs)}")
        return self


def _repeated(values: Iterable[str]) -> str:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return ", ".join(repeated)


# ---------------------------------------------------------------------------------------------
# Loading the files


def load_question_bank(path: Path | None = None) -> QuestionBank:
    """Load and check a question bank file; the default is the packaged version 1."""
    source = path or DEFAULT_QUESTION_BANK_PATH
    raw = _read_yaml(source, "question bank")
    try:
        return QuestionBank.model_validate(raw)
    except ValidationError as error:
        raise QuestionBankError(_explain(source, "question bank", error, raw)) from None


def load_themes(path: Path | None = None) -> tuple[Theme, ...]:
    """Load and check a theme vocabulary file; the default is the packaged version 1."""
    source = path or DEFAULT_THEMES_PATH
    raw = _read_yaml(source, "theme vocabulary")
    try:
        return _ThemeVocabulary.model_validate(raw).themes
    except ValidationError as error:
        raise QuestionBankError(_explain(source, "theme vocabulary", error, raw)) from None


@cache
def default_question_bank() -> QuestionBank:
    return load_question_bank()


@cache
def default_themes() -> tuple[Theme, ...]:
    return load_themes()


def _read_yaml(source: Path, what: str) -> dict[str, object]:
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionBankError(f"The {what} file {source} does not exist.") from None
    except UnicodeDecodeError:
        raise QuestionBankError(f"The {what} file {source} is not UTF-8 text.") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise QuestionBankError(f"The {what} file {source} cannot be read: {reason}.") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QuestionBankError(
            f"The {what} file {source} is not valid YAML{_where(error)}."
        ) from None
    if not isinstance(raw, dict):
        raise QuestionBankError(
            f"The {what} file {source} must be a YAML mapping with 'version' at the top level."
        )
    return raw


def _where(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None:
        return ""
    return f" at line {mark.line + 1}, column {mark.column + 1}: {problem or 'syntax error'}"


def _explain(source: Path, what: str, error: ValidationError, raw: object) -> str:
    problems = [_describe_problem(detail, raw) for detail in error.errors(include_url=False)]
    lines = [f"The {what} file {source} cannot be used:"]
    lines += [f"- {problem}" for problem in problems[:_MAX_PROBLEMS_SHOWN]]
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        lines.append(f"- and {len(problems) - _MAX_PROBLEMS_SHOWN} more problems")
    return "\n".join(lines)


_CONTAINER_NAMES = {
    "sections": "section",
    "questions": "question",
    "choices": "choice",
    "themes": "theme",
}


def _describe_problem(detail: ErrorDetails, raw: object) -> str:
    """Turn a pydantic error into "section 3 ('episodes'), question 2 ('x'): what is wrong"."""
    places: list[str] = []
    field_name: str | None = None
    node = raw
    loc = detail["loc"]
    for position, part in enumerate(loc):
        node = _child(node, part)
        if isinstance(part, str):
            field_name = part
            continue
        container = loc[position - 1] if position else None
        if isinstance(container, str) and container in _CONTAINER_NAMES:
            places.append(f"{_CONTAINER_NAMES[container]} {part + 1}{_named(node)}")
            field_name = None
    where = ", ".join(places) or "top level"
    return f"{where}: {_problem_message(detail, field_name)}"


def _child(node: object, part: str | int) -> object:
    if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
        return node[part]
    if isinstance(part, str) and isinstance(node, dict):
        return node.get(part)
    return None


def _named(node: object) -> str:
    if isinstance(node, dict):
        name = node.get("id", node.get("slug", node.get("value")))
        if isinstance(name, str):
            return f" ('{name[:60]}')"
    return ""


# An admin writes YAML; "a valid dictionary or instance of Section" means nothing to them.
_PYTHON_OBJECT_WORDS = re.compile(r"a valid dictionary( or instance of \w+)?")


def _problem_message(detail: ErrorDetails, field_name: str | None) -> str:
    kind = detail["type"]
    message = detail["msg"].removeprefix("Value error, ").replace("a valid tuple", "a list")
    message = _PYTHON_OBJECT_WORDS.sub("a mapping of fields", message)
    if kind == "missing":
        return f"'{field_name}' is missing"
    if kind == "extra_forbidden":
        return f"'{field_name}' is not a recognised field (check the spelling)"
    if kind == "string_too_short":
        return f"'{field_name}' must not be empty"
    if kind == "too_short" and field_name in _CONTAINER_NAMES:
        return f"'{field_name}' must list at least one {_CONTAINER_NAMES[field_name]}"
    if field_name is None:
        return message
    return f"'{field_name}': {message}"


# ---------------------------------------------------------------------------------------------
# Checking answers

AnswerValue = str | tuple[str, ...] | dict[str, str]

_YES_WORDS = frozenset({"yes", "y", "true", "on", "1"})
_NO_WORDS = frozenset({"no", "n", "false", "off", "0"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?")
_WHITESPACE_RUNS = re.compile(r"\s+")


def follow_up_input_id(question_id: str) -> str:
    """The card input id of a yes_no_followup question's follow-up text."""
    return f"{question_id}{FOLLOW_UP_SUFFIX}"


@dataclass(frozen=True)
class SectionValidation:
    """The outcome of checking one section's answers (one episode, for a repeatable section).

    `values` holds every answer that is valid, keyed by question id, ready to store as JSON.
    `errors` is keyed by card input id (a question id, or its follow-up input id) so a card can
    show each message beside its input. `cleared` lists questions the user emptied, which a
    draft save should delete. `missing` lists required questions without a complete answer,
    whichever mode was used, so progress can be shown on a draft.
    """

    section_id: str
    episode: int | None
    values: Mapping[str, AnswerValue]
    errors: Mapping[str, str]
    cleared: frozenset[str]
    missing: tuple[str, ...]
    identifier_findings: Mapping[str, tuple[IdentifierFinding, ...]]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Outcome:
    value: AnswerValue | None = None
    errors: dict[str, str] = field(default_factory=dict)
    complete: bool = False
    blank: bool = True


@dataclass(frozen=True)
class _Context:
    today: date
    theme_slugs: tuple[str, ...]


def validate_section_answers(
    section: Section,
    answers: Mapping[str, object],
    *,
    require_complete: bool,
    episode: int | None = None,
    themes: Iterable[Theme] | None = None,
    today: date | None = None,
    held: Collection[str] = frozenset(),
) -> SectionValidation:
    """Check and clean one section's answers as a card sent them.

    `require_complete` is True for Next and Submit, when required questions must be answered,
    and False for Save draft, which keeps whatever is valid. For a repeatable section, pass the
    1-based `episode` number the answers belong to; the keys are still plain question ids.
    Keys that are not question ids (the verb, the review reference) are ignored. `themes`
    defaults to the packaged vocabulary and `today` to today in Europe/London. `held`: questions
    whose answer is held from this writer (domain/held.py), drawn as text without an input, so
    this card can't complete them and isn't asked to.
    """
    _check_episode(section, episode)
    if not isinstance(answers, Mapping):
        raise InvalidInput("The card sent no answers that could be read. Please try again.")
    vocabulary = default_themes() if themes is None else tuple(themes)
    context = _Context(
        today=today or london_today(),
        theme_slugs=tuple(theme.slug for theme in vocabulary),
    )
    values: dict[str, AnswerValue] = {}
    errors: dict[str, str] = {}
    cleared: set[str] = set()
    missing: list[str] = []
    for question in section.questions:
        outcome = _check_answer(question, answers, context)
        errors.update(outcome.errors)
        if outcome.value is not None:
            values[question.id] = outcome.value
        elif outcome.blank and _was_sent(question, answers):
            cleared.add(question.id)
        if question.id in held:
            continue
        if question.required and not outcome.complete:
            missing.append(question.id)
        if require_complete and not outcome.errors:
            errors.update(_completeness_errors(question, outcome))
    return SectionValidation(
        section_id=section.id,
        episode=episode,
        values=values,
        errors=errors,
        cleared=frozenset(cleared),
        missing=tuple(missing),
        identifier_findings=identifier_findings(section, values),
    )


def progress_label(section_index: int, bank: QuestionBank) -> str:
    """The card heading, for example "Section 3 of 11", for the 0-based `section_index`."""
    bank.section(section_index)
    return f"Section {section_index + 1} of {bank.section_count}"


def episode_label(section: Section, episode: int) -> str:
    """The heading of one repeat, for example "Episode 2 (up to 10)"."""
    _check_episode(section, episode)
    return f"{section.item_label} {episode} (up to {section.max_repeats})"


def _check_episode(section: Section, episode: int | None) -> None:
    if not section.repeatable:
        if episode is not None:
            raise InvalidInput(f"'{section.title}' is answered once, not in separate parts.")
        return
    if episode is None or isinstance(episode, bool) or not isinstance(episode, int):
        raise InvalidInput(f"Say which {section.item_label.lower()} these answers belong to.")
    limit = section.max_repeats or 0
    if not 1 <= episode <= limit:
        raise InvalidInput(
            f"'{section.title}' can hold {limit} {section.item_label.lower()}s at most; "
            f"there is no {section.item_label.lower()} {episode}."
        )


def _was_sent(question: Question, answers: Mapping[str, object]) -> bool:
    return question.id in answers or follow_up_input_id(question.id) in answers


def _completeness_errors(question: Question, outcome: _Outcome) -> dict[str, str]:
    if outcome.complete:
        return {}
    answered = isinstance(outcome.value, dict) and "answer" in outcome.value
    if question.type is QuestionType.YES_NO_FOLLOWUP and answered:
        # A FieldError, so the card names it by its follow-up box's label, as it asks it.
        return {
            question.follow_up_input_id: field_error(_follow_up_name(question), " is required.")
        }
    if question.required:
        return {question.id: field_error(question.label, " is required.")}
    return {}


def _check_answer(question: Question, answers: Mapping[str, object], ctx: _Context) -> _Outcome:
    if question.type is QuestionType.YES_NO_FOLLOWUP:
        return _check_yes_no(question, answers)
    raw = answers.get(question.id)
    if question.type in _TEXT_TYPES:
        single_line = question.type is QuestionType.SHORT_TEXT
        return _check_text(raw, question.id, question.label, _max_length(question), single_line)
    if question.type is QuestionType.CHOICE:
        return _check_choice(question, raw)
    if question.type is QuestionType.MULTI_CHOICE:
        allowed = tuple(choice.value for choice in question.choices)
        return _check_multi(question, raw, allowed, "an option that is not on the list")
    if question.type is QuestionType.THEME_TAGS:
        return _check_multi(
            question, raw, ctx.theme_slugs, "a theme that is not in the partnership list"
        )
    return _check_date(question, raw, ctx.today)


def _max_length(question: Question) -> int:
    return question.max_length or _DEFAULT_MAX_LENGTH.get(question.type, LONG_TEXT_MAX_LENGTH)


def _valid(value: AnswerValue) -> _Outcome:
    return _Outcome(value=value, complete=True, blank=False)


def _invalid(input_id: str, message: str) -> _Outcome:
    return _Outcome(errors={input_id: message}, blank=False)


def _check_text(
    raw: object, input_id: str, label: str, max_length: int, single_line: bool
) -> _Outcome:
    if raw is None:
        return _Outcome()
    if not isinstance(raw, str):
        return _invalid(input_id, field_error(label, " should be text."))
    # Refuse megabytes before spending time normalising them.
    if len(raw) > max_length * 4 + 1000:
        return _invalid(input_id, _too_long(label, len(raw), max_length))
    text = _normalise_text(raw, single_line)
    if not text:
        return _Outcome()
    if len(text) > max_length:
        return _invalid(input_id, _too_long(label, len(text), max_length))
    return _valid(text)


def _too_long(label: str, length: int, max_length: int) -> str:
    return field_error(
        label, f" is too long ({length:,} characters); please keep it to {max_length:,}."
    )


def _normalise_text(raw: str, single_line: bool) -> str:
    # Lone surrogates (possible in JSON) cannot be stored as UTF-8; control characters are
    # invisible on a card and in an export. NFC makes equal-looking text compare equal.
    text = _SURROGATES.sub("\ufffd", raw)
    text = unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", text))
    text = _CONTROL_CHARS.sub("", text)
    if single_line:
        text = _WHITESPACE_RUNS.sub(" ", text)
    return text.strip()


def _check_choice(question: Question, raw: object) -> _Outcome:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _Outcome()
    wanted = raw.strip().casefold() if isinstance(raw, str) else None
    for choice in question.choices:
        if choice.value.casefold() == wanted:
            return _valid(choice.value)
    return _invalid(
        question.id, field_error(question.label, ": please choose one of the options shown.")
    )


def _check_multi(question: Question, raw: object, allowed: tuple[str, ...], what: str) -> _Outcome:
    items = _split_multi(raw)
    if items is None:
        return _invalid(
            question.id, field_error(question.label, ": please choose from the list shown.")
        )
    if not items:
        return _Outcome()
    by_folded = {value.casefold(): value for value in allowed}
    chosen = {by_folded.get(item.casefold()) for item in items}
    if None in chosen:
        return _invalid(
            question.id, field_error(question.label, f" includes {what}; please choose again.")
        )
    # Stored in a fixed order so the same selection always compares and displays the same.
    return _valid(tuple(value for value in allowed if value in chosen))


def _split_multi(raw: object) -> list[str] | None:
    """The selected values, [] for none, or None when `raw` is not a selection at all."""
    if raw is None:
        return []
    if isinstance(raw, str):
        parts: list[object] = list(raw.split(","))  # Teams sends "a,b,c" for a multi-select
    elif isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        return None
    if not all(isinstance(part, str) for part in parts):
        return None
    return [stripped for part in parts if (stripped := str(part).strip())]


def _check_date(question: Question, raw: object, today: date) -> _Outcome:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _Outcome()
    parsed = _parse_date(raw.strip()) if isinstance(raw, str) else None
    if parsed is None:
        return _invalid(
            question.id, field_error(question.label, " should be a date, for example 14/03/2025.")
        )
    if parsed < EARLIEST_DATE:
        return _invalid(
            question.id, field_error(question.label, " is before 1900; please check the year.")
        )
    if parsed > today and not question.allow_future:
        return _invalid(question.id, field_error(question.label, " cannot be in the future."))
    return _valid(parsed.isoformat())


def _parse_date(text: str) -> date | None:
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        uk = _UK_DATE.fullmatch(text)
        if uk:
            day, month, year = (int(part) for part in uk.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _check_yes_no(question: Question, answers: Mapping[str, object]) -> _Outcome:
    raw_answer, raw_follow_up = _yes_no_inputs(question, answers)
    answer = _parse_yes_no(raw_answer)
    follow_up = _check_text(
        raw_follow_up,
        question.follow_up_input_id,
        _follow_up_name(question),
        _max_length(question),
        False,
    )
    errors = dict(follow_up.errors)
    if answer == "invalid":
        errors[question.id] = field_error(question.label, ": please choose Yes or No.")
        answer = None
    asked = answer is None or question.follow_up_when in ("always", answer)
    value: dict[str, str] = {}
    if answer is not None:
        value["answer"] = answer
    # A follow-up that no longer applies (the answer changed) would contradict the answer.
    if asked and isinstance(follow_up.value, str):
        value["follow_up"] = follow_up.value
    needs_follow_up = answer is not None and question.follow_up_when in ("always", answer)
    complete = answer is not None and (not needs_follow_up or "follow_up" in value)
    blank = _is_blank(raw_answer) and follow_up.blank
    return _Outcome(value=value or None, errors=errors, complete=complete, blank=blank)


def _follow_up_name(question: Question) -> str:
    """A follow-up's short name, where no card names it: "In line with procedure: Why not?"."""
    return f"{question.label}: {question.follow_up_prompt}"


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _yes_no_inputs(question: Question, answers: Mapping[str, object]) -> tuple[object, object]:
    raw = answers.get(question.id)
    if isinstance(raw, Mapping) and set(raw) <= {"answer", "follow_up"}:
        # The stored shape, {"answer": "yes", "follow_up": "..."}, being checked again.
        return raw.get("answer"), raw.get("follow_up")
    return raw, answers.get(question.follow_up_input_id)


def _parse_yes_no(raw: object) -> Literal["yes", "no", "invalid"] | None:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if _is_blank(raw):
        return None
    word = raw.strip().casefold() if isinstance(raw, str) else ""
    if word in _YES_WORDS:
        return "yes"
    if word in _NO_WORDS:
        return "no"
    return "invalid"


def guarded_texts(question: Question, value: object) -> dict[str, str]:
    """The free text in one answer that the identifier guard reads, by input id: a text
    question's answer, or a yes/no question's follow-up."""
    if isinstance(value, str) and question.type in _TEXT_TYPES:
        return {question.id: value}
    if isinstance(value, dict) and isinstance(value.get("follow_up"), str):
        return {question.follow_up_input_id: value["follow_up"]}
    return {}


def identifier_findings(
    section: Section, values: Mapping[str, AnswerValue]
) -> dict[str, tuple[IdentifierFinding, ...]]:
    """Likely identifiers in a section's clean answers (as validated or as stored), by input id
    (a yes/no question's follow-up has its own)."""
    findings: dict[str, tuple[IdentifierFinding, ...]] = {}
    for question in section.questions:
        for input_id, text in guarded_texts(question, values.get(question.id)).items():
            found = find_identifiers(text)
            if found:
                findings[input_id] = tuple(found)
    return findings
