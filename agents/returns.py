"""Returns shared by the policy-gradient and actor-critic agents: discounting and standardising."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np


def discounted_returns(
    rewards: Sequence[float],
    gamma: float,
    terminated: Optional[Sequence[bool]] = None,
    ends: Optional[Sequence[bool]] = None,
    next_values: Optional[Sequence[float]] = None,
) -> np.ndarray:
    """``G_t = r_t + gamma * G_{t+1}``, walking back from the last step (the book's loops).

    The sequence may hold several episode pieces. Where one stops (``ends[t]``, and
    always at the last step) the future after step ``t`` is 0 when ``terminated[t]``,
    otherwise ``next_values[t]``, the critic's value of ``n_s``: a time-limit
    truncation or the cut at the end of a batch is not a terminal state (A2C's n-step
    returns). Without ``next_values`` the future there is 0: the policy gradient's
    Monte Carlo return, which has no critic to ask.
    """
    n = len(rewards)
    terminated = np.zeros(n, bool) if terminated is None else np.asarray(terminated, bool)
    ends = np.zeros(n, bool) if ends is None else np.asarray(ends, bool).copy()
    bootstrap = np.zeros(n) if next_values is None else np.asarray(next_values, np.float64).reshape(n)
    returns = np.zeros(n, dtype=np.float64)
    future = 0.0
    for t in reversed(range(n)):
        if terminated[t]:
            future = 0.0
        elif ends[t] or t == n - 1:
            future = float(bootstrap[t])
        future = float(rewards[t]) + gamma * future
        returns[t] = future
    return returns


def standardize(values: Sequence[float]) -> np.ndarray:
    """``(x - mean) / std`` as ``StandardScaler().fit_transform`` does it (a zero std counts as 1)."""
    values = np.asarray(values, dtype=np.float64)
    std = values.std()
    return (values - values.mean()) / (std if std > 0 else 1.0)
