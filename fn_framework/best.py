"""Keeping the best model (``keep_best``) and the greedy evaluations (``eval_every``): two callbacks.

Without evaluations a training episode is scored by the trainer's ``best_rule``; with them, the
greedy evaluation's mean return is the score. The model is saved to ``model_path`` whenever the
score beats the best so far (a tie keeps the saved one). The best score lives in the trainer's
state (a checkpoint keeps it), so a resumed run goes on beating the same best.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from fn_framework.callbacks import Callback


def keep_if_best(trainer: Any, agent: Any, score: tuple) -> bool:
    """Save the model to ``model_path`` when ``score`` beats the best so far (a tie keeps the old one)."""
    if trainer.diverged or not agent.initialized or (trainer.best_saved and score <= trainer.best_score):
        return False
    agent.save(trainer.model_path)
    trainer.best_score, trainer.best_saved = tuple(float(v) for v in score), True
    return True


def episode_score(trainer: Any) -> tuple:
    """A training episode's score: ``episode`` (its reward, ties broken by the recent mean) or ``recent``."""
    recent = float(np.mean(trainer.reward_log[-trainer.config.report_interval:]))
    return (recent,) if trainer.best_rule == "recent" else (trainer.reward_log[-1], recent)


class KeepBest(Callback):
    """Without evaluations: score every training episode; at the end, save a model if none was scored yet."""

    def __init__(self, by_episode: bool) -> None:
        self.by_episode = by_episode

    def on_episode_end(self, trainer: Any, episode_return: float, length: int) -> None:
        if self.by_episode:
            keep_if_best(trainer, trainer.agent, episode_score(trainer))

    def on_training_end(self, trainer: Any) -> None:
        agent = trainer.agent
        if agent.initialized and not trainer.best_saved and not trainer.diverged:
            agent.save(trainer.model_path)  # nothing was scored yet (training began in the last episode)


class GreedyEvaluation(Callback):
    """Every ``every`` env steps: ``eval_episodes`` greedy episodes on ``trainer.eval_env``, ``eval/mean_return``."""

    def __init__(self, every: int, keep_best: bool) -> None:
        self.every, self.keep_best = every, keep_best

    def on_step(self, trainer: Any) -> None:
        now = trainer.total_steps
        if now // self.every > (now - trainer.n_copies) // self.every:
            self.evaluate(trainer)

    def evaluate(self, trainer: Any) -> float:
        agent = trainer.agent
        if trainer.eval_env is None or not agent.initialized:
            return math.nan
        returns = greedy_returns(agent, trainer.eval_env, trainer.config.eval_episodes)
        mean = float(np.mean(returns))
        trainer.logger.write(trainer.total_steps, "eval/mean_return", mean)
        trainer.logger.describe("greedy evaluation", returns, step=trainer.total_steps)
        if self.keep_best:
            keep_if_best(trainer, agent, (mean,))
        return mean


def greedy_returns(agent: Any, env: Any, episodes: int) -> list[float]:
    """The return of each of ``episodes`` episodes played with ``agent.act(s, greedy=True)``, one after another."""
    from fn_framework.rollout import rollout

    return [rollout([env], lambda obs: [agent.act(obs[0], greedy=True)])[0] for _ in range(episodes)]
