"""Open the Excel copy in LibreOffice Calc (headless) and compare what it shows with the CSV files.

The tests read the workbook back with openpyxl, a library; this script asks a real
spreadsheet program. LibreOffice opens ``data/<name>.xlsx``, recalculates nothing
(there are no formulas), and exports every sheet as it displays it to UTF-8 CSV;
each sheet must then hold exactly the rows and values of its CSV file: the same
header, the same number of rows, text identical character for character, numbers
equal as numbers (Calc shows ``1`` where the CSV has ``1.0``), booleans equal
ignoring case (``TRUE``/``true``). The derived sheets (who does what, per unit) must
show the rows of the SQLite database's views ``assignments`` and ``agency_summary``,
in the columns the sheet has: a check of the workbook and the database against each other.

Not part of ``make test``: it needs LibreOffice (``apt-get install
libreoffice-calc-nogui``; any 7.2 or newer, for the one-file-per-sheet export).

Usage::

    python scripts/check_workbook_in_libreoffice.py [PACKAGE_DIR]

Exit codes: 0 every sheet matches; 1 a difference (each one printed); 2 LibreOffice is
not installed or the package cannot be read.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Calc's CSV export: comma, double quote, UTF-8, from row 1, cells as shown, every sheet (-1).
FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def export_sheets(workbook: Path, work: Path) -> dict[str, Path]:
    """Export each sheet of ``workbook`` with LibreOffice; return ``{sheet name: csv path}``."""
    exe = soffice()
    assert exe is not None
    copy = work / "wb.xlsx"
    shutil.copyfile(workbook, copy)
    subprocess.run(
        [
            exe,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            FILTER,
            "--outdir",
            str(work / "out"),
            str(copy),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {p.stem.removeprefix("wb-"): p for p in sorted((work / "out").glob("wb-*.csv"))}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def same(expected: str, shown: str, kind: str) -> bool:
    if expected == shown:
        return True
    if kind in ("integer", "number") and expected and shown:
        try:
            return float(expected) == float(shown)
        except ValueError:
            return False
    if kind == "boolean":
        return expected.lower() == shown.lower()
    return False


def compare(package: Path, sheets: dict[str, Path]) -> tuple[list[str], int]:
    """Differences between each table's CSV and its sheet as Calc shows it; and cells compared."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    cells = 0
    for resource in descriptor["resources"]:
        if resource.get("format") != "csv":
            continue
        name = resource["name"]
        if name not in sheets:
            problems.append(f"{name}: the workbook has no sheet {name!r}")
            continue
        kinds = [field["type"] for field in resource["schema"]["fields"]]
        expected, shown = read_csv(package / resource["path"]), read_csv(sheets[name])
        if expected[0] != shown[0]:
            problems.append(f"{name}: header {shown[0]} differs from the CSV's {expected[0]}")
            continue
        if len(expected) != len(shown):
            problems.append(f"{name}: {len(shown) - 1} rows in Calc, {len(expected) - 1} in the CSV")
        for number, (want, got) in enumerate(zip(expected[1:], shown[1:], strict=False), start=2):
            for column, kind, a, b in zip(expected[0], kinds, want, got, strict=True):
                cells += 1
                if not same(a, b, kind):
                    problems.append(f"{name} row {number}, {column}: Calc shows {b!r}, the CSV has {a!r}")
    return problems, cells


#: Each derived sheet and the database view it shows.
DERIVED = {"谁负责什么 Who does what": "assignments", "各单位汇总 Per unit": "agency_summary"}


def compare_derived(package: Path, sheets: dict[str, Path]) -> tuple[list[str], int]:
    """Differences between each derived sheet as Calc shows it and its view in the SQLite copy."""
    database = next((package / "data").glob("*.sqlite"), None)
    if database is None:
        return ["the package has no SQLite database to compare the derived sheets with"], 0
    problems: list[str] = []
    cells = 0
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for sheet, view in DERIVED.items():
            if sheet not in sheets:
                problems.append(f"the workbook has no sheet {sheet!r}")
                continue
            shown = read_csv(sheets[sheet])
            header = shown[0]
            columns = ", ".join(f'"{c}"' for c in header)
            want = [
                ["" if v is None else str(v) for v in row]
                for row in connection.execute(f"SELECT {columns} FROM {view}")
            ]
            if len(want) != len(shown) - 1:
                problems.append(f"{sheet}: {len(shown) - 1} rows in Calc, {len(want)} in the view {view}")
            for number, (a_row, b_row) in enumerate(zip(want, shown[1:], strict=False), start=2):
                for column, a, b in zip(header, a_row, b_row, strict=True):
                    cells += 1
                    if not (
                        same(a, b, "number")
                        or (column == "collective" and same({"1": "true", "0": "false"}[a], b, "boolean"))
                    ):
                        problems.append(
                            f"{sheet} row {number}, {column}: Calc shows {b!r}, the view has {a!r}"
                        )
    except sqlite3.Error as error:
        problems.append(f"the view cannot be read for a sheet ({error})")
    finally:
        connection.close()
    return problems, cells


def main(argv: list[str]) -> int:
    package = Path(argv[1]) if len(argv) > 1 else ROOT
    workbook = next((package / "data").glob("*.xlsx"), None)
    if soffice() is None:
        print("error: LibreOffice is not installed (apt-get install libreoffice-calc-nogui)", file=sys.stderr)
        return 2
    if workbook is None or not (package / "datapackage.json").is_file():
        print(f"error: {package} has no package with a workbook in data/; run make publish", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cqpolicy-calc-") as tmp:
        sheets = export_sheets(workbook, Path(tmp))
        problems, cells = compare(package, sheets)
        more, derived_cells = compare_derived(package, sheets)
        problems += more
    for problem in problems:
        print(problem)
    tables = len([s for s in sheets if s != "说明 About" and s not in DERIVED])
    verdict = "differences" if problems else "the same values as the CSV files and the database views"
    print(
        f"LibreOffice Calc opened {workbook.name}: {len(sheets)} sheets; {tables} tables, {cells} cells; "
        f"{len(DERIVED)} derived sheets, {derived_cells} cells:",
        verdict,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
