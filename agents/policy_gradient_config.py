"""Settings of the book's policy-gradient agent (``agents.policy_gradient``)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from fn_framework.config import Presets, VectorConfig
from fn_framework.registry import Algorithm
from fn_framework.valid import setting


@dataclass(frozen=True)
class PolicyGradientConfig(VectorConfig):
    """The book's ``PolicyGradientTrainer`` on CartPole-v0 (its latest revision: no replay)."""

    TRAINER: ClassVar[str] = "agents.policy_gradient:PolicyGradientTrainer"
    MODEL_FILE: ClassVar[str] = "policy_gradient_agent.keras"

    episodes: int = 220
    """Training episodes (with --play: episodes played, default 5)."""
    buffer_size: int = 256
    """Random-play experiences that fit the states' scaler before training begins."""
    learning_rate: float = setting(0.01, above=0)
    """Adam's learning rate."""
    baseline_episodes: int = setting(1, low=1)
    """Standardise returns over the last N episodes' returns (1, the book: each episode on its own)."""
    input_clip: float = setting(0.0, low=0)
    """Clip the standardised states to +-N (0, the book: no clip)."""


BOOK = PolicyGradientConfig()
PRESETS = {
    "book": BOOK,
    "modern": replace(BOOK, gamma=0.99, batch_size=500, baseline_episodes=10, input_clip=5.0, keep_best=True),
    "gamma99": replace(BOOK, gamma=0.99),
}
BEST = "modern"
NOTES = {
    "modern": "Measured in scripts/policy_gradient_agent.py's docstring (CartPole-v0, seeds 1-6): gamma 0.9 sees "
              "about 10 steps ahead, the whole episode per update (500 steps: v1's longest), returns standardised "
              "over the last 10 episodes (a long episode then teaches more than a short one), standardised states "
              "clipped to +-5 (a balancing policy drifts 15+ standard deviations of random play), the best model "
              "kept. The book's settings played 18 / 24 / 9, these 185 / 181 / 176.",
    "gamma99": "gamma 0.9 sees about 10 steps ahead; CartPole pays for 200-500, so 0.99.",
}

ALGORITHM = Algorithm(
    name="policy_gradient",
    description="The book's policy-gradient agent (REINFORCE) on CartPole.",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=None,
)
