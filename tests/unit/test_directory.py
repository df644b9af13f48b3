"""Partnership set-up rules: field checks, card ids, paging, the CSV parse and the import plan."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain import directory as d
from domain.model import Role
from domain.repositories import AgencyView, DirectoryMember

AAD_1 = "00000000-0000-4000-8000-000000000001"
AAD_2 = "00000000-0000-4000-8000-000000000002"
AAD_3 = "00000000-0000-4000-8000-000000000003"
HEADER = "aad_object_id,display_name,agency,roles,email\n"
POLICE = AgencyView(1, "Demo Police", "police")
HEALTH = AgencyView(2, "Demo Community Health", "health")


def member(
    aad: str = AAD_1,
    name: str = "Police Practitioner (demo)",
    agency: AgencyView | None = POLICE,
    roles: frozenset[Role] = frozenset({Role.PRACTITIONER}),
    member_id: int = 7,
) -> DirectoryMember:
    return DirectoryMember(
        member_id,
        aad,
        name,
        None,
        agency.id if agency else None,
        agency.name if agency else None,
        roles,
        seen=False,
    )


# --- Field rules ---


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "is required"),
        ("   ", "is required"),
        (123, "must be text"),
        (["x"], "must be text"),
        ("x" * 201, "201 characters; the limit is 200"),
        ("x" * 10_000, "10,000 characters"),
        ("two\nlines", "line breaks"),
        ("nul\x00", "control characters"),
    ],
)
def test_names_are_required_single_line_text_within_the_limit(raw: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        d.checked_name(raw, "Agency name")


def test_names_are_trimmed_and_unicode_is_kept() -> None:
    assert d.checked_name("  Équipe Santé Ōtautahi  ", "Name") == "Équipe Santé Ōtautahi"
    assert d.checked_name("x" * 200, "Name") == "x" * 200


def test_sectors_come_from_the_controlled_list() -> None:
    assert d.checked_sector(" Children's Social Care ") == "children's social care"
    for bad in ("", None, 5, "fire brigade"):
        with pytest.raises(ValueError, match="Sector"):
            d.checked_sector(bad)
    assert set(d.SECTORS) >= {"police", "health", "education", "other"}


def test_aad_object_ids_must_be_guids_and_are_lower_cased() -> None:
    assert d.checked_aad_id(f"  {AAD_1.upper()} ", "id") == AAD_1
    for bad in ("", "not-a-guid", AAD_1 + "0", AAD_1.replace("-", ""), 42):
        with pytest.raises(ValueError, match="id"):
            d.checked_aad_id(bad, "id")


def test_roles_tolerate_case_spaces_and_hyphens_but_not_unknown_names() -> None:
    parts = ["Admin", " agency lead", "LIC-member", ""]
    assert d.checked_roles(parts, "roles") == {Role.ADMIN, Role.AGENCY_LEAD, Role.LIC_MEMBER}
    with pytest.raises(ValueError, match="'roles' has unknown role 'boss'"):
        d.checked_roles(["chair", "boss"], "roles")


def test_roles_from_a_card_accept_teams_comma_string_or_a_list_only() -> None:
    assert d.roles_from_card("chair,manager") == {Role.CHAIR, Role.MANAGER}
    assert d.roles_from_card(["chair"]) == {Role.CHAIR}
    assert d.roles_from_card(None) == frozenset()
    assert d.roles_from_card("") == frozenset()
    for bad in (5, {"a": 1}, [1, 2], True):
        with pytest.raises(ValueError, match="Roles"):
            d.roles_from_card(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (5, 5),
        ("12", 12),
        (" 12 ", 12),
        (True, None),
        (0, None),
        (-3, None),
        (1.5, None),
        ("1e3", None),
        ("١٢", None),  # Arabic-Indic digits are digits to Python, not ids to us
        ("9" * 19, None),
        (None, None),
        ({"id": 1}, None),
    ],
)
def test_card_ids_accept_only_positive_integers(raw: object, expected: int | None) -> None:
    assert d.card_id(raw) == expected


def test_page_number_takes_the_first_usable_candidate() -> None:
    assert d.page_number(None, "3") == 3
    assert d.page_number("x", {}) == 1
    assert d.page_number(2, "5") == 2


def test_paging_clamps_into_range() -> None:
    assert d.paging(0, 5) == d.Paging(1, 1, 0)
    window = d.paging(31, 9)
    assert (window.page, window.pages, window.offset) == (3, 3, 30)
    assert window.has_previous
    assert not window.has_next
    assert d.paging(31, -2).page == 1


def test_role_changes_read_in_role_order() -> None:
    assert d.role_changes({Role.MANAGER, Role.ADMIN}, {Role.CHAIR}) == "+admin +manager -chair"


# --- CSV parsing ---


def test_a_clean_file_parses_every_row() -> None:
    text = (
        HEADER + f"{AAD_1},Police Practitioner (demo),Demo Police,practitioner,\n"
        f"{AAD_2},Health Lead (demo),,agency_lead;manager,lead@example.org\n"
    )
    parsed = d.parse_import(text)
    assert parsed.rejected == ()
    first, second = parsed.rows
    assert (first.row, first.agency, first.roles, first.email) == (
        2,
        "Demo Police",
        {Role.PRACTITIONER},
        None,
    )
    assert (second.row, second.agency, second.email) == (3, "", "lead@example.org")
    assert second.roles == {Role.AGENCY_LEAD, Role.MANAGER}


def test_bom_spaces_header_case_and_column_order_are_tolerated() -> None:
    data = (
        "\ufeff Display Name , AAD_Object_ID ,roles\n"
        f"  Police Practitioner (demo) ,  {AAD_1.upper()}  , Practitioner ; chair \n"
    ).encode()
    parsed = d.parse_import(d.decode_import(data))
    (row,) = parsed.rows
    assert row.aad_object_id == AAD_1
    assert row.display_name == "Police Practitioner (demo)"
    assert row.roles == {Role.PRACTITIONER, Role.CHAIR}


def test_unicode_names_and_quoted_commas_survive() -> None:
    text = HEADER + f'{AAD_1},"Travailleuse sociale, équipe Ñ (démo)",,,\n'
    (row,) = d.parse_import(text).rows
    assert row.display_name == "Travailleuse sociale, équipe Ñ (démo)"


def test_garbage_rows_are_rejected_with_reasons_and_the_rest_kept() -> None:
    text = (
        HEADER + f"{AAD_1},Police Practitioner (demo),Demo Police,practitioner,\n"
        "not-a-guid,Someone (demo),,,\n"
        f"{AAD_2},,,,\n"
        f"{AAD_3},Lead (demo),,boss,\n"
        f"{AAD_3},Lead (demo),,chair,not-an-email\n"
        "just one field\n"
        f"{AAD_3},Too (demo),,chair,,extra\n"
        ",,,,\n"
        "\n"
        f"{AAD_3},{'x' * 300},,,\n"
    )
    parsed = d.parse_import(text)
    assert [row.row for row in parsed.rows] == [2]
    reasons = {rejected.row: rejected.reason for rejected in parsed.rejected}
    assert "not a GUID" in reasons[3]
    assert "'display_name' is required" in reasons[4]
    assert "'roles' has unknown role 'boss'" in reasons[5]
    assert "'email'" in reasons[6]
    assert "has 1 fields; the header has 5" in reasons[7]
    assert "has 6 fields" in reasons[8]
    assert "the limit is 200" in reasons[11]
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 11}, "blank rows 9 and 10 are skipped silently"


def test_duplicate_aad_ids_keep_the_first_row_and_reject_the_rest() -> None:
    text = (
        HEADER + f"{AAD_1},First (demo),,,\n"
        f"{AAD_1.upper()},Second (demo),,,\n"
        f"{AAD_2},Other (demo),,,\n"
    )
    parsed = d.parse_import(text)
    assert [row.display_name for row in parsed.rows] == ["First (demo)", "Other (demo)"]
    (duplicate,) = parsed.rejected
    assert duplicate.row == 3
    assert "already in row 2" in duplicate.reason


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("display_name,roles\nx,y\n", "no aad_object_id column"),
        ("aad_object_id;display_name;roles\n", "no aad_object_id, display_name column|no "),
        ("aad_object_id,display_name,roles,roles\n", "more than once"),
        (f"aad_object_id,display_name\n{AAD_1},{'x' * 200_000}\n", "can't be read as CSV"),
    ],
)
def test_unreadable_files_are_refused_whole(text: str, problem: str) -> None:
    with pytest.raises(d.ImportFileError, match=problem):
        d.parse_import(text)


def test_files_over_the_row_or_byte_limit_are_refused() -> None:
    rows = "".join(f"{AAD_1},N,,,\n" for _ in range(d.MAX_IMPORT_ROWS + 1))
    with pytest.raises(d.ImportFileError, match="more than 5,000"):
        d.parse_import(HEADER + rows)
    at_limit = "".join(f"{AAD_1},N,,,\n" for _ in range(d.MAX_IMPORT_ROWS))
    assert len(d.parse_import(HEADER + at_limit).rejected) == d.MAX_IMPORT_ROWS - 1
    with pytest.raises(d.ImportFileError, match="limit"):
        d.decode_import(b"x" * (d.MAX_IMPORT_BYTES + 1))


def test_non_utf8_files_are_refused_with_the_fix() -> None:
    with pytest.raises(d.ImportFileError, match="CSV UTF-8"):
        d.decode_import("aad_object_id,display_name\n1,Andr\xe9\n".encode("latin-1"))


def test_nul_bytes_and_an_unterminated_quote_reject_rows_not_the_file() -> None:
    text = HEADER + f"{AAD_1},Nul\x00 (demo),,,\n" + f'{AAD_2},"unterminated,,,\n{AAD_3},X,,,\n'
    parsed = d.parse_import(text)
    assert parsed.rows == ()
    assert "control characters" in parsed.rejected[0].reason
    assert "fields" in parsed.rejected[1].reason


def test_extra_columns_are_ignored_and_named() -> None:
    parsed = d.parse_import(f"aad_object_id,display_name,notes\n{AAD_1},A (demo),hello\n")
    assert parsed.ignored_columns == ("notes",)
    assert len(parsed.rows) == 1


# --- The import plan ---


def plan(
    text: str,
    existing: dict[str, DirectoryMember] | None = None,
    *,
    replace_roles: bool = False,
    admins: int = 1,
) -> list[d.RowPlan]:
    parsed = d.parse_import(HEADER + text)
    return d.plan_import(
        parsed, [POLICE, HEALTH], existing or {}, admins, replace_roles=replace_roles
    )


def test_new_members_are_added_with_their_roles_and_agency() -> None:
    (added,) = plan(f"{AAD_1},Police Practitioner (demo),demo police,practitioner,\n")
    assert added.line() == (
        "row 2: added Police Practitioner (demo) [practitioner], agency Demo Police"
    )
    assert added.change.agency == POLICE
    assert added.change.grant == {Role.PRACTITIONER}
    assert added.change.before is None


def test_an_unknown_agency_rejects_the_row() -> None:
    (rejected,) = plan(f"{AAD_1},Fire Officer (demo),Demo Fire Service,,\n")
    assert rejected.outcome is d.Outcome.REJECTED
    assert rejected.line().startswith("row 2: rejected: 'agency' 'Demo Fire Service' is not")
    assert rejected.change is None


def test_roles_are_added_never_silently_revoked() -> None:
    current = member(roles=frozenset({Role.PRACTITIONER, Role.MANAGER}))
    (updated,) = plan(
        f"{AAD_1},Police Practitioner (demo),,practitioner;agency_lead,\n", {AAD_1: current}
    )
    assert updated.line() == "row 2: updated Police Practitioner (demo): roles +agency_lead"
    assert updated.change.revoke == frozenset()
    assert updated.change.agency is None, "a blank agency leaves the member's agency alone"


def test_replace_roles_sets_the_roles_exactly() -> None:
    current = member(roles=frozenset({Role.PRACTITIONER, Role.MANAGER}))
    (updated,) = plan(
        f"{AAD_1},Police Practitioner (demo),Demo Community Health,practitioner;agency_lead,\n",
        {AAD_1: current},
        replace_roles=True,
    )
    assert updated.line() == (
        "row 2: updated Police Practitioner (demo): agency Demo Community Health; "
        "roles +agency_lead -manager"
    )
    assert updated.change.before["roles"] == ["practitioner", "manager"]
    assert updated.change.after["roles"] == ["agency_lead", "practitioner"]
    assert updated.change.after["agency"] == "Demo Community Health"


def test_an_identical_row_is_unchanged_and_writes_nothing() -> None:
    (same,) = plan(
        f"{AAD_1},Police Practitioner (demo),Demo Police,practitioner,\n", {AAD_1: member()}
    )
    assert same.line() == "row 2: unchanged Police Practitioner (demo)"
    assert same.change is None


def test_a_rename_is_reported_with_the_old_name() -> None:
    (renamed,) = plan(f"{AAD_1},Police Officer (demo),,,\n", {AAD_1: member()})
    assert renamed.line() == (
        "row 2: updated Police Officer (demo): renamed from 'Police Practitioner (demo)'"
    )


def test_replace_roles_cannot_remove_the_last_admin() -> None:
    admin = member(roles=frozenset({Role.ADMIN}))
    (kept,) = plan(f"{AAD_1},Police Practitioner (demo),,,\n", {AAD_1: admin}, replace_roles=True)
    assert kept.outcome is d.Outcome.REJECTED
    assert "only admin" in kept.detail
    two_admins = plan(
        f"{AAD_2},New Admin (demo),,admin,\n{AAD_1},Police Practitioner (demo),,,\n",
        {AAD_1: admin},
        replace_roles=True,
    )
    assert [p.outcome for p in two_admins] == [d.Outcome.ADDED, d.Outcome.UPDATED]


def test_rows_come_back_in_file_order_with_totals() -> None:
    text = f"{AAD_1},A (demo),,,\nbad,B (demo),,,\n{AAD_2},C (demo),,chair,\n"
    report = d.ImportReport(tuple(plan(text, {AAD_2: member(AAD_2, "C (demo)")})), dry_run=True)
    lines = report.lines()
    assert [line.split(":")[0] for line in lines[:3]] == ["row 2", "row 3", "row 4"]
    assert lines[-1] == (
        "3 rows: 1 added, 1 updated, 0 unchanged, 1 rejected (dry run: nothing was written)"
    )


# --- The access column: a leaver's access ended or restored, under the card's rules ---

ACCESS = "aad_object_id,display_name,roles,access,reason\n"


def access_plan(
    text: str, current: DirectoryMember | None, configured: frozenset[str] = frozenset()
) -> d.RowPlan:
    parsed = d.parse_import(ACCESS + text)
    existing = {current.aad_object_id or "": current} if current else {}
    (planned,) = d.plan_import(
        parsed, [POLICE], existing, 1, replace_roles=True, configured_admins=configured
    )
    return planned


def test_an_ended_row_ends_access_with_its_reason_and_an_active_one_restores_it() -> None:
    ended = access_plan(f"{AAD_1},Police Practitioner (demo),practitioner,ENDED,Left.\n", member())
    assert ended.line() == "row 2: updated Police Practitioner (demo): access ended"
    assert (ended.change.access, ended.change.reason) == (False, "Left.")
    gone = replace(member(), active=False)
    back = access_plan(f"{AAD_1},Police Practitioner (demo),practitioner,active,\n", gone)
    assert back.line() == "row 2: updated Police Practitioner (demo): access restored"
    assert (back.change.access, back.change.reason) == (True, "")
    # Already as the row says, or blank: nothing to do.
    same = access_plan(f"{AAD_1},Police Practitioner (demo),practitioner,ended,Left.\n", gone)
    assert same.outcome is d.Outcome.UNCHANGED
    blank = access_plan(f"{AAD_1},Police Practitioner (demo),practitioner,,\n", gone)
    assert blank.outcome is d.Outcome.UNCHANGED


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ("practitioner,gone,", "'access' 'gone' is not one of: active, ended"),
        ("practitioner,ended,", "'reason' is required where 'access' is ended"),
        ("practitioner,ended,Kelly Smith left.", "'reason' looks as if it contains a name"),
        ("practitioner,ended," + "x" * 501, "the limit is 500"),
    ],
)
def test_an_ended_row_needs_a_reason_the_guard_passes(cells: str, problem: str) -> None:
    refused = access_plan(f"{AAD_1},Police Practitioner (demo),{cells}\n", member())
    assert refused.outcome is d.Outcome.REJECTED
    assert problem in refused.detail
    assert "pseudonym" not in refused.detail


def test_an_admin_s_access_is_not_ended_by_a_row_unless_the_row_takes_the_role_away() -> None:
    admin = member(roles=frozenset({Role.ADMIN, Role.PRACTITIONER}))
    kept = access_plan(f"{AAD_1},Police Practitioner (demo),admin,ended,Left.\n", admin)
    assert kept.outcome is d.Outcome.REJECTED
    assert "is an admin: take the admin role away first" in kept.detail
    # Admins elsewhere (admin_count 1 is another): the row revokes the role, then ends access.
    parsed = d.parse_import(
        ACCESS + f"{AAD_1},Police Practitioner (demo),practitioner,ended,Left.\n"
    )
    (dropped,) = d.plan_import(parsed, [POLICE], {AAD_1: admin}, 2, replace_roles=True)
    assert dropped.line() == (
        "row 2: updated Police Practitioner (demo): roles -admin; access ended"
    )
    configured = access_plan(
        f"{AAD_1},Police Practitioner (demo),practitioner,ended,Left.\n",
        member(),
        frozenset({AAD_1}),
    )
    assert configured.outcome is d.Outcome.REJECTED
    assert "(ADMIN_AAD_IDS)" in configured.detail


def test_an_unknown_id_marked_ended_is_rejected_not_added() -> None:
    refused = access_plan(f"{AAD_1},Police Practitioner (demo),practitioner,ended,Left.\n", None)
    assert refused.outcome is d.Outcome.REJECTED
    assert "is not a member, so there is no access to end" in refused.detail
