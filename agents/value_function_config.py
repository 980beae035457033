"""Settings of the book's value-function agent (``agents.value_function``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from fn_framework.run.config import Presets, TrainerConfig
from fn_framework.run.registry import Algorithm
from fn_framework.run.config import setting


@dataclass(frozen=True)
class ValueFunctionConfig(TrainerConfig):
    """The book's ``ValueFunctionTrainer`` on CartPole-v0: the Trainer's defaults and epsilon 0.1."""

    TRAINER: ClassVar[str] = "agents.value_function:ValueFunctionTrainer"
    MODEL_FILE: ClassVar[str] = "value_function_agent.pkl"

    episodes: int = 220
    """Training episodes (with --play: episodes played, default 5)."""
    epsilon: float = setting(0.1, low=0, high=1)
    """Exploration rate of the epsilon-greedy policy."""


BOOK = ValueFunctionConfig()
PRESETS = {"book": BOOK}
BEST = "book"
NOTES: dict[str, str] = {}

ALGORITHM = Algorithm(
    name="value_function",
    description="The book's value-function agent (scikit-learn MLP) on CartPole.",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=None,
)
