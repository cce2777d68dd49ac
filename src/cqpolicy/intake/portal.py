"""The government portal's metadata block, read from the label/value pairs before the document.

A page saved from (or copied out of) the Chongqing portal shows, before the document, the
government-information metadata block (``索引号``, ``主题分类``, ``发布机构``, ``成文日期``,
``标题``, ``发文字号``, ``发布日期``, ``有效性``), in any layout: two or four columns, merged
cells, bold or spaced labels (``索 引 号：``), ``：`` or ``:``. :func:`metadata_from` reads
it from the blocks the reader found before the document; nothing else on the page (its
navigation, toolbar, footer) is listed here: the readers know the document by its structure
(:mod:`cqpolicy.intake.extent`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cqpolicy.intake import Block

#: The labels of the portal's metadata block that the build uses or checks.
METADATA_LABELS = (
    "索引号",
    "主题分类",
    "发布机构",
    "发文机关",
    "成文日期",
    "发布日期",
    "标题",
    "文件名称",
    "发文字号",
    "文号",
    "有效性",
    "效力状态",
    "生效日期",
    "废止日期",
    "体裁分类",
    "组配分类",
)
_SPACE = " \t\u3000\xa0"
#: A label as pages set it: inner spaces allowed (``索 引 号：``), ``：`` or ``:`` after it.
_LABEL = re.compile(
    r"(?P<label>"
    + "|".join("[ \t\u3000\xa0]*".join(label) for label in sorted(METADATA_LABELS, key=len, reverse=True))
    + r")[ \t\u3000\xa0]*[：:]"
)


def _strip(text: str) -> str:
    return text.strip(_SPACE)


#: A cell that is a label by its form, known or not: a few Han characters (inner spaces allowed)
#: and a colon (``文件类型：``), as portals show labels this project does not use.
_LABEL_CELL = re.compile(
    r"^(?P<label>[\u4e00-\u9fff][\u4e00-\u9fff \t\u3000\xa0]{0,9})[ \t\u3000\xa0]*[：:]$"
)
_KNOWN = frozenset(METADATA_LABELS)
_CELL_SPLIT = re.compile(r"[ \t\u3000\xa0]*[|｜\t][ \t\u3000\xa0]*")


def _squeeze(text: str) -> str:
    """The text without its spaces (``索 引 号`` → ``索引号``)."""
    return re.sub(r"[ \t\u3000\xa0]", "", text)


def _label_of(cell: str) -> str | None:
    """The label a cell holds alone (``索 引 号：``, ``文件类型：``, or a known label without a
    colon, as a ``<th>`` shows it), or ``None``."""
    if (bare := _squeeze(cell).rstrip("：:")) in _KNOWN:
        return bare
    if match := _LABEL_CELL.match(cell):
        return _squeeze(match["label"])
    return None


def metadata_pairs(block: Block) -> list[tuple[str, str]] | None:
    """The ``(label, value)`` pairs of a metadata line, or ``None`` if the block is not one.

    In a row of cells (``索引号：`` | value | ``主题分类：`` | value, or a table flattened into one
    block with ``|`` between its cells), a cell that is a label by its form starts a pair and
    the cells after it, up to the next label, are its value: a label this project does not use
    (``文件类型：``) takes its own value, never the one before it. In running text the known
    labels split the line, one or several pairs to it. A line that is a label alone gives the
    pair with an empty value; :func:`metadata_from` takes the next block for it.
    """
    text = _strip(block.text)
    cells = [_strip(cell) for cell in block.cells] if block.cells is not None else None
    if cells is None and _CELL_SPLIT.search(text):
        cells = [_strip(cell) for cell in _CELL_SPLIT.split(text)]
    if cells is not None:
        cells = [cell for cell in cells if cell]
        # A merged cell expanded over the columns it spans is one value, read once.
        cells = [cell for n, cell in enumerate(cells) if n == 0 or cell != cells[n - 1]]
        if cells and _label_of(cells[0]) is not None:
            pairs: list[tuple[str, list[str]]] = []
            for cell in cells:
                label = _label_of(cell)
                if label is not None:
                    pairs.append((label, []))
                else:
                    pairs[-1][1].append(cell)
            return [(label, re.sub(r"\s+", " ", " ".join(value))) for label, value in pairs]
        text = " ".join(cells)
    parts = list(_LABEL.finditer(text))
    if not parts or parts[0].start() != 0:
        return None
    found = []
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        value = _strip(text[part.end() : end].replace("\t", " "))
        label = _squeeze(part["label"])
        found.append((label, re.sub(r"\s+", " ", value)))
    return found


def metadata_from(blocks: Iterable[Block]) -> dict[str, str]:
    """The metadata of the blocks before a document: ``label → value``, the first value of each label.

    Blocks that are not metadata lines (navigation, a breadcrumb, a toolbar) are passed over:
    they are outside the document, and the reader names them. A label standing alone (a
    ``<dt>`` above its ``<dd>``, a copied table cell per line) takes the next block as its value
    when that block is no label line itself.
    """
    metadata: dict[str, str] = {}
    listed = list(blocks)
    read = [metadata_pairs(block) for block in listed]
    for n, found in enumerate(read):
        pairs = found or []
        if len(pairs) == 1 and not pairs[0][1] and n + 1 < len(listed):
            following = listed[n + 1]
            if read[n + 1] is None and following.cells is None:
                pairs = [(pairs[0][0], re.sub(r"\s+", " ", _strip(following.text)))]
        for label, value in pairs:
            if value:
                metadata.setdefault(label, value)
    return metadata
