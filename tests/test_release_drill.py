"""The day an amendment comes out: releasing one leaves every data-facing check green.

In a copy of this repository (its working tree, committed on top of a clone of its history), a
fictional amendment of whatever version the repository is at is released with
``cqpolicy release`` and committed; then, in that copy, ``cqpolicy validate`` says valid,
``cqpolicy pack`` writes the zip, the generated documents show the new text, and the tests
marked ``data`` (those that read the repository's own sources, data, README and docs) pass.
No test may pin one version's values: this is the test that fails when one does.

The amendment is derived from the repository's current source (so the drill works at any
version): a new document number and date, task 3's first two units swapped, 市科技局 added to
(or, when it is there already, removed from) task 7, and task 10 reworded, with its English
given as a translator gives it today (a row in ``sources/translations/task_texts.csv``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER, DATE_ZH, DATE_WRITTEN, DATE_PUBLISHED = "渝府〔2030〕3号", "2030年5月6日", "2030-05-06", "2030-05-20"
REWORDED_TASK = 10
ADDED_UNIT = "市科技局"
CLAUSE = "，并定期评估实施成效。"
CLAUSE_EN = ", and regularly assess how well this is implemented."


def _run(clone: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}  # the clone's toolkit, not this checkout's
    env.pop("CQPOLICY_UPDATE_GOLDEN", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def _git(clone: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "drill", "GIT_AUTHOR_EMAIL": "drill@example.org",
           "GIT_COMMITTER_NAME": "drill", "GIT_COMMITTER_EMAIL": "drill@example.org"}  # fmt: skip
    subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True, env=env)


def _copy_working_tree(target: Path) -> None:
    """The repository's files as they are now (tracked and new, not ignored), committed on top of a
    clone of its history, so that released versions stay reachable there (``load("1.0.0")``)."""
    subprocess.run(
        ["git", "clone", "-q", "--no-checkout", str(ROOT), str(target)], check=True, capture_output=True
    )
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is listed but gone
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "--allow-empty", "-m", "the repository as it is")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _swap_first_two(cell: str) -> str:
    parts = re.split(r"([、，])", cell)
    parts[0], parts[2] = parts[2], parts[0]
    return "".join(parts)


def _add_or_remove(cell: str, unit: str) -> str:
    parts = re.split(r"([、，])", cell)
    if unit in parts:
        at = parts.index(unit)
        start, end = (at, at + 2) if at + 1 < len(parts) else (at - 1, at + 1)
        return "".join(parts[:start] + parts[end:])
    return parts[0] + "、" + unit + "".join(parts[1:])


def write_amendment(clone: Path, out: Path) -> tuple[str, str]:
    """Write the amendment of the clone's current source to ``out`` (with its ``.meta.json``);
    return the reworded task's Chinese and English."""
    from cqpolicy.build import curated
    from cqpolicy.build.normalise import normalise_text
    from cqpolicy.intake.text import decode

    sources = clone / "sources"
    current = sources / json.loads((sources / "package.json").read_text(encoding="utf-8"))["source"]
    corrections = curated.load_corrections(current.with_name(current.stem + ".corrections.csv"))
    lines = normalise_text(decode(current.read_bytes(), current), corrections)
    document = _rows(clone / "data" / "document.csv")[0]
    year, month, day = (int(part) for part in document["date_written"].split("-"))
    old_date = f"{year}年{month}月{day}日"
    task = next(row for row in _rows(clone / "data" / "tasks.csv") if int(row["task_no"]) == REWORDED_TASK)
    new_zh = task["text"].rstrip("。") + CLAUSE
    new_en = task["text_en"].rstrip(".") + CLAUSE_EN
    edited = []
    for line in lines:
        line = line.replace(document["document_number"], NUMBER)
        if line == old_date:
            line = DATE_ZH
        cells = line.split(" | ")
        if len(cells) >= 3 and cells[0] in ("3", "7", str(REWORDED_TASK)):
            if cells[0] == "3":
                cells[2] = _swap_first_two(cells[2])
            if cells[0] == "7":
                cells[2] = _add_or_remove(cells[2], ADDED_UNIT)
            if cells[0] == str(REWORDED_TASK):
                assert cells[1] == task["text"]
                cells[1] = new_zh
            line = " | ".join(cells)
        edited.append(line)
    assert DATE_ZH in edited and sum(NUMBER in line for line in edited) >= 2
    out.write_text("\n".join(edited).rstrip("\n") + "\n", encoding="utf-8")
    meta = json.loads(current.with_name(current.stem + ".meta.json").read_text(encoding="utf-8"))
    meta.update(
        date_published=DATE_PUBLISHED,
        index_number="11500000009275780L/2030-00003",
        official_url="https://cq.gov.cn/zwgk/zfxxgkml/szfwj/xzgfxwj/szf/203005/t20300520_1.html",
    )
    meta.pop("mirror_url", None)
    out.with_name(out.stem + ".meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return new_zh, new_en


def _translate(clone: Path, task_no: int, text_zh: str, text_en: str) -> None:
    """What a translator does today: a row for the new wording in sources/translations/task_texts.csv."""
    path = clone / "sources" / "translations" / "task_texts.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [task_no, text_zh, text_en, "Drill: fictional amendment."]
    )
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())


@pytest.fixture(scope="module")
def released_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("drill") / "repo"
    clone.mkdir()
    _copy_working_tree(clone)
    amendment = tmp_path_factory.mktemp("downloads") / "yufu-2030-3.txt"
    new_zh, new_en = write_amendment(clone, amendment)
    _translate(clone, REWORDED_TASK, new_zh, new_en)
    released = _run(
        clone, "-m", "cqpolicy.cli", "release", "--source", str(amendment), "--date", "2030-06-01"
    )
    assert released.returncode == 0, released.stderr[-3000:]
    _git(clone, "add", "-A")
    _git(clone, "commit", "-q", "-m", "Release the amendment")
    return clone


def test_the_released_amendment_is_valid_and_packs(released_clone: Path, tmp_path: Path) -> None:
    validated = _run(released_clone, "-m", "cqpolicy.cli", "validate", ".")
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]
    packed = _run(released_clone, "-m", "cqpolicy.cli", "pack", "--dist", str(tmp_path))
    assert packed.returncode == 0, packed.stderr
    version = json.loads((released_clone / "datapackage.json").read_text(encoding="utf-8"))["version"]
    archive = Path(packed.stdout.strip())
    with zipfile.ZipFile(archive) as zf:
        page = zf.read(f"cqpolicy-guangyang-bay-{version}/docs/policy.md").decode("utf-8")
    assert NUMBER in page and CLAUSE.strip("，") in page  # the reading page is the new text's
    readme = (released_clone / "README.md").read_text(encoding="utf-8")
    assert f"# cqpolicy: {NUMBER} as open data" in readme and f"In version {version}," in readme
    zip_validated = _run(released_clone, "-m", "cqpolicy.cli", "validate", str(archive))
    assert zip_validated.returncode == 0, zip_validated.stdout[-3000:]


def test_the_data_tests_pass_on_the_released_amendment(released_clone: Path) -> None:
    tests = _run(
        released_clone,
        "-m",
        "pytest",
        "-m",
        "data",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(released_clone),
        str(released_clone / "tests"),
    )
    assert tests.returncode == 0, tests.stdout[-5000:]
    assert re.search(r"\b\d+ passed\b", tests.stdout) and "deselected" in tests.stdout
