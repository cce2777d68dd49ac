"""Open the package in Datasette with a real browser (headless Chromium) and check what the pages show.

The tests query Datasette's JSON API; this script looks at the HTML pages a person sees. It
starts ``cqpolicy serve`` on a free port, then for each page asks Chromium for the DOM after
scripts ran (``--dump-dom``) and for a screenshot (``--screenshot``): the home page, a search
of the tasks for 金融科技, one unit's tasks, a canned query, and one unit's own page. Results
must come before the column descriptions (folded in a ``<details>``), booleans read true/false,
and a unit's page links its tasks. Each page must contain the
texts listed for it (the Chinese as Chinese, the descriptions from the descriptor, the rows
expected); the screenshots are saved for a person to look at (is the Chinese rendered, or
boxes? that needs a CJK font: ``apt-get install fonts-noto-cjk``).

Not part of ``make test``: it needs Chromium (``apt-get install chromium``) and Datasette
(``pip install 'cqpolicy[serve]'``).

Usage::

    python scripts/check_datasette_in_browser.py [PACKAGE] [--out screenshots/datasette]

Exit codes: 0 every page shows what it should; 1 a page lacks something (each printed);
2 Chromium or Datasette is missing, or the server does not start.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "cqpolicy-guangyang-bay"

#: (file name, path and query, texts the page must contain).
PAGES = [
    (
        "1-home",
        "/",
        ["广阳湾智创生态城", "Guangyang Bay", "tasks", "clauses", "2 views", "CC0"],
    ),
    (
        "1b-database",
        f"/{DB}",
        [
            "assignments",
            "agency_summary",
            "Units leading the most tasks",
            "Every task of a unit",
            "两个单位共同承担的任务",
        ],
    ),
    (
        "2-search-tasks-金融科技",
        f"/{DB}/tasks?" + urllib.parse.urlencode({"_search": "金融科技"}),
        ["1 row where search matches", "推进广阳湾金融科技城建设", "人行重庆营管部", "Text of the task"],
    ),
    (
        "3-tasks-of-市发展改革委",
        f"/{DB}/assignments?" + urllib.parse.urlencode({"unit_zh": "市发展改革委", "_sort": "task_no"}),
        [
            '18 rows where unit_zh = "市发展改革委"',
            "Chongqing Municipal Development and Reform Commission",
            "lead",
            "task_text_en",
            "Column descriptions / 列说明",
        ],
    ),
    (
        "5-unit-市发展改革委",
        f"/{DB}/agencies/cq-development-reform-commission",
        # name_en_official shown as a word (true/false), not 0/1; 1.3.0 has it false for this unit
        ["重庆市发展和改革委员会", "false", "Every task of this unit, with the task in Chinese and English"],
    ),
    (
        "4-canned-query-units-leading-most-tasks",
        f"/{DB}/units_leading_most_tasks",
        ["Units leading the most tasks", "牵头任务最多的单位", "市发展改革委", "重庆经开区"],
    ),
]

#: Texts that must appear in this order on a page: results first, the column descriptions (folded
#: in a <details>) after them; on a unit's page, the link to its tasks right below its row.
ORDER = {
    "3-tasks-of-市发展改革委": ["task_text_en", "Column descriptions / 列说明"],
    "2-search-tasks-金融科技": ["推进广阳湾金融科技城建设", "Column descriptions / 列说明"],
    "5-unit-市发展改革委": ["重庆市发展和改革委员会", "Every task of this unit", "Links from other tables"],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def browser(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once (a throwaway profile; no sandbox, as root in a container)."""
    return subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--lang=zh-CN",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_server(package: Path, port: int) -> subprocess.Popen[bytes]:
    """``cqpolicy serve`` in the background, once it answers."""
    cqpolicy = Path(sys.executable).with_name("cqpolicy")
    process = subprocess.Popen(
        [str(cqpolicy), "serve", str(package), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    stop(process)
    message = process.stderr.read().decode() if process.stderr else ""
    raise RuntimeError(f"cqpolicy serve did not start: {message.strip()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def visible_text(page: str) -> str:
    """The page's text without tags, entities decoded, whitespace collapsed."""
    without_tags = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html.unescape(without_tags).split())


def check_pages(exe: str, base: str, out: Path, work: Path) -> list[str]:
    """Visit every page: save its DOM and screenshot into ``out``; return what is missing."""
    problems = []
    for name, path, wanted in PAGES:
        url = base + path
        dom = browser(exe, work / "profile", "--virtual-time-budget=5000", "--dump-dom", url)
        (out / f"{name}.html").write_text(dom.stdout, encoding="utf-8")
        shot = browser(
            exe, work / "profile", "--window-size=1400,1600", f"--screenshot={out / f'{name}.png'}", url
        )
        if dom.returncode or not dom.stdout:
            problems.append(f"{name}: Chromium could not load {url} ({dom.stderr.strip()[-200:]})")
            continue
        if shot.returncode or not (out / f"{name}.png").is_file():
            problems.append(f"{name}: no screenshot of {url}")
        text = visible_text(dom.stdout)
        problems.extend(f"{name}: {url} does not show {want!r}" for want in wanted if want not in text)
        order = ORDER.get(name, [])
        places = [text.find(want) for want in order]
        if -1 not in places and places != sorted(places):
            problems.append(f"{name}: {url} does not show {' before '.join(map(repr, order))}")
        if "Column descriptions / 列说明" in order and "<details" not in dom.stdout:
            problems.append(f"{name}: {url} does not fold the column descriptions in a <details>")
        print(f"{name}: {url} ({len(dom.stdout)} characters of HTML, screenshot {out / f'{name}.png'})")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots" / "datasette")
    args = parser.parse_args(argv[1:])
    exe = chromium()
    if exe is None:
        print("error: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    try:
        server = start_server(args.package, port)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="cqpolicy-chromium-") as tmp:
            problems = check_pages(exe, f"http://127.0.0.1:{port}", args.out, Path(tmp))
    finally:
        stop(server)
    for problem in problems:
        print(problem)
    verdict = "every page shows what it should" if not problems else f"{len(problems)} problems"
    print(f"Chromium visited {len(PAGES)} pages: {verdict}; screenshots in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
