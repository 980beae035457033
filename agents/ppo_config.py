"""Settings of the PPO agent (``agents.ppo``): Catcher with the book's CNN, and a test mode on CartPole."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from agents.catcher_config import CatcherAgentConfig
from fn_framework.run.config import Presets, VectorConfig
from fn_framework.run.registry import Algorithm
from fn_framework.run.config import setting


@dataclass(frozen=True)
class PPOConfig(CatcherAgentConfig, VectorConfig):
    """Proximal Policy Optimization (Schulman et al. 2017) on vector envs: beyond the book, which stops at A2C.

    There is no book value for any of these, so ``BOOK`` is empty and the ``book`` preset holds the
    RL-Zoo's Atari PPO settings (rl-baselines3-zoo ``hyperparams/ppo.yml``, ``atari``: 8 envs x 128
    steps, 4 epochs of 256-sample minibatches, lr 2.5e-4 and clip 0.1 both annealed to 0, entropy
    0.01); the other fields are SB3's PPO defaults. Catcher-v0 through the book's CatcherObserver and
    CNN trunk; ``--test``: CartPole with a Dense trunk.
    """

    TRAINER: ClassVar[str] = "agents.ppo:PPOTrainer"
    MODEL_FILE: ClassVar[str] = "ppo_agent.keras"
    BOOK: ClassVar[dict[str, Any]] = {}
    #: PPO keeps no experience buffer (its rollout is n_envs x n_steps) and learns from its first rollout.
    UNUSED: ClassVar[tuple[str, ...]] = ("buffer_size", "initial_count")

    episodes: int = 1_000_000
    """Budget: stop after this many finished episodes of all envs together (with --play: episodes played, default 5)."""
    steps: int = 1_000_000
    """Budget: env steps of all envs together (SB3's total_timesteps); the annealed schedules reach 0 there."""
    n_envs: int = 8
    """Env copies stepped as one vector env (one forward pass acts for all of them)."""
    n_steps: int = setting(128, low=1, fixed=True)
    """Vector steps per rollout: each update learns from n_envs * n_steps transitions."""
    n_epochs: int = setting(4, low=1)
    """Passes over each rollout."""
    batch_size: int = 256
    """Minibatch size: each epoch is (n_envs * n_steps) // batch_size gradient steps, one compiled call in all."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = setting(0.95, low=0, high=1)
    """GAE's lambda: 0 is the one-step TD advantage, 1 the Monte Carlo return minus V."""
    clip_range: float = setting(0.1, above=0)
    """Clip the probability ratio to [1 - clip_range, 1 + clip_range] in the surrogate objective."""
    clip_range_vf: float = setting(0.0, low=0)
    """Clip the new value to the rollout's value +- this in the value loss (0: no value clipping, SB3's None)."""
    ent_coef: float = setting(0.01, low=0)
    """Weight of the entropy bonus in the loss."""
    vf_coef: float = setting(0.5, low=0)
    """Weight of the value loss (mean squared error to the GAE returns) in the loss."""
    max_grad_norm: float = setting(0.5, above=0)
    """Clip the gradient to this global norm."""
    learning_rate: float = setting(2.5e-4, above=0)
    """Adam's learning rate (epsilon 1e-5, as SB3 and CleanRL)."""
    anneal_lr: bool = True
    """Anneal the learning rate linearly to 0 over the steps budget (the RL-Zoo's lin_X)."""
    anneal_clip_range: bool = True
    """Anneal clip_range linearly to 0 over the steps budget (the RL-Zoo's lin_X)."""
    normalize_advantage: bool = True
    """Standardise the advantages within each minibatch."""
    log_interval: int = setting(1, low=0)
    """Rollouts between the printed training tables (0: none; TensorBoard gets every rollout)."""
    keep_best: bool = False
    """Keep the best model at the model path while training (ties: the better recent mean); the final one goes to *_last."""


BOOK = PPOConfig()
PRESETS = {
    "book": BOOK,
    "small": replace(BOOK, frame_width=40, frame_height=40, steps=400_000),
}
PRESETS["fast"] = replace(PRESETS["small"], learning_rate=1e-3, clip_range=0.2, n_envs=32, n_steps=32)
BOOK_TEST = replace(BOOK, env="CartPole-v0", test_mode=True, observe_interval=0, steps=100_000)
TEST_PRESETS = {
    "book": BOOK_TEST,
    # rl-baselines3-zoo hyperparams/ppo.yml, CartPole-v1 (the SB3 peer's settings, benchmarks/sb3_peer.py)
    "zoo": replace(BOOK_TEST, n_envs=8, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                   ent_coef=0.0, learning_rate=1e-3, clip_range=0.2),
}
# chosen by a Ray Tune sweep around zoo (benchmarks/README.md, "PPO `fast` from a sweep")
TEST_PRESETS["fast"] = replace(TEST_PRESETS["zoo"], n_envs=16, n_steps=32, batch_size=64, n_epochs=10, gamma=0.99,
                               gae_lambda=0.95, learning_rate=7.8e-3)
BEST = "fast"
TEST_BEST = "fast"
NOTES = {
    "small": "40x40 frames quarter the CNN's cost per step and per update on a CPU; the schedules anneal over "
             "400 000 env steps.",
    "fast": "small with lr 1e-3 and clip 0.2 (both annealed over 400 000 steps): Catcher's reward comes every "
            "30-odd steps and is easy to credit, so the Atari step size (2.5e-4, 0.1) is needlessly cautious; "
            "32 envs x 32 steps (the same 1024 per rollout): a forward pass of the CNN is mostly fixed cost, so "
            "one pass for 32 copies costs far less per copy than one for 8, and the same rollout is collected in "
            "a quarter of the calls: more env steps per second of training.",
}
TEST_NOTES = {
    "zoo": "The RL-Zoo's CartPole-v1 PPO (hyperparams/ppo.yml, as benchmarks/sb3_peer.py runs SB3): 8 envs x 32 "
           "steps, 20 epochs of one 256-sample minibatch, gamma 0.98, GAE lambda 0.8, no entropy bonus, lr 1e-3 "
           "and clip 0.2 annealed over 100 000 steps.",
    "fast": "The zoo with the settings a Ray Tune sweep found fastest to solve CartPole-v1 (benchmarks/README.md): "
            "16 envs x 32 steps, 10 epochs of 64-sample minibatches, gamma 0.99, GAE lambda 0.95, lr 7.8e-3 "
            "(annealed), the zoo's clip 0.2 and no entropy bonus. Twice the envs for one forward pass, more and "
            "smaller gradient steps per rollout and a larger step size: the policy improves in fewer env steps, "
            "which on CartPole are most of a run's time."
}

ALGORITHM = Algorithm(
    name="ppo",
    description="PPO (beyond the book) on vector envs: Catcher with the book's CNN (--test: CartPole).",
    presets=Presets(PRESETS, BEST, NOTES),
    test_presets=Presets(TEST_PRESETS, TEST_BEST, TEST_NOTES),
)
