"""Multi-armed bandits of seed 003 ("スロットマシーン", lines ~390-710): Bernoulli arms, ε-greedy and UCB1.

Not the book's: the seed's post "強化学習 AlphaZero 1" follows another book, on AlphaZero (see ``tabular``).

The seed runs 1000 simulations of 250 pulls one at a time in Python loops. Here every class holds the state
of a *batch* of simulations (arrays of shape ``(num_sims, n_arms)``) and applies the seed's rule to all rows
at once, so the whole experiment is 250 steps of array operations instead of 250 000 Python iterations;
``num_sims=1`` is the seed's single simulation.
The method names (``initialize``, ``select_arm``, ``update``, ``label``, ``draw``) and the update formulas
are the seed's. Randomness comes from a ``numpy.random.Generator`` passed in, so a seed reproduces a run.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

ARM_PROBS = (0.3, 0.5, 0.9)  # the seed's arms: SlotArm(0.3), SlotArm(0.5), SlotArm(0.9)
NUM_SIMS, NUM_TIME = 1000, 250  # the seed's play(algo, arms, 1000, 250)


class SlotArm:
    """A slot machine's arm that pays one coin (reward 1.0) with probability ``p``, else 0.0."""

    def __init__(self, p: float) -> None:
        self.p = p  # probability that a coin comes out

    def draw(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """The seed's ``1.0 if p > random() else 0.0``; with ``size``, that many independent pulls."""
        u = rng.random(size)
        if size is None:
            return 1.0 if self.p > u else 0.0
        return np.where(self.p > u, 1.0, 0.0)


def draw_arms(arms: Sequence[SlotArm], chosen_arm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reward of each simulation for pulling its own ``chosen_arm[i]`` (the seed's ``arms[chosen_arm].draw()``)."""
    reward = np.zeros(len(chosen_arm))
    for k, arm in enumerate(arms):
        pulled = chosen_arm == k
        reward[pulled] = arm.draw(rng, int(pulled.sum()))
    return reward


class EpsilonGreedy:
    """ε-greedy: with probability ``epsilon`` a uniformly random arm, otherwise the arm of highest mean reward.

    ``v`` is each arm's mean reward, kept incrementally as in the seed: ``v <- (n-1)/n * v + 1/n * reward``.
    Ties go to the lowest index (``np.argmax``), so all arms start equal and arm 0 is tried first.
    """

    def __init__(self, epsilon: float) -> None:
        self.epsilon = epsilon  # probability of exploring

    def initialize(self, n_arms: int, num_sims: int = 1) -> None:
        """Reset the pull counts ``n`` and values ``v`` of every arm in every simulation."""
        self.n = np.zeros((num_sims, n_arms))
        self.v = np.zeros((num_sims, n_arms))

    def select_arm(self, rng: np.random.Generator) -> np.ndarray:
        """One arm per simulation (shape ``(num_sims,)``)."""
        num_sims, n_arms = self.v.shape
        explore = self.epsilon > rng.random(num_sims)
        random_arm = rng.integers(0, n_arms, num_sims)
        return np.where(explore, random_arm, np.argmax(self.v, axis=1))

    def update(self, chosen_arm: np.ndarray | int, reward: np.ndarray | float, t: int) -> None:
        """Count the pull and fold ``reward`` into the chosen arm's mean (``t`` is unused, as in the seed)."""
        rows = np.arange(len(self.n))
        self.n[rows, chosen_arm] += 1
        n = self.n[rows, chosen_arm]
        v = self.v[rows, chosen_arm]
        self.v[rows, chosen_arm] = ((n - 1) / n) * v + (1 / n) * reward

    def label(self) -> str:
        return "ε-greedy(" + str(self.epsilon) + ")"


class UCB1:
    """UCB1: try every arm once, then pick the arm maximising ``w/n + sqrt(2 ln t / n)``.

    As in the seed, ``v`` holds that upper bound and is recomputed for *all* arms in ``update`` with the step
    ``t`` just played, once no arm has ``n == 0`` (the seed skips it until then, to avoid dividing by 0).
    ``w/n`` (successes over pulls) is the arm's mean reward, since rewards are 0 or 1.
    """

    def initialize(self, n_arms: int, num_sims: int = 1) -> None:
        """Reset pulls ``n``, successes ``w`` and values ``v``."""
        self.n = np.zeros((num_sims, n_arms))
        self.w = np.zeros((num_sims, n_arms))
        self.v = np.zeros((num_sims, n_arms))

    def select_arm(self, rng: np.random.Generator | None = None) -> np.ndarray:
        """The first untried arm if there is one (seed: ``if self.n[i] == 0: return i``), else the highest ``v``."""
        untried = self.n == 0
        return np.where(untried.any(axis=1), np.argmax(untried, axis=1), np.argmax(self.v, axis=1))

    def update(self, chosen_arm: np.ndarray | int, reward: np.ndarray | float, t: int) -> None:
        """Count the pull and the success, then the upper bound of every arm at step ``t``."""
        rows = np.arange(len(self.n))
        self.n[rows, chosen_arm] += 1
        self.w[rows, chosen_arm] += np.asarray(reward) == 1.0
        ready = (self.n > 0).all(axis=1)
        n, w = self.n[ready], self.w[ready]
        self.v[ready] = w / n + np.sqrt(2 * math.log(t) / n)

    def label(self) -> str:
        return "ucb1"


def play(
    algo: EpsilonGreedy | UCB1, arms: Sequence[SlotArm], num_sims: int, num_time: int, rng: np.random.Generator
) -> np.ndarray:
    """The seed's ``play``: ``num_sims`` simulations of ``num_time`` pulls, all simulations in lockstep.

    Returns the rewards, shape ``(num_sims, num_time)``; column ``t-1`` is the seed's ``times == t``, so
    ``rewards.mean(axis=0)`` is its ``df['rewards'].groupby(df['times']).mean()``.
    """
    algo.initialize(len(arms), num_sims)
    rewards = np.zeros((num_sims, num_time))
    for time in range(num_time):
        chosen_arm = algo.select_arm(rng)
        reward = draw_arms(arms, chosen_arm, rng)
        rewards[:, time] = reward
        algo.update(chosen_arm, reward, time + 1)
    return rewards


def run_experiment(
    seed: int = 0, num_sims: int = NUM_SIMS, num_time: int = NUM_TIME, probs: Sequence[float] = ARM_PROBS,
    epsilon: float = 0.1,
) -> dict[str, np.ndarray]:
    """The seed's experiment: ε-greedy(0.1) and UCB1 on arms 0.3/0.5/0.9; ``{label: rewards}``.

    Each algorithm draws from its own generator spawned from ``seed``, so one algorithm's result does not
    depend on whether the other ran first.
    """
    arms = [SlotArm(p) for p in probs]
    algos = (EpsilonGreedy(epsilon), UCB1())
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(algos))]
    return {algo.label(): play(algo, arms, num_sims, num_time, rng) for algo, rng in zip(algos, rngs)}
