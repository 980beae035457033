"""The preset table every script and benchmark reads: each agent's registration (``fn_framework.run.registry``).

A preset is a config: ``dataclasses.replace(book_config, ...)`` in the agent's ``*_config``
module, beside the reasons for each change, and registered there (``ALGORITHM``) with the
book's test mode's presets under ``<name>_test``. ``book`` is every table's default; ``best``
names the fastest measured preset (README "Results", benchmarks/README.md).
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional, Sequence

import envs  # noqa: F401  (registers Catcher-v0, which the Catcher presets name)
from fn_framework.run.config import Presets, resolve_preset
from fn_framework.run.registry import Algorithm, discover

#: name -> registration: every ``agents/*_config.py``'s ``ALGORITHM``
ALGORITHMS: dict[str, Algorithm] = discover("agents")
#: run name -> its presets, the name ``best`` stands for, and why each differs from the book
TABLE: dict[str, Presets] = {run: presets for a in ALGORITHMS.values() for run, presets in a.tables().items()}


def names(run_name: str) -> list[str]:
    return [*TABLE[run_name].configs, "best"]


def get(run_name: str, name: str = "book") -> tuple[str, Any]:
    """``(resolved name, config)`` of preset ``name``; ``best`` resolves to its preset."""
    return resolve_preset(TABLE, run_name, name)


def spec(name: str) -> Any:
    """The script of algorithm ``name`` (``fn_framework.run.cli.RunSpec``) from its registration."""
    from fn_framework.run.cli import RunSpec

    algorithm = ALGORITHMS[name]
    return RunSpec(name=name, model_file=algorithm.model_file, description=algorithm.description, presets=TABLE,
                   test_mode=algorithm.test_presets is not None)


def run_agent(argv: Sequence[str], usage: str = "fn-agent NAME [the agent's flags]") -> None:
    """``scripts/agent.py`` and ``fn-agent``: train or play any registered agent by name (no name: the list)."""
    argv = list(argv)
    if not argv or argv[0] in ("-h", "--help", "--list"):
        if argv[:1] != ["--list"]:
            print(f"{usage.strip()}\n\nRegistered agents:")
        for name, algorithm in ALGORITHMS.items():
            print(f"{name:28} {algorithm.description}")
        sys.exit(0 if argv else 2)
    if argv[0] not in ALGORITHMS:
        print(f"error: no agent {argv[0]!r} (known: {', '.join(ALGORITHMS)})", file=sys.stderr)
        sys.exit(2)
    from fn_framework.run.cli import main

    sys.argv[0] = f"{sys.argv[0]} {argv[0]}"  # --help's usage line names the agent
    main(spec(argv[0]), argv[1:])


def command(name: str) -> Callable[[Optional[Sequence[str]]], None]:
    """The console command of algorithm ``name`` (``pyproject.toml``): its book script, installed."""

    def main(argv: Optional[Sequence[str]] = None) -> None:
        from fn_framework.run.cli import main as run_main

        run_main(spec(name), argv)

    main.__name__ = f"{name}_agent"
    return main


def fn_agent() -> None:
    run_agent(sys.argv[1:])


value_function_agent = command("value_function")
dqn_agent = command("dqn")
policy_gradient_agent = command("policy_gradient")
a2c_agent = command("a2c")
policy_gradient_continuous_agent = command("policy_gradient_continuous")
ppo_agent = command("ppo")
