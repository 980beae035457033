"""Train or play any registered agent by name: the script an agent added beyond the book's gets for free.

    python scripts/agent.py --list                       # the registered agents
    python scripts/agent.py dqn --preset modern          # the same run as scripts/dqn_agent.py --preset modern
    python scripts/agent.py NAME [the agent's flags]     # --help after NAME lists them

An agent is registered in its config module (``agents/<name>_config.py``: ``ALGORITHM``, see
fn_framework/run/registry.py); the book's scripts (``scripts/<name>_agent.py``) are this with the name fixed.
"""
from __future__ import annotations

import sys

from agents.presets import run_agent

if __name__ == "__main__":
    run_agent(sys.argv[1:], usage=__doc__)
