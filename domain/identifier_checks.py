"""The identifier guard at a form: warn field by field, let the writer keep a field only by
ticking that field's own box, and audit every field kept that way.

A tick covers one field: ticking "none of this is identifying" under a progress note says
nothing about the reason typed beside it. What was kept is audited by field name and kinds
(never the text), so a lead or an auditor can see that an override happened and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn

from domain import audit
from domain.errors import FormInvalid
from domain.identifiers import IdentifierKind, describe_findings, find_identifiers, kinds_found
from domain.model import Actor
from domain.repositories import UnitOfWork

CONFIRM_PREFIX = "confirm_identifiers__"
OVERRIDE_ACTION = "identifiers.kept"
CONFIRM_LABEL = "I've checked: none of this is identifying"


def confirm_key(field: str) -> str:
    """The tick box's input id for one field."""
    return CONFIRM_PREFIX + field


def is_confirmed(data: Mapping[str, object], field: str) -> bool:
    return str(data.get(confirm_key(field), "")).lower() == "true"


@dataclass(frozen=True)
class Screened:
    warnings: dict[str, str]  # field -> warning, for fields not ticked
    kept: dict[str, tuple[IdentifierKind, ...]]  # field -> kinds, for fields ticked

    def audit_after(self) -> dict[str, list[str]]:
        return {field: [kind.value for kind in kinds] for field, kinds in self.kept.items()}


def screen(texts: Mapping[str, str | None], data: Mapping[str, object]) -> Screened:
    warnings: dict[str, str] = {}
    kept: dict[str, tuple[IdentifierKind, ...]] = {}
    for field, text in texts.items():
        findings = find_identifiers(text) if text else []
        if not findings:
            continue
        if is_confirmed(data, field):
            kept[field] = tuple(kinds_found(findings))
        else:
            warnings[field] = describe_findings(findings)
    return Screened(warnings, kept)


@dataclass(frozen=True)
class FormCheck:
    """Everything one submit of a form got wrong, found in one pass: the validation problems
    and the identifier findings together, so the card comes back once with every problem
    under its box rather than one kind per submit (walk12: people submitted two or three
    times). `warnings` holds every flagged field the card must draw a tick under: the
    unticked ones, and, while a validation problem sends the card back anyway, the ticked
    ones too (drawn ticked), so a tick given is never lost to a date mended."""

    errors: dict[str, str]  # field -> validation problem
    warnings: dict[str, str]  # field -> masked identifier warning, with its tick
    screened: Screened

    @property
    def saves(self) -> bool:
        return not self.errors and not self.screened.warnings


def check_form(
    errors: Mapping[str, str], texts: Mapping[str, str | None], data: Mapping[str, object]
) -> FormCheck:
    """The pure check: `errors` are the form's validation problems, `texts` its free text by
    input id (as typed, or as it would be saved), `data` the submit with its ticks."""
    screened = screen(texts, data)
    warnings = dict(screened.warnings)
    if errors:
        for field in screened.kept:
            text = texts[field]
            warnings[field] = describe_findings(find_identifiers(text) if text else [])
    return FormCheck(dict(errors), warnings, screened)


class IdentifiersToConfirm(FormInvalid):
    """Possible identifiers in fields the writer may keep, one tick per field, with any
    validation problems of the same submit (`errors`, empty when the form was otherwise
    right). The form is shown again with what was typed, each problem and each warning under
    its field."""

    def __init__(self, warnings: dict[str, str], errors: Mapping[str, str] | None = None) -> None:
        super().__init__(dict(errors or {}))
        self.args = (" ".join([*self.errors.values(), *warnings.values()]),)
        self.warnings = warnings


def require_valid(
    errors: Mapping[str, str], texts: Mapping[str, str | None], data: Mapping[str, object]
) -> Screened:
    """Raise with every problem of the submit at once: IdentifiersToConfirm when a field is
    flagged (carrying the validation problems too), FormInvalid when only validation failed.
    What returns is the screen of a form that may be saved: every flag ticked."""
    check = check_form(errors, texts, data)
    if check.warnings and not check.saves:
        raise IdentifiersToConfirm(check.warnings, check.errors)
    if check.errors:
        raise FormInvalid(check.errors)
    return check.screened


def require_confirmed(texts: Mapping[str, str | None], data: Mapping[str, object]) -> Screened:
    """Raise IdentifiersToConfirm unless every field with findings is ticked."""
    return require_valid({}, texts, data)


def refuse_with_findings(
    invalid: FormInvalid, texts: Mapping[str, str | None], data: Mapping[str, object]
) -> NoReturn:
    """A validator refused the form (`invalid`): refuse it again with the identifier findings
    in its free text added, so one submit shows both."""
    require_valid(invalid.errors, texts, data)
    raise invalid  # not reached: require_valid raises whenever there are errors


def typed_texts(data: Mapping[str, object], fields: Iterable[str]) -> dict[str, str | None]:
    """The free text of `fields` as typed (trimmed), for screening a form that failed
    validation before its text was read."""
    return {
        field: value.strip() or None if isinstance(value, str) else None
        for field in fields
        for value in [data.get(field)]
    }


def record_kept(
    uow: UnitOfWork,
    partnership_id: int | None,
    actor: Actor,
    target: tuple[str, object],
    screened: Screened,
) -> None:
    """One audit event per save that kept flagged text: which fields, which kinds."""
    if screened.kept:
        audit.record(
            uow, partnership_id, actor, OVERRIDE_ACTION, target, after=screened.audit_after()
        )
