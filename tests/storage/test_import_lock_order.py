"""A CSV import changing the leads of several agencies holds every touched agency's open returns
once, in id order, before its first change (domain/directory.import_holds, storage/directory.py
`hold_changes`), so it can't close a cycle with a transaction holding the same returns in id
order: the chasers' heartbeat (domain/chase_engine.in_lock_order) or a lead's move on the
member card. Held member by member, as before, the import held Police's returns (the higher
ids here) for its first row and School's for its second, while the racer, holding School's,
waited for Police's: PostgreSQL ended one of them as a deadlock. Before those it holds the
agencies it moves members into, then its members: the agency card's order (the last tests
here). SQLite's single writer queues them either way (skipped there: no row locks)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any

import pytest
from sqlalchemy import event

from bot import freshness
from domain import directory
from domain.chase_engine import in_lock_order
from domain.model import Actor, Role
from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_lead_cover import a_return

TENANT = "tenant-a"
ROUNDS = 6
# The header of these imports: their rows change agencies and roles, never access, so the
# optional access and reason columns are left out (with them, a five-field row is refused).
HEADER = ",".join(c for c in directory.IMPORT_COLUMNS if c not in ("access", "reason"))


def _require_row_locks(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")


def _aad() -> str:
    return str(uuid.uuid4())


def _member(uow: SqlUnitOfWork, ids: dict[str, int], agency: str, role: Role) -> int:
    row = t.Member(
        partnership_id=ids["a"],
        aad_object_id=_aad(),
        display_name=f"Demo {agency.title()} {role.value}",
        agency_id=ids[agency],
    )
    uow.session.add(row)
    uow.session.flush()
    assert row.id is not None
    uow.session.add(t.MemberRole(member_id=row.id, role=role.value))
    uow.session.flush()
    return row.id


def _world(uow: SqlUnitOfWork) -> dict[str, Any]:
    """School's open returns first (the lower ids), then Police's; a lead of School who
    moves (the member card's racer)."""
    partnership = t.Partnership(tenant_id=TENANT, name="Demo Partnership A")
    uow.session.add(partnership)
    uow.session.flush()
    assert partnership.id is not None
    ids: dict[str, Any] = {"a": partnership.id}
    for key, name in (("police", "Demo Police"), ("school", "Demo School")):
        agency = t.Agency(partnership_id=partnership.id, name=name, sector="other")
        uow.session.add(agency)
        uow.session.flush()
        ids[key] = agency.id
    returns = [a_return(uow, ids["a"], n, ids["school"], "in_progress") for n in (1, 2)]
    returns += [a_return(uow, ids["a"], n, ids["police"], "in_progress") for n in (3, 4)]
    ids["returns"] = returns
    ids["mover"] = _member(uow, ids, "school", Role.AGENCY_LEAD)
    return ids


def _import_leads(database: Database, ids: dict[str, Any]) -> tuple[str, str]:
    """Two practitioners, one of Police and one of School: the CSV makes both leads, Police's
    row first. Their AAD ids."""

    def seed(uow: SqlUnitOfWork) -> tuple[str, str]:
        police = _member(uow, ids, "police", Role.PRACTITIONER)
        school = _member(uow, ids, "school", Role.PRACTITIONER)
        found = uow.session.get(t.Member, police), uow.session.get(t.Member, school)
        assert found[0] is not None
        assert found[1] is not None
        return str(found[0].aad_object_id), str(found[1].aad_object_id)

    return database.transaction(seed)


def _csv(aads: tuple[str, str]) -> directory.ParsedImport:
    lines = [HEADER]
    for aad, agency in zip(aads, ("Demo Police", "Demo School"), strict=True):
        lines.append(f"{aad},Demo {agency.split()[1]} Lead,{agency},practitioner;agency_lead,")
    return directory.parse_import("\n".join(lines) + "\n")


def _leads(database: Database, aads: Collection[str]) -> int:
    """How many of these members are leads now."""

    def work(uow: SqlUnitOfWork) -> int:
        found = uow.directory.members_by_aad(uow_partnership(uow), frozenset(aads))
        return sum(Role.AGENCY_LEAD in m.roles for m in found.values())

    return database.transaction(work)


def uow_partnership(uow: SqlUnitOfWork) -> int:
    partnership = uow.partnerships.by_tenant(TENANT)
    assert partnership is not None
    return partnership.id


def _sweep(ids: dict[str, Any]) -> Callable[[SqlUnitOfWork], None]:
    """The heartbeat's locks: every return, in the one order."""

    def work(uow: SqlUnitOfWork) -> None:
        for subject, record in in_lock_order(returns=ids["returns"]):
            uow.chases.lock(subject, record)

    return work


def _move(ids: dict[str, Any]) -> Callable[[SqlUnitOfWork], None]:
    """The member card's move of a lead to the other agency: it holds both agencies' returns."""

    def work(uow: SqlUnitOfWork) -> None:
        mover = uow.session.get(t.Member, ids["mover"])
        assert mover is not None
        to = ids["police"] if mover.agency_id == ids["school"] else ids["school"]
        uow.directory.set_agency(ids["a"], ids["mover"], to)

    return work


def _runner(
    database: Database, outcome: dict[str, Any]
) -> Callable[[str, Callable[[SqlUnitOfWork], Any], float], None]:
    """A racer's body: `delay` seconds, then its transaction; how it ended, under its name."""

    def run(name: str, work: Callable[[SqlUnitOfWork], Any], delay: float = 0.0) -> None:
        time.sleep(delay)
        try:
            database.transaction(work)
            outcome[name] = "committed"
        except Exception as error:  # a deadlock or a lock timeout: what these tests count
            outcome[name] = type(error).__name__

    return run


def race_paused(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    paused: tuple[object, str],
    first: tuple[str, Callable[[SqlUnitOfWork], Any]],
    second: tuple[str, Callable[[SqlUnitOfWork], Any]],
    delay: float,
) -> dict[str, Any]:
    """`first` runs until its first call of `paused` (an owner and the name of a function it
    calls through it) has returned, and waits there; `second` starts then and, `delay`
    later, `first` goes on. How each ended, under its name."""
    owner, name = paused
    real = getattr(owner, name)
    reached, go = threading.Event(), threading.Event()
    calls: list[int] = []

    def pausing(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            reached.set()
            go.wait(10)
        return found

    monkeypatch.setattr(owner, name, pausing)
    outcome: dict[str, Any] = {}
    run = _runner(database, outcome)
    racers = [threading.Thread(target=run, args=racer) for racer in (first, second)]
    racers[0].start()
    assert reached.wait(10)
    racers[1].start()
    time.sleep(delay)  # the second takes its first hold and waits for the first's (old code)
    go.set()
    for racer in racers:
        racer.join(30)
    monkeypatch.setattr(owner, name, real)
    return outcome


def _importing(parsed: directory.ParsedImport) -> tuple[str, Callable[[SqlUnitOfWork], Any]]:
    return "import", lambda uow: directory.import_members(uow, TENANT, parsed)


def _round(
    database: Database,
    ids: dict[str, Any],
    racer: Callable[[SqlUnitOfWork], None],
    monkeypatch: pytest.MonkeyPatch,
    racer_delay: float,
) -> dict[str, Any]:
    """The import pauses after its first row's change (Police's lead); the racer starts then
    (it holds School's returns and, on the old code, waits for Police's) and, `racer_delay`
    later, the import goes on. What each did, and the leads made."""
    aads = _import_leads(database, ids)
    outcome = race_paused(
        database,
        monkeypatch,
        (directory, "_apply"),
        _importing(_csv(aads)),
        ("racer", racer),
        racer_delay,
    )
    outcome["leads"] = _leads(database, aads)
    return outcome


@pytest.mark.parametrize("racer_kind", ["sweep", "lead_move"])
def test_an_import_of_two_agencies_leads_never_deadlocks_with_an_id_order_racer(
    migrated: Database, monkeypatch: pytest.MonkeyPatch, racer_kind: str
) -> None:
    _require_row_locks(migrated)
    ids = migrated.transaction(_world)
    crossed = []
    for n in range(ROUNDS):
        racer = _sweep(ids) if racer_kind == "sweep" else _move(ids)
        outcome = _round(migrated, ids, racer, monkeypatch, racer_delay=0.05 + 0.1 * n)
        # All or nothing, whatever happened: both leads made, or neither.
        assert outcome["leads"] in (0, 2), outcome
        if outcome != {"import": "committed", "racer": "committed", "leads": 2}:
            crossed.append(outcome)
    assert crossed == [], (
        f"{len(crossed)} of {ROUNDS} rounds ended one side (deadlock or lock timeout): the "
        f"import held its agencies' returns out of id order: {crossed}"
    )


def _import_statements(database: Database, parsed: directory.ParsedImport) -> list[str]:
    """The SQL the import sent, in order, each on one line."""
    statements: list[str] = []

    def capture(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        database.transaction(lambda uow: directory.import_members(uow, TENANT, parsed))
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    return statements


def test_an_import_holds_its_agencies_returns_once_before_its_first_change(
    migrated: Database,
) -> None:
    """The one hold: member rows, then every touched return in id order, before any write;
    no return is held again while the rows are applied."""
    ids = migrated.transaction(_world)
    aads = _import_leads(migrated, ids)
    parsed = _csv(aads)
    statements = _import_statements(migrated, parsed)
    holds = [
        n
        for n, sql in enumerate(statements)
        if sql.startswith("SELECT pre_analysis_return.id FROM pre_analysis_return")
        and "ORDER BY pre_analysis_return.id" in sql
    ]
    assert len(holds) == 1, "the returns are held once"
    writes = [
        n
        for n, sql in enumerate(statements)
        if sql.startswith(("UPDATE", "INSERT INTO member", "DELETE"))
    ]
    assert writes, statements
    assert holds[0] < writes[0], "held before the first change"
    members_held = [
        n for n, sql in enumerate(statements) if "FROM member WHERE member.id IN" in sql
    ]
    assert members_held, statements
    assert members_held[0] < holds[0], "the members first, then the returns"
    if migrated.engine.dialect.name == "postgresql":
        assert statements[holds[0]].endswith("FOR UPDATE"), statements[holds[0]]
        assert statements[members_held[0]].endswith("FOR NO KEY UPDATE")
    assert _leads(migrated, aads) == 2


AGENCIES = 8
UNPAUSED_ROUNDS = 20


def _agencies_world(uow: SqlUnitOfWork) -> dict[str, Any]:
    """Eight agencies, three open returns each, the first agency's the lowest ids."""
    partnership = t.Partnership(tenant_id=TENANT, name="Demo Partnership A")
    uow.session.add(partnership)
    uow.session.flush()
    ids: dict[str, Any] = {"a": partnership.id, "returns": []}
    for n in range(AGENCIES):
        agency = t.Agency(partnership_id=partnership.id, name=f"Demo Agency {n}", sector="other")
        uow.session.add(agency)
        uow.session.flush()
        ids[f"agency{n}"] = agency.id
    for sequence in range(AGENCIES * 3):
        agency = ids[f"agency{sequence // 3}"]
        ids["returns"].append(a_return(uow, ids["a"], sequence + 1, agency, "in_progress"))
    return ids


def _unpaused_import(database: Database, ids: dict[str, Any]) -> tuple[list[str], Any]:
    """A practitioner of each agency, made its lead by the CSV, the highest ids' agency first."""

    def seed(uow: SqlUnitOfWork) -> list[tuple[str, str]]:
        rows = []
        for n in reversed(range(AGENCIES)):
            member = uow.session.get(t.Member, _member(uow, ids, f"agency{n}", Role.PRACTITIONER))
            assert member is not None
            rows.append((str(member.aad_object_id), f"Demo Agency {n}"))
        return rows

    rows = database.transaction(seed)
    lines = [HEADER]
    lines += [
        f"{aad},Demo Lead {n},{agency},practitioner;agency_lead,"
        for n, (aad, agency) in enumerate(rows)
    ]
    return [aad for aad, _ in rows], directory.parse_import("\n".join(lines) + "\n")


def test_an_unpaused_import_of_eight_agencies_leads_never_crosses_the_heartbeat(
    migrated: Database,
) -> None:
    """No pause: the import and the heartbeat (every return in id order, a millisecond a claim,
    as its writes take) start together, the heartbeat 0-30 ms later. On the old code (6 Dec,
    three runs) 19, 20 and 20 of 20 rounds ended one side as a deadlock, the import itself in
    8 and 3 of them (counted in two runs; it left no lead behind); on the new, none."""
    _require_row_locks(migrated)
    ids = migrated.transaction(_agencies_world)
    jitter = random.Random(6)
    crossed = []
    for _ in range(UNPAUSED_ROUNDS):
        outcome, made = _unpaused_round(migrated, ids, jitter.uniform(0, 0.03))
        # All or nothing: every lead made, or (the import ended) none.
        assert made == (AGENCIES if outcome.get("import") == "committed" else 0), outcome
        if outcome != {"import": "committed", "heartbeat": "committed"}:
            crossed.append(outcome)
    assert crossed == [], f"{len(crossed)} of {UNPAUSED_ROUNDS} rounds crossed: {crossed}"


def _unpaused_round(
    database: Database, ids: dict[str, Any], delay: float
) -> tuple[dict[str, Any], int]:
    """How the import and the heartbeat ended, and how many leads the import made."""
    aads, parsed = _unpaused_import(database, ids)
    outcome: dict[str, Any] = {}
    run = _runner(database, outcome)

    def heartbeat(uow: SqlUnitOfWork) -> None:
        for subject, record in in_lock_order(returns=ids["returns"]):
            uow.chases.lock(subject, record)
            time.sleep(0.001)

    racers = [
        threading.Thread(
            target=run, args=("import", lambda uow: directory.import_members(uow, TENANT, parsed))
        ),
        threading.Thread(target=run, args=("heartbeat", heartbeat, delay)),
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    return outcome, _leads(database, aads)


ADMIN = Actor(TENANT, "aad-admin", "teams-admin", "Demo Admin")


def _agency_card(ids: dict[str, Any], lead: int) -> Callable[[SqlUnitOfWork], None]:
    """The agency card making `lead` Police's safeguarding lead: its check's hold of the
    agency (bot/freshness.py, FOR UPDATE), then the save: the lead moved in and made a lead."""

    def work(uow: SqlUnitOfWork) -> None:
        admin = uow.members.get(ids["admin"])
        data = {"agency_id": ids["police"], "name": "Demo Police", "sector": "other"}
        freshness.AGENCY.hold(uow, admin, data)
        directory.save_agency(uow, ADMIN, admin, {**data, "lead": lead})

    return work


def _card_import(
    database: Database, ids: dict[str, Any]
) -> tuple[int, str, directory.ParsedImport]:
    """Two School practitioners: the CSV renames the first (the card's lead to be) and moves
    the second into Police. The first's id and AAD id, and the CSV."""

    def seed(uow: SqlUnitOfWork) -> tuple[int, str, str]:
        found = [
            uow.session.get(t.Member, _member(uow, ids, "school", Role.PRACTITIONER))
            for _ in range(2)
        ]
        assert found[0] is not None
        assert found[0].id is not None
        assert found[1] is not None
        return found[0].id, str(found[0].aad_object_id), str(found[1].aad_object_id)

    lead, lead_aad, mover_aad = database.transaction(seed)
    lines = [
        HEADER,
        f"{lead_aad},Demo Renamed Lead,Demo School,practitioner,",
        f"{mover_aad},Demo Moved,Demo Police,practitioner,",
    ]
    return lead, lead_aad, directory.parse_import("\n".join(lines) + "\n")


def _card_round(
    database: Database,
    ids: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    card_delay: float,
) -> dict[str, Any]:
    """The import renames a School practitioner (the card's lead to be), then moves another
    into Police; it pauses after its first row, the card starts then and, `card_delay` later,
    the import goes on. How each ended, and whether the card's lead was made."""
    lead, lead_aad, parsed = _card_import(database, ids)
    outcome = race_paused(
        database,
        monkeypatch,
        (directory, "_apply"),
        _importing(parsed),
        ("card", _agency_card(ids, lead)),  # old: holds Police, waits for its lead's row
        card_delay,
    )
    outcome["lead made"] = _leads(database, [lead_aad]) == 1
    return outcome


def test_an_import_never_deadlocks_with_the_agency_card_choosing_one_of_its_members(
    migrated: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agency card holds its agency, then its lead's row, then the returns; the import
    holds the agencies it moves members into (FOR KEY SHARE), then its members, then the
    returns: one order. Before, the import took Police's row only as its second row moved a
    member in (the foreign key's FOR KEY SHARE), after holding the card's lead: PostgreSQL
    ended one of them as a deadlock."""
    _require_row_locks(migrated)
    ids = migrated.transaction(_world)
    ids["admin"] = migrated.transaction(lambda uow: _member(uow, ids, "police", Role.ADMIN))
    crossed = []
    for n in range(ROUNDS):
        outcome = _card_round(migrated, ids, monkeypatch, card_delay=0.05 + 0.1 * n)
        if outcome != {"import": "committed", "card": "committed", "lead made": True}:
            crossed.append(outcome)
    assert crossed == [], (
        f"{len(crossed)} of {ROUNDS} rounds ended one side (deadlock or lock timeout): the "
        f"import took the agency's row after its members: {crossed}"
    )


def test_an_import_holds_the_agencies_it_moves_members_into_before_its_members(
    migrated: Database,
) -> None:
    """The agency card's order: the agency (FOR KEY SHARE, as the member's foreign key takes
    it), then the members, once, before any write."""
    ids = migrated.transaction(_world)
    _, _, parsed = _card_import(migrated, ids)
    statements = _import_statements(migrated, parsed)
    agencies = [n for n, sql in enumerate(statements) if "FROM agency WHERE agency.id IN" in sql]
    members = [n for n, sql in enumerate(statements) if "FROM member WHERE member.id IN" in sql]
    writes = [n for n, sql in enumerate(statements) if sql.startswith(("UPDATE", "INSERT"))]
    assert len(agencies) == 1, "the agencies are held once"
    assert members, statements
    assert writes, statements
    assert agencies[0] < members[0] < writes[0], "the agencies, then the members, then writes"
    if migrated.engine.dialect.name == "postgresql":
        assert statements[agencies[0]].endswith("FOR KEY SHARE"), statements[agencies[0]]
