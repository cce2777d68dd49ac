"""Tiny hostile Word and PDF files, made on the fly (nothing large is committed).

Used by ``tests/test_intake_office_bounds.py``; run as a script to write them for measuring::

    .venv/bin/python tests/hostile_office.py OUTDIR
"""

from __future__ import annotations

import io
import sys
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx(body: Iterable[str] | str) -> bytes:
    """A .docx whose document body is ``body`` (WordprocessingML, streamed into the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode())
            for piece in [body] if isinstance(body, str) else body:
                handle.write(piece.encode())
            handle.write(b"</w:body></w:document>")
    return out.getvalue()


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def table(rows: Iterable[str]) -> Iterable[str]:
    yield "<w:tbl>"
    yield from rows
    yield "</w:tbl>"


def grid_span_docx(span: int, rows: int = 1) -> bytes:
    row = f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>{paragraph("x")}</w:tc></w:tr>'
    return docx(table(row for _ in range(rows)))


def empty_paragraphs_docx(count: int) -> bytes:
    chunk = "<w:p/>" * 10_000
    return docx(chunk for _ in range(count // 10_000))


def vertical_merge_docx(rows: int) -> bytes:
    restart = '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>'
    first = f"<w:tr><w:tc>{paragraph('1')}</w:tc><w:tc>{restart}{paragraph('市发展改革委')}</w:tc></w:tr>"
    rest = (
        f"<w:tr><w:tc>{paragraph(str(n))}</w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>"
        for n in range(2, rows + 1)
    )
    return docx(table([first, *rest]))


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, *, flate: bool = True) -> bytes:
    body = zlib.compress(data, 9) if flate else data
    filters = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(body), filters) + body + b"\nendstream"


def shared_stream_pdf(pages: int, segments: int = 20_000) -> bytes:
    """``pages`` pages that all draw one content stream of ``segments`` text segments."""
    content = (
        b"BT /F1 10 Tf "
        + b"".join(b"1 0 0 1 %d %d Tm (x) Tj " % (i % 500, i % 700) for i in range(segments))
        + b"ET"
    )
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream(content),
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    return pdf(objects)


def flate_bomb_pdf(inflated: int) -> bytes:
    """One page whose content stream inflates to ``inflated`` bytes of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(packer.compress(chunk) for _ in range(inflated >> 20)) + packer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        stream,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>",
    ]
    return pdf(objects)


HOSTILE = {
    "gridspan-50000000.docx": lambda: grid_span_docx(50_000_000),
    "gridspan-5000-2000-rows.docx": lambda: grid_span_docx(5000, rows=2000),
    "empty-paragraphs-25M.docx": lambda: empty_paragraphs_docx(25_000_000),
    "vertical-merge-3000.docx": lambda: vertical_merge_docx(3000),
    "shared-stream-200-pages.pdf": lambda: shared_stream_pdf(200),
    "flate-bomb-1GiB.pdf": lambda: flate_bomb_pdf(1 << 30),
}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, make in HOSTILE.items():
        data = make()
        (target / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")
