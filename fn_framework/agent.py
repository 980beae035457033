"""The book's FNAgent: the common shape of every function-approximation agent."""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from fn_framework.experience import Experience
from fn_framework.files import atomic_path


class FNAgent:
    """An agent that acts by ``policy(s)`` from a learned ``model``.

    ``estimate(s)`` returns action values (epsilon-greedy acting) or, when
    ``estimate_probs`` is True, action probabilities (sampling).
    """

    def __init__(self, epsilon: float, actions: Sequence[int]) -> None:
        self.epsilon = epsilon
        self.actions = list(actions)
        self.model: Any = None
        self.estimate_probs = False
        self.initialized = False

    # Persistence -------------------------------------------------------------
    def save(self, model_path: str) -> None:
        """Save the Keras model atomically (``.keras`` by default, legacy ``.h5`` too).

        No optimizer state is saved: Keras 3 cannot reload an ``.h5`` model compiled
        with a string loss, and playing needs only the weights.
        """
        kwargs = {"include_optimizer": False} if model_path.endswith(".h5") else {}
        with atomic_path(model_path) as tmp:
            self.model.save(tmp, **kwargs)

    @classmethod
    def load(cls, env: Any, model_path: str, epsilon: float = 0.0001) -> "FNAgent":
        actions = list(range(env.action_space.n))
        agent = cls(epsilon, actions)
        agent.model = load_keras_model(model_path)
        agent.initialized = True
        return agent

    # The parts each agent writes ----------------------------------------------
    def initialize(self, experiences: Sequence[Experience], *args: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement initialize(experiences).")

    def estimate(self, s: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement estimate(s).")

    def update(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement update(...).")

    # Acting ----------------------------------------------------------------
    def policy(self, s: Any) -> int:
        """Epsilon-greedy on ``estimate`` (or sample from it); random until initialized."""
        if np.random.random() < self.epsilon or not self.initialized:
            return int(np.random.randint(len(self.actions)))
        estimates = self.estimate(s)
        if self.estimate_probs:
            probs = np.asarray(estimates, dtype=np.float64)
            probs = probs / probs.sum()  # float32 softmax rarely sums to 1 within NumPy's tolerance
            return int(np.random.choice(self.actions, size=1, p=probs)[0])
        return int(np.argmax(estimates))

    def play(self, env: Any, episode_count: int = 5, render: bool = True) -> list[float]:
        """Play ``episode_count`` episodes; print and return each episode's reward."""
        rewards = []
        for _ in range(episode_count):
            s, _ = env.reset()
            done = False
            episode_reward = 0.0
            while not done:
                if render and env.render_mode is not None:
                    env.render()
                a = self.policy(s)
                s, reward, terminated, truncated, _ = env.step(a)
                episode_reward += float(reward)
                done = terminated or truncated
            print(f"Get reward {episode_reward}.")
            rewards.append(episode_reward)
        return rewards


def load_keras_model(model_path: str) -> Any:
    """Load a ``.keras`` or ``.h5`` model for inference, with a clear error if missing."""
    if not os.path.exists(model_path):
        raise FileNotFoundError(f"no model at {model_path}")
    import keras

    return keras.models.load_model(model_path, compile=False)
