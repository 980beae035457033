"""Train the book's value-function agent on CartPole, or play with the saved one.

    python scripts/value_function_agent.py            # train (220 episodes, CartPole-v0)
    python scripts/value_function_agent.py --play     # load the saved model and play
    python scripts/value_function_agent.py --help     # every setting, with the book's defaults
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from agents.presets import spec  # noqa: E402
from fn_framework.run import main  # noqa: E402

SPEC = spec("value_function")  # its registration: agents/value_function_config.py

if __name__ == "__main__":
    main(SPEC)
