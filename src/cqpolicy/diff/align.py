"""Align the rows of two versions of a table by content, not only by number.

An amendment that inserts a task shifts every later task number, so pairing
rows by primary key would report nearly every task as changed. Rows are paired
in three passes, each on the rows the previous ones left over:

1. **Exact**: rows whose identity text (for tasks, the task text) is identical.
   Within a group of identical texts, equal keys pair first, then the rest in key
   order. One dict lookup per row.
2. **Similar**: rows whose identity texts share enough character bigrams (the same
   :mod:`cqpolicy.similarity` the build uses to map tasks to clauses): Jaccard
   similarity at least ``threshold``. Candidates come from an inverted index
   (bigram -> rows) with *prefix filtering*: bigrams are ordered from rarest to
   most common, and only each row's first ``|x| - ceil(t*|x|) + 1`` bigrams are
   indexed. Any pair with Jaccard >= t must share one of those (Bayardo et al.,
   "Scaling up all pairs similarity search", WWW 2007), so no pair above the
   threshold is missed and no all-pairs comparison is made: rare bigrams have
   short posting lists, and the cost grows about linearly with the rows. Pairs are
   then taken greedily, best score first.
3. **Same key**: rows still unpaired whose keys are equal are one row, edited
   beyond recognition (what a key-based diff such as csv-diff would say).

Everything left is removed (old side) or added (new side). The passes treat both
sides alike, so aligning (new, old) gives the mirror image of aligning (old, new).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from cqpolicy.similarity import bigrams, jaccard

#: Jaccard similarity of bigram sets at or above which two rows are "the same row, edited".
#: Rewording a sentence or adding one to a clause keeps well above it (measured on the
#: amended fixtures in tests/fixtures/amended); two different tasks of this policy score
#: below 0.2 (see tests/test_diff_align.py).
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Alignment:
    """Which old row is which new row.

    Attributes:
        pairs: ``(old index, new index, method)`` with method ``exact``, ``similar`` or ``key``,
            sorted by new index.
        removed: Old row indexes with no partner, ascending.
        added: New row indexes with no partner, ascending.
    """

    pairs: tuple[tuple[int, int, str], ...]
    removed: tuple[int, ...]
    added: tuple[int, ...]


def sort_token(key: Any) -> tuple[tuple[int, Any], ...]:
    """A total order over keys of mixed types and shapes (``None``, then numbers, then strings)."""
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(_part_token(part) for part in parts)


def _part_token(part: Any) -> tuple[int, Any]:
    if part is None:
        return (0, 0)
    if isinstance(part, bool):
        return (1, int(part))
    if isinstance(part, int | float):
        return (1, part)
    return (2, str(part))


def key_distance(old: Hashable, new: Hashable) -> float:
    """How far apart two keys are: the difference of integer keys, else 0 for equal and 1 for not."""
    if isinstance(old, int) and isinstance(new, int) and not isinstance(old, bool):
        return float(abs(old - new))
    return 0.0 if old == new else 1.0


def align(
    old_keys: Sequence[Hashable],
    new_keys: Sequence[Hashable],
    old_texts: Sequence[str],
    new_texts: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> Alignment:
    """Pair old rows with new rows; see the module docstring for the passes.

    Args:
        old_keys: Primary key of each old row (a value or a tuple).
        new_keys: Primary key of each new row.
        old_texts: Identity text of each old row (what makes it the same row across versions).
        new_texts: Identity text of each new row.
        threshold: Minimum Jaccard similarity of bigram sets for the similarity pass.

    Returns:
        The pairs, and the unpaired rows on each side.
    """
    pairs: list[tuple[int, int, str]] = []
    old_left, new_left = _exact(old_keys, new_keys, old_texts, new_texts, pairs)
    old_left, new_left = _similar(
        old_keys, new_keys, old_texts, new_texts, old_left, new_left, pairs, threshold
    )
    old_left, new_left = _same_key(old_keys, new_keys, old_left, new_left, pairs)
    pairs.sort(key=lambda pair: pair[1])
    return Alignment(tuple(pairs), tuple(sorted(old_left)), tuple(sorted(new_left)))


def _exact(
    old_keys: Sequence[Hashable],
    new_keys: Sequence[Hashable],
    old_texts: Sequence[str],
    new_texts: Sequence[str],
    pairs: list[tuple[int, int, str]],
) -> tuple[list[int], list[int]]:
    by_text: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(new_texts):
        by_text[text].append(index)
    old_by_text: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(old_texts):
        old_by_text[text].append(index)
    old_left: list[int] = []
    paired_new: set[int] = set()
    for text, olds in old_by_text.items():
        news = by_text.get(text)
        if not news:
            old_left.extend(olds)
            continue
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0], "exact"))
            paired_new.add(news[0])
            continue
        # Identical texts: equal keys first, then the rest in key order.
        new_by_key = {new_keys[n]: n for n in news}
        rest_old = []
        for o in olds:
            n = new_by_key.pop(old_keys[o], None)
            if n is None:
                rest_old.append(o)
            else:
                pairs.append((o, n, "exact"))
                paired_new.add(n)
        rest_new = sorted(new_by_key.values(), key=lambda n: sort_token(new_keys[n]))
        rest_old.sort(key=lambda o: sort_token(old_keys[o]))
        for o, n in zip(rest_old, rest_new, strict=False):
            pairs.append((o, n, "exact"))
            paired_new.add(n)
        old_left.extend(rest_old[len(rest_new) :])
    new_left = [n for n in range(len(new_texts)) if n not in paired_new]
    return old_left, new_left


def _prefix(tokens: frozenset[str], rank: dict[str, tuple[int, str]], threshold: float) -> list[str]:
    ordered = sorted(tokens, key=rank.__getitem__)
    size = len(ordered)
    keep = size - math.ceil(threshold * size - 1e-9) + 1
    return ordered[: max(1, min(size, keep))]


def _similar(
    old_keys: Sequence[Hashable],
    new_keys: Sequence[Hashable],
    old_texts: Sequence[str],
    new_texts: Sequence[str],
    old_left: list[int],
    new_left: list[int],
    pairs: list[tuple[int, int, str]],
    threshold: float,
) -> tuple[list[int], list[int]]:
    if not old_left or not new_left:
        return old_left, new_left
    old_grams = {o: bigrams(old_texts[o]) for o in old_left}
    new_grams = {n: bigrams(new_texts[n]) for n in new_left}
    # Global order: rarest bigram first (counted over the leftovers of both sides), ties by the bigram.
    frequency: Counter[str] = Counter()
    for grams in (*old_grams.values(), *new_grams.values()):
        frequency.update(grams)
    rank = {gram: (count, gram) for gram, count in frequency.items()}
    index: dict[str, list[int]] = defaultdict(list)
    for n, grams in new_grams.items():
        if grams:
            for gram in _prefix(grams, rank, threshold):
                index[gram].append(n)
    candidates: list[tuple[float, float, tuple[Any, ...], int, int]] = []
    for o, grams in old_grams.items():
        if not grams:
            continue
        seen: set[int] = set()
        for gram in _prefix(grams, rank, threshold):
            for n in index.get(gram, ()):
                if n in seen:
                    continue
                seen.add(n)
                other = new_grams[n]
                # Length filter: Jaccard <= min/max of the sizes.
                if min(len(grams), len(other)) < threshold * max(len(grams), len(other)):
                    continue
                score = jaccard(grams, other)
                if score >= threshold:
                    ok, nk = old_keys[o], new_keys[n]
                    # Symmetric tie-break: closer keys, then the pair's keys and texts in a fixed order.
                    tie = tuple(sorted([(sort_token(ok), old_texts[o]), (sort_token(nk), new_texts[n])]))
                    candidates.append((-score, key_distance(ok, nk), tie, o, n))
    candidates.sort(key=lambda item: item[:3])
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _score, _distance, _tie, o, n in candidates:
        if o in taken_old or n in taken_new:
            continue
        taken_old.add(o)
        taken_new.add(n)
        pairs.append((o, n, "similar"))
    return [o for o in old_left if o not in taken_old], [n for n in new_left if n not in taken_new]


def _same_key(
    old_keys: Sequence[Hashable],
    new_keys: Sequence[Hashable],
    old_left: list[int],
    new_left: list[int],
    pairs: list[tuple[int, int, str]],
) -> tuple[list[int], list[int]]:
    new_by_key = {new_keys[n]: n for n in new_left}
    rest_old = []
    for o in old_left:
        n = new_by_key.pop(old_keys[o], None)
        if n is None:
            rest_old.append(o)
        else:
            pairs.append((o, n, "key"))
    return rest_old, sorted(new_by_key.values())
