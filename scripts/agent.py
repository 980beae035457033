"""Train or play any registered agent by name: the script an agent added beyond the book's gets for free.

    python scripts/agent.py --list                       # the registered agents
    python scripts/agent.py dqn --preset modern          # the same run as scripts/dqn_agent.py --preset modern
    python scripts/agent.py NAME [the agent's flags]     # --help after NAME lists them

An agent is registered in its config module (``agents/<name>_config.py``: ``ALGORITHM``, see
fn_framework/registry.py); the book's scripts (``scripts/<name>_agent.py``) are this with the name fixed.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import envs  # noqa: E402,F401  (registers Catcher-v0)
from agents.presets import ALGORITHMS, spec  # noqa: E402
from fn_framework.run import main  # noqa: E402


def run(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help", "--list"):
        if argv[:1] != ["--list"]:
            print(f"{__doc__.strip()}\n\nRegistered agents:")
        for name, algorithm in ALGORITHMS.items():
            print(f"{name:28} {algorithm.description}")
        sys.exit(0 if argv else 2)
    if argv[0] not in ALGORITHMS:
        print(f"error: no agent {argv[0]!r} (known: {', '.join(ALGORITHMS)})", file=sys.stderr)
        sys.exit(2)
    sys.argv[0] = f"{sys.argv[0]} {argv[0]}"  # --help's usage line names the agent
    main(spec(argv[0]), argv[1:])


if __name__ == "__main__":
    run(sys.argv[1:])
