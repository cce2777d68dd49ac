"""Small, deterministic SVG charts whose Chinese labels render on any machine.

What belongs here: drawing (horizontal bar charts, a heat map) and the font that
makes the drawing readable. No pandas, no package reading: the charts take plain
rows of labels and numbers (built by :mod:`cqpolicy.publish.report`).

Why SVG written by hand instead of a plotting library: the charts are simple, the
text stays text (selectable, searchable, diffable), and every byte is ours to keep
deterministic (no timestamps, no random ids, fixed number formatting).

Why an embedded font: a chart whose Chinese labels depend on the viewer's fonts
shows empty boxes on many machines. Each SVG carries a subset of Noto Sans SC
(only the glyphs its own text uses, ~10-50 kB) in an ``@font-face`` data URI,
under the SIL Open Font License 1.1, which allows embedding; the subset keeps the
font's copyright and licence strings in its ``name`` table, as the licence asks.
The font comes from the ``pylopdf-fonts-zh-cn`` package (the unmodified Noto Sans SC
OTF) and is subset with fontTools; text widths are measured from the same font, so
labels are truncated and placed exactly. The font file is never modified in place.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cqpolicy.errors import InputError
from cqpolicy.escape import xml_attr, xml_text

#: CSS family name of the embedded subset; the fall-backs are used only if a viewer ignores @font-face.
FONT_FAMILY = "cqpolicy-noto-sans-sc"
FALLBACK_FAMILIES = (
    '"Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)
#: What the report says about the font (the licence requires that it travels with the font).
FONT_NOTICE = (
    "Noto Sans SC (© 2014-2021 Adobe, https://github.com/notofonts/noto-cjk), embedded as a subset "
    "under the SIL Open Font License 1.1 (https://openfontlicense.org)"
)

INK = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
LEAD = "#1f4e79"
SUPPORT = "#8fb8de"
COLLECTIVE = "#9a9a9a"
ZERO = "#b3261e"
BAR = "#2e7d5b"


class FontMissingError(InputError):
    """The CJK font package is not installed, so the charts cannot embed their labels' glyphs."""


def _font_path() -> Path:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        raise FontMissingError(
            "the charts need the Noto Sans SC font from the pylopdf-fonts-zh-cn package, which is not "
            "installed; run `make venv` (or pip install -e .) and try again"
        ) from None
    return Path(pylopdf_fonts_zh_cn.sans_path())


class Font:
    """Noto Sans SC: measures text and makes the subset each chart embeds.

    Args:
        path: An OpenType font file; default the Noto Sans SC of ``pylopdf-fonts-zh-cn``.
    """

    def __init__(self, path: Path | None = None):
        from fontTools.ttLib import TTFont

        self.path = path or _font_path()
        font = TTFont(self.path, lazy=True)
        self._cmap: dict[int, str] = font.getBestCmap()
        self._advance: dict[str, tuple[int, int]] = font["hmtx"].metrics
        self._units_per_em = int(font["head"].unitsPerEm)

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` px (no kerning: the subset carries no layout features)."""
        units = 0
        for char in text:
            glyph = self._cmap.get(ord(char))
            units += self._advance[glyph][0] if glyph else self._units_per_em
        return units * size / self._units_per_em

    def fit(self, text: str, size: float, max_width: float) -> str:
        """``text``, shortened with an ellipsis if it is wider than ``max_width`` at ``size`` px."""
        if self.width(text, size) <= max_width:
            return text
        while text and self.width(text + "…", size) > max_width:
            text = text[:-1]
        return text.rstrip() + "…"

    def subset(self, text: str) -> bytes:
        """An OpenType (CFF) subset with the glyphs of ``text``, its name table (licence) kept whole.

        Uncompressed on purpose: WOFF would save ~15 % but make the bytes depend on the
        zlib build, and the charts must be byte-identical on every machine.
        """
        from fontTools import subset
        from fontTools.ttLib import TTFont

        options = subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.layout_features = []
        font = TTFont(self.path, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(set(text + " …"))))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer, reorderTables=True)
        return buffer.getvalue()


def _num(value: float) -> str:
    """Coordinates with at most one decimal and no trailing zeros: stable text, small files."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Svg:
    """An SVG document built element by element; :meth:`render` embeds the font subset.

    Args:
        font: Measures text and provides the subset.
        width: Width in px.
        title: Accessible title (``<title>``), also what a screen reader says.
        description: Accessible description (``<desc>``).
    """

    font: Font
    width: float
    title: str
    description: str
    elements: list[str] = field(default_factory=list)
    background: list[str] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = 13,
        fill: str = INK,
        anchor: str = "start",
        rotate: float | None = None,
    ) -> None:
        """A line of text whose baseline starts (or ends, or centres, by ``anchor``) at (x, y)."""
        self._text.append(content)
        attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}"'
        if fill != INK:
            attrs += f' fill="{fill}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if rotate is not None:
            attrs += f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"'
        self.elements.append(f"<text {attrs}>{xml_text(content)}</text>")

    def rect(self, x: float, y: float, w: float, h: float, fill: str, *, tooltip: str | None = None) -> None:
        """A filled rectangle, with a hover tooltip (``<title>``) if given."""
        attrs = f'x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{fill}"'
        if tooltip is None:
            self.elements.append(f"<rect {attrs}/>")
        else:
            self._text.append(tooltip)
            self.elements.append(f"<rect {attrs}><title>{xml_text(tooltip)}</title></rect>")

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        stroke: str = GRID,
        dash: bool = False,
        behind: bool = False,
    ) -> None:
        """A one-pixel line; ``behind`` puts it under everything else (grid lines)."""
        extra = ' stroke-dasharray="4 3"' if dash else ""
        (self.background if behind else self.elements).append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{stroke}"{extra}/>'
        )

    def render(self, height: float) -> str:
        """The SVG document, with the font subset for exactly the text drawn, LF line ends."""
        self._text.extend([self.title, self.description])
        font_data = base64.b64encode(self.font.subset("".join(self._text))).decode("ascii")
        style = (
            f'@font-face{{font-family:"{FONT_FAMILY}";'
            f'src:url("data:font/otf;base64,{font_data}") format("opentype");}}'
            f'text{{font-family:"{FONT_FAMILY}",{FALLBACK_FAMILIES};}}'
        )
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(self.width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(self.width)} {_num(height)}" role="img" aria-label={xml_attr(self.title)}>'
        )
        lines = [
            head,
            f"<title>{xml_text(self.title)}</title>",
            f"<desc>{xml_text(self.description)}</desc>",
            f"<!-- Font: {xml_text(FONT_NOTICE)}. -->",
            f"<style>{style}</style>",
            f'<rect width="{_num(self.width)}" height="{_num(height)}" fill="#ffffff"/>',
            *self.background,
            *self.elements,
            "</svg>",
        ]
        return "\n".join(lines) + "\n"


# --- chart types -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar: its value, colour, and the tooltip naming it."""

    value: int
    colour: str
    tooltip: str


@dataclass(frozen=True)
class BarRow:
    """A row of a horizontal bar chart.

    Attributes:
        label: Main label (Chinese), left of the bar.
        sublabel: Second line under the label, smaller and grey (English), or "".
        segments: Stacked parts of the bar, left to right.
        note: Text right of the bar (the total, or "0 · 无任务 no task").
        note_colour: Colour of ``note``.
        heading: If set, this row is a group heading (e.g. a section), drawn across the chart.
    """

    label: str = ""
    sublabel: str = ""
    segments: tuple[Segment, ...] = ()
    note: str = ""
    note_colour: str = INK
    heading: str = ""
    dashed_rule: bool = False


@dataclass(frozen=True)
class Legend:
    """A legend entry: a colour swatch and its text."""

    colour: str
    text: str


LABEL_SIZE = 13.0
SUBLABEL_SIZE = 10.5


def bar_chart(
    font: Font,
    *,
    title: str,
    subtitle: Sequence[str],
    rows: Sequence[BarRow],
    legend: Sequence[Legend] = (),
    description: str,
    label_width: float = 400,
    width: float = 960,
    axis_label: str = "",
) -> str:
    """A horizontal (stacked) bar chart with two-line labels and group headings.

    The scale starts at zero and ends at the largest bar; grid lines mark round
    numbers, so bar lengths can be compared by eye and read off the axis.
    """
    left, top = 16.0, 28.0
    right_margin = max((font.width(row.note, 12) for row in rows), default=0) + 6 + left
    bar_x = left + label_width + 10
    bar_span = width - bar_x - right_margin
    biggest = max((sum(s.value for s in row.segments) for row in rows), default=0) or 1
    scale = bar_span / biggest
    step = _tick_step(biggest)
    svg = Svg(font, width, title=title, description=description)
    y = _heading(svg, font, title, subtitle, left, top, width) + 14
    if legend:
        x = left
        y += 12
        for entry in legend:
            svg.rect(x, y - 10, 12, 12, entry.colour)
            svg.text(x + 17, y, entry.text, size=12)
            x += 17 + font.width(entry.text, 12) + 24
        y += 10
    y += 20
    if axis_label:
        svg.text(bar_x, y - 4, axis_label, size=11, fill=MUTED)
    grid_top = y
    row_h = 34.0 if any(row.sublabel for row in rows) else 24.0
    for row in rows:
        if row.heading:
            if row.dashed_rule:
                svg.line(left, y + 6, width - left, y + 6, stroke=MUTED, dash=True)
            svg.text(left, y + 22, font.fit(row.heading, 12.5, width - 2 * left), size=12.5, fill=MUTED)
            y += 30
            continue
        centre = y + row_h / 2
        if row.sublabel:
            svg.text(left, centre - 2, font.fit(row.label, LABEL_SIZE, label_width), size=LABEL_SIZE)
            svg.text(
                left,
                centre + 12,
                font.fit(row.sublabel, SUBLABEL_SIZE, label_width),
                size=SUBLABEL_SIZE,
                fill=MUTED,
            )
        else:
            svg.text(left, centre + 4.5, font.fit(row.label, LABEL_SIZE, label_width), size=LABEL_SIZE)
        x = bar_x
        bar_h = min(18.0, row_h - 8)
        for segment in row.segments:
            if segment.value <= 0:
                continue
            w = segment.value * scale
            svg.rect(x, centre - bar_h / 2, w, bar_h, segment.colour, tooltip=segment.tooltip)
            digits = str(segment.value)
            if len(row.segments) > 1 and font.width(digits, 11) + 6 <= w:
                ink = "#ffffff" if segment.colour in (LEAD, BAR, COLLECTIVE) else INK
                svg.text(x + w / 2, centre + 4, digits, size=11, fill=ink, anchor="middle")
            x += w
        if row.note:
            svg.text(x + 6, centre + 4.5, row.note, size=12, fill=row.note_colour)
        y += row_h
    for tick in range(0, biggest + 1, step):
        tx = bar_x + tick * scale
        svg.line(tx, grid_top, tx, y, behind=True)
        svg.text(tx, y + 14, str(tick), size=10.5, fill=MUTED, anchor="middle")
    return svg.render(y + 30)


def _tick_step(biggest: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100):
        if biggest / step <= 10:
            return step
    return 200


def heat_map(
    font: Font,
    *,
    title: str,
    subtitle: Sequence[str],
    labels: Sequence[str],
    values: Sequence[Sequence[int]],
    tooltips: Sequence[Sequence[str]],
    description: str,
    diagonal_note: str,
) -> str:
    """A square matrix of counts: darker cells share more; the diagonal (grey) is each row's own total."""
    left, top, cell = 16.0, 28.0, 40.0
    label_w = max(font.width(label, LABEL_SIZE) for label in labels) + 12
    n = len(labels)
    column_room = max(font.width(label, 12) for label in labels) * 0.72 + 16
    width = max(left + label_w + n * cell + 60, 640)
    svg = Svg(font, width, title=title, description=description)
    y = _heading(svg, font, title, subtitle, left, top, width) + 14 + column_room
    x0 = left + label_w
    off_diagonal = [values[i][j] for i in range(n) for j in range(n) if i != j]
    peak = max(off_diagonal, default=0) or 1
    for j, label in enumerate(labels):
        svg.text(x0 + j * cell + cell / 2 - 2, y - 6, label, size=12, rotate=-45)
    for i, label in enumerate(labels):
        cy = y + i * cell
        svg.text(x0 - 10, cy + cell / 2 + 4.5, label, size=LABEL_SIZE, anchor="end")
        for j in range(n):
            value = values[i][j]
            cx = x0 + j * cell
            if i == j:
                fill, ink = "#eeeeee", MUTED
            else:
                fill, ink = _shade(value / peak), ("#ffffff" if value / peak > 0.55 else INK)
            svg.rect(cx + 1, cy + 1, cell - 2, cell - 2, fill, tooltip=tooltips[i][j])
            if value:
                svg.text(cx + cell / 2, cy + cell / 2 + 4.5, str(value), size=12, fill=ink, anchor="middle")
    y += n * cell + 22
    svg.text(left, y, font.fit(diagonal_note, 11, width - 2 * left), size=11, fill=MUTED)
    return svg.render(y + 16)


def _shade(fraction: float) -> str:
    """White to dark blue (#1f4e79) in proportion to ``fraction`` (0..1)."""
    fraction = min(max(fraction, 0.0), 1.0)
    start, end = (255, 255, 255), (31, 78, 121)
    rgb = [round(a + (b - a) * fraction) for a, b in zip(start, end, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _heading(
    svg: Svg, font: Font, title: str, subtitle: Sequence[str], left: float, top: float, width: float
) -> float:
    """Draw a chart's title and its subtitle lines; return the baseline of the last line."""
    y = top
    svg.text(left, y, title, size=18)
    for line in subtitle:
        y += 19
        svg.text(left, y, font.fit(line, 12, width - 2 * left), size=12, fill=MUTED)
    return y
