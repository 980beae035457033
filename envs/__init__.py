"""Gymnasium environments of this project; importing the package registers ``Catcher-v0``."""

from typing import Any

import gymnasium

if "Catcher-v0" not in gymnasium.registry:  # a reload must not re-register (Gymnasium would warn)
    gymnasium.register(id="Catcher-v0", entry_point="envs.catcher:CatcherEnv", max_episode_steps=10000)


def __getattr__(name: str) -> Any:
    """Export CatcherEnv lazily, so that ``python -m envs.catcher`` does not import the module twice."""
    if name == "CatcherEnv":
        from envs.catcher import CatcherEnv

        return CatcherEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
