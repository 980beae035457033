"""The book's value-function agent: Q(s, a) by a small scikit-learn MLP on CartPole.

Changes from the book: ``joblib`` instead of the removed ``sklearn.externals.joblib``;
the TD targets of a batch are computed with NumPy instead of a Python loop.
"""
from __future__ import annotations

import os
import random
from typing import Any, Optional, Sequence

import joblib
import numpy as np
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from agents.value_function_config import ValueFunctionConfig
from fn_framework import Experience, FNAgent, Trainer, UserError


class ValueFunctionAgent(FNAgent):
    """Estimate every action's value with ``Pipeline(StandardScaler, MLPRegressor)``."""

    def save(self, model_path: str) -> None:
        from fn_framework.run.folders import atomic_path

        with atomic_path(model_path) as tmp:
            joblib.dump(self.model, tmp)

    @classmethod
    def load(cls, env: Any, model_path: str, epsilon: float = 0.0001) -> "ValueFunctionAgent":
        if not os.path.exists(model_path):
            raise UserError(f"no model at {model_path}")
        try:
            model = joblib.load(model_path)
            n_features = model.named_steps["scaler"].n_features_in_
            n_outputs = model.named_steps["estimator"].n_outputs_
        except Exception as error:  # pickle raises many types for a damaged file
            raise UserError(f"cannot read the model file {model_path} ({type(error).__name__}: {error})") from None
        obs_size = int(np.prod(env.observation_space.shape))
        if (n_features, n_outputs) != (obs_size, env.action_space.n):
            raise UserError(
                f"{model_path} was trained for {n_features} state features and {n_outputs} actions; "
                f"this environment has {obs_size} and {env.action_space.n}"
            )
        agent = cls(epsilon, list(range(env.action_space.n)))
        agent.model = model
        agent.initialized = True
        return agent

    def initialize(self, experiences: Sequence[Experience]) -> None:
        scaler = StandardScaler()
        estimator = MLPRegressor(hidden_layer_sizes=(10, 10), max_iter=1)
        self.model = Pipeline([("scaler", scaler), ("estimator", estimator)])

        states = np.vstack([e.s for e in experiences])
        self.model.named_steps["scaler"].fit(states)

        # The book's trick: one tiny fit so that predict works before training.
        self.update([experiences[0]], gamma=0)
        self.initialized = True
        print("Done initialization. From now, begin training!")

    def estimate(self, s: np.ndarray) -> np.ndarray:
        return self.model.predict(s)[0]

    def estimate_batch(self, states: Sequence[np.ndarray]) -> np.ndarray:
        return self.model.predict(np.vstack(states))

    def _predict(self, states: np.ndarray) -> np.ndarray:
        if self.initialized:
            return self.model.predict(states)
        return np.random.uniform(size=(len(states), len(self.actions)))

    def update(self, experiences: Sequence[Experience], gamma: float) -> None:
        """One ``partial_fit`` towards ``r + gamma * max Q(n_s)`` (``r`` if terminated)."""
        states = np.vstack([e.s for e in experiences])
        n_states = np.vstack([e.n_s for e in experiences])
        actions = np.array([e.a for e in experiences])
        rewards = np.array([e.r for e in experiences], dtype=np.float64)
        terminated = np.array([e.d for e in experiences], dtype=bool)

        estimateds = np.array(self._predict(states), dtype=np.float64).reshape(len(states), -1)
        future = np.asarray(self._predict(n_states)).reshape(len(states), -1)
        targets = rewards + np.where(terminated, 0.0, gamma * future.max(axis=1))
        estimateds[np.arange(len(experiences)), actions] = targets

        states = self.model.named_steps["scaler"].transform(states)
        self.model.named_steps["estimator"].partial_fit(states, estimateds)


class ValueFunctionTrainer(Trainer):
    """Replay random batches of the last ``buffer_size`` experiences after every step."""

    config_class = ValueFunctionConfig

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        from agents.observers import CartPoleObserver

        return CartPoleObserver(env)

    @staticmethod
    def load_agent(env: Any, path: str) -> ValueFunctionAgent:
        return ValueFunctionAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> ValueFunctionAgent:
        agent = ValueFunctionAgent(self.config.epsilon, list(range(env.action_space.n)))
        self.train_loop(env, agent, episode_count, render=render)
        return agent

    def begin_train(self, episode: int, agent: ValueFunctionAgent) -> None:
        agent.initialize(self.experiences)

    def step(self, episode: int, step_count: int, agent: ValueFunctionAgent, experience: Experience) -> None:
        if self.training:
            batch = random.sample(self.experiences, self.config.batch_size)
            agent.update(batch, self.config.gamma)
