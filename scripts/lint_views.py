"""Views, API handlers and commands stay thin: they never reach for ``Model.objects`` themselves.

Reads go through a selector that takes the user; writes through a service. This is the
check that makes that rule enforced rather than remembered (see docs/adr/0002).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "joinedup"
PATTERN = re.compile(r"\b[A-Z][A-Za-z0-9_]*\.objects\b|\._default_manager\b")


def main() -> int:
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        is_view = path.name.startswith("views") or path.name == "api.py"
        if not is_view and path.parent.name not in {"views", "api", "routers", "commands"}:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if PATTERN.search(line) and "lint: allow-objects" not in line:
                problems.append(
                    f"{path.relative_to(ROOT.parent)}:{number}: use a selector or service, not {line.strip()}"
                )
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} view(s) reach past selectors and services")
        return 1
    print("Views and API handlers use selectors and services only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
