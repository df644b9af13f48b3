"""Agency names are unique ignoring case and spacing in the database itself, on both
databases: racing adds and renames of "Police" and "police " settle on one row (issue 16), and
migration 0009 keys the agencies already stored, renaming clashing ones rather than losing
any."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, create_engine, select

from domain.directory import NAME_MAX, agency_key
from storage import tables as t
from storage.database import Database
from storage.migrate import alembic_config, upgrade
from storage.repositories import SqlUnitOfWork


def _partnership(uow: SqlUnitOfWork) -> int:
    partnership = t.Partnership(tenant_id="tenant-a", name="Demo Partnership")
    uow.session.add(partnership)
    uow.session.flush()
    assert partnership.id is not None
    return partnership.id


def test_a_name_differing_only_in_case_or_spacing_is_not_added(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = _partnership(uow)
        police = uow.directory.add_agency(partnership, "Demo Police", "police")
        assert police is not None
        assert uow.directory.add_agency(partnership, "demo  POLICE", "police") is None
        health = uow.directory.add_agency(partnership, "Demo Health", "health")
        assert health is not None
        assert uow.directory.update_agency(partnership, health.id, "DEMO police", "health") is None
        assert [a.name for a in uow.directory.agencies(partnership)] == [
            "Demo Health",
            "Demo Police",
        ]

    migrated.transaction(work)


def test_an_agency_made_without_a_key_gets_it_from_its_name(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = _partnership(uow)
        uow.session.add(t.Agency(partnership_id=partnership, name=" Demo  Probation", sector="x"))
        uow.session.flush()
        keys = uow.session.scalars(select(t.Agency.name_key)).all()
        assert keys == ["demo probation"]

    migrated.transaction(work)


def _keyed_by_0009(database_url: str, names: tuple[str, ...]) -> dict[int, tuple[str, str]]:
    """Agencies stored before migration 0009 (ids 1, 2, …): each one's name and key after it."""
    upgrade(database_url, "0008")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO partnership (id, tenant_id, name, time_zone, settings, created_at) "
                "VALUES (1, 'tenant-a', 'Demo', 'Europe/London', '{}', CURRENT_TIMESTAMP)"
            )
        )
        for agency_id, name in enumerate(names, start=1):
            connection.execute(
                text(
                    "INSERT INTO agency (id, partnership_id, name, sector, active, created_at) "
                    "VALUES (:id, 1, :name, 'police', true, CURRENT_TIMESTAMP)"
                ),
                {"id": agency_id, "name": name},
            )
    upgrade(database_url)
    with Session(engine) as session:
        stored = {a.id: (a.name, a.name_key) for a in session.exec(select(t.Agency))}
    command.downgrade(alembic_config(database_url), "0008")
    engine.dispose()
    return {int(key): (str(name), str(name_key)) for key, (name, name_key) in stored.items()}


def test_the_migration_keys_stored_agencies_and_renames_clashes(database_url: str) -> None:
    stored = _keyed_by_0009(database_url, ("Police", "police ", "POLICE (2)", "Health"))
    assert stored == {
        1: ("Police", "police"),
        2: ("police (3)", "police (3)"),
        3: ("POLICE (2)", "police (2)"),
        4: ("Health", "health"),
    }


LONG_SHARP_S = "ß" * 200  # folds to 400 characters: "ss" each


def test_a_name_that_folds_longer_than_its_key_column_is_kept_and_still_unique(
    migrated: Database,
) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = _partnership(uow)
        added = uow.directory.add_agency(partnership, LONG_SHARP_S, "police")
        assert added is not None
        assert uow.directory.add_agency(partnership, "ẞ" * 200, "police") is None, "same name"
        assert uow.directory.add_agency(partnership, "ß" * 199 + "x", "police") is not None
        [key, *_] = uow.session.scalars(
            select(t.Agency.name_key).where(t.Agency.name == LONG_SHARP_S)
        ).all()
        assert key is not None
        assert len(key) <= NAME_MAX
        assert key == agency_key(LONG_SHARP_S)

    migrated.transaction(work)


def test_the_migration_keys_a_name_that_folds_longer_as_the_app_does(database_url: str) -> None:
    stored = _keyed_by_0009(database_url, (LONG_SHARP_S,))
    assert stored == {1: (LONG_SHARP_S, agency_key(LONG_SHARP_S))}, "the app finds it by its key"
