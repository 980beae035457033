"""The Trainer's one loop: ``n_envs`` copies of the env stepped as one vector env; the book's env is n = 1.

The book plays one env, one episode after another, and calls its hooks; here that env is copy 0
of a Gymnasium vector env (the run's own env, seeded as the run seeded it: the book's rows are
unchanged), and trainers that step several copies (PPO, ``--n-envs`` for A2C and the policy
gradient) get copies 1.. from the run's ``env_factory``. The loop keeps the book's bookkeeping
(``reward_log``, the report), Ctrl-C and ``--resume``; the rest is callbacks (``make_callbacks``,
``fn_framework/callbacks.py``), told after every vector step and every episode of every copy:
``monitor.csv``, TensorBoard's scalars and observed frames, the budgets, the greedy evaluations,
the best model, the progress bar, and any of ``callbacks`` (the benchmarks' protocol). A callback
ends the run with ``stop(reason)``. The book's hooks are called as the book calls them:

* ``episode_begin(i, agent)`` / ``episode_end(i, length, agent)`` for each episode of each copy,
  numbered in the order they begin and end; ``env_index`` is the copy whose episode it is;
* ``begin_train(i, agent)`` once, when ``experiences`` is full (or after ``initial_count`` episodes);
* ``step(i, step_count, agent, experience)`` once per vector step with copy 0's ``Experience``
  (the book's: ``step_count`` is its step in its episode); ``vector_step`` holds every copy's
  transitions (``VectorStep``) for the trainers that learn from all of them.

Where a step goes is ``store``: by default each copy's transition is appended to ``experiences``
(the book's deque or the replay memory); on-policy trainers that keep a rollout of the copies'
steps (A2C, PPO) override it. The copies reset themselves in the step that ends an episode
(Gymnasium's ``SAME_STEP`` autoreset), so every step is a transition and ``n_s`` is the episode's
true last observation at an end; only ``terminated`` is stored as ``d``.
"""
from __future__ import annotations

import time
from typing import Any, Optional, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fn_framework.best import GreedyEvaluation, KeepBest
from fn_framework.callbacks import Budget, Callback, CallbackList, Monitor, ProgressBar, TensorBoard
from fn_framework.experience import Experience
from fn_framework.signals import stop_on_signal
from fn_framework.vector import VectorEpisodes, VectorStep, make_vector_env


class EpisodeLoop:
    """Mixed into ``Trainer``: ``train_loop`` and its helpers."""

    #: Callbacks beyond the config's (``make_callbacks``), e.g. the benchmarks' protocol; told last.
    callbacks: Sequence[Callback] = ()
    #: The copy whose episode or step the hooks are given (0: the book's env).
    env_index = 0
    #: The episodes ``train_loop`` plays (set when it starts).
    episode_target = 0
    #: The last vector step: every copy's transitions (None outside the loop).
    vector_step: Optional[VectorStep] = None
    #: The book keeps every frame of an observed episode; a perfect Catcher episode has 10 000 of them,
    #: so TensorBoard's ``observation`` gets at most this many of copy 0's per observation.
    max_observed_frames = 64

    @property
    def n_copies(self) -> int:
        """Env copies the loop steps: ``n_envs`` (1, the book's, for trainers without the setting)."""
        return int(getattr(self.config, "n_envs", 1))

    def make_envs(self, env: Any) -> VectorEpisodes:
        """``env`` as copy 0 (the run's, seeded by it; with its window under ``--render``) and ``n_envs - 1``
        more from ``env_factory`` (without one: ``config.env`` through ``observe``)."""
        factory = self.env_factory
        if factory is None:
            from fn_framework.env_setup import make_env

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
        """The run's callbacks from its config (``fn_framework/callbacks.py``); ``self.callbacks`` come after."""
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
        if self.resume_state is not None:
            self._resume(env, agent)  # the state (counters, ``training``...) and ``experiences`` as they were saved
        else:
            self.state = self.fresh_state()
            self.observation_shape = tuple(env.observation_space.shape)
            self.start_training(agent)
        self.stop_reason = ""
        callbacks = CallbackList([*self.make_callbacks(), *self.callbacks])
        envs = self.make_envs(env)
        self.start_time, self.start_steps = time.perf_counter(), self.total_steps
        callbacks.on_training_start(self)
        try:
            with stop_on_signal(self._request_stop):
                # copy 0 goes on from the run's seeding; the others get seeds from NumPy's (seeded) stream
                seeds = [None, *np.random.randint(0, 2**31 - 1, size=n - 1)] if n > 1 else None
                obs = envs.reset(seed=seeds)
                started = len(self.reward_log)
                for j in range(n):
                    self.env_index = j
                    self.episode_begin(started + j, agent)
                started += n
                while len(self.reward_log) < episodes and not self.stop_reason:
                    step_count = int(envs.lengths[0])
                    step = self.vector_step = envs.step(self.act_batch(agent, obs))
                    episode_now = len(self.reward_log)
                    self.store(step, episode_now, agent)
                    self.env_index = 0
                    self.step(episode_now, step_count, agent, Experience(  # total_steps: the steps before (the book's)
                        step.obs[0], step.actions[0], step.rewards[0], step.next_obs[0], bool(step.terminated[0])))
                    self.total_steps += n
                    obs = envs.obs
                    callbacks.on_step(self)
                    for copy, episode_return, length in step.episodes:
                        self.env_index = copy
                        self.recent_episodes.append((episode_return, length))
                        self.end_episode(len(self.reward_log), episode_return, length, agent, initial_count)
                        callbacks.on_episode_end(self, episode_return, length)
                        if not self.stop_reason and len(self.reward_log) < episodes:
                            self.episode_begin(started, agent)  # the copy's next episode
                            started += 1
        finally:
            envs.close()
            self.env_index = 0
            callbacks.on_training_end(self)
            self.vector_step = None

    def episode_step(self) -> int:
        """The env step a finished episode's scalars are written at: one per copy, never shared.

        Copies that end an episode in the same vector step share ``total_steps``, and TensorBoard's
        loader keeps one value per step, so copy ``j`` writes at the ``j``-th env step of that vector
        step; the book's single env (n = 1) writes at ``total_steps``.
        """
        return self.total_steps - self.n_copies + self.env_index + 1


class _Borrowed(gym.Wrapper):
    """The run's env as copy 0: the vector env's ``close`` leaves it open (the run closes its own env)."""

    def close(self) -> None:
        pass

