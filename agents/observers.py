"""The book's observers, written once and shared by every agent that needs them."""
from __future__ import annotations

from collections import deque
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

from fn_framework import Observer, UserError


class CartPoleObserver(Observer):
    """CartPole's state as a ``(1, 4)`` row, the shape the book's agents stack."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        space = env.observation_space
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
            raise UserError(f"{_name(env)} gives {space} observations; this agent needs a vector of numbers (a 1-d Box)")
        self.observation_space = gym.spaces.Box(
            low=space.low.reshape(1, -1), high=space.high.reshape(1, -1), dtype=np.float32
        )

    def transform(self, state: Any) -> np.ndarray:
        return np.asarray(state, dtype=np.float32).reshape((1, -1))


class CatcherObserver(Observer):
    """The book's Catcher features: grayscale, resized, 4 frames stacked.

    Output: ``uint8`` ``(height, width, frame_count)``, oldest frame first, the newest in the
    last channel; after ``reset`` the stack is filled with the first frame. The book scaled
    the frames to [0, 1] here; they stay ``uint8`` (a quarter of the bytes in every rollout,
    replay and batch) up to the network, whose first layer divides by 255 (``cnn_trunk``).
    Resizing uses NEAREST, the Pillow default when the book was written (Pillow 7 changed
    the default to BICUBIC).
    """

    def __init__(self, env: gym.Env, width: int = 80, height: int = 80, frame_count: int = 4) -> None:
        super().__init__(env)
        space = env.observation_space
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 3 or space.shape[-1] != 3:
            raise UserError(f"{_name(env)} gives {space} observations; this CNN agent needs RGB frames "
                            "(height, width, 3) such as Catcher-v0's (for CartPole: --test)")
        self.width = width
        self.height = height
        self.frame_count = frame_count
        self._frames: deque[np.ndarray] = deque(maxlen=frame_count)
        self.observation_space = gym.spaces.Box(low=0, high=255, shape=(height, width, frame_count), dtype=np.uint8)

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict]:
        self._frames.clear()
        return super().reset(**kwargs)

    def transform(self, state: np.ndarray) -> np.ndarray:
        grayed = Image.fromarray(np.asarray(state, dtype=np.uint8)).convert("L")
        frame = np.asarray(grayed.resize((self.width, self.height), Image.NEAREST), dtype=np.uint8)
        if len(self._frames) == 0:
            self._frames.extend([frame] * self.frame_count)
        else:
            self._frames.append(frame)
        return np.stack(self._frames, axis=-1)


def observe_catcher(env: gym.Env, config: Any, test_observer: Any = None) -> gym.Env:
    """The Catcher agents' view (DQN, A2C, PPO): CatcherObserver at the config's frame size.

    In the book's test mode ``test_observer`` wraps the env instead (None: the raw state, as A2C's).
    """
    if config.test_mode:
        return test_observer(env) if test_observer is not None else env
    return CatcherObserver(env, config.frame_width, config.frame_height, config.frame_count)


def _name(env: gym.Env) -> str:
    spec = getattr(env, "spec", None)
    return spec.id if spec is not None else type(env.unwrapped).__name__
