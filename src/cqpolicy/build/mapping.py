"""Map each annex task to the clause it implements, by text similarity.

Annex tasks are usually quoted, sometimes lightly reworded, from one clause.
Each task is scored against every clause by bigram containment (see
:mod:`cqpolicy.similarity`); the best clause wins. This needs nothing specific
to this policy, so it works for an amended or new source. A reviewed override
file can pin a task to a clause; low-confidence matches are reported so that a
maintainer can review them and add an override.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cqpolicy.build.parse import Clause, Task
from cqpolicy.errors import RegisterError, SourceError
from cqpolicy.similarity import best_matches, bigrams

#: Below this score a match is reported as low confidence.
MIN_SCORE = 0.6
#: A runner-up this close to the best score makes the match ambiguous.
MIN_MARGIN = 0.1


@dataclass(frozen=True)
class ClauseMatch:
    """Where a task was mapped, how well, and how."""

    task_no: int
    clause_no: int
    score: float
    method: str
    runner_up: int | None
    runner_up_score: float

    @property
    def low_confidence(self) -> bool:
        """True when a person should review the match."""
        if self.method == "override":
            return False
        return self.score < MIN_SCORE or self.score - self.runner_up_score < MIN_MARGIN


def map_tasks(
    tasks: list[Task],
    clauses: list[Clause],
    overrides: dict[int, tuple[int, str]],
    overrides_path: Path | str = "task_clause_overrides.csv",
) -> list[ClauseMatch]:
    """Return one :class:`ClauseMatch` per task, in task order.

    Raises:
        RegisterError: if an override names a task or clause that does not exist.
    """
    clause_grams = [(clause.clause_no, bigrams(clause.text)) for clause in clauses]
    clause_nos = {clause.clause_no for clause in clauses}
    task_nos = {task.task_no for task in tasks}
    for task_no, (clause_no, _reason) in sorted(overrides.items()):
        if task_no not in task_nos or clause_no not in clause_nos:
            raise RegisterError(
                f"the override of task {task_no} to clause {clause_no} names a task or clause "
                "that this source does not have; fix or remove it",
                path=overrides_path,
            )
    matches = []
    for task in tasks:
        ranked = best_matches(bigrams(task.text), clause_grams)
        best_score, best_clause = ranked[0]
        runner_score, runner_clause = ranked[1] if len(ranked) > 1 else (0.0, None)
        if task.task_no in overrides:
            clause_no = overrides[task.task_no][0]
            score = next(s for s, c in ranked if c == clause_no)
            matches.append(ClauseMatch(task.task_no, clause_no, score, "override", best_clause, best_score))
        else:
            matches.append(
                ClauseMatch(task.task_no, best_clause, best_score, "similarity", runner_clause, runner_score)
            )
    return matches


def check_table_reaches_end(
    tasks: list[Task], clauses: list[Clause], matches: list[ClauseMatch], path: Path | str
) -> None:
    """Refuse an annex table that stops in the middle of the body's order.

    The tasks of a task table follow the text (each task's clause is at or after the previous
    task's). When they do, and every section whose clauses have tasks has a task for its last
    clause, except the section where the table stops, which has later clauses without any task,
    the table has lost its last rows. The document's own structure is the only evidence: a
    table cut at the end of a section (or within the last clause's tasks) cannot be told from a
    complete one by its text alone.

    Raises:
        SourceError: naming the last row, when the table stops mid-section as above.
    """
    if not matches:
        return
    order = [match.clause_no for match in matches]
    if order != sorted(order):
        return  # the table does not follow the text: nothing to infer
    section_of = {clause.clause_no: clause.section_no for clause in clauses}
    last_of: dict[int, int] = {}
    for clause in clauses:
        last_of[clause.section_no] = max(last_of.get(clause.section_no, 0), clause.clause_no)
    covered = set(order)
    stop = order[-1]
    stop_section = section_of[stop]
    if stop == last_of[stop_section]:
        return
    earlier = {section_of[c] for c in covered} - {stop_section}
    if any(last_of[section] not in covered for section in earlier):
        return  # this table skips section ends anyway: no evidence
    label = {clause.clause_no: clause.label for clause in clauses}
    raise SourceError(
        f"the annex table stops at task {tasks[-1].task_no}, which implements clause {label[stop]}, but "
        f"clauses {label[stop + 1]} to {label[last_of[stop_section]]} of the same section, and all later "
        "ones, have no task, although every other section's last clause has one: the table is cut "
        "short; use the complete source",
        path=path,
        line=tasks[-1].line,
    )
