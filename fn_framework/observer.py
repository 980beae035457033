"""The book's Observer as a Gymnasium ObservationWrapper.

The book wrapped the env by hand; a wrapper gives the same ``transform`` hook and
works with every Gymnasium tool (``RecordVideo``, vector envs, ``check_env``).
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym


class Observer(gym.ObservationWrapper):
    """Turn the env's raw observations into the agent's features via ``transform``."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)

    def observation(self, observation: Any) -> Any:
        return self.transform(observation)

    def transform(self, state: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} must implement transform(state) -> features."
        )
