"""Keeping the best model and the optional greedy evaluations: one mechanism for every trainer."""
from __future__ import annotations

import math
from typing import Any

import numpy as np


class BestModelKeeping:
    """The part of ``Trainer`` that keeps the best model (``keep_best``) and evaluates (``eval_every``).

    Without evaluations a training episode is scored by ``best_rule``; with them, the
    greedy evaluation's mean return is the score. The model is saved to ``model_path``
    whenever the score beats the best so far (a tie keeps the saved one).
    """

    #: How ``keep_best`` scores a training episode without evaluations: ``episode`` (its
    #: reward, ties broken by the mean of the recent ones) or ``recent`` (that mean; ties keep).
    best_rule = "episode"
    config: Any
    logger: Any
    model_path: str
    reward_log: list[float]
    total_steps: int
    eval_env: Any
    diverged: bool
    best_score: tuple
    best_saved: bool

    def _episode_score(self) -> tuple:
        recent = float(np.mean(self.reward_log[-self.config.report_interval :]))
        return (recent,) if self.best_rule == "recent" else (self.reward_log[-1], recent)

    def keep_if_best(self, agent: Any, score: tuple) -> bool:
        """Save the model to ``model_path`` when ``score`` beats the best so far (a tie keeps the old one)."""
        if self.best_saved and score <= self.best_score:
            return False
        agent.save(self.model_path)
        self.best_score, self.best_saved = tuple(float(v) for v in score), True
        return True

    def evaluate(self, agent: Any) -> float:
        """Play ``eval_episodes`` greedy episodes on ``eval_env``; log the mean, keep the best model."""
        if self.eval_env is None or not agent.initialized:
            return math.nan
        returns = greedy_returns(agent, self.eval_env, self.config.eval_episodes)
        mean = float(np.mean(returns))
        self.logger.write(self.total_steps, "eval/mean_return", mean)
        self.logger.describe("greedy evaluation", returns, step=self.total_steps)
        if self.config.keep_best and not self.diverged:
            self.keep_if_best(agent, (mean,))
        return mean


def greedy_returns(agent: Any, env: Any, episodes: int) -> list[float]:
    """The return of each of ``episodes`` episodes played with ``agent.act(s, greedy=True)``, one after another."""
    from fn_framework.rollout import rollout

    return [rollout([env], lambda obs: [agent.act(obs[0], greedy=True)])[0] for _ in range(episodes)]
