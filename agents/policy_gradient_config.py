"""Settings of the book's policy-gradient agent (``agents.policy_gradient``)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from fn_framework.run.config import Presets, VectorConfig
from fn_framework.run.registry import Algorithm
from fn_framework.run.config import setting


@dataclass(frozen=True)
class PolicyGradientConfig(VectorConfig):
    """The book's ``PolicyGradientTrainer`` on CartPole-v0 (its latest revision: no replay)."""

    TRAINER: ClassVar[str] = "agents.policy_gradient:PolicyGradientTrainer"
    MODEL_FILE: ClassVar[str] = "policy_gradient_agent.keras"
    #: Training begins once buffer_size random steps have fitted the states' scaler (the book's rule): no episode count.
    UNUSED: ClassVar[tuple[str, ...]] = ("initial_count",)

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
    "modern": "gamma 0.99 (0.9 sees about 10 steps ahead; CartPole pays for hundreds), the whole episode per "
              "update (500 steps: v1's longest), returns standardised over the last 10 episodes (a long episode "
              "then teaches more than a short one), standardised states clipped to +-5 (the scaler is fitted on "
              "random play, and a balancing policy drifts far outside it, saturating the softmax), the best model "
              "kept (the last one is whatever the final updates left). Each part measured: benchmarks/README.md.",
    "gamma99": "gamma 0.9 sees about 10 steps ahead; CartPole pays for 200-500, so 0.99.",
}

ALGORITHM = Algorithm(
    name="policy_gradient",
    description="The book's policy-gradient agent (REINFORCE) on CartPole.",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=None,
)
