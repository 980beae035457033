"""Train PPO on Catcher (or CartPole in test mode) with vector envs, or play with the saved agent.

    python scripts/ppo_agent.py                          # Catcher-v0, the book's CNN, 8 envs (the RL-Zoo's Atari PPO)
    python scripts/ppo_agent.py --preset fast --minutes 3     # the fastest measured on Catcher (benchmarks/README.md)
    python scripts/ppo_agent.py --test --preset zoo      # test mode: a Dense 64-64 net on CartPole-v0 (RL-Zoo values)
    python scripts/ppo_agent.py [--test] --play          # load the saved model and play 5 episodes
    python scripts/ppo_agent.py --vector-mode async      # each env copy in a subprocess of its own

PPO is beyond the book (its Day 4 ends at A2C): there are no book values, so ``--preset book`` is
the RL-Zoo's Atari PPO (agents/ppo_config.py). Every rollout writes SB3's numbers (approx_kl,
clip_fraction, losses, explained variance, fps) to TensorBoard; every ``--log-interval`` rollouts
they are printed as SB3's table. ``--render`` while training: one window, the first copy's.
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("ppo")  # its registration: agents/ppo_config.py

if __name__ == "__main__":
    main(SPEC)
