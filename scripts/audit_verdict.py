"""Judge a `pip-audit --format json` report (scripts/audit): fail on any known vulnerability
with a fixed release, and on a locked package that couldn't be audited while others could.
Vulnerabilities with no fix yet are listed, not failed.

When no package at all could be audited, the advisory service was out of reach (a machine
whose only route out is a package mirror, which serves no per-release data): that is said
plainly, on every run, and fails only with AUDIT_REQUIRE_DATA=1, which a pipeline with
PyPI's JSON API in reach should set. Failing there would stop every change landing while
checking nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def verdict(report: dict) -> tuple[bool, list[str]]:  # type: ignore[type-arg]
    dependencies = report["dependencies"]
    fixable, unfixed, skipped = [], [], []
    for dep in dependencies:
        if "skip_reason" in dep:
            skipped.append(f"not audited: {dep['name']}: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            line = f"{dep['name']} {dep['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixed.append(f"{line} (no fix yet)")
    summary = (
        f"{len(dependencies)} locked packages: {len(fixable)} fixable vulnerabilities, "
        f"{len(unfixed)} with no fix yet, {len(skipped)} not audited"
    )
    if dependencies and len(skipped) == len(dependencies):
        unreachable = (
            "advisory data out of reach: no package could be audited, so this audit checked "
            "nothing (set AUDIT_REQUIRE_DATA=1 where PyPI's JSON API is reachable)"
        )
        strict = os.environ.get("AUDIT_REQUIRE_DATA") == "1"
        return not fixable and not strict, [summary, unreachable, *fixable]
    return not fixable and not skipped, [summary, *fixable, *unfixed, *skipped]


def main() -> int:
    passed, lines = verdict(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    for line in lines:
        print(f"audit: {line}", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
