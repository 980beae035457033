"""The book's Trainer: one episode loop shared by every agent, with hooks.

Subclasses fill in ``episode_begin``, ``begin_train``, ``step`` and ``episode_end``
exactly as in the book. Beyond the book the loop itself keeps ``reward_log``, writes
the ``reward`` scalar and ``monitor.csv`` row of every episode and prints the book's
report every ``report_interval`` episodes (the book repeated these lines in every
trainer), shows a progress bar on a terminal, and stops cleanly on Ctrl-C/SIGTERM.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from typing import Any, Iterator, Optional

from fn_framework.experience import Experience
from fn_framework.logger import Logger


class Trainer:
    """Run episodes, collect experiences and call the training hooks.

    Args:
        buffer_size: size of ``experiences``; training begins when it is full.
        batch_size: experiences per update.
        gamma: discount factor.
        report_interval: episodes between "At episode N, reward is ..." lines.
        log_dir: root folder of the logs (default ``./logs``); this trainer writes
            into the sub-folder ``trainer_name``.
    """

    #: The model's file in the log folder (an absolute path is kept as it is).
    file_name = ""

    #: The book's loop keeps every frame of an observed episode; a perfect Catcher
    #: episode has 10 000 of them, so we keep at most this many per observation.
    max_observed_frames = 64

    def __init__(
        self,
        buffer_size: int = 1024,
        batch_size: int = 32,
        gamma: float = 0.9,
        report_interval: int = 10,
        log_dir: str = "",
    ) -> None:
        self.buffer_size = buffer_size
        self.batch_size = batch_size
        self.gamma = gamma
        self.report_interval = report_interval
        self.logger = Logger(log_dir, self.trainer_name)
        self.experiences: Any = self.make_experiences()
        self.training = False
        self.training_count = 0
        self.reward_log: list[float] = []
        self.total_steps = 0
        self.stop_requested = False
        self.interrupted = False
        self.diverged = False
        #: A ``load_checkpoint`` result: the next ``train_loop`` continues that run.
        self.resume_state: Optional[dict[str, Any]] = None

    @property
    def trainer_name(self) -> str:
        """``ValueFunctionTrainer`` -> ``value_function`` (the book's log folder name)."""
        snaked = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type(self).__name__)
        snaked = re.sub("([a-z0-9])([A-Z])", r"\1_\2", snaked).lower()
        return snaked.replace("_trainer", "")

    @property
    def model_path(self) -> str:
        """Where the model is saved: the best one, for trainers that keep the best."""
        return self.logger.path_of(self.file_name)

    @property
    def last_model_path(self) -> str:
        """Where the final model goes when the best one is kept at ``model_path``."""
        base, ext = os.path.splitext(self.model_path)
        return f"{base}_last{ext}"

    def make_experiences(self) -> Any:
        """The experience container: a bounded deque, as in the book.

        Agents with a large replay (DQN) return a compact memory with ``append``
        and ``__len__`` instead.
        """
        return deque(maxlen=self.buffer_size)

    def train_loop(
        self,
        env: Any,
        agent: Any,
        episode: int = 200,
        initial_count: int = -1,
        render: bool = False,
        observe_interval: int = 0,
    ) -> None:
        """Play ``episode`` episodes, calling the hooks in the book's order.

        Training begins when ``experiences`` is full, or after ``initial_count``
        episodes if that is positive. Only ``terminated`` is stored as the
        experience's ``d``; a truncation ends the episode without being terminal.
        """
        self.experiences = self.make_experiences()
        self.training = False
        self.training_count = 0
        self.reward_log = []
        self.total_steps = 0
        first_episode = self._resume(env, agent) if self.resume_state is not None else 0
        self.interrupted = False
        frames: list[Any] = []
        self.logger.start_monitor(_env_id(env), resume=first_episode > 0)
        start = time.perf_counter()
        steps_before = self.total_steps
        progress = _progress(episode, first_episode)

        with self._stop_on_signal():
            for i in range(first_episode, episode):
                s, _ = env.reset()
                done = False
                step_count = 0
                episode_reward = 0.0
                self.episode_begin(i, agent)
                while not done:
                    if self.stop_requested:
                        break
                    if render:
                        env.render()
                    if (
                        self.training
                        and observe_interval > 0
                        and (self.training_count == 1 or self.training_count % observe_interval == 0)
                        and len(frames) < self.max_observed_frames
                    ):
                        frames.append(s)

                    a = agent.policy(s)
                    n_state, reward, terminated, truncated, _ = env.step(a)
                    e = Experience(s, a, reward, n_state, bool(terminated))
                    self.experiences.append(e)
                    if not self.training and len(self.experiences) == self.buffer_size:
                        self.begin_train(i, agent)
                        self.training = True

                    self.step(i, step_count, agent, e)

                    s = n_state
                    episode_reward += float(reward)
                    step_count += 1
                    done = bool(terminated or truncated)
                if not done:  # stopped by a signal inside the episode
                    self.interrupted = True
                    break

                self.total_steps += step_count
                self.reward_log.append(episode_reward)
                self.logger.write(i, "reward", episode_reward)
                self.logger.write_episode(episode_reward, step_count)
                self.episode_end(i, step_count, agent)
                if self.is_event(i, self.report_interval):
                    self.logger.describe("reward", self.reward_log[-self.report_interval :], episode=i)

                if not self.training and initial_count > 0 and i >= initial_count:
                    self.begin_train(i, agent)
                    self.training = True

                if self.training:
                    if len(frames) > 0:
                        self.logger.write_image(self.training_count, frames)
                        frames = []
                    self.training_count += 1

                progress.update(1)
                recent = self.reward_log[-self.report_interval :]
                progress.set_postfix(
                    reward=f"{sum(recent) / len(recent):.1f}",
                    eps=f"{getattr(agent, 'epsilon', 0.0):.3f}",
                    sps=f"{(self.total_steps - steps_before) / max(time.perf_counter() - start, 1e-9):.0f}",
                    refresh=False,
                )
                if self.stop_requested:
                    self.interrupted = True
                    break
        progress.close()
        self.logger.flush()
        self.logger.close_monitor()

    def _resume(self, env: Any, agent: Any) -> int:
        """Continue the run in ``resume_state``: experiences, models, optimizer, counters.

        Returns the episode to continue from. The agent's models are rebuilt by
        ``reinitialize`` and then given the saved weights.
        """
        from fn_framework.checkpoint import restore_state

        state, self.resume_state = self.resume_state, None
        self.experiences = state["experiences"]
        next_episode = int(state["next_episode"])
        if state["agent"].get("initialized", ("value", False))[1]:
            self.reinitialize(next_episode, agent, env)
        restore_state(self, state["trainer"])
        restore_state(agent, state["agent"])
        return next_episode

    def reinitialize(self, episode: int, agent: Any, env: Any) -> None:
        """Rebuild a resumed agent's models and optimizer before its weights are restored.

        By default training begins again the way it first began, with ``begin_train``;
        trainers that initialize their agent elsewhere override this.
        """
        self.begin_train(episode, agent)

    # Hooks -------------------------------------------------------------------
    def episode_begin(self, episode: int, agent: Any) -> None:
        pass

    def begin_train(self, episode: int, agent: Any) -> None:
        pass

    def step(self, episode: int, step_count: int, agent: Any, experience: Experience) -> None:
        pass

    def episode_end(self, episode: int, step_count: int, agent: Any) -> None:
        pass

    # Helpers -----------------------------------------------------------------
    def is_event(self, count: int, interval: int) -> bool:
        return count != 0 and count % interval == 0

    def check_loss(self, loss: float) -> bool:
        """Stop the run at this step if ``loss`` is NaN or infinite.

        The model is then no longer good: the scripts keep the last good model on disk
        instead of saving this one. Returns whether the loss was finite.
        """
        if math.isfinite(float(loss)):
            return True
        if not self.diverged:
            sys.stderr.write(f"\nThe loss became {loss}: stopping; the last good model is kept.\n")
        self.diverged = True
        self.stop_requested = True
        return False

    def get_recent(self, count: int) -> list[Experience]:
        """The last ``count`` experiences, oldest first."""
        n = len(self.experiences)
        return [self.experiences[i] for i in range(n - count, n)]

    @contextlib.contextmanager
    def _stop_on_signal(self) -> Iterator[None]:
        """First Ctrl-C/SIGTERM: finish the current step and leave the loop.

        A second one exits at once with status 130. Handlers are only installed in the
        main thread (Python allows no other) and are restored afterwards.
        """
        self.stop_requested = False
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self.stop_requested:
                sys.stderr.write("\nInterrupted again: exiting now.\n")
                sys.stderr.flush()
                os._exit(130)
            self.stop_requested = True
            sys.stderr.write(
                "\nStopping after this step and saving (press Ctrl-C again to quit at once)...\n"
            )
            sys.stderr.flush()

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def _env_id(env: Any) -> str:
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(getattr(env, "unwrapped", env)).__name__


def _progress(total: int, initial: int = 0) -> Any:
    """A tqdm bar over episodes; silent when stderr is not a terminal (CI logs)."""
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="ep", disable=None, dynamic_ncols=True, leave=False)
