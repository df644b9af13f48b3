"""The layering rules of docs/architecture.md §2, enforced on every import in the source tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# What each layer may import besides the standard library and itself.
ALLOWED: dict[str, set[str]] = {
    "domain": {"pydantic", "pydantic_core", "yaml", "holidays", "phonenumbers", "markdown_it"},
    "cards": {"domain", "adaptive_cards", "jsonschema"},
    "storage": {"domain", "sqlalchemy", "sqlmodel", "alembic", "psycopg"},
    "manifest": {"PIL", "jsonschema", "referencing"},
    "exports": {"domain", "docx", "openpyxl", "matplotlib"},
}
FRAMEWORKS = {"botbuilder", "botframework", "aiohttp", "apscheduler", "msrest", "microsoft_agents"}
# The two platforms' SDKs: only an edge of bot/ may import them (docs/architecture.md §10).
SDKS = {"botbuilder", "botframework", "msrest", "microsoft_agents"}
# The framework-free part of bot/: the core, its dispatch and the handlers behind it.
CORE = (
    "core.py",
    "router.py",
    "turns.py",
    "once.py",
    "freshness.py",
    "handlers",
    "channel.py",
    "outbound.py",
    "pacing.py",
    "sizing.py",
    "services.py",
    "platforms.py",
)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def sources(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sources(layer)
    assert files, f"{layer}/ has no Python files"
    for path in files:
        foreign = imports_of(path) - STDLIB - ALLOWED[layer] - {layer}
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


@pytest.mark.parametrize("layer", ["domain", "cards", "storage", "manifest", "exports"])
def test_only_bot_imports_the_frameworks(layer: str) -> None:
    for path in sources(layer):
        assert not imports_of(path) & FRAMEWORKS, path


def core_sources() -> list[Path]:
    found: list[Path] = []
    for name in CORE:
        path = ROOT / "bot" / name
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def test_the_core_and_the_handlers_import_no_sdk() -> None:
    files = core_sources()
    assert all(path.exists() for path in files), files
    for path in files:
        sdk = imports_of(path) & SDKS
        assert not sdk, f"{path.relative_to(ROOT)} imports {sorted(sdk)}"


def test_bench_and_samples_import_nothing_from_tests() -> None:
    """bench/ measures the bot, not the test suite: what both share lives in samples/."""
    for path in sources("bench") + sources("samples"):
        assert "tests" not in imports_of(path), path.relative_to(ROOT)


def modules_named(source: str, package: str) -> set[str]:
    """Every module a file's source names in an import, in full, an imported name included
    (`from tests import scenarios` names `tests.scenarios`), a relative import resolved from
    the file's package (`tests.behaviour`)."""
    parts = package.split(".")
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def edge_scenarios_named(source: str, package: str) -> set[str]:
    return {
        name
        for name in modules_named(source, package)
        if name == "tests.scenarios" or name.startswith("tests.scenarios.")
    }


def test_behaviour_and_support_import_nothing_from_the_edge_scenarios() -> None:
    """A behaviour scenario runs on the core alone (docs/architecture.md §11): what it shares
    with the HTTP scenarios lives in tests/support/, so moving a file between the suites breaks
    no importer, and the behaviour suite never loads an edge test module."""
    files = sources("tests/behaviour") + sources("tests/support")
    assert len(files) > 20, files
    for path in files:
        package = ".".join(path.relative_to(ROOT).parent.parts)
        edge = edge_scenarios_named(path.read_text(encoding="utf-8"), package)
        assert not edge, f"{path.relative_to(ROOT)} imports {sorted(edge)}"


@pytest.mark.parametrize(
    "source",
    [
        "from tests.scenarios.test_chaser_engine import sweep",
        "import tests.scenarios.test_chaser_engine",
        "import tests.scenarios as edge",
        "from tests import scenarios",
        "from tests.scenarios import test_chaser_engine",
        "from ..scenarios.test_chaser_engine import sweep",
        "from .. import scenarios",
        "def later() -> None:\n    from tests.scenarios.test_chaser_engine import sweep",
    ],
)
def test_the_edge_check_sees_each_way_of_importing_a_scenario(source: str) -> None:
    assert edge_scenarios_named(source, "tests.behaviour"), source


@pytest.mark.parametrize(
    "source",
    [
        "from tests.support.chasers import sweep",
        "from . import conftest",
        "from ..support.journey import Journey",
        "import tests.scenarios_elsewhere",
    ],
)
def test_the_edge_check_lets_the_rest_through(source: str) -> None:
    assert not edge_scenarios_named(source, "tests.behaviour"), source


def test_the_served_bot_imports_no_samples() -> None:
    for layer in ("bot", *ALLOWED):
        for path in sources(layer):
            assert "samples" not in imports_of(path), path.relative_to(ROOT)


def test_sqlmodel_in_domain_is_base_models_only() -> None:
    for path in sources("domain"):
        assert "sqlalchemy" not in imports_of(path), path


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import botbuilder.core\nfrom storage.tables import Member\n")
    assert {"botbuilder", "storage"} <= imports_of(bad)


def test_the_core_loads_no_sdk_even_indirectly() -> None:
    """What the core and the handlers import, all the way down, is free of both SDKs: only the
    edge a process is configured for (bot/platforms.py) loads one."""
    script = (
        "import sys, bot.core, bot.handlers, bot.channel, bot.outbound, bot.platforms; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(SDKS)!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_the_served_bot_loads_no_document_library_until_someone_exports() -> None:
    """python-docx, openpyxl (with numpy) and matplotlib are tens of MB that a process which
    mostly never exports would hold: bot/handlers import them on first use, on a thread."""
    script = (
        "import sys, bot.cli, bot.app, bot.server, bot.handlers; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'docx', 'openpyxl', 'numpy', 'matplotlib'}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout
