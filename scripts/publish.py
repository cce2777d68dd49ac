"""Publish the package: build it from sources/, refresh the README's generated sections and the
summary page in docs/report/ and the reading page docs/policy.md, and validate the result.

Run by `make publish` from the repository root. Exits non-zero (with one
sentence on stderr) when the build or the validation fails; the previous
package is then left as it was.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cqpolicy.build import build_package
from cqpolicy.errors import CqpolicyError
from cqpolicy.publish.docs import refresh_readme
from cqpolicy.publish.policy import write_policy_page
from cqpolicy.publish.report import build_report
from cqpolicy.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Build, validate, document; return the exit code."""
    try:
        result = build_package(source=None, out=ROOT, sources_dir=ROOT / "sources")
    except CqpolicyError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(result.summary(), file=sys.stderr)

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = refresh_readme(text, descriptor, ROOT)
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
        print(
            "updated the generated sections of README.md (data dictionary, citation, counts)", file=sys.stderr
        )

    try:
        summary = build_report(ROOT, ROOT / "docs" / "report")
    except CqpolicyError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(summary.summary(), file=sys.stderr)
    print(write_policy_page(ROOT, ROOT / "docs" / "policy.md").summary(), file=sys.stderr)

    report = validate_package(ROOT)
    print(report.render_text(color=False), file=sys.stderr)
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
