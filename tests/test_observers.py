"""The book's Catcher observer: grayscale, NEAREST resize, frames stacked newest last."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from agents.observers import CatcherObserver


class _FramesEnv(gym.Env):
    """Returns the given RGB frames, one per reset/step."""

    def __init__(self, frames: list[np.ndarray]) -> None:
        self.frames = frames
        self.index = 0
        self.observation_space = gym.spaces.Box(0, 255, frames[0].shape, np.uint8)
        self.action_space = gym.spaces.Discrete(3)

    def reset(self, *, seed: Any = None, options: Any = None) -> tuple[np.ndarray, dict]:
        self.index = 0
        return self.frames[0], {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.index += 1
        return self.frames[self.index], 0.0, False, False, {}


def _gray(value: np.ndarray) -> np.ndarray:
    return np.repeat(value[..., None], 3, axis=-1).astype(np.uint8)  # R = G = B, so "L" keeps the value


def test_catcher_observer_stacks_newest_last_and_resizes_nearest() -> None:
    big = _gray(np.arange(16).reshape(4, 4) * 10)
    frames = [big, _gray(np.full((4, 4), 100)), _gray(np.full((4, 4), 200))]
    env = CatcherObserver(_FramesEnv(frames), width=2, height=2, frame_count=3)
    s, _ = env.reset()
    assert s.shape == (2, 2, 3) and s.dtype == np.uint8 and env.observation_space.dtype == np.uint8
    # NEAREST 4 -> 2 samples pixels (1, 1), (1, 3), (3, 1), (3, 3); BICUBIC would blend them.
    nearest = np.array([[50, 70], [130, 150]], np.uint8)
    for c in range(3):  # reset fill: the first frame in every channel
        np.testing.assert_array_equal(s[..., c], nearest)
    s, *_ = env.step(0)
    s, *_ = env.step(0)
    np.testing.assert_array_equal(s[..., 0], nearest)  # oldest first
    assert (s[..., 1] == 100).all() and (s[..., 2] == 200).all()  # newest last
    s, _ = env.reset()
    np.testing.assert_array_equal(s[..., 2], nearest)  # reset starts a fresh stack
