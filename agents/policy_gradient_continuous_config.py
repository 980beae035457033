"""Settings of the book's continuous-action actor-critic (``agents.policy_gradient_continuous``) on Pendulum."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from fn_framework.run.config import Presets, TrainerConfig
from fn_framework.run.registry import Algorithm
from fn_framework.run.config import setting


@dataclass(frozen=True)
class PolicyGradientContinuousConfig(TrainerConfig):
    """The book's ``PolicyGradientContinuousTrainer`` and its script: Pendulum, 1500 episodes, replay of 100 000."""

    TRAINER: ClassVar[str] = "agents.policy_gradient_continuous:PolicyGradientContinuousTrainer"
    MODEL_FILE: ClassVar[str] = "policy_gradient_continuous_agent.keras"
    ACTIONS: ClassVar[str] = "box"

    env: str = "Pendulum-v1"
    """Gymnasium environment id. The book's Pendulum-v0 is gone from Gymnasium; v1 has the same dynamics and reward."""
    episodes: int = 1500
    """Training episodes (with --play: episodes played, default 5)."""
    buffer_size: int = 100000
    """Replay memory size; training begins when it is full (the book: after 500 random episodes) or after initial_count."""
    batch_size: int = 32
    """Experiences per gradient step, drawn from the replay."""
    gamma: float = 0.99
    """Discount factor."""
    epsilon: float = setting(0.01, low=0, high=1)
    """Chance of a uniform random action once training begins (before it every action is random: the book's 1.0)."""
    noise_scale: float = setting(0.1, low=0)
    """Std of the Gaussian around the actor's mean: exploration (the book's SampleLayer) and the loss's likelihood."""
    actor_learning_rate: float = setting(1e-3, above=0)
    """The actor's Adam learning rate."""
    critic_learning_rate: float = setting(1e-3, above=0)
    """The critic's Adam learning rate."""
    clipnorm: float = setting(1.0, above=0)
    """Adam's gradient clipping: each gradient's norm at most this (both networks)."""
    actor_units: int = setting(16, low=1)
    """Units of each of the actor's three hidden Dense relu layers (then a tanh mean scaled to the action bound)."""
    critic_units: int = setting(32, low=1)
    """Units of each of the critic Q(s, a)'s three hidden Dense relu layers."""
    actor_loss: str = setting("likelihood", choices=("likelihood", "dpg"))
    """'likelihood' (the book: -log N(a; mu(s), noise_scale) x TD error) or 'dpg' (beyond the book: -Q(s, mu(s)))."""
    target_noise: float = setting(0.1, low=0)
    """Std of the noise on the next state's action in the TD target (the book: its sampled action, noise 0.1)."""
    tau: float = setting(1.0, above=0, high=1)
    """Soft update rate of the target actor and critic (1, the book: no target networks; the trained ones give targets)."""
    train_freq: int = setting(1, low=1)
    """Env steps between updates (1, the book: an update every step; beyond the book: fewer, larger calls)."""
    gradient_steps: int = setting(1, low=1)
    """Gradient steps per update, run in one compiled call (beyond the book)."""

    REPLAY: ClassVar[bool] = True
    BOOK: ClassVar[dict[str, Any]] = {"env": "Pendulum-v0"}


BOOK = PolicyGradientContinuousConfig()
PRESETS = {
    "book": BOOK,
    "ddpg": replace(BOOK, actor_loss="dpg", tau=0.005, initial_count=4, train_freq=64, gradient_steps=64, episodes=100),
}
BEST = "ddpg"
#: Why each preset differs from the book (docs/book_differences.md shows them beside the fields).
NOTES = {
    "ddpg": "DDPG (Silver et al. 2014, Lillicrap et al. 2016) on the book's networks and settings: the actor "
            "follows the critic's gradient, -Q(s, mu(s)), instead of the likelihood times the TD error (a "
            "sampled action's TD error is a noisy sign of which way to move the mean; the critic's gradient "
            "says it directly); target networks with soft updates, tau 0.005, so the TD targets do not chase "
            "the weights they train; training after 5 random episodes (1000 steps; the book waits for a full "
            "replay of 100 000); 64 gradient steps in one compiled call every 64 env steps: the same gradient "
            "steps per env step as one per step, in far fewer TensorFlow calls. 100 episodes: RL-Zoo's 20 000 "
            "steps. Measured: benchmarks/README.md.",
}

ALGORITHM = Algorithm(
    name="policy_gradient_continuous",
    description="The book's continuous-action policy gradient (actor-critic) on Pendulum.",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=None,
)
