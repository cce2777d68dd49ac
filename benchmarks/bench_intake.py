"""Build the real policy from each form it is published in, as a ratio to the build from text.

Every build runs in a fresh process (``cqpolicy build --source FORM --out TMP``), so the
numbers include start-up and the reader's imports, as a maintainer would see them. The
baseline is the build from the archived text, measured in the same run; the result is the
median of ``--runs`` runs per form. Targets (issues 9 and 17): at most 1.5x for HTML, copied
text and Word, at most 3x for PDF.

Besides the committed fixtures, two forms of the form corpus are built (issue 17): a page with
furniture around the body, GB18030 declared as gbk, spaced bold labels and ``<br>`` in cells,
and the text copied from a page with print/close on one line; both are rendered from the
official text by ``tests/publications.py`` into the run's temporary directory.

Usage::

    python benchmarks/bench_intake.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLICATIONS = ROOT / "tests" / "fixtures" / "publications"
CORPUS = ROOT / "tests" / "fixtures" / "forms"
FROZEN_SOURCES = ROOT / "tests" / "fixtures" / "released" / "1.2.0" / "sources"
OFFICIAL = ROOT / "tests" / "fixtures" / "amended" / "official-form.txt"
FORMS = {
    "text (archived mirror, baseline)": ROOT / "sources" / "000_75cbbf2a9912bf4b.txt",
    "web page (.html)": PUBLICATIONS / "yufu-2022-5.html",
    "copied text": PUBLICATIONS / "yufu-2022-5.copied.txt",
    "Word (.docx)": PUBLICATIONS / "yufu-2022-5.docx",
    "PDF (.pdf)": PUBLICATIONS / "yufu-2022-5.pdf",
    # The binary forms of the variation corpus, built from the official text with the frozen
    # sources of the last release (their baseline is the official text's own build).
    "official text (corpus baseline)": OFFICIAL,
    "corpus: Word attachment": CORPUS / "word-attachment.docx",
    "corpus: Word, tracked changes": CORPUS / "word-tracked-changes-hidden-runs.docx",
    "corpus: PDF, rows across pages": CORPUS / "pdf-rows-across-pages.pdf",
    "corpus: PDF printed by Chromium": CORPUS / "browser-printed-page.pdf",
}
TARGETS = {
    "PDF (.pdf)": 3.0,
    "corpus: PDF, rows across pages": 3.0,
    "corpus: PDF printed by Chromium": 3.0,
}
BASELINES = {"text (archived mirror, baseline)", "official text (corpus baseline)"}


def corpus_forms(directory: Path) -> dict[str, Path]:
    """Two forms of the form corpus, rendered from the official text into ``directory``."""
    sys.path.insert(0, str(ROOT / "tests"))
    import publications as pub

    policy = pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8"))
    forms = {
        "corpus: page (GB18030, furniture)": (
            "page.html",
            pub.Variant(
                before=("nav", "breadcrumb", "date", "font"),
                after=("share", "qr", "related", "print-close-one-line", "footer"),
                charset="gb18030",
                declared="gbk",
                metadata="bold-spaced",
                cells="br",
                page_heading=True,
            ),
        ),
        "corpus: text copied from a page": (
            "copied.txt",
            pub.Variant(form="copied", after=("related", "print-close-one-line", "footer")),
        ),
    }
    out = {}
    for name, (filename, variant) in forms.items():
        path = directory / filename
        path.write_bytes(pub.render_variant(policy, variant))
        out[name] = path
    return out


def build_seconds(source: Path, *, corpus: bool) -> float:
    """Wall time of one ``cqpolicy build`` in a fresh process."""
    cli = Path(sys.executable).with_name("cqpolicy")
    with tempfile.TemporaryDirectory() as tmp:
        sources = ROOT / "sources"
        if corpus:  # the form with the official text's sidecar, against the frozen sources
            copy = Path(tmp) / "in" / source.name
            copy.parent.mkdir()
            shutil.copy(source, copy)
            shutil.copy(OFFICIAL.with_suffix(".meta.json"), copy.with_name(copy.stem + ".meta.json"))
            source, sources = copy, FROZEN_SOURCES
        start = time.perf_counter()
        subprocess.run(
            [
                str(cli),
                "build",
                "--source",
                str(source),
                "--out",
                str(Path(tmp) / "out"),
                "--sources-dir",
                str(sources),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        forms = {**FORMS, **corpus_forms(Path(tmp))}
        samples: dict[str, list[float]] = {name: [] for name in forms}
        for _ in range(args.runs):  # interleave the forms so that drift in the machine hits all alike
            for name, source in forms.items():
                samples[name].append(
                    build_seconds(source, corpus=name.startswith(("corpus:", "official text")))
                )
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"{'form':<34} {'median s':>9} {'ratio':>7} {'target':>7}")
    worst = 0
    rows = []
    for name, value in medians.items():
        corpus = name.startswith(("corpus:", "official text"))
        baseline = medians[
            "official text (corpus baseline)" if corpus else "text (archived mirror, baseline)"
        ]
        ratio = value / baseline
        target = 1.0 if name in BASELINES else TARGETS.get(name, 1.5)
        flag = "" if ratio <= target else "  over target"
        worst = worst if ratio <= target else 1
        print(f"{name:<34} {value:>9.2f} {ratio:>6.2f}x {target:>6.1f}x{flag}")
        rows.append(
            {"form": name, "median_seconds": round(value, 3), "ratio": round(ratio, 3), "target": target}
        )
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "intake.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return worst


if __name__ == "__main__":
    sys.exit(main())
