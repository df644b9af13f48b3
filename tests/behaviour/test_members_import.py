"""`lineofsight members import FILE.csv`: the real command against a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from bot.cli import main
from bot.config import PLAYGROUND_TENANT_ID
from storage import tables as t
from tests.support.activities import TENANT, USER_AAD

ADMIN_AAD = USER_AAD
# main() configures the root logger for a real process; each test gets its own back.
pytestmark = pytest.mark.usefixtures("restore_logging")
POLICE_PRACTITIONER = "00000000-0000-0000-0000-000000000101"  # from the demo
HEALTH_LEAD = "00000000-0000-0000-0000-000000000104"  # agency_lead and manager in the demo
NEW_1 = "33333333-3333-4333-8333-000000000001"
NEW_2 = "33333333-3333-4333-8333-000000000002"

FILE = (
    "\ufeffaad_object_id,display_name,agency,roles,email\n"
    f"{NEW_1},Housing Officer (demo),Demo Police,practitioner,\n"
    f"{POLICE_PRACTITIONER}, Police Practitioner (demo) ,demo police,practitioner;chair,\n"
    f"{HEALTH_LEAD},Health Safeguarding Lead (demo),,agency_lead,lead@example.org\n"
    f"{NEW_2},Fire Officer (demo),Demo Fire Service,practitioner,\n"
    "not-a-guid,Someone (demo),,,\n"
    f"{NEW_2},Probation Officer (demo),,boss,\n"
    f"{POLICE_PRACTITIONER},Twice (demo),,,\n"
)


def csv_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "members.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def members(url: str) -> dict[str, t.Member]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return {m.aad_object_id or "": m for m in session.exec(select(t.Member))}
    finally:
        engine.dispose()


def roles(url: str, aad: str) -> set[str]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            member = session.exec(select(t.Member).where(col(t.Member.aad_object_id) == aad)).one()
            query = select(t.MemberRole.role).where(col(t.MemberRole.member_id) == member.id)
            return set(session.exec(query))
    finally:
        engine.dispose()


def audit_events(url: str, action: str) -> list[t.AuditEvent]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            query = select(t.AuditEvent).where(col(t.AuditEvent.action) == action)
            return list(session.exec(query))
    finally:
        engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["members", "import", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_import_reports_every_row_and_writes_the_good_ones(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys, csv_file(tmp_path, FILE), "--tenant", TENANT)
    assert code == 0
    assert lines == [
        "row 2: added Housing Officer (demo) [practitioner], agency Demo Police",
        "row 3: updated Police Practitioner (demo): roles +chair",
        "row 4: updated Health Safeguarding Lead (demo): email",
        "row 5: rejected: 'agency' 'Demo Fire Service' is not an agency of this partnership; "
        "add it on the agencies card first, or correct the name",
        "row 6: rejected: 'aad_object_id' 'not-a-guid' is not a GUID like "
        "0c8a7b6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "row 7: rejected: 'roles' has unknown role 'boss'",
        f"row 8: rejected: 'aad_object_id' {POLICE_PRACTITIONER} is already in row 3; "
        "list each member once",
        "7 rows: 1 added, 2 updated, 0 unchanged, 4 rejected",
    ]
    stored = members(database)
    assert stored[NEW_1].display_name == "Housing Officer (demo)"
    assert stored[NEW_1].teams_user_id is None, "kept until they first talk to the bot"
    assert NEW_2 not in stored
    assert roles(database, NEW_1) == {"practitioner"}
    assert roles(database, POLICE_PRACTITIONER) == {"practitioner", "chair"}
    assert roles(database, HEALTH_LEAD) == {"agency_lead", "manager"}, "never silently revoked"
    assert stored[HEALTH_LEAD].email == "lead@example.org"
    imported = audit_events(database, "member.imported")
    assert len(imported) == 3
    assert {event.actor_aad_id for event in imported} == {None}
    update = next(e for e in imported if e.record_id == str(stored[POLICE_PRACTITIONER].id))
    assert update.before is not None
    assert (update.before["roles"], update.after["roles"]) == (
        ["practitioner"],
        ["chair", "practitioner"],
    )

    code, lines, _ = run(capsys, csv_file(tmp_path, FILE), "--tenant", TENANT)
    assert lines[0] == "row 2: unchanged Housing Officer (demo)"
    assert lines[-1] == "7 rows: 0 added, 0 updated, 3 unchanged, 4 rejected"


def test_replace_roles_sets_roles_exactly(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        f"aad_object_id,display_name,roles\n{HEALTH_LEAD},Health Safeguarding Lead (demo),manager\n"
    )
    code, lines, _ = run(capsys, csv_file(tmp_path, text), "--tenant", TENANT, "--replace-roles")
    assert code == 0
    assert lines[0] == "row 2: updated Health Safeguarding Lead (demo): roles -agency_lead"
    assert roles(database, HEALTH_LEAD) == {"manager"}


def test_a_dry_run_reports_the_same_and_writes_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = members(database)
    code, lines, _ = run(capsys, csv_file(tmp_path, FILE), "--tenant", TENANT, "--dry-run")
    assert code == 0
    assert lines[0] == "row 2: added Housing Officer (demo) [practitioner], agency Demo Police"
    assert lines[-1] == (
        "7 rows: 1 added, 2 updated, 0 unchanged, 4 rejected (dry run: nothing was written)"
    )
    assert members(database).keys() == before.keys()
    assert roles(database, POLICE_PRACTITIONER) == {"practitioner"}
    assert audit_events(database, "member.imported") == []


def test_the_tenant_defaults_to_the_playground_in_local_mode(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"aad_object_id,display_name\n{NEW_1},Youth Justice Worker (demo)\n"
    code, lines, _ = run(capsys, csv_file(tmp_path, text))
    assert code == 0
    assert lines == [
        "row 2: added Youth Justice Worker (demo) []",
        "1 rows: 1 added, 0 updated, 0 unchanged, 0 rejected",
    ]
    engine = create_engine(database)
    with Session(engine) as session:
        partnership = session.exec(
            select(t.Partnership).where(col(t.Partnership.tenant_id) == PLAYGROUND_TENANT_ID)
        ).one()
        assert [e.action for e in audit_events(database, "partnership.created")] == [
            "partnership.created"
        ]
        assert partnership.id is not None
    engine.dispose()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "can't read"),
        (b"aad_object_id,display_name\n1,Andr\xe9\n", "CSV UTF-8"),
        (b"", "The file is empty"),
        (b"name,roles\nA,chair\n", "no aad_object_id, display_name column"),
    ],
)
def test_an_unreadable_file_exits_non_zero_and_changes_nothing(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    problem: str,
) -> None:
    path = tmp_path / "members.csv"
    if content is not None:
        path.write_bytes(content)
    before = members(database)
    code, lines, err = run(capsys, str(path), "--tenant", TENANT)
    assert code == 2
    assert lines == []
    assert problem in err
    assert members(database).keys() == before.keys()


def test_an_unmigrated_database_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    path = csv_file(tmp_path, f"aad_object_id,display_name\n{NEW_1},A (demo)\n")
    code, _, err = run(capsys, path, "--tenant", TENANT)
    assert code == 2
    assert "lineofsight db upgrade" in err


def test_the_help_documents_the_role_semantics(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["members", "import", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "aad_object_id,display_name,agency,roles,email,access,reason" in out
    assert "never silently revoked" in out
    assert 'ends a leaver\'s access ("ended", with a reason' in out
    assert "--replace-roles" in out
    assert "--dry-run" in out


def test_an_access_column_ends_and_restores_access_under_the_card_s_rules(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A leavers' file: `access` ended (with a reason, checked as the End access form's box)
    or active, through the same rule, write and audit as the member card; never an admin's,
    nor one the ADMIN_AAD_IDS setting makes an admin."""
    monkeypatch.setenv("ADMIN_AAD_IDS", POLICE_PRACTITIONER)
    admin_name = members(database)[ADMIN_AAD].display_name
    text = (
        "aad_object_id,display_name,access,reason\n"
        f"{HEALTH_LEAD},Health Safeguarding Lead (demo),ended,Left the agency on 30 November.\n"
        f"{POLICE_PRACTITIONER},Police Practitioner (demo),ended,Left.\n"
        f"{ADMIN_AAD},{admin_name},Ended,Left.\n"
        f"{NEW_1},Housing Officer (demo),ended,Left.\n"
        f"{NEW_2},Fire Officer (demo),gone,\n"
        "44444444-4444-4444-8444-000000000002,Someone (demo),ended,\n"
        "44444444-4444-4444-8444-000000000003,Someone Else (demo),ended,Kelly Smith left.\n"
    )
    code, lines, _ = run(capsys, csv_file(tmp_path, text), "--tenant", TENANT)
    assert code == 0
    assert lines[:-1] == [
        "row 2: updated Health Safeguarding Lead (demo): access ended",
        "row 3: rejected: Police Practitioner (demo) is an admin by the server's settings "
        "(ADMIN_AAD_IDS), so their access can't be ended here; take them out of that setting "
        "first",
        f"row 4: rejected: {admin_name} is an admin: take the admin role away first (leave it "
        "out of 'roles' with --replace-roles), then end their access",
        "row 5: rejected: Housing Officer (demo) is not a member, so there is no access to end; "
        "leave the row out",
        "row 6: rejected: 'access' 'gone' is not one of: active, ended (or leave it blank to "
        "keep their access as it is)",
        "row 7: rejected: 'reason' is required where 'access' is ended (it is audited)",
        "row 8: rejected: 'reason' looks as if it contains a name (K•••• S••••). It is kept in "
        "the audit trail: say why without naming anyone or giving an address, for example "
        "'left the agency on 30 November'",
    ]
    stored = members(database)
    assert not stored[HEALTH_LEAD].active
    assert stored[POLICE_PRACTITIONER].active
    assert stored[ADMIN_AAD].active
    [ended] = audit_events(database, "member.access_ended")
    assert ended.after == {"active": False, "reason": "Left the agency on 30 November."}
    assert ended.actor_aad_id is None
    assert audit_events(database, "member.imported") == [], "the access was the row's one change"

    back = (
        f"aad_object_id,display_name,access\n{HEALTH_LEAD},Health Safeguarding Lead (demo),active\n"
    )
    code, lines, _ = run(capsys, csv_file(tmp_path, back), "--tenant", TENANT)
    assert lines[0] == "row 2: updated Health Safeguarding Lead (demo): access restored"
    assert members(database)[HEALTH_LEAD].active
    assert len(audit_events(database, "member.access_restored")) == 1
    code, lines, _ = run(capsys, csv_file(tmp_path, back), "--tenant", TENANT)
    assert lines[0] == "row 2: unchanged Health Safeguarding Lead (demo)"
