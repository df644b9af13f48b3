"""Judge a `pip-audit --format json` report (scripts/audit): fail on any known vulnerability
with a fixed release, and on any locked package that couldn't be audited at all (an audit
that checked nothing must not pass). Vulnerabilities with no fix yet are listed, not failed."""

from __future__ import annotations

import json
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
    return not fixable and not skipped, [summary, *fixable, *unfixed, *skipped]


def main() -> int:
    passed, lines = verdict(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    for line in lines:
        print(f"audit: {line}", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
