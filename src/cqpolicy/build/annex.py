"""The annex's task table, in the layouts Chongqing's task annexes use.

A layout is recognised from the table's header row:

- ``序号 | 任务 | 责任单位``: one cell names the responsible units; ``、`` separates units and
  ``，`` separates groups. The annex does not say who leads, so the first-listed unit is taken
  as lead (the usual convention), and the role is labelled ``first-listed``;
- ``序号 | 任务 | 牵头单位 | 配合单位``: the annex states the roles, any number of leads
  included; the roles are labelled ``stated``;
- either of these with a category column (``类别``, ``领域``, ...) or with category rows that
  span the table (one merged cell between tasks), whose text each task below keeps.

Columns the build does not use (a deadline, remarks) are ignored. A header row repeated on
a later page is skipped; a row whose number cell is empty continues the row above (a row
broken across a page of a PDF). A note under the table (``注：…``) is no task: it is skipped,
and the build names it in a warning (:func:`annex_notes`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cqpolicy.errors import SourceError
from cqpolicy.escape import name_in_message
from cqpolicy.intake import Block

RoleSource = Literal["stated", "first-listed"]

UNIT_SEPARATOR = "、"
GROUP_SEPARATOR = "，"
ROW_SPLIT = re.compile(r"\s*[|｜\t]\s*")
NUMBER_CELL = re.compile(r"^(?P<n>\d{1,4})\s*[．.、]?$")
#: A note under or inside the table (``注：…``), which is no task.
NOTE = re.compile(r"^(注|备注|说明)\s*\d*\s*[：:]")

#: Header words of each kind of column. The first match decides, in this order.
COLUMN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("序号", "编号", "序")),
    ("lead", ("牵头单位", "牵头部门", "牵头")),
    ("support", ("配合单位", "配合部门", "协同单位", "参与单位", "协办单位", "配合")),
    ("units", ("责任单位", "责任部门", "负责单位", "实施单位", "承担单位", "责任主体")),
    ("category", ("类别", "分类", "领域", "板块", "方面", "类型")),
    ("task", ("任务", "工作内容", "工作措施", "主要内容", "重点工作", "措施", "事项", "内容")),
)


@dataclass(frozen=True)
class UnitRef:
    """One responsible unit as written in a task's row.

    Attributes:
        role: ``lead`` or ``support`` when the annex states it (a 牵头单位 or 配合单位 column),
            ``None`` when it does not.
    """

    name: str
    position: int
    group_no: int
    role: str | None = None


@dataclass(frozen=True)
class Task:
    """One row of the annex table."""

    task_no: int
    text: str
    units_raw: str
    units: tuple[UnitRef, ...]
    line: int
    category: str | None = None
    role_source: RoleSource = "first-listed"


@dataclass(frozen=True)
class Annex:
    """An annex as found after the signature: its heading, title and rows (not yet read)."""

    heading: str
    title: str
    rows: tuple[Block, ...]
    at: int


@dataclass(frozen=True)
class Layout:
    """Which column holds what (0-based indexes), from the header row."""

    width: int
    number: int
    task: int
    units: int | None = None
    lead: int | None = None
    support: int | None = None
    category: int | None = None

    @property
    def stated(self) -> bool:
        return self.lead is not None


#: The layout of a table without a header row: the original three columns.
LEGACY = Layout(width=3, number=0, task=1, units=2)


def cells_of(block: Block) -> list[str]:
    """A row's cells: as the form read them, or split at ``|`` or tabs (plain text)."""
    if block.cells is not None:
        return [cell.strip() for cell in block.cells]
    cells = ROW_SPLIT.split(block.text.strip())
    if len(cells) > 1 and cells[-1] == "":
        cells.pop()  # the row's closing "|"
    if len(cells) > 1 and cells[0] == "":
        cells.pop(0)  # an opening "|"
    return cells


def layout_of(header: Sequence[str]) -> Layout | None:
    """The layout a header row describes, or ``None`` when it names no tasks and no units."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = re.sub(r"\s+", "", cell)
        for kind, words in COLUMN_WORDS:
            if any(word in text for word in words) and kind not in found:
                found[kind] = index
                break
    if "task" not in found or not ({"units", "lead"} & found.keys()):
        return None
    return Layout(
        width=len(header),
        number=found.get("number", 0),
        task=found["task"],
        units=found.get("units"),
        lead=found.get("lead"),
        support=found.get("support"),
        category=found.get("category"),
    )


def _header(annex: Annex) -> list[str] | None:
    for block in annex.rows:
        cells = cells_of(block)
        return None if NUMBER_CELL.match(cells[0]) else cells
    return None


def pick_task_table(annexes: list[Annex], path: Path | str) -> tuple[Annex, list[Annex]]:
    """The annex that is the task table (the first whose header names tasks and units), and the rest.

    Raises:
        SourceError: if no annex is a task table.
    """
    for index, annex in enumerate(annexes):
        header = _header(annex)
        if (header is None and annex.rows) or (header is not None and layout_of(header) is not None):
            return annex, annexes[:index] + annexes[index + 1 :]
    if len(annexes) == 1 and not annexes[0].rows:
        raise SourceError(
            f"the annex {shorten(annexes[0].title)!r} has no table of tasks; is the table missing?",
            path=path,
            line=annexes[0].at,
        )
    titles = ", ".join(repr(shorten(annex.title)) for annex in annexes)
    raise SourceError(
        f"no annex is a task table (a header naming the tasks and the responsible units); found {titles}",
        path=path,
        line=annexes[0].at,
    )


def shorten(text: str, width: int = 40) -> str:
    """A text quoted in a message, cut to ``width`` characters (a table read as one line can
    run to thousands)."""
    return text if len(text) <= width else text[:width] + "…"


def read_annex(annex: Annex, path: Path | str) -> list[Task]:
    """The tasks of the task-table annex.

    Raises:
        SourceError: naming the row, when a row is malformed, a number is duplicated or
            skipped, a cell is empty, or the table has no task rows.
    """
    if not annex.title:
        raise SourceError("the annex has no title line before its table", path=path, line=annex.at)
    header = _header(annex)
    layout = LEGACY if header is None else layout_of(header)
    assert layout is not None  # pick_task_table chose this annex for its layout
    body = annex.rows[(0 if header is None else 1) :]
    _check_last_row(layout, body, path)
    rows: list[tuple[Block, list[str], str | None]] = []
    category: str | None = None
    for block in body:
        cells = cells_of(block)
        if header is not None and cells == header:
            continue  # the header repeated on a later page
        if _note(cells) is not None:
            continue  # a note under the table: named by annex_notes
        filled = [cell for cell in cells if cell]
        # a row spanning the table (a category) starts in its first column; a row whose first
        # cell is empty is the rest of the row above, continued on the next page
        spanning = bool(cells[0]) and len(set(filled)) == 1 and not NUMBER_CELL.match(cells[0])
        if block.cells is None and len(cells) == 1 and "|" not in block.text and "\t" not in block.text:
            _bad_row(layout, cells, block, path)  # a paragraph inside the table
        if spanning and len(cells) != 2:
            category = filled[0]  # a category row spanning the table
            continue
        if not cells[0] and rows and len(cells) == layout.width:
            previous, previous_cells, previous_category = rows[-1]
            merged = [a + b for a, b in zip(previous_cells, cells, strict=True)]
            rows[-1] = (previous, merged, previous_category)  # a row continued on the next page
            continue
        if len(cells) != layout.width or not NUMBER_CELL.match(cells[layout.number]):
            _bad_row(layout, cells, block, path)
        row_category = cells[layout.category] if layout.category is not None else category
        rows.append((block, cells, row_category or None))
    tasks: list[Task] = []
    for block, cells, row_category in rows:
        tasks.append(_task(layout, cells, block, row_category, len(tasks) + 1, path))
    if not tasks:
        raise SourceError("the annex table has no task rows", path=path, line=annex.at)
    _check_last_task(tasks, path)
    return tasks


def annex_notes(annex: Annex) -> list[tuple[int, str]]:
    """The notes written as rows of the table (``注：…``, ``备注：…``, ``说明：…`` in one cell
    spanning it), which are no task: ``(line, text)`` for the build's warning."""
    return [(block.at, note) for block in annex.rows if (note := _note(cells_of(block))) is not None]


def _note(cells: list[str]) -> str | None:
    """The note a row holds in one cell spanning the table (``注：…``), or ``None``."""
    filled = {cell for cell in cells if cell}
    return next(iter(filled)) if len(filled) == 1 and NOTE.match(next(iter(filled))) else None


#: What a task's text ends with when it is a whole sentence (a closing quote or bracket may follow).
_SENTENCE_END = re.compile(r"[。！？；…][”’」』）)]*$")
_CLOSED = ("|", "｜")


def _check_last_row(layout: Layout, body: Sequence[Block], path: Path | str) -> None:
    """Refuse a table whose last row is cut off: without the closing ``|`` or without its last cells.

    In plain text every row of the table ends with ``|``; a last row that alone lacks it stops
    mid-cell. A last row with fewer cells than the header stops before its units cell.
    """
    rows = [block for block in body if block.cells is None and not NOTE.match(block.text)]
    if not rows:
        return
    last = rows[-1]
    closed = [block.text.rstrip().endswith(_CLOSED) for block in rows]
    if len(rows) > 1 and all(closed[:-1]) and not closed[-1]:
        raise SourceError(
            "the annex table's last row does not end with '|' as every other row does: it is cut off "
            "mid-row; use the complete source",
            path=path,
            line=last.at,
        )
    cells = cells_of(last)
    if 1 < len(cells) < layout.width and NUMBER_CELL.match(
        cells[layout.number] if layout.number < len(cells) else ""
    ):
        missing = (
            "responsible-units cell"
            if layout.units is not None and layout.units >= len(cells)
            else "last cells"
        )
        raise SourceError(
            f"the annex table's last row has {len(cells)} of {layout.width} cells, without its {missing}: "
            "it is cut off mid-row; use the complete source",
            path=path,
            line=last.at,
        )


def _check_last_task(tasks: list[Task], path: Path | str) -> None:
    """Refuse a last task cut mid-sentence when every other task's text ends a sentence."""
    if len(tasks) < 3 or _SENTENCE_END.search(tasks[-1].text):
        return
    if all(_SENTENCE_END.search(task.text) for task in tasks[:-1]):
        raise SourceError(
            f"the text of task {tasks[-1].task_no}, the annex table's last row, stops mid-sentence "
            f"(…{tasks[-1].text[-12:]!r}) where every other task ends with 。: the table is cut off; "
            "use the complete source",
            path=path,
            line=tasks[-1].line,
        )


def _bad_row(layout: Layout, cells: list[str], block: Block, path: Path | str) -> None:
    tabs = block.cells is None and "\t" in block.text
    if layout == LEGACY:
        shape = (
            "'number<TAB>task<TAB>responsible units'"
            if tabs or "|" not in block.text
            else "'number | task | responsible units |'"
        )
    else:
        shape = f"{layout.width} cells, the first a task number, like the header"
    if block.cells is None and "|" not in block.text and layout != LEGACY:
        shape += " (cells separated by tabs)"
    cut = (
        "; a row cut by a line break inside a cell continues on the next lines until it has "
        f"{layout.width} cells, and this one never does"
        if tabs and len(cells) < layout.width
        else ""
    )
    raise SourceError(
        f"an annex row must read {shape}; this one has {len(cells)} cells{cut}",
        path=path,
        line=block.at,
    )


def _task(
    layout: Layout, cells: list[str], block: Block, category: str | None, expected: int, path: Path | str
) -> Task:
    match = NUMBER_CELL.match(cells[layout.number])
    assert match is not None  # checked by read_annex
    number = int(match["n"])
    if number != expected:
        what = "duplicates an earlier task number" if number < expected else f"skips task {expected}"
        raise SourceError(f"task number {number} {what}", path=path, line=block.at)
    text = cells[layout.task]
    if not text:
        raise SourceError(f"task {number} has no text", path=path, line=block.at)
    if layout.lead is None:
        assert layout.units is not None  # layout_of requires units or lead
        units_raw = cells[layout.units]
        if not units_raw:
            raise SourceError(f"task {number} has no responsible units", path=path, line=block.at)
        units = split_units(units_raw, path=path, line=block.at)
        return Task(number, text, units_raw, units, block.at, category, "first-listed")
    lead = cells[layout.lead]
    support = cells[layout.support] if layout.support is not None else ""
    if not lead:
        raise SourceError(f"task {number} has no lead unit (牵头单位)", path=path, line=block.at)
    units_raw = f"牵头单位：{lead}" + (f"；配合单位：{support}" if support else "")
    leads = split_units(lead, path=path, line=block.at, role="lead")
    supports = split_units(support, path=path, line=block.at, role="support", after=leads) if support else ()
    return Task(number, text, units_raw, leads + supports, block.at, category, "stated")


def split_units(
    cell: str,
    *,
    path: Path | str,
    line: int,
    role: str | None = None,
    after: tuple[UnitRef, ...] = (),
) -> tuple[UnitRef, ...]:
    """Split a units cell: ``，`` separates groups, ``、`` units.

    ``after`` holds the units of an earlier cell of the same task (the lead cell, when this is
    the support cell): positions and groups continue from it, and no unit may repeat.

    Raises:
        SourceError: if the cell or one of its units is empty, or a unit is listed twice.
    """
    units: list[UnitRef] = []
    seen = {unit.name for unit in after}
    position = len(after)
    first_group = (after[-1].group_no if after else 0) + 1
    for group_no, group in enumerate(cell.split(GROUP_SEPARATOR), start=first_group):
        for name in group.split(UNIT_SEPARATOR):
            name = name.strip()
            if not name:
                raise SourceError(
                    f"the responsible-units cell {cell!r} has an empty unit name; remove the stray separator",
                    path=path,
                    line=line,
                )
            if name in seen:
                raise SourceError(
                    f"the responsible-units cell lists {name_in_message(name)} twice; list each unit once",
                    path=path,
                    line=line,
                )
            seen.add(name)
            position += 1
            units.append(UnitRef(name=name, position=position, group_no=group_no, role=role))
    return tuple(units)
