"""The preset table every script and benchmark reads: each agent's registration (``fn_framework.registry``).

A preset is a config: ``dataclasses.replace(book_config, ...)`` in the agent's ``*_config``
module, beside the reasons for each change, and registered there (``ALGORITHM``) with the
book's test mode's presets under ``<name>_test``. ``book`` is every table's default; ``best``
names the fastest measured preset (README "Results", benchmarks/README.md).
"""
from __future__ import annotations

from typing import Any

from fn_framework.config import Presets, resolve_preset
from fn_framework.registry import Algorithm, discover

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
    """The script of algorithm ``name`` (``fn_framework.run.RunSpec``) from its registration."""
    from fn_framework.run import RunSpec

    algorithm = ALGORITHMS[name]
    return RunSpec(name=name, model_file=algorithm.model_file, description=algorithm.description, presets=TABLE,
                   test_mode=algorithm.test_presets is not None)
