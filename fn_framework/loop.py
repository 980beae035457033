"""The Trainer's one loop: ``n_envs`` copies of the env stepped as one vector env; the book's env is n = 1.

The book plays one env, one episode after another, and calls its hooks; here that env is copy 0
of a Gymnasium vector env (the run's own env, seeded as the run seeded it: the book's rows are
unchanged), and trainers that step several copies (PPO, ``--n-envs`` for A2C and the policy
gradient) get copies 1.. from the run's ``env_factory``. One loop keeps every bookkeeping for all:
the ``reward`` scalar and ``monitor.csv`` row of every episode of every copy, the book's report,
the budgets, the best model, the greedy evaluations, observed frames, the progress bar, Ctrl-C and
``--resume``. The book's hooks are called as the book calls them:

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
from collections import deque
from typing import Any, Callable, Optional

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fn_framework.config import format_config
from fn_framework.experience import Experience
from fn_framework.signals import progress, stop_on_signal
from fn_framework.vector import VectorEpisodes, VectorStep, make_vector_env


class EpisodeLoop:
    """Mixed into ``Trainer``: ``train_loop`` and its helpers."""

    #: Wraps the training vector env (the benchmarks' Protocol counts its steps); identity if None.
    vector_wrapper: Optional[Callable[[Any], Any]] = None
    #: The copy whose episode or step the hooks are given (0: the book's env).
    env_index = 0
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
        return VectorEpisodes(self.vector_wrapper(venv) if self.vector_wrapper else venv)

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

    def train_loop(self, env: Any, agent: Any, episode: Optional[int] = None, initial_count: Optional[int] = None,
                   render: bool = False, observe_interval: Optional[int] = None) -> None:
        """Play until ``episode`` episodes (default: the config's) have ended or a budget is spent.

        Training begins when ``experiences`` is full, or after ``initial_count`` episodes if that is
        positive. ``render``: the run made ``env`` with a window (it draws itself as it steps).
        """
        c = self.config
        episodes = c.episodes if episode is None else episode
        initial_count = c.initial_count if initial_count is None else initial_count
        self.observe_every = c.observe_interval if observe_interval is None else observe_interval
        n = self.n_copies
        self.agent, self.observation_shape = agent, tuple(env.observation_space.shape)
        self.experiences = self.make_experiences()
        self.reward_log, self.total_steps, self.training_count = [], 0, 0
        self.recent_episodes: deque[tuple[float, int]] = deque(maxlen=100)  # (return, length), SB3's ep_*_mean
        self.best_score, self.best_saved, self.training = (), False, False
        if self.resume_state is not None:
            self._resume(env, agent)  # the counters, ``training`` and ``experiences`` as they were saved
        else:
            self.start_training(agent)
        self.interrupted = self.budget_spent = self.stop_requested = False
        self.logger.start_monitor(env_id(env), resume_rows=len(self.reward_log) if self.reward_log else None)
        self.logger.write_text("config", format_config(c))
        self._frames: list[np.ndarray] = []
        envs = self.make_envs(env)
        self.start_time, self.start_steps = time.perf_counter(), self.total_steps
        bar = progress(episodes, len(self.reward_log))
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
                while len(self.reward_log) < episodes:
                    if self.stop_requested or self._out_of_budget(self.start_time):
                        self.interrupted = not self.budget_spent
                        break
                    self._observe(obs[0])
                    step_count = int(envs.lengths[0])
                    step = self.vector_step = envs.step(self.act_batch(agent, obs))
                    episode_now = len(self.reward_log)
                    self.store(step, episode_now, agent)
                    self.env_index = 0
                    self.step(episode_now, step_count, agent, Experience(  # total_steps: the steps before (the book's)
                        step.obs[0], step.actions[0], step.rewards[0], step.next_obs[0], bool(step.terminated[0])))
                    steps_before, self.total_steps = self.total_steps, self.total_steps + n
                    obs = envs.obs
                    if c.eval_every > 0 and self.total_steps // c.eval_every > steps_before // c.eval_every:
                        self.evaluate(agent)
                    for copy, episode_return, length in step.episodes:
                        self.env_index = copy
                        started = self._episode_done(agent, episode_return, length, started, episodes, initial_count)
                        bar.update(1)
                    if step.episodes:
                        self._show(bar, agent)
        finally:
            envs.close()
            bar.close()
            self.env_index, self.vector_step = 0, None
        if c.keep_best and agent.initialized and not self.best_saved and not self.diverged:
            agent.save(self.model_path)  # nothing was scored yet (training began in the last episode)
        self.logger.flush()
        self.logger.close_monitor()

    def _episode_done(self, agent: Any, episode_return: float, length: int, started: int, episodes: int,
                      initial_count: int) -> int:
        """The book's bookkeeping of a finished episode; the copy's next one begins if the run goes on."""
        self.recent_episodes.append((episode_return, length))
        self.end_episode(len(self.reward_log), episode_return, length, agent, initial_count)
        if self.training:
            if self.env_index == 0 and self._frames:
                self.logger.write_image(self.total_steps, self._frames)
                self._frames = []
            self.training_count += 1
        if self.stop_requested or len(self.reward_log) >= episodes:
            return started
        self.episode_begin(started, agent)
        return started + 1

    def _observe(self, state: np.ndarray) -> None:
        """Copy 0's frames go to TensorBoard's ``observation`` in the book's observed episodes."""
        every = self.observe_every
        if (self.training and every > 0 and (self.training_count == 1 or self.training_count % every == 0)
                and len(self._frames) < self.max_observed_frames):
            self._frames.append(state)

    def _show(self, bar: Any, agent: Any) -> None:
        recent = self.reward_log[-self.config.report_interval:]
        speed = (self.total_steps - self.start_steps) / max(time.perf_counter() - self.start_time, 1e-9)
        bar.set_postfix(reward=f"{sum(recent) / len(recent):.1f}", eps=f"{getattr(agent, 'epsilon', 0.0):.3f}",
                        sps=f"{speed:.0f}", refresh=False)

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


def env_id(env: Any) -> str:
    """The env's id for ``monitor.csv``'s header."""
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(getattr(env, "unwrapped", env)).__name__
