"""Train the book's value-function agent on CartPole, or play with the saved one.

    python scripts/value_function_agent.py            # train (220 episodes, CartPole-v0)
    python scripts/value_function_agent.py --play     # load the saved model and play
    python scripts/value_function_agent.py --help     # every setting, with the book's defaults
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("value_function")  # its registration: agents/value_function_config.py

if __name__ == "__main__":
    main(SPEC)
