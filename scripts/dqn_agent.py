"""Train the book's DQN agent on Catcher (or its test mode on CartPole), or play with it.

    python scripts/dqn_agent.py                                 # the book's: Catcher-v0, 1200 episodes, lr 1e-4
    python scripts/dqn_agent.py --preset modern --minutes 3     # smaller frames, fewer gradient steps: Catcher on a CPU
    python scripts/dqn_agent.py --play                          # play with the best saved model
    python scripts/dqn_agent.py --test                          # the book's test mode: CartPole-v0, Dense net
    python scripts/dqn_agent.py --test --preset zoo             # SB3's schedule: 128 gradient steps per compiled call
    python scripts/dqn_agent.py --test --play

Models go to ``logs/dqn/`` (``logs/dqn_test/`` in test mode): ``dqn_agent.keras``
(``dqn_agent_test.keras``) is the best model, saved whenever an episode's reward beats the
best so far (or ties it, as CartPole's 200 cap does, with a better mean over the last 10
episodes), so it is on disk while training runs; ``*_last.keras`` is the model at the end.
``--play`` loads the best one, or ``--model PATH`` (``.keras`` or ``.h5``; the same flag
sets where training saves).

Training begins after ``min(initial_count, episodes // 2)`` episodes of random play (the
book's 200 warm-up episodes; fewer for short runs so that ``--episodes 5`` still trains).
Every setting, the presets and their reasons: ``--help`` and agents/dqn_config.py.
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("dqn")  # its registration: agents/dqn_config.py

if __name__ == "__main__":
    main(SPEC)
