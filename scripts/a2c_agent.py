"""Train the book's A2C agent on Catcher (or CartPole in test mode), or play with the saved one.

    python scripts/a2c_agent.py                          # train on Catcher-v0 (900 episodes, learning rate 7e-5)
    python scripts/a2c_agent.py --test                   # test mode: the Dense 10-10 network on CartPole-v0
    python scripts/a2c_agent.py --test --preset tuned    # test mode with the changes below
    python scripts/a2c_agent.py [--test] --play          # load the saved model and play 5 episodes

The book keeps the model with the best episode reward so far (``keep_best``): it is at
``a2c_agent.keras`` (``a2c_agent_test.keras``) while training runs, the final one at
``*_last.keras``; ``--play`` loads the best one.

The ``tuned`` test-mode preset (agents/a2c_config.py; measured on CartPole-v0 in
benchmarks/README.md):

* Learning rate 3e-3 and entropy weight 0.01 instead of 1e-3 and 0.1: with the book's
  values the test mode learns slowly in 900 episodes; the larger step size learns faster,
  and the smaller entropy weight (SB3's A2C default) pulls less towards the uniform policy.
* The final model is the one played (``--no-keep-best``): on CartPole the first 200-step
  episode, the one ``keep_best`` keeps, is often luck.
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("a2c")  # its registration: agents/a2c_config.py

if __name__ == "__main__":
    main(SPEC)
