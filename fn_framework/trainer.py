"""The book's Trainer: the one loop every agent shares, with the book's hooks.

Subclasses fill in ``episode_begin``, ``begin_train``, ``step`` and ``episode_end`` exactly as in
the book. The loop steps a Gymnasium vector env whose copy 0 is the run's own env (the book's
single env is n = 1, seeded as the run seeded it, so the book's rows are unchanged); trainers that
step several copies (PPO, ``--n-envs``) get copies 1.. from the run's ``env_factory``. It keeps
the book's bookkeeping (``reward_log``, the report every ``report_interval`` episodes), stops
cleanly on Ctrl-C/SIGTERM and continues a ``--resume``d run. Everything else a run does is a
callback (``fn_framework/run/callbacks.py``), told after every vector step and every episode of
every copy: ``monitor.csv``, TensorBoard, the budgets, the greedy evaluations, the best model,
the progress bar. The hooks are called as the book calls them:

* ``episode_begin(i, agent, copy=j)`` / ``episode_end(i, length, agent, copy=j)`` for each episode
  of each copy ``j``, numbered in the order they begin and end (the book's env is copy 0);
* ``begin_train(i, agent)`` once, when ``experiences`` is full (or after ``initial_count`` episodes);
* ``step(i, step_count, agent, experience)`` once per vector step with copy 0's ``Experience``
  (``step_count`` is its step in its episode).

Where a step goes is ``store(step, i, agent)``, given the whole ``VectorStep`` (every copy's
transition). The off-policy family (the value function, DQN, the continuous agent) keeps the
default: each copy's transition is appended to ``experiences`` (the book's deque or the replay
memory) and training begins when it is full. The on-policy family (REINFORCE, A2C, PPO) makes its
``experiences`` a ``RolloutBuffer`` (``agents/rollout.py``) and learns from it in ``store`` (A2C,
PPO) or at an episode's end (REINFORCE), as the book's agents do. The copies reset themselves in the step that ends an episode (Gymnasium's
``SAME_STEP`` autoreset), so every step is a transition and ``n_s`` is the episode's true last
observation at an end; only ``terminated`` is stored as ``d``.

The book keeps its counters as the trainer's attributes (``reward_log``, ``training``,
``training_count``), and so does this Trainer. ``TrainerState`` (a trainer's ``State``) declares
them with their defaults: ``set_state`` sets the attributes from one, ``get_state`` reads them back
as the dict a checkpoint saves.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
import time
from collections import deque
from typing import Any, Callable, Optional, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fn_framework.experience import Experience
from fn_framework.logger import Logger
from fn_framework.run.callbacks import (
    Budget,
    Callback,
    CallbackList,
    GreedyEvaluation,
    KeepBest,
    Monitor,
    ProgressBar,
    TensorBoard,
)
from fn_framework.run.config import TrainerConfig
from fn_framework.run.signals import stop_on_signal
from fn_framework.vector import VectorEpisodes, VectorStep, make_vector_env


@dataclasses.dataclass
class TrainerState:
    """The loop's progress: the book's reward log and counters, the best model's score."""

    #: Every finished episode's reward, in the order they ended (the book's).
    reward_log: list[float] = dataclasses.field(default_factory=list)
    #: Env steps taken, over every copy.
    total_steps: int = 0
    #: Training has begun (the book's flag: a full buffer, or ``initial_count`` episodes).
    training: bool = False
    #: Episodes ended since training began (the book's).
    training_count: int = 0
    #: The observations' shape as the agent sees them (a resume with other observations is refused).
    observation_shape: tuple[int, ...] = ()
    #: The kept model's score (``keep_best``), compared as a tuple; () before the first.
    best_score: tuple[float, ...] = ()
    #: A best model has been written to ``model_path``.
    best_saved: bool = False
    #: The last 100 episodes' ``(return, length)``: SB3's ``ep_rew_mean``/``ep_len_mean``.
    recent_episodes: deque[tuple[float, int]] = dataclasses.field(default_factory=lambda: deque(maxlen=100))


def state_values(state: TrainerState) -> dict[str, Any]:
    """The fields as a plain dict (what a checkpoint pickles: a renamed class does not make it unreadable)."""
    return {field.name: getattr(state, field.name) for field in dataclasses.fields(state)}


def state_from(state_class: type, values: dict[str, Any]) -> TrainerState:
    """``state_class`` from ``state_values``'s dict; ValueError for a field it does not declare."""
    names = {field.name for field in dataclasses.fields(state_class)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"{state_class.__name__} has no field {', '.join(unknown)}")
    state = state_class(**values)
    if isinstance(state.recent_episodes, (list, tuple)):
        state.recent_episodes = deque(state.recent_episodes, maxlen=100)
    state.best_score, state.observation_shape = tuple(state.best_score), tuple(state.observation_shape)
    return state


class Trainer:
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
    #: What a checkpoint keeps of the run (``fn_framework/trainer.py``); its fields are attributes too.
    State: type = TrainerState

    #: Callbacks beyond the config's (``make_callbacks``), e.g. the benchmarks' protocol; told last.
    callbacks: Sequence[Callback] = ()
    #: The episodes ``train_loop`` plays (set when it starts).
    episode_target = 0
    #: The book keeps every frame of an observed episode; a perfect Catcher episode has 10 000 of them,
    #: so TensorBoard's ``observation`` gets at most this many of copy 0's per observation.
    max_observed_frames = 64

    def __init__(
        self, config: Any = None, log_dir: str = "", run_name: str = "", model_path: str = "", **overrides: Any
    ) -> None:
        self.set_state(self.State())
        self.config = dataclasses.replace(config if config is not None else self.config_class(), **overrides)
        self.logger = Logger(log_dir, run_name or self.trainer_name)
        self.model_path = model_path or self.logger.path_of(self.file_name)
        self.experiences: Any = self.make_experiences()
        self.agent: Any = None  # the agent being trained (set by train_loop, fn_framework/trainer.py)
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
        #: Where the loop ended (``LoopState``): the checkpoint ``finish_training`` writes continues from it.
        self.last_loop: Any = None
        #: A callback asks for a checkpoint at the end of this step (a sweep's trial, after an evaluation).
        self.checkpoint_requested = False
        self.set_state(self.fresh_state())

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

    def set_state(self, state: TrainerState) -> None:
        """Set the trainer's counters (the book's attributes) from ``state``."""
        for name, value in state_values(state).items():
            setattr(self, name, value)

    def get_state(self) -> dict[str, Any]:
        """The counters ``State`` declares, as a plain dict (what a checkpoint pickles)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self.State)}

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

    def end_episode(self, i: int, episode_reward: float, length: int, agent: Any, initial_count: int,
                    copy: int = 0) -> None:
        """The book's bookkeeping of copy ``copy``'s finished episode: the log, ``episode_end``, the report,
        ``initial_count``."""
        config = self.config
        self.reward_log.append(episode_reward)
        self.episode_end(i, length, agent, copy=copy)
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

    # The loop ----------------------------------------------------------------------
    @property
    def n_copies(self) -> int:
        """Env copies the loop steps: ``n_envs`` (1, the book's, for trainers without the setting)."""
        return int(getattr(self.config, "n_envs", 1))

    def make_envs(self, env: Any, loop: Any = None) -> VectorEpisodes:
        """``env`` as copy 0 (the run's, seeded by it; with its window under ``--render``) and ``n_envs - 1``
        more from ``env_factory`` (without one: ``config.env`` through ``observe``).

        Resuming (``loop``, a checkpoint's ``LoopState``): the saved copies, each mid-episode, as they were.
        """
        if loop is not None:
            venv = gym.vector.SyncVectorEnv([lambda copy=copy: copy for copy in loop.envs],
                                            autoreset_mode=AutoresetMode.SAME_STEP)
            envs = VectorEpisodes(venv)
            envs.obs, envs.returns[:], envs.lengths[:] = loop.obs, loop.returns, loop.lengths
            return envs
        factory = self.env_factory
        if factory is None:
            from fn_framework.run.cli import make_env

            factory = lambda render=False: type(self).observe(make_env(self.config.env, render), self.config)  # noqa: E731
        first = _Borrowed(env)
        venv = make_vector_env(lambda render=False: first if render else factory(), self.n_copies,
                               getattr(self.config, "vector_mode", "sync"),
                               AutoresetMode.SAME_STEP, render_first=True)
        return VectorEpisodes(venv)

    def start_training(self, agent: Any) -> None:
        """Called before the first step of a fresh run (PPO builds its agent here: it learns from its first rollout)."""

    def act_batch(self, agent: Any, states: np.ndarray) -> Any:
        """One action per copy: the book's ``agent.policy(s)`` for one env, one forward pass (``policy_batch``) for more."""
        if len(states) == 1:
            return [agent.policy(states[0])]
        return agent.policy_batch(states)

    def store(self, step: VectorStep, episode: int, agent: Any) -> None:
        """Append each copy's transition to ``experiences``; training begins when it is full (the book's rule)."""
        for j in range(len(step.actions)):
            self.experiences.append(Experience(step.obs[j], step.actions[j], step.rewards[j], step.next_obs[j],
                                               bool(step.terminated[j])))
            if not self.training and len(self.experiences) == self.config.buffer_size:
                self.begin_train(episode, agent)
                self.training = True

    def make_callbacks(self) -> list[Callback]:
        """The run's callbacks from its config (``fn_framework/run/callbacks.py``); ``self.callbacks`` come after."""
        c = self.config
        made: list[Callback] = [Monitor(), TensorBoard(self.observe_every, self.max_observed_frames), ProgressBar()]
        if c.steps > 0 or c.minutes > 0:
            made.append(Budget(c.steps, c.minutes))
        if c.eval_every > 0:
            made.append(GreedyEvaluation(c.eval_every, c.keep_best))
        if c.keep_best:
            made.append(KeepBest(by_episode=c.eval_every == 0))
        return made

    def stop(self, reason: str) -> None:
        """End the run after this step (its episodes are bookkept): ``budget``, ``interrupted``, a benchmark's goal..."""
        self.stop_reason = self.stop_reason or reason

    def train_loop(self, env: Any, agent: Any, episode: Optional[int] = None, initial_count: Optional[int] = None,
                   render: bool = False, observe_interval: Optional[int] = None) -> None:
        """Play until ``episode`` episodes (default: the config's) have ended or a callback stops the run.

        Training begins when ``experiences`` is full, or after ``initial_count`` episodes if that is
        positive. ``render``: the run made ``env`` with a window (it draws itself as it steps).
        """
        c = self.config
        self.episode_target = episodes = c.episodes if episode is None else episode
        initial_count = c.initial_count if initial_count is None else initial_count
        self.observe_every = c.observe_interval if observe_interval is None else observe_interval
        n = self.n_copies
        self.agent, self.train_env = agent, env
        self.experiences = self.make_experiences()
        resumed = self.resume_state
        loop = self._resume(env, agent) if resumed is not None else None  # the state, experiences and models
        if resumed is None:
            self.set_state(self.fresh_state())
            self.observation_shape = tuple(env.observation_space.shape)
            self.start_training(agent)
        self.stop_reason = ""
        callbacks = CallbackList([*self.make_callbacks(), *self.callbacks])
        envs = self.make_envs(env, loop)
        if loop is not None and loop.eval_env is not None:
            self.eval_env = loop.eval_env
        self.start_time, self.start_steps = time.perf_counter(), self.total_steps
        callbacks.on_training_start(self)
        self.last_loop = None
        try:
            with stop_on_signal(self._request_stop):
                if loop is not None:  # each copy goes on with its episode, as if never stopped
                    obs, started = envs.obs, loop.started
                else:
                    # copy 0 goes on from the run's seeding; the others get seeds from NumPy's (seeded) stream
                    seeds = [None, *np.random.randint(0, 2**31 - 1, size=n - 1)] if n > 1 else None
                    obs = envs.reset(seed=seeds)
                    started = len(self.reward_log)
                    for j in range(n):
                        self.episode_begin(started + j, agent, copy=j)
                    started += n
                if resumed is not None:
                    from fn_framework.run.checkpoint import restore_random_state

                    restore_random_state(resumed["random"])  # last: rebuilding the models may have drawn
                pending: list[int] = []  # copies whose next episode the run stopped before beginning
                for j in loop.pending if loop is not None else ():
                    self.episode_begin(started, agent, copy=j)  # as the unbroken run would have, had it gone on
                    started += 1
                last_checkpoint = (time.perf_counter(), self.total_steps)
                while len(self.reward_log) < episodes and not self.stop_reason:
                    pending = []
                    step_count = int(envs.lengths[0])
                    step = envs.step(self.act_batch(agent, obs))
                    episode_now = len(self.reward_log)
                    self.store(step, episode_now, agent)
                    self.step(episode_now, step_count, agent, Experience(  # total_steps: the steps before (the book's)
                        step.obs[0], step.actions[0], step.rewards[0], step.next_obs[0], bool(step.terminated[0])))
                    self.total_steps += n
                    obs = envs.obs
                    callbacks.on_step(self, step)
                    for copy, episode_return, length in step.episodes:
                        self.recent_episodes.append((episode_return, length))
                        self.end_episode(len(self.reward_log), episode_return, length, agent, initial_count, copy)
                        callbacks.on_episode_end(self, copy, episode_return, length)
                        if not self.stop_reason and len(self.reward_log) < episodes:
                            self.episode_begin(started, agent, copy=copy)  # the copy's next episode
                            started += 1
                        else:
                            pending.append(copy)
                    if self.checkpoint_requested or self.checkpoint_due(*last_checkpoint):
                        folder = self.checkpoint(agent, self.loop_state(envs, started, pending))
                        last_checkpoint, self.checkpoint_requested = (time.perf_counter(), self.total_steps), False
                        callbacks.on_checkpoint(self, folder)
                self.last_loop = self.loop_state(envs, started, pending)  # finish_training's checkpoint: the loop's end
        finally:
            envs.close()
            callbacks.on_training_end(self)

    def episode_step(self, copy: int = 0) -> int:
        """The env step a finished episode's scalars are written at: one per copy, never shared.

        Copies that end an episode in the same vector step share ``total_steps``, and TensorBoard's
        loader keeps one value per step, so copy ``j`` writes at the ``j``-th env step of that vector
        step; the book's single env (n = 1) writes at ``total_steps``.
        """
        return self.total_steps - self.n_copies + copy + 1

    # Checkpoints and resuming -------------------------------------------------------
    def checkpoint_due(self, since: float, since_steps: int) -> bool:
        """Whether ``checkpoint_steps`` env steps or ``checkpoint_minutes`` have passed since the last checkpoint."""
        c = self.config
        return ((c.checkpoint_steps > 0 and self.total_steps - since_steps >= c.checkpoint_steps)
                or (c.checkpoint_minutes > 0 and time.perf_counter() - since >= 60 * c.checkpoint_minutes))

    def loop_state(self, envs: VectorEpisodes, started: int, pending: Sequence[int] = ()) -> Any:
        """The loop between two steps (``LoopState``); None where the copies live in other processes (``async``)."""
        from fn_framework.run.checkpoint import LoopState

        copies = getattr(envs.venv, "envs", None)
        if copies is None:
            return None
        return LoopState(list(copies), np.array(envs.obs), envs.returns.copy(), envs.lengths.copy(), started,
                         list(pending), self.eval_env)

    def checkpoint(self, agent: Any, loop: Any = None) -> str:
        """Save everything that decides the rest of the run (``fn_framework/run/checkpoint.py``); returns its folder.

        Copies that cannot be pickled (a window under ``--render``) leave the loop out: a resume then
        starts new episodes, as a run without a checkpoint of its loop does.
        """
        import pickle

        from fn_framework.run.checkpoint import save_checkpoint

        # TensorBoard's events so far go to disk first: a run killed after this checkpoint resumes from it, and the
        # events its writer still held would be lost (monitor.csv has those episodes, TensorBoard would not).
        self.logger.flush()
        try:
            return save_checkpoint(self, agent, loop)
        except (pickle.PicklingError, TypeError, AttributeError):
            if loop is None:
                raise
            return save_checkpoint(self, agent, None)

    def _resume(self, env: Any, agent: Any) -> Any:
        """Continue the run in ``resume_state``: experiences, models, optimizer, counters.

        Returns the checkpoint's ``LoopState`` (None: the copies start new episodes). The agent's models
        are rebuilt by ``reinitialize`` and then given the saved weights.
        """
        from fn_framework.run.checkpoint import restore_agent

        state, self.resume_state = self.resume_state, None
        self.experiences = state["experiences"]
        next_episode = int(state["next_episode"])
        restored = state_from(self.State, state["trainer"])
        self.observation_shape = restored.observation_shape  # the models are rebuilt for it
        if state["agent"].initialized:
            self.reinitialize(next_episode, agent, env)
        self.set_state(restored)  # after reinitialize, whose begin_train may have moved a counter
        restore_agent(agent, state["agent"])
        self.logger.resume_from(self.total_steps)  # TensorBoard drops what a crash wrote after the checkpoint
        return state["loop"]

    def reinitialize(self, episode: int, agent: Any, env: Any) -> None:
        """Rebuild a resumed agent's models and optimizer before its weights are restored.

        By default training begins again the way it first began, with ``begin_train``;
        trainers that initialize their agent elsewhere override this.
        """
        self.begin_train(episode, agent)

    # Hooks (the book's) -----------------------------------------------------
    def episode_begin(self, episode: int, agent: Any, copy: int = 0) -> None: ...

    def begin_train(self, episode: int, agent: Any) -> None: ...

    def step(self, episode: int, step_count: int, agent: Any, experience: Experience) -> None: ...

    def episode_end(self, episode: int, step_count: int, agent: Any, copy: int = 0) -> None: ...

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


class _Borrowed(gym.Wrapper):
    """The run's env as copy 0: the vector env's ``close`` leaves it open (the run closes its own env)."""

    def close(self) -> None:
        pass
