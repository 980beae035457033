"""The READMEs' presets tables say what each `--preset best` changes: every number there is the preset's.

Both READMEs carry a hand-written table (agent, preset, what it changes, where it is measured). A number in
the "what it changes" cell must be a value of that preset's settings, or the book's value it replaces
(``lr 7e-4 (the book's 7e-5 ...)``); the two derived numbers are computed here from the settings they come from.
A preset changed without its row fails here.
"""
from __future__ import annotations

import dataclasses
import math
import re

import gymnasium as gym
import pytest

from agents.presets import TABLE
from tests.conftest import ROOT

#: The first cell of a row, in each README, -> the registered agent.
AGENTS = {
    "DQN (Catcher)": "dqn", "DQN（Catcher）": "dqn",
    "DQN test mode": "dqn_test", "DQN のテストモード": "dqn_test",
    "policy gradient": "policy_gradient", "Policy Gradient": "policy_gradient",
    "A2C (Catcher)": "a2c", "A2C（Catcher）": "a2c",
    "A2C test mode": "a2c_test", "A2C のテストモード": "a2c_test",
    "continuous policy gradient": "policy_gradient_continuous", "連続値の Policy Gradient": "policy_gradient_continuous",
    "PPO (Catcher)": "ppo", "PPO（Catcher）": "ppo",
    "PPO test mode": "ppo_test", "PPO のテストモード": "ppo_test",
}
NUMBER = re.compile(r"(?<![\w.])[+-]?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])")


def rows(readme: str) -> list[tuple[str, str, str]]:
    """``(agent, preset, what it changes)`` of every row whose preset cell is a code span."""
    found = []
    for line in (ROOT / readme).read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in AGENTS and re.fullmatch(r"`\w+`", cells[1]):
            found.append((AGENTS[cells[0]], cells[1].strip("`"), cells[2]))
    return found


def numbers_of(agent: str, preset: str) -> set[float]:
    """The numbers a row may state: the preset's values, the book's, and the derived ones."""
    config, book = TABLE[agent].configs[preset], TABLE[agent].configs["book"]
    values: set[float] = set()
    for source in (config, book):
        for field in dataclasses.fields(source):
            value = getattr(source, field.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values.add(float(value))
    values.add(config.batch_size / getattr(config, "n_envs", 1))  # A2C's update: so many steps of each env copy
    if config.initial_count > 0:  # training begins once initial_count episodes have passed: so many env steps
        limit = gym.spec(config.env).max_episode_steps
        values.add(float((config.initial_count + 1) * limit))
    return values


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_every_number_a_presets_row_states_is_the_presets(readme):
    table = rows(readme)
    assert {agent for agent, _, _ in table} == set(AGENTS.values())  # a row for every agent with a best preset
    for agent, preset, changes in table:
        allowed = numbers_of(agent, preset)
        plain = re.sub(r"(?<=\d)x(?=\d)", " ", changes).replace("+-", "").replace("±", "")  # 40x40, +-5
        for text in NUMBER.findall(plain):
            number = float(text)
            assert any(math.isclose(number, v, rel_tol=1e-9) for v in allowed), (readme, agent, preset, text)
