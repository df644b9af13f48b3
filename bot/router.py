"""Commands and card verbs, each registered once, each mapped to one handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from domain.capabilities import Capability
from domain.model import MemberView, Role

if TYPE_CHECKING:
    from bot.services import Services
    from bot.turns import Turn
    from storage.repositories import SqlUnitOfWork

T = TypeVar("T")
Card = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a card, a short text, or both (text first)."""

    card: dict[str, Any] | None = None
    text: str | None = None
    # Errors answer a Universal Action with a message, so the user's card (and what they
    # typed into it) stays on screen.
    error: bool = False
    # Raw Bot Framework attachments (file offers, file cards) sent as their own message.
    attachments: tuple[dict[str, Any], ...] = ()
    # Set, a Universal Action is answered with this message and the card goes as a new
    # message, so the card clicked stays where it was (a download: the person keeps their
    # place). A typed command's card is a new message either way.
    aside: str | None = None


@dataclass
class FirstUnit:
    """A check the handler's first unit of work starts with, in its transaction: the card's
    revision against its thing's, under the thing's row lock (bot/freshness.py). A handler
    writes its click's change in its first unit; later units (a progress count, a reload)
    are its own reads and go unchecked."""

    check: Callable[[SqlUnitOfWork], None] | None = None

    def around(self, work: Callable[[SqlUnitOfWork], T]) -> Callable[[SqlUnitOfWork], T]:
        check, self.check = self.check, None
        if check is None:
            return work

        def checked(uow: SqlUnitOfWork) -> T:
            check(uow)
            return work(uow)

        return checked


@dataclass
class KeptReply:
    """Where a claimed click's reply is kept (bot/once.py). A handler whose last unit of work
    makes its whole reply (`Context.answer_short`) stores it in that unit's transaction: the
    change and the reply a duplicate is answered with commit together, one commit fewer than
    storing it afterwards. `keep` is used once; `kept` is the reply it stored, so the click's
    claim is not completed a second time."""

    keep: Callable[[SqlUnitOfWork, Reply], Reply] | None = None
    kept: Reply | None = None

    def around(self, work: Callable[[SqlUnitOfWork], Card]) -> Callable[[SqlUnitOfWork], Reply]:
        keep, self.keep = self.keep, None
        if keep is None:
            return lambda uow: Reply(work(uow))

        def keeping(uow: SqlUnitOfWork) -> Reply:
            # Set before the commit: if the commit fails the handler raises, and the claim is
            # released whatever `kept` says (bot/once.py Once.first).
            self.kept = keep(uow, Reply(work(uow)))
            return self.kept

        return keeping


@dataclass(frozen=True)
class Context:
    turn: Turn
    member: MemberView
    services: Services
    argument: str = ""
    first_unit: FirstUnit = field(default_factory=FirstUnit)
    kept: KeptReply = field(default_factory=KeptReply)

    @property
    def data(self) -> dict[str, Any]:
        return self.turn.data

    async def run(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        """Run domain work in one transaction, off the event loop."""
        return await self.services.db.run(self.first_unit.around(work))

    async def run_short(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        """Work on a handful of rows (one return, one member): SQLite may run it inline, and
        tests fail it if it runs more than a few statements (Database.run_short)."""
        return await self.services.db.run_short(self.first_unit.around(work))

    async def answer_short(self, work: Callable[[SqlUnitOfWork], Card]) -> Reply:
        """The handler's last unit, short, whose result is its whole reply (a card): a claimed
        click's reply is stored in the same transaction as its change (KeptReply)."""
        return await self.run_short(self.kept.around(work))


Handler = Callable[[Context], Awaitable[Reply]]
# A verb whose whole answer is one short unit of work drawing its card (Router.unit_verb).
UnitWork = Callable[["SqlUnitOfWork", Context], Card]


@dataclass
class Router:
    commands: dict[str, Handler] = field(default_factory=dict)
    verbs: dict[str, Handler] = field(default_factory=dict)
    capabilities: list[Capability] = field(default_factory=list)
    # The verbs registered with unit_verb, each by its unit.
    units: dict[str, UnitWork] = field(default_factory=dict)

    def command(
        self,
        name: str,
        summary: str,
        *,
        roles: tuple[Role, ...] = (),
        example: str = "",
        argument_optional: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.commands:
                raise ValueError(f"command {name!r} registered twice")
            self.commands[name] = handler
            self.capabilities.append(
                Capability(name, summary, frozenset(roles), example, argument_optional)
            )
            return handler

        return register

    def verb(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.verbs:
                raise ValueError(f"verb {name!r} registered twice")
            self.verbs[name] = handler
            return handler

        return register

    def unit_verb(self, name: str) -> Callable[[UnitWork], UnitWork]:
        """A verb whose handler is one short unit of work whose card is its whole reply (a
        return's save). It is registered as a handler too (the unit through
        Context.answer_short), and bot/core.py runs a claimed click of it in the transaction
        that records who spoke and claims the click: one unit and one commit a turn."""

        def register(work: UnitWork) -> UnitWork:
            async def handler(ctx: Context) -> Reply:
                return await ctx.answer_short(lambda uow: work(uow, ctx))

            self.verb(name)(handler)
            self.units[name] = work
            return work

        return register

    def command_names(self) -> tuple[str, ...]:
        return tuple(self.commands)
