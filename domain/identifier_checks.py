"""The identifier guard at a form: warn field by field, let the writer keep a field only by
ticking that field's own box, and audit every field kept that way.

A tick covers one field: ticking "none of this is identifying" under a progress note says
nothing about the reason typed beside it. What was kept is audited by field name and kinds
(never the text), so a lead or an auditor can see that an override happened and where.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


class IdentifiersToConfirm(FormInvalid):
    """Possible identifiers in fields the writer may keep, one tick per field. The form is
    shown again with what was typed, each warning under its field."""

    def __init__(self, warnings: dict[str, str]) -> None:
        super().__init__(warnings)
        self.warnings = warnings


def require_confirmed(texts: Mapping[str, str | None], data: Mapping[str, object]) -> Screened:
    """Raise IdentifiersToConfirm unless every field with findings is ticked."""
    screened = screen(texts, data)
    if screened.warnings:
        raise IdentifiersToConfirm(screened.warnings)
    return screened


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
