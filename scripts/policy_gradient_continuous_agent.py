"""Train the book's continuous-action policy gradient (an actor-critic) on Pendulum, or play with it.

    python scripts/policy_gradient_continuous_agent.py                        # the book's: Pendulum-v1, 1500 episodes
    python scripts/policy_gradient_continuous_agent.py --preset ddpg --steps 20000   # DDPG on the book's networks
    python scripts/policy_gradient_continuous_agent.py --play                 # play the saved actor (sampled actions)
    python scripts/policy_gradient_continuous_agent.py --play --model x.h5    # a legacy .h5 actor

The book repository's ``FN/policy_gradient_continuous_agent.py`` (not printed in the book; written
for Pendulum-v0, gone from Gymnasium). Models go to ``logs/policy_gradient_continuous/``:
``policy_gradient_continuous_agent.keras`` is the actor at the end of training, with its
``SampleLayer``, so ``--play`` samples around the trained mean, as the book's policy acts once
trained (the book's own ``--play`` acted at random: its ``load`` never sets ``initialized``).
With the book's settings training begins when the replay of 100 000 transitions is full, after
500 episodes of random play. Every setting, the presets and their reasons: ``--help`` and
agents/policy_gradient_continuous_config.py.
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("policy_gradient_continuous")  # its registration: agents/policy_gradient_continuous_config.py

if __name__ == "__main__":
    main(SPEC)
