"""The Teams app package: contents, official-schema validity, icons and input checks."""

from __future__ import annotations

import copy
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from manifest.build import (
    TEMPLATE_PATH,
    ManifestError,
    build_package,
    render_manifest,
    template_placeholders,
    validate_manifest,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_ROOT = REPO_ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams"

# Made up for these tests; they identify nothing real.
TEAMS_APP_ID = "3f2b8c1e-6d4a-4f7b-9e21-5a0c8d7e6b41"
BOT_ID = "a9d04e6f-1b2c-4d3e-8f90-7c6b5a4e3d21"

EXPECTED_COMMANDS = [
    "help",
    "new review",
    "reviews",
    "continue",
    "my actions",
    "summary",
    "dashboard",
    "overdue",
    "export",
]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return build_package(tmp_path, teams_app_id=TEAMS_APP_ID, bot_id=BOT_ID, app_version="1.2.3")


@pytest.fixture
def manifest(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as archive:
        loaded: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return loaded


@pytest.fixture(scope="module")
def schema_root() -> Path:
    if not SCHEMA_ROOT.is_dir():
        reason = f"official Teams manifest schemas not found at {SCHEMA_ROOT}: run `npm ci`"
        # In CI a missing schema must not turn the validity check into a silent skip.
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return SCHEMA_ROOT


def _icon(package: Path, name: str) -> Image.Image:
    with zipfile.ZipFile(package) as archive:
        image = Image.open(io.BytesIO(archive.read(name)))
        image.load()
    return image


def _env_keys(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        line.split("=", 1)[0].strip()
        for line in lines
        if "=" in line and not line.lstrip().startswith("#")
    }


# --- the package -------------------------------------------------------------------------


def test_package_holds_exactly_manifest_and_icons(package: Path) -> None:
    assert package.name == "lineofsight-1.2.3.zip"
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_manifest_carries_the_given_ids_and_version(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == TEAMS_APP_ID
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["version"] == "1.2.3"
    assert manifest["developer"]["privacyUrl"] == "https://example.org/privacy"
    assert "${{" not in json.dumps(manifest)


def test_manifest_is_valid_against_the_schema_it_declares(
    manifest: dict[str, Any], schema_root: Path
) -> None:
    assert manifest["manifestVersion"] == "1.19"
    assert manifest["$schema"].endswith("/v1.19/MicrosoftTeams.schema.json")
    assert validate_manifest(manifest, schema_root) == []


def test_validation_reports_what_is_wrong(manifest: dict[str, Any], schema_root: Path) -> None:
    broken = copy.deepcopy(manifest)
    broken["bots"][0]["botId"] = "not-a-guid"
    del broken["accentColor"]
    broken["name"]["short"] = "x" * 31

    errors = validate_manifest(broken, schema_root)

    assert len(errors) == 3
    assert any(e.startswith("$.bots[0].botId:") for e in errors)
    assert any("'accentColor' is a required property" in e for e in errors)
    assert any(e.startswith("$.name.short:") for e in errors)


def test_validation_enforces_const_under_draft_04(tmp_path: Path) -> None:
    # The official schemas declare draft-04 but rely on `const`, which draft-04 lacks.
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "properties": {"manifestVersion": {"type": "string"}, "flag": {"const": True}},
    }
    (tmp_path / "v1.19").mkdir()
    (tmp_path / "v1.19" / "MicrosoftTeams.schema.json").write_text(json.dumps(schema))

    assert validate_manifest({"manifestVersion": "1.19", "flag": True}, tmp_path) == []
    assert validate_manifest({"manifestVersion": "1.19", "flag": False}, tmp_path) == [
        "$.flag: True was expected"
    ]


def test_validation_rejects_an_undeclared_or_odd_version(tmp_path: Path) -> None:
    assert validate_manifest({}, tmp_path) == [
        "$.manifestVersion: None is not a Teams manifest schema version"
    ]
    assert len(validate_manifest({"manifestVersion": "../../etc"}, tmp_path)) == 1
    with pytest.raises(ManifestError, match=r"no schema for manifestVersion 1\.19"):
        validate_manifest({"manifestVersion": "1.19"}, tmp_path)


# --- icons -------------------------------------------------------------------------------


def test_icons_have_the_sizes_teams_requires(package: Path) -> None:
    color = _icon(package, "color.png")
    outline = _icon(package, "outline.png")
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size) == ("PNG", (32, 32))


def test_color_icon_is_full_colour(package: Path) -> None:
    data = _icon(package, "color.png").convert("RGB").tobytes()
    colours = {data[i : i + 3] for i in range(0, len(data), 3)}
    assert len(colours) > 2
    assert any(len(set(rgb)) > 1 for rgb in colours)  # not just greys


def test_outline_icon_is_white_on_transparent(package: Path) -> None:
    outline = _icon(package, "outline.png")
    assert outline.mode == "RGBA"
    data = outline.tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    visible = [p for p in pixels if p[3] > 0]

    assert all(p[:3] == (255, 255, 255) for p in visible)
    assert any(p[3] == 255 for p in visible)  # a solid glyph, not a faint smudge
    assert len(visible) < len(pixels) // 2  # mostly transparent background
    corners = [(0, 0), (31, 0), (0, 31), (31, 31)]
    assert all(outline.getpixel(xy) == (255, 255, 255, 0) for xy in corners)


# --- command menu ------------------------------------------------------------------------


def test_each_scope_lists_every_command_within_the_limit(manifest: dict[str, Any]) -> None:
    bot = manifest["bots"][0]
    lists = bot["commandLists"]

    assert 1 <= len(lists) <= 3
    assert sorted(scope for entry in lists for scope in entry["scopes"]) == sorted(bot["scopes"])
    for entry in lists:
        titles = [command["title"] for command in entry["commands"]]
        assert len(titles) <= 10
        assert titles == EXPECTED_COMMANDS


def test_bot_is_conversational_in_every_scope(manifest: dict[str, Any]) -> None:
    bot = manifest["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["isNotificationOnly"] is False
    assert bot["supportsFiles"] is False


# --- input checks ------------------------------------------------------------------------


def test_unfilled_placeholders_are_named() -> None:
    with pytest.raises(ManifestError, match=r"\$\{\{BOT_ID\}\}") as caught:
        render_manifest({"TEAMS_APP_ID": TEAMS_APP_ID})
    assert "${{APP_VERSION}}" in str(caught.value)
    assert "TEAMS_APP_ID" not in str(caught.value)


def test_placeholder_values_cannot_break_the_json() -> None:
    values = dict.fromkeys(template_placeholders(), "x")
    values["DEVELOPER_NAME"] = 'Quote " and \\ backslash'
    assert render_manifest(values)["developer"]["name"] == 'Quote " and \\ backslash'


@pytest.mark.parametrize("field", ["teams_app_id", "bot_id"])
@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not-a-guid",
        f"{{{TEAMS_APP_ID}}}",
        TEAMS_APP_ID[:-1],
        TEAMS_APP_ID + "0",
        TEAMS_APP_ID + "\n",
    ],
)
def test_bad_guids_are_refused(tmp_path: Path, field: str, bad: str) -> None:
    ids = {"teams_app_id": TEAMS_APP_ID, "bot_id": BOT_ID, field: bad}
    with pytest.raises(ManifestError, match=rf"^{field} must be a GUID"):
        build_package(tmp_path, **ids)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"app_version": "1.0"}, "app_version must be MAJOR.MINOR.PATCH"),
        ({"app_version": "1.0.0-beta"}, "app_version must be MAJOR.MINOR.PATCH"),
        ({"developer_website": "http://example.org"}, "DEVELOPER_WEBSITE must be an https"),
        ({"privacy_url": "ftp://example.org/p"}, "PRIVACY_URL must be an https"),
        ({"app_name_suffix": " (a very long suffix)"}, "Teams allows 30"),
    ],
)
def test_other_bad_inputs_are_refused(tmp_path: Path, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        build_package(tmp_path, teams_app_id=TEAMS_APP_ID, bot_id=BOT_ID, **kwargs)


# --- Agents Toolkit project files ----------------------------------------------------------


@pytest.mark.parametrize("env_file", [".env.local", ".env.dev"])
def test_toolkit_env_files_fill_every_placeholder_and_hold_no_secrets(env_file: str) -> None:
    keys = _env_keys(REPO_ROOT / "env" / env_file)
    assert template_placeholders() <= keys
    assert not [key for key in keys if key.startswith("SECRET_")]


@pytest.mark.parametrize("project_file", ["m365agents.yml", "m365agents.local.yml"])
def test_toolkit_packages_the_manifest_template(project_file: str) -> None:
    project = yaml.safe_load((REPO_ROOT / project_file).read_text(encoding="utf-8"))
    steps = [step for stage in ("provision", "publish") for step in project.get(stage) or []]
    uses = [step["uses"] for step in steps]
    template = "./" + TEMPLATE_PATH.relative_to(REPO_ROOT).as_posix()

    assert {"teamsApp/create", "botFramework/create", "teamsApp/zipAppPackage"} <= set(uses)
    for step in steps:
        if step["uses"] in {"teamsApp/validateManifest", "teamsApp/zipAppPackage"}:
            assert step["with"]["manifestPath"] == template
        if step["uses"] == "teamsApp/zipAppPackage":
            assert step["with"]["outputFolder"] == "./manifest/build"
