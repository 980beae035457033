"""The 3x3 maze of seed 003 ("迷路ゲーム 方策勾配法", lines ~1-390) and its policy gradient on a softmax of θ.

Not the book's: the seed's post "強化学習 AlphaZero 2" follows another book, on AlphaZero (see ``tabular``).

Cells are numbered 0..8 row by row from the top left; the agent starts in 0 and the goal is 8. Actions are the
seed's order: 0 up (-3), 1 right (+1), 2 down (+3), 3 left (-1). The walls are where the seed's ``theta_0``
has NaN. The seed has no environment object (``get_s_next`` and a loop); ``MazeEnv`` is that loop as a
Gymnasium env, and ``play`` runs the seed's episode through it. Names are the seed's: ``get_pi``, ``get_a``,
``get_s_next``, ``play``, ``update_theta``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
START, GOAL = 0, 8
ETA = 0.1  # the seed's learning rate in update_theta
STOP_EPSILON = 10**-3  # the seed's threshold on the policy change sum(|pi_new - pi|)
# The seed loops `for episode in range(1000)`; with the corrected sign (see update_theta) the policy needs about
# 1400-1700 episodes to change by less than STOP_EPSILON, so the cap is raised so the threshold decides.
MAX_EPISODES = 10_000

# The seed's initial parameters: 1 where a move is possible, NaN where a wall is; no row for the goal.
THETA_0 = np.array([
    [np.nan, 1, 1, np.nan],  # 0  up, right, down, left
    [np.nan, 1, 1, 1],  # 1
    [np.nan, np.nan, np.nan, 1],  # 2
    [1, np.nan, 1, np.nan],  # 3
    [1, 1, np.nan, np.nan],  # 4
    [np.nan, np.nan, 1, 1],  # 5
    [1, 1, np.nan, np.nan],  # 6
    [np.nan, np.nan, np.nan, 1],  # 7
])
# Allowed moves of every cell, the goal's row all False (an episode ends there).
ALLOWED = np.vstack([~np.isnan(THETA_0), np.zeros((1, 4), dtype=bool)])


def get_s_next(s: int, a: int) -> int:
    """The seed's move: left/right is -1/+1, up/down is -3/+3 on the 3x3 grid."""
    return s + (-3, 1, 3, -1)[a]


class MazeEnv(gymnasium.Env[int, int]):
    """The seed's maze: reward 1.0 on reaching the goal (then ``terminated``), 0.0 otherwise.

    The seed never tries a wall (its policy gives walls probability 0); here a move into a wall is allowed
    and leaves the agent where it is, so any action is valid, as Gymnasium expects. ``info["action_mask"]``
    (int8, 1 = open) tells an agent which moves are open, as Gymnasium's Taxi does.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self) -> None:
        self.observation_space = spaces.Discrete(9)
        self.action_space = spaces.Discrete(4)
        self.s = START

    def _info(self) -> dict[str, Any]:
        return {"action_mask": ALLOWED[self.s].astype(np.int8)}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self.s = START
        return self.s, self._info()

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}: 0 up, 1 right, 2 down, 3 left")
        if ALLOWED[self.s, action]:
            self.s = get_s_next(self.s, int(action))
        terminated = self.s == GOAL
        return self.s, 1.0 if terminated else 0.0, terminated, False, self._info()


if "Maze3x3-v0" not in gymnasium.registry:  # a reload must not re-register
    gymnasium.register(id="Maze3x3-v0", entry_point="tabular.maze:MazeEnv")


def get_pi(theta: np.ndarray) -> np.ndarray:
    """The seed's softmax of each row of θ over its open moves; walls (NaN) get probability 0."""
    exp_theta = np.exp(theta)
    pi = exp_theta / np.nansum(exp_theta, axis=1, keepdims=True)
    return np.nan_to_num(pi)


def get_a(pi: np.ndarray, s: int, rng: np.random.Generator) -> int:
    """An action drawn from the policy's row of ``s`` (the seed's ``np.random.choice([0, 1, 2, 3], p=pi[s])``)."""
    return int(rng.choice(4, p=pi[s]))


def play(pi: np.ndarray, rng: np.random.Generator, env: MazeEnv | None = None) -> list[list[float]]:
    """One episode from the start to the goal; the seed's history ``[[s0, a0], [s1, a1], ..., [8, nan]]``."""
    env = env if env is not None else MazeEnv()
    s, _ = env.reset()
    s_a_history: list[list[float]] = [[s, np.nan]]
    while True:
        a = get_a(pi, s, rng)
        s, _, terminated, truncated, _ = env.step(a)
        s_a_history[-1][1] = a
        s_a_history.append([s, np.nan])
        if terminated or truncated:
            return s_a_history


def update_theta(
    theta: np.ndarray, pi: np.ndarray, s_a_history: list[list[float]], eta: float = ETA, plus_sign: bool = False
) -> np.ndarray:
    """θ + η Δθ with Δθ(s, a) = (N(s, a) - π(s, a) N(s)) / T over one episode of T steps.

    N(s, a) counts how often ``a`` was taken in ``s`` and N(s) the visits of ``s``; Δθ is the episode's
    ∇ log π of the softmax, averaged over its steps. The seed's listing has ``n_ij + pi * n_i``, the sign
    of the first printing of the book this maze comes from, later corrected to ``-`` in its errata; the ``+``
    is no gradient (its mean drift is +2πN/T, so whatever is frequent grows). ``plus_sign=True`` runs the
    seed's listing as printed (it stops after ~230 episodes as the seed reports). Walls stay NaN.
    """
    total = len(s_a_history) - 1  # steps to the goal
    n_sa = np.zeros_like(theta)
    for s, a in s_a_history[:-1]:
        n_sa[int(s), int(a)] += 1
    n_s = n_sa.sum(axis=1, keepdims=True)
    delta_theta = (n_sa + (1.0 if plus_sign else -1.0) * pi * n_s) / total
    return theta + eta * delta_theta


@dataclass
class LearnResult:
    """What ``learn`` returns: the final θ and π, per-episode steps and policy changes, the last episode."""

    theta: np.ndarray
    pi: np.ndarray
    steps: list[int] = field(default_factory=list)
    pi_deltas: list[float] = field(default_factory=list)
    s_a_history: list[list[float]] = field(default_factory=list)


def learn(
    rng: np.random.Generator, theta_0: np.ndarray = THETA_0, stop_epsilon: float = STOP_EPSILON,
    max_episodes: int = MAX_EPISODES, eta: float = ETA, plus_sign: bool = False,
) -> LearnResult:
    """The seed's loop: play an episode, update θ, stop once sum(|π_new - π|) < ``stop_epsilon``."""
    env = MazeEnv()
    theta, pi = theta_0, get_pi(theta_0)
    result = LearnResult(theta, pi)
    for _ in range(max_episodes):
        s_a_history = play(pi, rng, env)
        theta = update_theta(theta, pi, s_a_history, eta, plus_sign)
        pi_new = get_pi(theta)
        pi_delta = float(np.sum(np.abs(pi_new - pi)))
        pi = pi_new
        result.steps.append(len(s_a_history) - 1)
        result.pi_deltas.append(pi_delta)
        result.theta, result.pi, result.s_a_history = theta, pi, s_a_history
        if pi_delta < stop_epsilon:
            break
    return result


def greedy_path(pi: np.ndarray, max_steps: int = 100) -> list[int]:
    """States visited from the start taking the most probable move each step, up to the goal."""
    path = [START]
    while path[-1] != GOAL and len(path) <= max_steps:
        path.append(get_s_next(path[-1], int(np.argmax(pi[path[-1]]))))
    return path
