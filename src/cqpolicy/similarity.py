"""Text similarity for Chinese policy text, shared by task-to-clause mapping and diff.

Chinese has no spaces between words, so texts are compared as sets of character
bigrams (pairs of adjacent characters, punctuation removed). That is cheap,
needs no segmenter, and is robust to the small rewordings an annex makes when it
copies a sentence out of a clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Everything that is not a letter, digit or CJK ideograph is ignored for similarity.
_NOISE = re.compile(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")


def bigrams(text: str) -> frozenset[str]:
    """Return the set of character bigrams of ``text``, punctuation and spaces removed.

    A text of a single character yields that character, so that it still compares.
    """
    chars = _NOISE.sub("", text)
    if len(chars) < 2:
        return frozenset([chars]) if chars else frozenset()
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def containment(part: frozenset[str], whole: frozenset[str]) -> float:
    """Share of ``part``'s bigrams that occur in ``whole`` (0.0 to 1.0).

    Asymmetric on purpose: an annex task usually quotes a piece of a clause, so
    the task's bigrams are contained in the clause's, but not the other way round.
    """
    if not part:
        return 0.0
    return len(part & whole) / len(part)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Symmetric similarity of two bigram sets (0.0 to 1.0); 1.0 for two empty sets."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def best_matches(
    part: frozenset[str], candidates: Iterable[tuple[int, frozenset[str]]]
) -> list[tuple[float, int]]:
    """Score ``part`` against each ``(key, bigrams)`` candidate, best first.

    Ties are broken by the smaller key so that the result is deterministic.
    """
    scored = [(containment(part, grams), key) for key, grams in candidates]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return scored
