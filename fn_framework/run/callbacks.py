"""What a training run does beside the book's hooks, one job per callback (Stable-Baselines3's callbacks).

The loop (``fn_framework/trainer.py``) plays and calls the book's hooks; everything else a run does is
a ``Callback``: the budgets, the progress bar, ``monitor.csv``, TensorBoard's scalars and frames,
keeping the best model and the greedy evaluations. A trainer's
``make_callbacks`` lists them from its config; ``trainer.callbacks`` adds more (the benchmarks'
protocol, ``benchmarks/harness.py``). A callback stops a run with ``trainer.stop(reason)``: the
loop finishes the step (its episodes are bookkept) and leaves.

Keeping the best model (``keep_best``): without evaluations a training episode is scored by the
trainer's ``best_rule``; with them (``eval_every``), the greedy evaluation's mean return is the
score. The model is saved to ``model_path`` whenever the score beats the best so far (a tie keeps
the saved one). The best score lives in the trainer's state (a checkpoint keeps it), so a resumed
run goes on beating the same best.
"""
from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np


class Callback:
    """Told when the loop starts, after every vector step, at every episode's end and when it stops."""

    def on_training_start(self, trainer: Any) -> None:
        """Before the first step (``trainer.total_steps`` is where a resumed run goes on)."""

    def on_step(self, trainer: Any, step: Any) -> None:
        """After a vector step (``VectorStep``: every copy's transition); ``trainer.total_steps`` counts it."""

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
        """After the book's bookkeeping of copy ``copy``'s episode (``reward_log[-1]``)."""

    def on_training_end(self, trainer: Any) -> None:
        """When the loop stops, however it stops (the envs are closed)."""

    def on_checkpoint(self, trainer: Any, folder: str) -> None:
        """After the loop wrote a checkpoint to ``folder`` (a sweep's trial hands it to Ray Tune)."""


class CallbackList(Callback):
    """Several callbacks told in order."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)

    def on_training_start(self, trainer: Any) -> None:
        for callback in self.callbacks:
            callback.on_training_start(trainer)

    def on_step(self, trainer: Any, step: Any) -> None:
        for callback in self.callbacks:
            callback.on_step(trainer, step)

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
        for callback in self.callbacks:
            callback.on_episode_end(trainer, copy, episode_return, length)

    def on_training_end(self, trainer: Any) -> None:
        for callback in self.callbacks:
            callback.on_training_end(trainer)

    def on_checkpoint(self, trainer: Any, folder: str) -> None:
        for callback in self.callbacks:
            callback.on_checkpoint(trainer, folder)


class Budget(Callback):
    """Stop with ``budget`` when ``steps`` env steps are played or ``minutes`` have passed (0: no limit)."""

    def __init__(self, steps: int = 0, minutes: float = 0.0) -> None:
        self.steps, self.minutes = steps, minutes

    def on_training_start(self, trainer: Any) -> None:
        self.on_step(trainer, None)  # a resumed run may have spent it already

    def on_step(self, trainer: Any, step: Any) -> None:
        spent_steps = self.steps > 0 and trainer.total_steps >= self.steps
        if spent_steps or (self.minutes > 0 and time.perf_counter() - trainer.start_time >= 60 * self.minutes):
            trainer.stop("budget")


class ProgressBar(Callback):
    """A tqdm bar over episodes with the recent reward, epsilon and env steps per second (on a terminal)."""

    def on_training_start(self, trainer: Any) -> None:
        from fn_framework.run.signals import progress

        self.bar = progress(trainer.episode_target, len(trainer.reward_log))

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
        recent = trainer.reward_log[-trainer.config.report_interval:]
        speed = (trainer.total_steps - trainer.start_steps) / max(time.perf_counter() - trainer.start_time, 1e-9)
        self.bar.set_postfix(reward=f"{sum(recent) / len(recent):.1f}",
                             eps=f"{getattr(trainer.agent, 'epsilon', 0.0):.3f}", sps=f"{speed:.0f}", refresh=False)
        self.bar.update(1)

    def on_training_end(self, trainer: Any) -> None:
        self.bar.close()


class Monitor(Callback):
    """``monitor.csv``: a row per episode of every copy (SB3's Monitor format); a resume keeps its rows."""

    def on_training_start(self, trainer: Any) -> None:
        rows = len(trainer.reward_log) if trainer.reward_log else None
        trainer.logger.start_monitor(env_id(trainer.train_env), resume_rows=rows)

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
        trainer.logger.write_episode(episode_return, length)

    def on_training_end(self, trainer: Any) -> None:
        trainer.logger.close_monitor()


class TensorBoard(Callback):
    """The settings as text, ``reward``/``episode`` per episode of every copy, copy 0's observed frames.

    The book's rule picks the episodes to observe: while training, when ``training_count`` is 1 or a
    multiple of ``observe_interval``. With one env the count is constant through an episode; with
    several, another copy's episode may end meanwhile, so once copy 0 is observed it is observed until
    its episode ends. The book keeps every frame of an observed episode; a perfect
    Catcher episode has 10 000 of them, so ``observation`` gets at most ``max_frames`` per observed episode.
    """

    def __init__(self, observe_every: int, max_frames: int = 64) -> None:
        self.observe_every, self.max_frames = observe_every, max_frames
        self.frames: list[np.ndarray] = []
        self.observing = False

    def on_training_start(self, trainer: Any) -> None:
        from fn_framework.run.config import format_config

        trainer.logger.write_text("config", format_config(trainer.config))
        self.was_training = trainer.training

    def on_step(self, trainer: Any, step: Any) -> None:
        """The book's rule: the frame the agent acted on, if it was training then, in episodes 1, every, 2 every..."""
        every, count = self.observe_every, trainer.training_count
        training, self.was_training = self.was_training, trainer.training  # the step may have begun training
        if not self.observing and training and every > 0 and (count == 1 or count % every == 0):
            self.observing = True
        if self.observing and len(self.frames) < self.max_frames:
            self.frames.append(step.obs[0])

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
        step = trainer.episode_step(copy)
        trainer.logger.write(step, "reward", episode_return)
        trainer.logger.write(step, "episode", len(trainer.reward_log) - 1)
        if copy == 0 and self.observing:
            trainer.logger.write_image(trainer.total_steps, self.frames)
            self.frames, self.observing = [], False

    def on_training_end(self, trainer: Any) -> None:
        trainer.logger.flush()


def env_id(env: Any) -> str:
    """The env's id for ``monitor.csv``'s header."""
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(getattr(env, "unwrapped", env)).__name__


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

    def on_episode_end(self, trainer: Any, copy: int, episode_return: float, length: int) -> None:
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

    def on_step(self, trainer: Any, step: Any) -> None:
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
    from fn_framework.agent import rollout

    return [rollout([env], lambda obs: [agent.act(obs[0], greedy=True)])[0] for _ in range(episodes)]
