"""The on-policy family's experience: the steps the current policy played, and every return computed from them.

REINFORCE, A2C and PPO learn only from what their current policy just did, so they keep no replay
memory: each fills one ``RolloutBuffer`` with whole vector steps, ``(steps, copies)`` arrays, each
copy's steps in order. Every return and advantage of the three is ``gae`` (Schulman et al. 2016):

* PPO: GAE(lambda) with the critic's value of every state;
* A2C: the book's n-step returns, ``gae`` at lambda = 1 with no values, bootstrapped from the
  critic where a piece of an episode stops without a terminal state (the batch's end, a time limit);
* REINFORCE: the book's Monte Carlo return, ``gae`` at lambda = 1 with no critic at all
  (``monte_carlo_returns``).

Only termination stops bootstrapping: a time-limit truncation takes the critic's value of the
episode's final observation (``cut_values``), where the book's old gym ended the episode.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from fn_framework.vector import VectorStep


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    ends: np.ndarray,
    gamma: float,
    gae_lambda: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``(advantages, returns)`` of a rollout; every argument is ``(steps, copies)``.

    ``next_values[t]`` is V of the state that followed step ``t``: the next step's value inside an
    episode, the value of the final observation where it was truncated (or where the rollout
    stops). ``delta_t = r_t + gamma * V(s_t+1) * (1 - terminated_t) - V(s_t)`` and
    ``A_t = delta_t + gamma * lambda * (1 - end_t) * A_t+1``; returns are ``A + V`` (the critic's targets).
    """
    rewards, values = np.asarray(rewards, np.float64), np.asarray(values, np.float64)
    alive = 1.0 - np.asarray(terminated, np.float64)
    going_on = 1.0 - np.asarray(ends, np.float64)
    deltas = rewards + gamma * np.asarray(next_values, np.float64) * alive - values
    advantages = np.zeros_like(deltas)
    last = np.zeros(deltas.shape[1:])
    for t in reversed(range(len(deltas))):
        last = deltas[t] + gamma * gae_lambda * going_on[t] * last
        advantages[t] = last
    return advantages, advantages + values


def monte_carlo_returns(rewards: Sequence[float], gamma: float) -> np.ndarray:
    """The book's ``G_t = r_t + gamma * G_t+1`` over one episode: ``gae`` at lambda = 1 without a critic."""
    rewards = np.asarray(rewards, np.float64).reshape(-1, 1)
    none = np.zeros_like(rewards)
    return gae(rewards, none, none, none.astype(bool), none.astype(bool), gamma, 1.0)[1][:, 0]


def standardize(values: Sequence[float]) -> np.ndarray:
    """``(x - mean) / std`` as ``StandardScaler().fit_transform`` does it (a zero std counts as 1)."""
    values = np.asarray(values, dtype=np.float64)
    std = values.std()
    return (values - values.mean()) / (std if std > 0 else 1.0)


#: What a row holds: the step's transitions, and what the agent knew when it acted (PPO's values and log-probabilities;
#: the critic's value of a truncated episode's final observation). Zeros where an agent has no such thing.
FIELDS = ("obs", "actions", "rewards", "terminated", "ends", "values", "log_probs", "cut_values")


class RolloutBuffer:
    """Whole vector steps of ``n_envs`` copies, read back as ``(steps, copies)`` arrays.

    ``add`` appends a vector step, ``array`` reads a field back; ``advantages`` computes GAE over
    everything stored (PPO, A2C);
    ``get_recent`` gives one copy's last steps (REINFORCE's episode, the book's ``get_recent``) and
    ``trim`` drops the rows no copy's current episode needs any more.
    """

    def __init__(self, n_envs: int) -> None:
        self.n_envs = int(n_envs)
        self.clear()

    def clear(self) -> None:
        self.rows: dict[str, list[np.ndarray]] = {name: [] for name in FIELDS}
        #: Per copy: the row its current episode began at (0 after a ``clear``, also mid-episode).
        self.starts = np.zeros(self.n_envs, np.int64)

    def __len__(self) -> int:
        return len(self.rows["rewards"])

    def add(self, step: VectorStep, values: Optional[np.ndarray] = None, log_probs: Optional[np.ndarray] = None,
            cut_values: Optional[np.ndarray] = None) -> None:
        """One vector step; ``cut_values``: V(final observation) where a copy was truncated (0 elsewhere)."""
        zeros = np.zeros(self.n_envs)
        known = {"values": values, "log_probs": log_probs, "cut_values": cut_values}
        row = {"obs": step.obs, "actions": step.actions, "rewards": step.rewards, "terminated": step.terminated,
               "ends": step.ends, **{k: zeros if v is None else np.asarray(v, np.float64) for k, v in known.items()}}
        for name, value in row.items():
            self.rows[name].append(value)
        self.starts[step.ends] = len(self)

    def array(self, name: str) -> np.ndarray:
        """A field as one ``(steps, copies, ...)`` array."""
        return np.stack(self.rows[name])

    def advantages(self, gamma: float, gae_lambda: float,
                   last_values: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
        """GAE's ``(advantages, returns)`` of every stored step; ``last_values``: V of where each copy went after the
        last one (the bootstrap at the rollout's cut; None: 0, no critic)."""
        values, terminated, ends = self.array("values"), self.array("terminated"), self.array("ends")
        after = np.zeros(self.n_envs) if last_values is None else np.asarray(last_values, np.float64).reshape(-1)
        next_values = np.concatenate([values[1:], after[None]])
        cut = ends & ~terminated  # a time limit is not a terminal state
        next_values[cut] = self.array("cut_values")[cut]
        return gae(self.array("rewards"), values, next_values, terminated, ends, gamma, gae_lambda)

    def get_recent(self, copy: int, count: int) -> dict[str, np.ndarray]:
        """Copy ``copy``'s last ``count`` steps (all it has, if fewer), each field an array over those steps."""
        first = max(0, len(self) - int(count))
        if first == len(self):
            return {name: np.zeros(0) for name in FIELDS}
        return {name: np.stack([row[copy] for row in rows[first:]]) for name, rows in self.rows.items()}

    def trim(self) -> None:
        """Drop the rows before the oldest current episode (call it once the episodes that ended are learned)."""
        first = int(self.starts.min())
        if first > 0:
            self.rows = {name: rows[first:] for name, rows in self.rows.items()}
            self.starts -= first



def flatten(array: np.ndarray) -> np.ndarray:
    """``(steps, copies, ...)`` as ``(steps * copies, ...)`` rows, step-major: a training batch."""
    return array.reshape(-1, *array.shape[2:])

