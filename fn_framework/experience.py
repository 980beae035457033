"""The book's Experience record: one transition of the environment."""
from __future__ import annotations

from typing import Any, NamedTuple


class Experience(NamedTuple):
    """A transition ``(s, a, r, n_s, d)`` as in the book.

    ``d`` means *terminated* (Gymnasium): the episode reached a terminal state, so
    the value of ``n_s`` is zero. A time-limit truncation ends the episode too, but
    is stored with ``d=False`` so that agents still bootstrap from ``n_s``.
    """

    s: Any
    a: int
    r: float
    n_s: Any
    d: bool
