"""How a run gets its env: seeding, env creation and the checks behind their one-line errors."""
from __future__ import annotations

import random
import warnings
from typing import Any, Optional

import numpy as np

from fn_framework.errors import UserError


def seed_everything(seed: Optional[int], env: Any = None) -> None:
    """Seed Python, NumPy, TensorFlow (deterministic ops) and the env's first reset."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    if env is not None:
        env.reset(seed=seed)  # later resets without a seed continue this RNG stream
        env.action_space.seed(seed)


def make_env(env_id: str, render: bool = False, record: bool = False, actions: str = "discrete", **kwargs: Any) -> Any:
    """``gymnasium.make`` with a window only when asked; one-line error if unknown.

    ``record`` makes the env render ``rgb_array`` frames for ``FNAgent.play(record=...)``.
    ``actions`` is what the agent takes (the config's ``ACTIONS``): ``discrete`` (the book's
    agents but one) or ``box`` (the continuous actor-critic); another env is refused in one line. Environments of this
    project (Catcher-v0) are registered by the scripts that use them (``import envs``).
    """
    import gymnasium as gym

    try:
        with warnings.catch_warnings():
            # CartPole-v0 is the book's choice; Gymnasium's "out of date" warning is noise here.
            warnings.filterwarnings("ignore", message=".*out of date.*")
            mode = "rgb_array" if record else ("human" if render else None)
            env = gym.make(env_id, render_mode=mode, **kwargs)
    except gym.error.DependencyNotInstalled as error:
        raise UserError(f"{env_id} needs an optional dependency that is not installed: {error}") from None
    except gym.error.Error as error:
        raise UserError(f"unknown environment id {env_id!r} ({error})") from None
    wanted = {"discrete": gym.spaces.Discrete, "box": gym.spaces.Box}[actions]
    if not isinstance(env.action_space, wanted):
        kind = "continuous (Box)" if actions == "box" else "discrete"
        raise UserError(f"{env_id} has {env.action_space} actions; this agent needs {kind} actions")
    return env
