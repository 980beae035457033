"""Vector environments for the on-policy agents: N copies of the env as the agent sees it, stepped as one.

Each copy is made by the trainer's ``env_factory`` (the run's env through the agent's Observer),
so an Observer is a wrapper inside each copy and frames are processed where the copy runs: in this
process (``sync``, Gymnasium's ``SyncVectorEnv``) or in a subprocess of its own (``async``,
``AsyncVectorEnv``). ``benchmarks/vector_env.py`` measures which pays on this machine.

Gymnasium 1.x resets a finished copy by itself, in one of two ways:

* ``NEXT_STEP`` (its default): the step *after* a done ignores the action and returns the reset
  observation with reward 0. That step is no transition and must not be stored.
* ``SAME_STEP``: the done step itself returns the reset observation; the episode's last one is in
  ``info["final_obs"]``. Every step is a transition (PPO's rollouts use this).

``VectorEpisodes`` turns either into transitions that never span two episodes (``VectorStep``:
``next_obs`` is the episode's true last observation at an end, ``valid`` marks NEXT_STEP's reset
steps) and reports each finished episode's return and length: what A2C or the policy gradient need
to run on vector envs too.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

MODES = ("sync", "async")


def make_vector_env(
    env_factory: Callable[..., Any], n_envs: int, mode: str = "sync", autoreset: AutoresetMode = AutoresetMode.SAME_STEP,
    render_first: bool = False,
) -> gym.vector.VectorEnv:
    """``n_envs`` copies made by ``env_factory`` (each call makes one more), stepped as one vector env.

    ``render_first``: only the first copy gets a window (``env_factory(render=True)``), not one per copy.
    """
    fns = [functools.partial(env_factory, render=True) if render_first and i == 0 else env_factory
           for i in range(n_envs)]
    if mode == "sync":
        return gym.vector.SyncVectorEnv(fns, autoreset_mode=autoreset)
    if mode == "async":
        # fork: the children inherit the registered envs (Catcher-v0) and the factory's closure.
        return gym.vector.AsyncVectorEnv(fns, autoreset_mode=autoreset, context="fork")
    raise ValueError(f"vector mode must be one of {MODES}, not {mode!r}")


def autoreset_mode(venv: Any) -> AutoresetMode:
    return AutoresetMode(venv.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))


@dataclass
class VectorStep:
    """One step of every copy, as transitions.

    ``obs[i]`` is what copy ``i`` acted in, ``next_obs[i]`` what followed it (the episode's last
    observation where one ended, not the reset one); ``valid[i]`` is False where the step was
    NEXT_STEP's reset (no transition: skip it). ``episodes``: ``(copy, return, length)`` of the
    episodes that ended at this step.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    valid: np.ndarray
    episodes: list[tuple[int, float, int]] = field(default_factory=list)

    @property
    def ends(self) -> np.ndarray:
        return self.terminated | self.truncated


class VectorEpisodes:
    """Step a vector env; keep each copy's current observation, return and length."""

    def __init__(self, venv: Any) -> None:
        self.venv = venv
        self.n = int(venv.num_envs)
        self.mode = autoreset_mode(venv)
        if self.mode == AutoresetMode.DISABLED:
            raise ValueError("VectorEpisodes needs an autoresetting vector env (NEXT_STEP or SAME_STEP)")
        self.obs: Any = None
        self.returns = np.zeros(self.n)
        self.lengths = np.zeros(self.n, np.int64)
        self._resetting = np.zeros(self.n, bool)  # NEXT_STEP: this copy's next step is its reset

    def reset(self, seed: Optional[Sequence[Optional[int]]] = None) -> np.ndarray:
        """Reset every copy; ``seed``: one per copy (None: that copy goes on with its own RNG stream)."""
        self.obs, _ = self.venv.reset(seed=None if seed is None else [None if s is None else int(s) for s in seed])
        self.returns[:] = 0.0
        self.lengths[:] = 0
        self._resetting[:] = False
        return self.obs

    def step(self, actions: np.ndarray) -> VectorStep:
        obs = self.obs
        new_obs, rewards, terminated, truncated, info = self.venv.step(actions)
        rewards = np.asarray(rewards, np.float64)
        if self.mode == AutoresetMode.NEXT_STEP:
            valid = ~self._resetting
            terminated, truncated = terminated & valid, truncated & valid
            next_obs = new_obs
        else:
            valid = np.ones(self.n, bool)
            next_obs = new_obs
            finals = info.get("_final_obs")
            if finals is not None and finals.any():
                next_obs = new_obs.copy()  # new_obs keeps the reset observations: the next step acts in them
                for i in np.flatnonzero(finals):
                    next_obs[i] = info["final_obs"][i]
        self.returns[valid] += rewards[valid]
        self.lengths[valid] += 1
        ends = terminated | truncated
        episodes = [(int(i), float(self.returns[i]), int(self.lengths[i])) for i in np.flatnonzero(ends)]
        self.returns[ends] = 0.0
        self.lengths[ends] = 0
        if self.mode == AutoresetMode.NEXT_STEP:
            self._resetting = ends.copy()
        self.obs = new_obs
        return VectorStep(obs, actions, rewards, next_obs, terminated, truncated, valid, episodes)

    def close(self) -> None:
        self.venv.close()
