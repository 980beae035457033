"""``rollout``: the one way --play, the greedy evaluations and the benchmarks' evaluator play episodes."""
from __future__ import annotations

import gymnasium as gym
import numpy as np

from fn_framework.run.callbacks import greedy_returns
from fn_framework.agent import as_action, rollout
from tests.test_ppo import ScriptedEnv


def test_one_episode_on_each_env_acting_for_all_at_once() -> None:
    envs = [ScriptedEnv(), ScriptedEnv()]
    envs[1].reset()  # its next episode is the second one: 3 steps, truncated
    batches: list[int] = []

    def act(obs: list) -> list[int]:
        batches.append(len(obs))  # every env's observation, done ones too: one batch shape
        return [0] * len(obs)

    assert rollout(envs, act) == [2.0, 3.0]
    assert batches == [2, 2, 2]


def test_a_stop_leaves_the_unfinished_episode_out_and_before_step_runs_each_step() -> None:
    steps: list[int] = []
    returns = rollout([ScriptedEnv()], lambda obs: [0], before_step=lambda: steps.append(1),
                      stopped=lambda: len(steps) == 1)
    assert returns == [None] and steps == [1]


def test_seeds_reach_each_env_and_actions_take_the_spaces_type() -> None:
    envs = [gym.make("CartPole-v1"), gym.make("CartPole-v1")]
    first = rollout(envs, lambda obs: [0, 1], seeds=[5, 6])
    assert first == rollout(envs, lambda obs: [0, 1], seeds=[5, 6]) and all(r and r > 0 for r in first)
    assert type(as_action(gym.spaces.Discrete(2), np.int64(1))) is int
    box = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)
    assert as_action(box, [0.5]).dtype == np.float32


class _Agent:
    def act(self, s: np.ndarray, greedy: bool = False) -> int:
        assert greedy
        return 0


def test_greedy_returns_plays_its_episodes_one_after_another() -> None:
    assert greedy_returns(_Agent(), ScriptedEnv(), 4) == [2.0, 3.0, 1.0, 4.0]
