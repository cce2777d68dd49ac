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
from cqpolicy.errors import RegisterError
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
