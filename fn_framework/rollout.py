"""One way to play episodes outside training: ``--play``, the greedy evaluations and the benchmarks' evaluator.

Training has its own loop (``fn_framework/loop.py``: it stores transitions and calls the book's
hooks); everything that only plays runs ``rollout``: one episode on each of a few envs at once,
acting for all of them with one call, as SB3's ``evaluate_policy`` does.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np


def rollout(envs: Sequence[Any], act: Callable[[list[Any]], Sequence[Any]], seeds: Optional[Sequence[Any]] = None,
            before_step: Optional[Callable[[], None]] = None,
            stopped: Optional[Callable[[], bool]] = None) -> list[Optional[float]]:
    """Play one episode on each env; return each one's return (None where ``stopped()`` came first).

    ``act`` gets every env's current observation (those already done too: one batch shape) and
    returns one action per env. ``seeds``: each env's reset seed (None: it goes on with its stream).
    ``before_step`` runs before every step (``--play`` grabs its frame there).
    """
    n = len(envs)
    obs = [env.reset(seed=s)[0] for env, s in zip(envs, seeds or [None] * n)]
    returns, done = np.zeros(n), np.zeros(n, bool)
    while not done.all():
        if stopped is not None and stopped():
            break
        if before_step is not None:
            before_step()
        actions = act(obs)
        for i, env in enumerate(envs):
            if not done[i]:
                obs[i], reward, terminated, truncated, _ = env.step(as_action(env.action_space, actions[i]))
                returns[i] += float(reward)
                done[i] = terminated or truncated
    return [float(r) if d else None for r, d in zip(returns, done)]


def as_action(space: Any, action: Any) -> Any:
    """What the env's ``step`` takes: an int for a discrete space, an array of its dtype for a Box."""
    if hasattr(space, "n"):
        return int(action)
    return np.asarray(action, dtype=space.dtype)
