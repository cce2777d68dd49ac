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


def metadata_pairs(block: Block) -> list[tuple[str, str]] | None:
    """The ``(label, value)`` pairs of a metadata line, or ``None`` if the block is not one.

    A metadata line holds only ``label：value`` pairs with known labels, one or several to a
    line, as table cells (``索引号：`` | value | ``主题分类：`` | value) or in running text.
    """
    if block.cells is not None:
        cells = [_strip(cell) for cell in block.cells if _strip(cell)]
        # A merged cell expanded over the columns it spans is one value, read once.
        cells = [cell for n, cell in enumerate(cells) if n == 0 or cell != cells[n - 1]]
        text = " ".join(cells)
    else:
        text = _strip(block.text)
    parts = list(_LABEL.finditer(text))
    if not parts or parts[0].start() != 0:
        return None
    pairs = []
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        value = _strip(text[part.end() : end].replace("\t", " "))
        label = re.sub(r"[ \t\u3000\xa0]", "", part["label"])
        pairs.append((label, re.sub(r"\s+", " ", value)))
    return pairs


def metadata_from(blocks: Iterable[Block]) -> dict[str, str]:
    """The metadata of the blocks before a document: ``label → value``, the first value of each label.

    Blocks that are not metadata lines (navigation, a breadcrumb, a toolbar) are passed over:
    they are outside the document, and the reader names them.
    """
    metadata: dict[str, str] = {}
    for block in blocks:
        for label, value in metadata_pairs(block) or ():
            if value:
                metadata.setdefault(label, value)
    return metadata
