"""Train the book's value-function agent on CartPole, or play with the saved one.

    python scripts/value_function_agent.py            # train (220 episodes, CartPole-v0)
    python scripts/value_function_agent.py --play     # load the saved model and play
    python scripts/value_function_agent.py --help     # every setting, with the book's defaults
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from agents.presets import TABLE  # noqa: E402
from fn_framework.run import RunSpec, main  # noqa: E402

SPEC = RunSpec(
    name="value_function",
    model_file="value_function_agent.pkl",
    description="The book's value-function agent (scikit-learn MLP) on CartPole.",
    presets=TABLE,
)

if __name__ == "__main__":
    main(SPEC)
