"""What the book's Catcher agents (DQN, A2C) share in their settings: the env, the frames, the test mode."""
from __future__ import annotations

from dataclasses import dataclass

from fn_framework.run.config import TrainerConfig
from fn_framework.run.config import setting


@dataclass(frozen=True)
class CatcherAgentConfig(TrainerConfig):
    """Catcher-v0 through the book's CatcherObserver; the test mode trains a Dense net on CartPole."""

    env: str = "Catcher-v0"
    """Gymnasium environment id."""
    gamma: float = 0.99
    """Discount factor."""
    observe_interval: int = 100
    """Write observed frames to TensorBoard every N training episodes (0: never)."""
    test_mode: bool = setting(False, fixed=True)
    """The book's test mode: a Dense network on CartPole's state vector instead of the CNN."""
    frame_width: int = setting(80, low=1, fixed=True)
    """Catcher frames are resized to this width."""
    frame_height: int = setting(80, low=1, fixed=True)
    """Catcher frames are resized to this height."""
    frame_count: int = setting(4, low=1, fixed=True)
    """Frames stacked per observation."""
