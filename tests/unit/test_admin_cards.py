"""Partnership set-up cards: valid for Teams, inputs validated in the client, errors inline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cards import admin, verbs
from cards.validation import card_problems
from domain.directory import (
    AgencyForm,
    AgencyListing,
    MemberForm,
    MemberListing,
    agency_revision,
    paging,
)
from domain.model import Role
from domain.repositories import AgencyView, DirectoryMember

POLICE = AgencyView(1, "Demo Police", "police", ("Police Safeguarding Lead (demo)",))
HEALTH = AgencyView(2, "Demo Community Health", "health")
AAD = "00000000-0000-4000-8000-000000000001"


def person(n: int, roles: frozenset[Role] = frozenset({Role.PRACTITIONER})) -> DirectoryMember:
    return DirectoryMember(
        n, AAD, f"Practitioner {n} (demo)", None, 1, "Demo Police", roles, seen=n % 2 == 0
    )


LEAD = person(2, frozenset({Role.AGENCY_LEAD, Role.MANAGER}))
LONG = "x" * 200
MANY_AGENCIES = tuple(AgencyView(n, f"{LONG}{n}", "other", (LONG,) * 20) for n in range(1, 16))
MANY_PEOPLE = tuple(
    DirectoryMember(n, AAD, LONG, None, n, LONG, frozenset(Role), seen=False) for n in range(150)
)
ERRORS = {
    "name": "'Agency name' is 10,000 characters; the limit is 200.",
    "sector": "'Sector' must be one from the list.",
    "lead": "The lead chosen is not a member of this partnership.",
}

CARDS: dict[str, dict[str, Any]] = {
    "agencies": admin.agencies_card(AgencyListing((POLICE, HEALTH), paging(2, 1))),
    "agencies, empty": admin.agencies_card(AgencyListing((), paging(0, 1))),
    "agencies, result": admin.agencies_card(
        AgencyListing((POLICE,), paging(1, 1)), "Agency 'Demo Police' added."
    ),
    "agencies, long page": admin.agencies_card(AgencyListing(MANY_AGENCIES, paging(40, 2))),
    "agency form, add": admin.agency_form_card(AgencyForm(None, (LEAD,), False)),
    "agency form, no members": admin.agency_form_card(AgencyForm(None, (), False)),
    "agency form, edit": admin.agency_form_card(AgencyForm(POLICE, (LEAD,), False), 2),
    "agency form, errors": admin.agency_form_card(
        AgencyForm(POLICE, MANY_PEOPLE, True),
        1,
        {"name": "x" * 10_000, "sector": "fire", "lead": "999"},
        ERRORS,
    ),
    "members": admin.members_card(
        MemberListing(tuple(person(n) for n in range(1, 16)), paging(40, 2))
    ),
    "members, empty": admin.members_card(MemberListing((), paging(0, 1))),
    "members, long": admin.members_card(
        MemberListing(MANY_PEOPLE[:15], paging(150, 1)), "Member 'x' added."
    ),
    "member form, add": admin.member_form_card(MemberForm(None, (POLICE, HEALTH))),
    "member form, add, no agencies": admin.member_form_card(MemberForm(None, ())),
    "member form, edit": admin.member_form_card(MemberForm(LEAD, (POLICE, HEALTH)), 3),
    "member form, errors": admin.member_form_card(
        MemberForm(None, MANY_AGENCIES * 10),
        1,
        {"display_name": "", "aad_object_id": "nope" * 100, "roles": "chair,boss"},
        {"display_name": "'Display name' is required.", "aad_object_id": "Not a GUID."},
    ),
}


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every element and action in a card, however deeply nested."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def by_id(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    (found,) = [e for e in elements(card) if e.get("id") == input_id]
    return found


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["title"]: e for e in elements(card) if e["type"] == "Action.Execute"}


def texts(card: dict[str, Any], colour: str) -> list[str]:
    return [
        e["text"] for e in elements(card) if e["type"] == "TextBlock" and e.get("color") == colour
    ]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_for_teams(name: str) -> None:
    assert card_problems(CARDS[name]) == []
    text = json.dumps(CARDS[name])
    for leaked in ("Spacing.", "FontSize.", "FontWeight.", "Colors.", "AssociatedInputs."):
        assert leaked not in text


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_button_carries_a_known_verb(name: str) -> None:
    for action in buttons(CARDS[name]).values():
        assert action["verb"] in verbs.ALL
        assert action["data"]["verb"] == action["verb"]
        assert action["fallback"]["data"] == action["data"]


def test_agencies_list_shows_sector_leads_and_an_edit_button_each() -> None:
    card = CARDS["agencies"]
    text = json.dumps(card, ensure_ascii=False)
    assert "Police · Safeguarding leads: Police Safeguarding Lead (demo)" in text
    assert "Health · Safeguarding leads: none yet" in text
    edits = [e for e in elements(card) if e.get("title") == "Edit" and "verb" in e]
    assert [e["data"]["agency_id"] for e in edits] == [1, 2]
    assert buttons(card)["Add agency"]["verb"] == verbs.AGENCY_FORM


def test_a_result_line_is_shown_as_good_news_bold_in_a_colour_that_reads_on_white() -> None:
    [line] = [
        e
        for e in elements(CARDS["agencies, result"])
        if e.get("text") == "Agency 'Demo Police' added."
    ]
    assert (line.get("color"), line.get("weight")) == (None, "bolder")


def test_agency_form_validates_in_the_client_too() -> None:
    card = CARDS["agency form, add"]
    name = by_id(card, "name")
    assert name["type"] == "Input.Text"
    assert name["isRequired"] is True
    assert name["maxLength"] == 200
    assert name["label"]
    assert name["errorMessage"]
    sector = by_id(card, "sector")
    assert sector["type"] == "Input.ChoiceSet"
    assert sector["isRequired"] is True
    assert "children's social care" in [c["value"] for c in sector["choices"]]
    lead = by_id(card, "lead")
    assert lead["choices"] == [
        {"title": "Practitioner 2 (demo) · Demo Police", "value": "2"},
    ]
    assert "agency_id" not in buttons(card)["Save agency"]["data"]


def test_editing_an_agency_prefills_it_and_carries_its_id_and_revision() -> None:
    card = CARDS["agency form, edit"]
    assert by_id(card, "name")["value"] == "Demo Police"
    assert by_id(card, "sector")["value"] == "police"
    assert buttons(card)["Save agency"]["data"] == {
        "agency_id": 1,
        "page": 2,
        "rev": agency_revision(POLICE),
        "verb": verbs.AGENCY_SAVE,
    }
    assert "Police Safeguarding Lead (demo)" in json.dumps(card, ensure_ascii=False)


def test_errors_are_shown_inline_with_the_values_kept() -> None:
    card = CARDS["agency form, errors"]
    problems = texts(card, "attention")
    assert problems[0].startswith("Nothing was saved yet: please correct 3 things")
    assert set(problems[1:]) == set(ERRORS.values())
    assert by_id(card, "name")["value"] == "x" * 200, "kept, clipped to what the input allows"
    assert "value" not in by_id(card, "sector"), "a value not on the list is not pre-selected"
    assert "value" not in by_id(card, "lead")
    assert "Showing the first 150 members" in json.dumps(card, ensure_ascii=False)


def test_cancel_skips_client_validation() -> None:
    for name in ("agency form, add", "member form, add"):
        cancel = buttons(CARDS[name])["Cancel"]
        assert cancel["associatedInputs"] == "none"
        assert cancel["fallback"]["associatedInputs"] == "none"


def test_members_list_pages_with_previous_and_next() -> None:
    card = CARDS["members"]
    actions = buttons(card)
    assert actions["Previous page"]["data"]["page"] == 1
    assert actions["Next page"]["data"]["page"] == 3
    edits = [e for e in elements(card) if e.get("title") == "Edit" and "verb" in e]
    assert len(edits) == 15
    assert edits[0]["data"] == {"member_id": 1, "page": 2, "verb": verbs.MEMBER_FORM}
    assert "Page 2 of 3" in json.dumps(card, ensure_ascii=False)
    assert "Hasn't used the bot yet" in json.dumps(card, ensure_ascii=False)
    first_page = admin.members_card(MemberListing((person(1),), paging(1, 1)))
    assert "Previous page" not in buttons(first_page)
    assert "Next page" not in buttons(first_page)


def test_adding_a_member_asks_for_a_guid_and_offers_every_role() -> None:
    card = CARDS["member form, add"]
    aad = by_id(card, "aad_object_id")
    assert aad["isRequired"] is True
    assert re.fullmatch(aad["regex"], "0C8A7B6D-5e4f-4a3b-9c2d-1e0f9a8b7c6d")
    assert not re.fullmatch(aad["regex"], "0c8a7b6d")
    roles = by_id(card, "roles")
    assert roles["isMultiSelect"] is True
    assert [c["value"] for c in roles["choices"]] == [role.value for role in Role]
    assert [c["value"] for c in by_id(card, "agency")["choices"]] == ["1", "2"]


def test_editing_a_member_preselects_roles_and_never_edits_the_aad_id() -> None:
    card = CARDS["member form, edit"]
    assert [e for e in elements(card) if e.get("id") == "aad_object_id"] == []
    assert by_id(card, "roles")["value"] == "agency_lead,manager"
    assert by_id(card, "agency")["value"] == "1"
    saved = buttons(card)["Save member"]["data"]
    assert saved == {"member_id": 2, "page": 3, "rev": saved["rev"], "verb": verbs.MEMBER_SAVE}
    assert saved["rev"], "the member's revision: an older form is refused as stale"
    assert "Un-tick a role to revoke it." in json.dumps(card, ensure_ascii=False)


def test_member_errors_keep_only_known_roles_ticked() -> None:
    card = CARDS["member form, errors"]
    assert by_id(card, "roles")["value"] == "chair"
    assert texts(card, "attention")[1:] == ["'Display name' is required.", "Not a GUID."]
