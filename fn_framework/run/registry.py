"""One registration per algorithm, in its config module: run name, ``--help`` line, presets.

An algorithm lives in two files: ``agents/<name>.py`` (its agent and trainer) and
``agents/<name>_config.py`` (its config class, whose ``TRAINER`` names the trainer and
``MODEL_FILE`` the model's file, its presets, and ``ALGORITHM = Algorithm(...)``). Everything
else finds it there: the preset table (``agents.presets``), the scripts (``scripts/agent.py
NAME``; the book's ``scripts/<name>_agent.py`` are one line each), the benchmarks and sweeps.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any, Optional

from fn_framework.run.config import Presets


@dataclasses.dataclass(frozen=True)
class Algorithm:
    """An algorithm's registration.

    Args:
        name: its run name: the preset table's key and run folder (``dqn``).
        description: the first line of its script's ``--help``.
        presets: its presets (``book`` first), what ``best`` stands for, why each differs from the book.
        test_presets: the book's ``--test`` mode's (run name ``<name>_test``), if it has one.
    """

    name: str
    description: str
    presets: Presets
    test_presets: Optional[Presets] = None

    @property
    def model_file(self) -> str:
        """The model's file name in the run folder: the config class's ``MODEL_FILE``."""
        return type(self.presets.configs["book"]).MODEL_FILE

    def tables(self) -> dict[str, Presets]:
        """Its rows of the preset table: ``name`` and, with a test mode, ``name_test``."""
        rows = {self.name: self.presets}
        if self.test_presets is not None:
            rows[f"{self.name}_test"] = self.test_presets
        return rows


def discover(package: str = "agents") -> dict[str, Algorithm]:
    """Every ``ALGORITHM`` of the ``*_config`` modules in ``package``, by name (imports them; no TensorFlow)."""
    found: dict[str, Algorithm] = {}
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if not info.name.endswith("_config"):
            continue
        algorithm: Any = getattr(importlib.import_module(f"{package}.{info.name}"), "ALGORITHM", None)
        if isinstance(algorithm, Algorithm):
            if algorithm.name in found:
                raise ValueError(f"two algorithms are named {algorithm.name!r}")
            found[algorithm.name] = algorithm
    return found


def trainer_class(config: Any) -> type:
    """The trainer class of ``config`` (``TRAINER``), imported now: TensorFlow may load here."""
    module, name = type(config).TRAINER.split(":")
    return getattr(importlib.import_module(module), name)
