"""Domain errors: each carries a message the bot can show the user as it is."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `user_message` says what happened and what to do next."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotPermitted(DomainError):
    """The actor's roles do not allow this."""


class NotFound(DomainError):
    """The record does not exist, or the actor may not know it exists."""


class InvalidInput(DomainError):
    """Input failed validation (card data is untrusted, so this is checked on the server)."""


class IllegalTransition(DomainError):
    """A state machine was asked to move along an edge it does not have."""


class StaleCard(DomainError):
    """A card was acted on after the record it shows had moved on."""


class ChangedSinceShown(StaleCard):
    """The revision a card was drawn at is no longer its thing's, found under the thing's row
    lock in the transaction that would have written: nothing was written, and the answer is
    the thing's current card."""


class StorageUnavailable(DomainError):
    """The store could not be reached. Part of the repository contract: nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            "I can't reach the Line-of-Sight database just now, so nothing was changed. "
            "Anything you saved before is safe. Please try again in a minute."
        )


class ConcurrencyConflict(DomainError):
    """Another transaction was changing the same rows at the same moment, and PostgreSQL
    rolled this one back (domain/conflicts.py): the database is up, nothing was written, and
    the same click or message may simply be tried again."""

    MESSAGE = (
        "Someone else was changing this at the same moment. Nothing was saved: please try again."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class FormInvalid(InvalidInput):
    """Several fields of one card failed; `errors` maps input id to message, shown inline."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class FieldError(str):
    """One field's problem, said with a name for the field: "'Reason' is required.". The name
    the rule knows is short; the card that draws the message under its input names the field
    by the label shown there (`named`, used by `cards.common.field_error_line`), so a person
    reads "'Why, for both owners and the record' is required." under that box. Anywhere else
    (a message card, a log) it reads as it is: it is a str."""

    name: str

    def __new__(cls, name: str, problem: str) -> FieldError:
        # `problem` follows the quoted name: " is required.", ": please answer 'When?'".
        made = super().__new__(cls, f"'{name}'{problem}")
        made.name = name
        return made

    def named(self, label: str) -> str:
        """The message with the field called `label`, as its card shows it."""
        return f"'{label}'" + self._problem()

    def _problem(self) -> str:
        return self[len(self.name) + 2 :]

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        # str's own gives one argument; copy and pickle rebuild through `__new__`'s two.
        return (self.name, self._problem())


def field_error(name: str, problem: str) -> FieldError:
    """`problem` (" is required.") of the field the rule calls `name`; see `FieldError`."""
    return FieldError(name, problem)
