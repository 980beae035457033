"""The preset table every script and benchmark reads: one line per agent (and per test mode).

A preset is a config: ``dataclasses.replace(book_config, ...)`` in the agent's ``*_config``
module, beside the reasons for each change. ``book`` is every table's default; ``best``
names the fastest measured preset (README "Results", benchmarks/README.md).
"""
from __future__ import annotations

from typing import Any

from agents import a2c_config, dqn_config, policy_gradient_config, policy_gradient_continuous_config, value_function_config
from agents import ppo_config
from fn_framework.config import Presets, resolve_preset

#: run name -> its presets, the name ``best`` stands for, and why each differs from the book
TABLE: dict[str, Presets] = {
    "policy_gradient_continuous": Presets(policy_gradient_continuous_config.PRESETS, policy_gradient_continuous_config.BEST, policy_gradient_continuous_config.NOTES),
    "value_function": Presets(value_function_config.PRESETS, value_function_config.BEST, value_function_config.NOTES),
    "dqn": Presets(dqn_config.PRESETS, dqn_config.BEST, dqn_config.NOTES),
    "dqn_test": Presets(dqn_config.TEST_PRESETS, dqn_config.TEST_BEST, dqn_config.TEST_NOTES),
    "policy_gradient": Presets(policy_gradient_config.PRESETS, policy_gradient_config.BEST, policy_gradient_config.NOTES),
    "a2c": Presets(a2c_config.PRESETS, a2c_config.BEST, a2c_config.NOTES),
    "a2c_test": Presets(a2c_config.TEST_PRESETS, a2c_config.TEST_BEST, a2c_config.TEST_NOTES),
    "ppo": Presets(ppo_config.PRESETS, ppo_config.BEST, ppo_config.NOTES),
    "ppo_test": Presets(ppo_config.TEST_PRESETS, ppo_config.TEST_BEST, ppo_config.TEST_NOTES),
}


def names(run_name: str) -> list[str]:
    return [*TABLE[run_name].configs, "best"]


def get(run_name: str, name: str = "book") -> tuple[str, Any]:
    """``(resolved name, config)`` of preset ``name``; ``best`` resolves to its preset."""
    return resolve_preset(TABLE, run_name, name)
