"""Release a new package version from a new source text: `python scripts/release.py --source FILE`.

A thin wrapper over `cqpolicy release` (see its --help and the README's "Releasing a new
version"): build into a temporary directory, validate, diff against the current package,
bump the version, prepend a CHANGELOG section, and move everything into place only if all
of that succeeded. Run it from the repository root.
"""

from __future__ import annotations

import sys

from cqpolicy.cli import main

if __name__ == "__main__":
    sys.exit(main(["release", *sys.argv[1:]], prog_name="scripts/release.py"))
