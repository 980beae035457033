"""Settings of the book's DQN agent (``agents.dqn``): Catcher, and the test mode on CartPole."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from agents.catcher_config import CatcherAgentConfig
from fn_framework.run.config import Presets, VectorConfig
from fn_framework.run.registry import Algorithm
from fn_framework.run.config import setting


@dataclass(frozen=True)
class DeepQNetworkConfig(CatcherAgentConfig, VectorConfig):
    """The book's ``DeepQNetworkTrainer`` and its script: Catcher-v0, 80x80x4 frames, lr 1e-4."""

    TRAINER: ClassVar[str] = "agents.dqn:DeepQNetworkTrainer"
    MODEL_FILE: ClassVar[str] = "dqn_agent.keras"

    episodes: int = 1200
    """Training episodes; epsilon decays over those after the warm-up (with --play: episodes played, default 5)."""
    initial_count: int = 200
    """Episodes of random play before training (at most half of the episodes, so short runs train)."""
    buffer_size: int = 50000
    """Replay memory size."""
    learning_rate: float = setting(1e-4, above=0)
    """Adam's learning rate (gradients clipped to 1.0)."""
    initial_epsilon: float = setting(0.5, low=0, high=1)
    """Epsilon when training begins."""
    final_epsilon: float = setting(1e-3, low=0, high=1)
    """Epsilon at the end of the decay."""
    teacher_update_freq: int = setting(3, low=1)
    """Training episodes between teacher syncs."""
    train_freq: int = setting(1, low=1)
    """Env steps between updates."""
    gradient_steps: int = setting(1, low=1)
    """Gradient steps per update, run in one compiled call (beyond the book)."""
    teacher_update_steps: int = setting(0, low=0)
    """Sync the teacher every N gradient steps instead of every teacher_update_freq episodes (0: the book's)."""
    exploration_steps: int = setting(0, low=0)
    """Decay epsilon over N env steps of training instead of over the episodes (0: the book's)."""
    double: bool = False
    """Double DQN targets (beyond the book)."""
    huber: bool = False
    """Huber loss instead of mse (beyond the book)."""
    book_net: bool = False
    """Test mode: the book's relu output layer. Ours is linear: a relu Q-value cannot be negative, and a unit whose input turns negative gets no gradient again (it dies)."""
    keep_best: bool = True
    """Keep the best episode's model (ties broken by the recent mean) at the model path; the final one goes to *_last."""

    REPLAY: ClassVar[bool] = True
    BOOK: ClassVar[dict[str, Any]] = {"book_net": True}

    def episodes_schedule(self) -> bool:
        return self.exploration_steps == 0


BOOK = DeepQNetworkConfig()
BOOK_TEST = replace(BOOK, env="CartPole-v0", test_mode=True, learning_rate=1e-3, observe_interval=0)
PRESETS = {
    "book": BOOK,
    "modern": replace(BOOK, double=True, huber=True, train_freq=4, episodes=330, initial_count=30,
                      frame_width=40, frame_height=40, learning_rate=5e-4),
}
TEST_PRESETS = {
    "book": BOOK_TEST,
    "modern": replace(BOOK_TEST, double=True, huber=True, train_freq=2),
    "zoo": replace(BOOK_TEST, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, initial_epsilon=1.0,
                   final_epsilon=0.04, train_freq=256, gradient_steps=128, teacher_update_steps=128,
                   exploration_steps=8000, huber=True, initial_count=45),
}
TEST_PRESETS["fast"] = replace(TEST_PRESETS["zoo"], n_envs=16, learning_rate=1.13e-2, train_freq=128,
                               exploration_steps=4000)
BEST = "modern"
TEST_BEST = "fast"
#: Why each preset differs from the book (docs/book_differences.md shows them beside the fields).
NOTES = {
    "modern": "On a CPU the CNN's gradient step is the cost: 40x40 frames (the 64x64 game loses nothing a "
              "3-pixel fruit needs) quarter the convolutions, a gradient step every 4 env steps (DQN's Atari "
              "setting) quarters their number; Double DQN (van Hasselt 2016) and the Huber loss (Mnih 2015); "
              "epsilon decays over 300 episodes after 30 random ones, so it reaches its floor early in a short "
              "run; lr 5e-4 instead of the book's 1e-4: with a gradient step every 4 env steps instead of every "
              "one, a larger step per update keeps up the learning per env step (benchmarks/README.md).",
}
TEST_NOTES = {
    "modern": "Double DQN and Huber tame over-estimation and the large TD errors of 500-step episodes; a "
              "gradient step every 2 env steps halves the cost per step. The episode schedule stays: "
              "epsilon decays per episode.",
    "zoo": "SB3's DQN schedule with the RL-Zoo CartPole-v1 values (benchmarks/sb3_peer.py): 128 gradient "
           "steps every 256 env steps in one compiled call, the teacher synced after each, epsilon 1 -> 0.04 "
           "over 8000 env steps, batch 64, lr 2.3e-3, Huber; training after 45 episodes (about 1000 steps). "
           "Fewer, larger TensorFlow calls: the 128 gradient steps of a call are one compiled graph loop, "
           "fused by XLA for the Dense net.",
    "fast": "zoo on 16 copies of the env acting with one forward pass (a copy's step costs less than a lone "
            "env's), its 128 gradient steps every 128 env steps, epsilon down to 0.04 over 4000 env steps, lr "
            "1.13e-2: the fastest to solve CartPole-v1 on the tuning seeds of the settings two Ray Tune sweeps "
            "drew around zoo (benchmarks/README.md).",
}

ALGORITHM = Algorithm(
    name="dqn",
    description="The book's DQN agent on Catcher (--test: CartPole).",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=Presets(TEST_PRESETS, TEST_BEST, TEST_NOTES),
)
