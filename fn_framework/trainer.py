"""The book's Trainer: one loop shared by every agent (``fn_framework/loop.py``), with hooks.

Subclasses fill in ``episode_begin``, ``begin_train``, ``step`` and ``episode_end``
exactly as in the book. The loop keeps ``reward_log``, prints the book's report every
``report_interval`` episodes and stops cleanly on Ctrl-C/SIGTERM; the rest of a run is
callbacks (``fn_framework/callbacks.py``): the ``reward`` scalar (on the env-step axis, as
SB3 and CleanRL do) and ``monitor.csv`` row of every episode, the budgets (env steps,
minutes), the optional greedy evaluations, the best model, a progress bar on a terminal.
This module holds the hooks, ``--resume`` and the book's helpers.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
from collections import deque
from typing import Any, Callable, Optional

from fn_framework.config import TrainerConfig
from fn_framework.experience import Experience
from fn_framework.logger import Logger
from fn_framework.loop import EpisodeLoop
from fn_framework.trainer_state import TrainerState, install_fields, state_from


class Trainer(EpisodeLoop):
    """Run episodes, collect experiences and call the training hooks.

    Args:
        config: the settings (``config_class``'s defaults, the book's, if None).
        log_dir: root folder of the logs (default ``./logs``); the run writes into the
            sub-folder ``run_name`` (default: the trainer's name, e.g. ``value_function``).
        model_path: where the model is saved (default: ``file_name`` in the run folder).
        overrides: config fields to change, e.g. ``Trainer(buffer_size=4)``.
    """

    config_class: type = TrainerConfig
    #: How ``keep_best`` scores a training episode without evaluations: ``episode`` (its
    #: reward, ties broken by the mean of the recent ones) or ``recent`` (that mean; ties keep).
    best_rule = "episode"
    #: What a checkpoint keeps of the run (``fn_framework/trainer_state.py``); its fields are attributes too.
    State: type = TrainerState

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        install_fields(cls, cls.State)

    def __init__(
        self, config: Any = None, log_dir: str = "", run_name: str = "", model_path: str = "", **overrides: Any
    ) -> None:
        self.state: TrainerState = self.State()
        self.config = dataclasses.replace(config if config is not None else self.config_class(), **overrides)
        self.logger = Logger(log_dir, run_name or self.trainer_name)
        self.model_path = model_path or self.logger.path_of(self.file_name)
        self.experiences: Any = self.make_experiences()
        self.agent: Any = None  # the agent being trained (set by train_loop, fn_framework/loop.py)
        self.eval_env: Any = None  # the env of the greedy evaluations (``eval_every``)
        #: Makes one more env as the agent sees it (the run sets it): vector-env trainers build their copies with it,
        #: the first with ``render=True`` when the run shows a window.
        self.env_factory: Optional[Callable[..., Any]] = None
        #: Why the run stopped before its episodes were played: ``budget``, ``interrupted``, ``diverged``,
        #: a benchmark's ``solved``/``cap`` ("" while it goes on; ``stop`` sets it).
        self.stop_reason = ""
        self.diverged = False
        #: A ``load_checkpoint`` result: the next ``train_loop`` continues that run.
        self.resume_state: Optional[dict[str, Any]] = None
        self.state = self.fresh_state()

    @property
    def trainer_name(self) -> str:
        """``ValueFunctionTrainer`` -> ``value_function`` (the book's log folder name)."""
        snaked = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type(self).__name__)
        snaked = re.sub("([a-z0-9])([A-Z])", r"\1_\2", snaked).lower()
        return snaked.replace("_trainer", "")

    @property
    def file_name(self) -> str:
        """The model's default file in the run folder: the config's ``MODEL_FILE`` (its registration)."""
        return type(self.config).MODEL_FILE

    @property
    def last_model_path(self) -> str:
        """Where the final model goes when the best one is kept at ``model_path``."""
        base, ext = os.path.splitext(self.model_path)
        return f"{base}_last{ext}"

    @property
    def final_model_path(self) -> str:
        """Where the model at the end of training goes: one rule for every agent."""
        return self.last_model_path if self.config.keep_best else self.model_path

    def fresh_state(self) -> TrainerState:
        """The state a fresh run begins with (trainers whose fields depend on the settings fill them in)."""
        return self.State()

    def make_experiences(self) -> Any:
        """The experience container: a bounded deque, as in the book.

        Agents with a large replay (DQN) return a compact memory with ``append``
        and ``__len__`` instead.
        """
        return deque(maxlen=self.config.buffer_size)

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        """The env as the agent sees it with ``config`` (the book's Observer); the raw env by default."""
        return env

    @staticmethod
    def load_agent(env: Any, path: str) -> Any:
        """The saved agent at ``path`` for ``--play``."""
        raise NotImplementedError("this trainer's agent cannot be loaded")

    def end_episode(self, i: int, episode_reward: float, length: int, agent: Any, initial_count: int) -> None:
        """The book's bookkeeping of a finished episode: the log, ``episode_end``, the report, ``initial_count``."""
        config = self.config
        self.reward_log.append(episode_reward)
        self.episode_end(i, length, agent)
        if self.is_event(i, config.report_interval):
            self.logger.describe("reward", self.reward_log[-config.report_interval :], episode=i)
        if not self.training and initial_count > 0 and i >= initial_count:
            self.begin_train(i, agent)
            self.training = True
        if self.training:
            self.training_count += 1

    @property
    def stop_requested(self) -> bool:
        return bool(self.stop_reason)

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C/SIGTERM (``--resume`` goes on)."""
        return self.stop_reason == "interrupted"

    @property
    def budget_spent(self) -> bool:
        return self.stop_reason == "budget"

    def _request_stop(self) -> bool:
        already = self.interrupted
        self.stop_reason = "interrupted"
        return already

    # Resuming --------------------------------------------------------------------
    def _resume(self, env: Any, agent: Any) -> int:
        """Continue the run in ``resume_state``: experiences, models, optimizer, counters.

        Returns the episode to continue from. The agent's models are rebuilt by
        ``reinitialize`` and then given the saved weights.
        """
        from fn_framework.checkpoint import restore_agent

        state, self.resume_state = self.resume_state, None
        self.experiences = state["experiences"]
        next_episode = int(state["next_episode"])
        restored = state_from(self.State, state["trainer"])
        self.observation_shape = restored.observation_shape  # the models are rebuilt for it
        if state["agent"].initialized:
            self.reinitialize(next_episode, agent, env)
        self.state = restored  # after reinitialize, whose begin_train may have moved a counter
        restore_agent(agent, state["agent"])
        self.logger.cut_events(self.total_steps)  # what a crash wrote after the checkpoint goes
        return next_episode

    def reinitialize(self, episode: int, agent: Any, env: Any) -> None:
        """Rebuild a resumed agent's models and optimizer before its weights are restored.

        By default training begins again the way it first began, with ``begin_train``;
        trainers that initialize their agent elsewhere override this.
        """
        self.begin_train(episode, agent)

    # Hooks (the book's) -----------------------------------------------------
    def episode_begin(self, episode: int, agent: Any) -> None: ...

    def begin_train(self, episode: int, agent: Any) -> None: ...

    def step(self, episode: int, step_count: int, agent: Any, experience: Experience) -> None: ...

    def episode_end(self, episode: int, step_count: int, agent: Any) -> None: ...

    # Helpers -----------------------------------------------------------------
    def is_event(self, count: int, interval: int) -> bool:
        return count != 0 and count % interval == 0

    def check_loss(self, loss: float) -> bool:
        """Stop the run at this step if ``loss`` is NaN or infinite.

        The model is then no longer good: the run keeps the last good model on disk
        instead of saving this one. Returns whether the loss was finite.
        """
        if math.isfinite(float(loss)):
            return True
        if not self.diverged:
            sys.stderr.write(f"\nThe loss became {loss}: stopping; the last good model is kept.\n")
        self.diverged = True
        self.stop("diverged")
        return False

    def get_recent(self, count: int) -> list[Experience]:
        """The last ``count`` experiences, oldest first."""
        n = len(self.experiences)
        return [self.experiences[i] for i in range(n - count, n)]


install_fields(Trainer, TrainerState)
