"""The Trainer's loop over vector envs: ``n_envs`` copies stepped as one, one forward pass acting for all.

The book's loop (``Trainer.train_loop``) plays one env, one episode after another. With
``n_envs > 1`` (``VectorConfig``) or for a trainer that always steps copies (``vector_envs``:
PPO) the Trainer runs this loop instead, keeping the book's hooks and every bookkeeping of the
book's loop (the ``reward`` scalar and ``monitor.csv`` row of every episode of every copy, the
report, the budgets, keeping the best model, the greedy evaluations, observed frames, Ctrl-C,
``--resume``):

* ``episode_begin(i, agent)`` / ``episode_end(i, length, agent)`` for each episode of each copy,
  numbered in the order they begin and end; ``env_index`` is the copy whose episode it is;
* ``step(episode, t, agent, experience)`` once per vector step with an ``Experience`` of arrays
  (one row per copy; ``t``: vector steps so far); ``vector_step`` holds the full
  ``VectorStep`` (truncations, episode ends) for trainers that need them.

The copies reset themselves at the same step (Gymnasium's ``SAME_STEP`` autoreset), so every
step is a transition and ``n_s`` is the episode's true last observation at an end.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

import numpy as np
from gymnasium.vector import AutoresetMode

from fn_framework.config import format_config
from fn_framework.experience import Experience
from fn_framework.signals import stop_on_signal
from fn_framework.vector import VectorEpisodes, VectorStep, make_vector_env


class VectorLoop:
    """Mixed into ``Trainer``: ``vector_loop`` and its helpers."""

    #: Always steps copies of the env, even one (PPO); others do when ``config.n_envs > 1``.
    vector_envs = False
    #: Wraps the training vector env (the benchmarks' Protocol counts its steps); identity if None.
    vector_wrapper: Optional[Callable[[Any], Any]] = None
    #: The copy whose episode or step the hooks are given (0 in the book's loop).
    env_index = 0
    #: The last vector step (None in the book's loop).
    vector_step: Optional[VectorStep] = None

    @property
    def uses_vector_envs(self) -> bool:
        return self.vector_envs or getattr(self.config, "n_envs", 1) > 1

    @property
    def n_copies(self) -> int:
        """Env copies the loop steps: ``n_envs`` in the vector loop, 1 in the book's."""
        return int(getattr(self.config, "n_envs", 1)) if self.uses_vector_envs else 1

    def make_envs(self, env: Any, render: bool = False) -> VectorEpisodes:
        """``n_envs`` copies from ``env_factory`` (without one: ``config.env`` through ``observe``).

        ``render``: the first copy shows itself in a window (``env_factory(render=True)``), the others none.
        """
        factory = self.env_factory
        if factory is None:
            from fn_framework.env_setup import make_env

            factory = lambda render=False: type(self).observe(make_env(self.config.env, render), self.config)  # noqa: E731
        venv = make_vector_env(factory, self.n_copies, self.config.vector_mode, AutoresetMode.SAME_STEP,
                               render_first=render)
        return VectorEpisodes(self.vector_wrapper(venv) if self.vector_wrapper else venv)

    def start_vector_training(self, agent: Any) -> None:
        """Called before the first vector step of a fresh run (PPO builds its agent here)."""

    def act_batch(self, agent: Any, states: np.ndarray) -> np.ndarray:
        """One action per copy, from one forward pass (``agent.policy_batch``)."""
        return agent.policy_batch(states)

    def vector_loop(self, env: Any, agent: Any, episodes: int, initial_count: int, render: bool = False) -> None:
        """Step the copies until ``episodes`` episodes have ended or a budget is spent.

        ``render``: the first copy is made with a window and draws itself (``make_envs``).
        """
        c = self.config
        n = self.n_copies
        self.agent, self.observation_shape = agent, tuple(env.observation_space.shape)
        self.reward_log, self.total_steps, self.training_count = [], 0, 0
        self.best_score, self.best_saved = (), False
        self.training = False
        if self.resume_state is not None:
            self._resume(env, agent)
            self.training = bool(getattr(agent, "initialized", True))
        else:
            self.start_vector_training(agent)
        self.interrupted = self.budget_spent = self.stop_requested = False
        self.logger.start_monitor(env_id(env), resume_rows=len(self.reward_log) if self.reward_log else None)
        self.logger.write_text("config", format_config(c))
        self._frames: Optional[list[np.ndarray]] = None
        envs = self.make_envs(env, render)
        start = time.perf_counter()
        self._clock = (start, self.total_steps)
        t = 0
        try:
            with stop_on_signal(self._request_stop):
                obs = envs.reset(seed=np.random.randint(0, 2**31 - 1, size=n))
                started = len(self.reward_log)
                for i in range(n):
                    self.env_index = i
                    self.episode_begin(started + i, agent)
                started += n
                while len(self.reward_log) < episodes:
                    if self.stop_requested or self._out_of_budget(start):
                        self.interrupted = not self.budget_spent
                        break
                    step = envs.step(self.act_batch(agent, obs))
                    self.vector_step = step
                    steps_before, self.total_steps = self.total_steps, self.total_steps + n
                    t += 1
                    self.step(len(self.reward_log), t, agent,
                              Experience(step.obs, step.actions, step.rewards, step.next_obs, step.terminated))
                    obs = envs.obs
                    self._observe(step.obs[0])
                    for copy, episode_return, length in step.episodes:
                        self.env_index = copy
                        started = self._episode_done(agent, episode_return, length, started, initial_count)
                    if c.eval_every > 0 and self.total_steps // c.eval_every > steps_before // c.eval_every:
                        self.evaluate(agent)
        finally:
            envs.close()
            self.env_index, self.vector_step = 0, None
        if c.keep_best and agent.initialized and not self.best_saved and not self.diverged:
            agent.save(self.model_path)
        self.logger.flush()
        self.logger.close_monitor()

    def episode_step(self) -> int:
        """The env step a finished episode's scalars are written at: one per copy, never shared.

        Copies that end an episode in the same vector step share ``total_steps``, and TensorBoard's
        loader keeps one value per step, so copy ``j`` writes at the ``j``-th env step of that vector
        step; the book's single env (n = 1) writes at ``total_steps``.
        """
        return self.total_steps - self.n_copies + self.env_index + 1

    def _episode_done(self, agent: Any, episode_return: float, length: int, started: int, initial_count: int) -> int:
        """The book loop's bookkeeping of a finished episode; the copy's next one begins."""
        c, i = self.config, len(self.reward_log)
        self.episode_info = (getattr(self, "episode_info", []) + [(episode_return, length)])[-100:]
        self.end_episode(i, episode_return, length, agent, initial_count)
        if c.observe_interval > 0 and i % c.observe_interval == 0 and self._frames is None:
            self._frames = []  # the first copy's next frames go to TensorBoard's ``observation``
        self.episode_begin(started, agent)
        return started + 1

    def _observe(self, state: np.ndarray) -> None:
        if self._frames is None:
            return
        self._frames.append(state)
        if len(self._frames) == self.max_observed_frames:
            self.logger.write_image(self.total_steps, self._frames)
            self._frames = None


def env_id(env: Any) -> str:
    """The env's id for ``monitor.csv``'s header."""
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(getattr(env, "unwrapped", env)).__name__
