"""Build and check the Teams app package: ``manifest.json``, ``color.png`` and ``outline.png``.

``manifest.template.json`` uses the Microsoft 365 Agents Toolkit's ``${{NAME}}`` placeholders, so
the same file feeds the toolkit's ``teamsApp/zipAppPackage`` action (``m365agents*.yml``) and this
module, which builds the package without the toolkit (CI, operators, tests).

``validate_manifest`` checks a manifest against Microsoft's official JSON schema for the version
the manifest declares, read offline from the ``@microsoft/app-manifest`` npm package.

Command line::

    python -m manifest.build --teams-app-id <GUID> --bot-id <GUID> [--app-version 1.0.0]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators
from PIL import Image
from referencing import Registry

MANIFEST_DIR = Path(__file__).resolve().parent
TEMPLATE_PATH = MANIFEST_DIR / "manifest.template.json"
COLOR_ICON = MANIFEST_DIR / "color.png"
OUTLINE_ICON = MANIFEST_DIR / "outline.png"
COLOR_ICON_SIZE = (192, 192)
OUTLINE_ICON_SIZE = (32, 32)
DEFAULT_SCHEMA_ROOT = (
    MANIFEST_DIR.parent / "node_modules/@microsoft/app-manifest/build/json-schemas/teams"
)

_PLACEHOLDER = re.compile(r"\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# The schema's definitions/guid pattern; matched with fullmatch (``$`` alone would let a
# trailing newline through).
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The schema only caps the length, but Teams rejects uploads whose version is not plain
# MAJOR.MINOR.PATCH (no pre-release or build suffix).
_APP_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
# Restricting the declared version to this shape also keeps it from naming a path outside
# the schema root.
_MANIFEST_VERSION = re.compile(r"1\.\d{1,2}|devPreview")
# RFC 3986 scheme followed by anything without whitespace: what ajv-formats' "uri" demands of
# the only "uri"-formatted field ($schema), without needing the optional rfc3987 package.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S*")
_SHORT_NAME_MAX = 30
# A fixed timestamp makes the zip byte-for-byte reproducible for the same inputs.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class ManifestError(ValueError):
    """The manifest or package cannot be built or checked as asked; the message says why."""


# --- rendering ---------------------------------------------------------------------------


def _strings(node: Any) -> Iterator[str]:
    """Every string value in a JSON tree (keys never hold placeholders)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _substitute(node: Any, values: Mapping[str, str]) -> Any:
    """Copy of ``node`` with every ``${{NAME}}`` replaced by ``values[NAME]``."""
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], node)
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    return node


def _placeholders_in(template: Any) -> set[str]:
    return {name for text in _strings(template) for name in _PLACEHOLDER.findall(text)}


def template_placeholders(template_path: Path = TEMPLATE_PATH) -> set[str]:
    """The placeholder names the template uses, e.g. ``{"TEAMS_APP_ID", "BOT_ID", ...}``."""
    return _placeholders_in(json.loads(template_path.read_text(encoding="utf-8")))


def render_manifest(
    values: Mapping[str, str], *, template_path: Path = TEMPLATE_PATH
) -> dict[str, Any]:
    """The manifest with every ``${{NAME}}`` placeholder filled from ``values``.

    Substitution happens on the parsed JSON, not on its text, so a value containing quotes or
    backslashes cannot corrupt the document. Extra keys in ``values`` are ignored, so a whole
    toolkit environment can be passed in.

    Raises:
        ManifestError: naming every placeholder that ``values`` leaves unfilled.
    """
    template = json.loads(template_path.read_text(encoding="utf-8"))
    missing = sorted(_placeholders_in(template) - values.keys())
    if missing:
        names = ", ".join(f"${{{{{name}}}}}" for name in missing)
        raise ManifestError(f"unfilled manifest placeholder(s): {names}")
    manifest: dict[str, Any] = _substitute(template, values)
    return manifest


# --- checks on the inputs ----------------------------------------------------------------


def _require_guid(field: str, value: str) -> None:
    if not _GUID.fullmatch(value):
        raise ManifestError(
            f"{field} must be a GUID such as 00000000-0000-0000-0000-000000000000 "
            f"(no braces), got {value!r}"
        )


def _require_app_version(value: str) -> None:
    if not _APP_VERSION.fullmatch(value):
        raise ManifestError(f"app_version must be MAJOR.MINOR.PATCH such as 1.0.0, got {value!r}")


def _require_https(field: str, value: str) -> None:
    # The schema would accept http://, but Teams rejects developer links that are not HTTPS.
    if not value.lower().startswith("https://") or len(value) <= len("https://"):
        raise ManifestError(f"{field} must be an https:// URL, got {value!r}")


def _require_short_name(manifest: Mapping[str, Any]) -> None:
    # The suffix is the only variable part of the name; catch an overlong one before Teams does.
    short = str(manifest["name"]["short"])
    if len(short) > _SHORT_NAME_MAX:
        raise ManifestError(
            f"name.short {short!r} is {len(short)} characters; Teams allows {_SHORT_NAME_MAX}"
        )


def _require_icon(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as image:
        if image.format != "PNG" or image.size != size:
            raise ManifestError(
                f"{path.name} must be a {size[0]}x{size[1]} PNG, "
                f"found a {image.size[0]}x{image.size[1]} {image.format}"
            )


def _require_white_on_transparent(path: Path) -> None:
    """Teams requires the outline icon to use only white and transparency."""
    with Image.open(path) as image:
        data = image.convert("RGBA").tobytes()
    stray = sum(
        1 for i in range(0, len(data), 4) if data[i + 3] and data[i : i + 3] != b"\xff\xff\xff"
    )
    if stray:
        raise ManifestError(f"{path.name} has {stray} visible pixel(s) that are not white")


def check_icons(color: Path = COLOR_ICON, outline: Path = OUTLINE_ICON) -> None:
    """Raise ManifestError unless the icons meet Teams' size and colour rules."""
    _require_icon(color, COLOR_ICON_SIZE)
    _require_icon(outline, OUTLINE_ICON_SIZE)
    _require_white_on_transparent(outline)


# --- the package -------------------------------------------------------------------------


def _zip_bytes(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_package(
    out_dir: Path,
    *,
    teams_app_id: str,
    bot_id: str,
    app_version: str = "1.0.0",
    developer_website: str = "https://example.org",
    developer_name: str = "Line-of-Sight",
    privacy_url: str | None = None,
    terms_of_use_url: str | None = None,
    app_name_suffix: str = "",
) -> Path:
    """Write ``lineofsight-<app_version>.zip`` (manifest.json, color.png, outline.png).

    ``privacy_url`` and ``terms_of_use_url`` default to ``/privacy`` and ``/terms`` under
    ``developer_website``. ``app_name_suffix`` is appended to the short name (e.g. ``-dev``)
    so test installs are told apart from the real app.

    Returns:
        The path of the zip inside ``out_dir`` (created if needed).

    Raises:
        ManifestError: an id is not a GUID, the version is not MAJOR.MINOR.PATCH, a developer
            link is not HTTPS, the short name is too long, or an icon breaks Teams' rules.
    """
    _require_guid("teams_app_id", teams_app_id)
    _require_guid("bot_id", bot_id)
    _require_app_version(app_version)
    website = developer_website.rstrip("/")
    links = {
        "DEVELOPER_WEBSITE": developer_website,
        "PRIVACY_URL": privacy_url or f"{website}/privacy",
        "TERMS_OF_USE_URL": terms_of_use_url or f"{website}/terms",
    }
    for field, url in links.items():
        _require_https(field, url)
    manifest = render_manifest(
        {
            "TEAMS_APP_ID": teams_app_id,
            "BOT_ID": bot_id,
            "APP_VERSION": app_version,
            "APP_NAME_SUFFIX": app_name_suffix,
            "DEVELOPER_NAME": developer_name,
            **links,
        }
    )
    _require_short_name(manifest)
    check_icons()

    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / f"lineofsight-{app_version}.zip"
    # Write beside the target and rename, so a failed build never leaves a half-written zip.
    partial = package.with_name(package.name + ".partial")
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    with zipfile.ZipFile(partial, "w") as archive:
        _zip_bytes(archive, "manifest.json", text.encode("utf-8"))
        _zip_bytes(archive, "color.png", COLOR_ICON.read_bytes())
        _zip_bytes(archive, "outline.png", OUTLINE_ICON.read_bytes())
    partial.replace(package)
    return package


# --- validation against the official schema ----------------------------------------------


def schema_path(schema_root: Path, manifest_version: str) -> Path:
    """Where ``@microsoft/app-manifest`` keeps the schema for ``manifest_version``."""
    folder = "vDevPreview" if manifest_version == "devPreview" else f"v{manifest_version}"
    return schema_root / folder / "MicrosoftTeams.schema.json"


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or bool(_URI.fullmatch(instance))


def _format_checker() -> FormatChecker:
    """Check the formats Microsoft's own validator checks: uri, email and regex."""
    checker = FormatChecker(formats=("email", "regex"))
    checker.checks("uri")(_is_uri)
    return checker


def _validator(schema: Mapping[str, Any]) -> Any:
    """A validator for the draft the schema declares, matching Microsoft's ajv setup.

    The Teams schemas declare draft-04 yet use ``const`` (on ``manifestVersion``); ajv-draft-04
    enforces it, so add draft-07's ``const`` where the draft lacks it. The registry is empty
    and nothing is retrieved, so only the schema's own ``#/...`` references resolve: validation
    never touches the network.
    """
    cls = validators.validator_for(schema, default=Draft7Validator)
    if "const" not in cls.VALIDATORS:
        cls = validators.extend(cls, {"const": Draft7Validator.VALIDATORS["const"]})
    return cls(schema, registry=Registry(), format_checker=_format_checker())


def _describe(error: ValidationError) -> str:
    return f"{error.json_path}: {error.message}"


def validate_manifest(manifest: Mapping[str, Any], schema_root: Path) -> list[str]:
    """Schema errors in ``manifest``, one ``"<json path>: <message>"`` each; empty if valid.

    The schema is ``schema_root/v{manifestVersion}/MicrosoftTeams.schema.json``, i.e. the one
    for the version the manifest itself declares.

    Raises:
        ManifestError: the schema for that version is not under ``schema_root``.
    """
    version = manifest.get("manifestVersion")
    if not isinstance(version, str) or not _MANIFEST_VERSION.fullmatch(version):
        return [f"$.manifestVersion: {version!r} is not a Teams manifest schema version"]
    path = schema_path(schema_root, version)
    if not path.is_file():
        raise ManifestError(f"no schema for manifestVersion {version}: {path} does not exist")
    # utf-8-sig: Microsoft's loader strips a byte-order mark, so tolerate one too.
    schema = json.loads(path.read_text(encoding="utf-8-sig"))
    errors = _validator(schema).iter_errors(manifest)
    return sorted(_describe(error) for error in errors)


# --- command line ------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Build the Line-of-Sight Teams app package.")
    parser.add_argument("--teams-app-id", default=env.get("TEAMS_APP_ID", ""))
    parser.add_argument("--bot-id", default=env.get("BOT_ID", ""))
    parser.add_argument("--app-version", default=env.get("APP_VERSION", "1.0.0"))
    parser.add_argument("--developer-website", default=env.get("DEVELOPER_WEBSITE", ""))
    parser.add_argument("--app-name-suffix", default=env.get("APP_NAME_SUFFIX", ""))
    parser.add_argument("--out-dir", type=Path, default=MANIFEST_DIR / "build")
    parser.add_argument("--schema-root", type=Path, default=DEFAULT_SCHEMA_ROOT)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the package, then validate its manifest if the official schemas are installed."""
    args = _parse_args(argv)
    try:
        package = build_package(
            args.out_dir,
            teams_app_id=args.teams_app_id,
            bot_id=args.bot_id,
            app_version=args.app_version,
            developer_website=args.developer_website or "https://example.org",
            app_name_suffix=args.app_name_suffix,
        )
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(package)
    if not args.schema_root.is_dir():
        print(
            f"warning: not validated; no schemas at {args.schema_root} (run `npm ci`)",
            file=sys.stderr,
        )
        return 0
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    errors = validate_manifest(manifest, args.schema_root)
    for error in errors:
        print(f"schema: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
