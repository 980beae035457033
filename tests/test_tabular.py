"""Seed 003's tabular warm-ups: the bandits (ε-greedy, UCB1) and the 3x3 maze's policy gradient.

Hand-worked cases pin the seed's update rules to exact numbers; the experiments are checked for what the seed
shows (both bandits near the best arm's 0.9, the maze solved by its shortest path) and for reproducibility.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from collections import deque

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from PIL import Image

from tabular.bandit import EpsilonGreedy, SlotArm, UCB1, draw_arms, play, run_experiment
from tabular.maze import (
    ALLOWED, GOAL, START, THETA_0, MazeEnv, get_pi, get_s_next, greedy_path, learn, update_theta,
)
from tabular.maze import play as play_maze
from tests.conftest import ROOT


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def shortest_path_length() -> int:
    """BFS over the seed's open moves from the start to the goal."""
    dist = {START: 0}
    queue = deque([START])
    while queue:
        s = queue.popleft()
        for a in np.flatnonzero(ALLOWED[s]):
            nxt = get_s_next(s, int(a))
            if nxt not in dist:
                dist[nxt] = dist[s] + 1
                queue.append(nxt)
    return dist[GOAL]


# ---------------------------------------------------------------- bandits


def test_epsilon_greedy_mean_after_rewards_1_0_1():
    algo = EpsilonGreedy(0.0)  # never explores: select_arm is the argmax
    algo.initialize(3)
    rng = np.random.default_rng(0)
    assert algo.select_arm(rng).tolist() == [0]  # all values 0: ties go to the first arm
    for t, reward in enumerate([1.0, 0.0, 1.0], start=1):
        algo.update(2, reward, t)
    assert algo.n.tolist() == [[0.0, 0.0, 3.0]]
    assert algo.v[0, 2] == 2 / 3  # (2/3) * (1/2) + (1/3) * 1
    assert algo.v[0, :2].tolist() == [0.0, 0.0]
    assert algo.select_arm(rng).tolist() == [2]
    assert algo.label() == "ε-greedy(0.0)"


def test_epsilon_greedy_explores_with_probability_epsilon():
    algo = EpsilonGreedy(0.3)
    algo.initialize(3, num_sims=6)
    algo.v[:] = [0.1, 0.7, 0.2]  # greedy arm 1
    chosen = algo.select_arm(np.random.default_rng(5))
    replay = np.random.default_rng(5)  # the same draws: explore if epsilon > u, then a uniform arm
    explore = 0.3 > replay.random(6)
    random_arm = replay.integers(0, 3, 6)
    assert explore.any() and not explore.all()
    assert chosen.tolist() == np.where(explore, random_arm, 1).tolist()


def test_ucb1_tries_each_arm_once_then_upper_bound():
    algo = UCB1()
    algo.initialize(3)
    picks = []
    for t, reward in enumerate([1.0, 0.0, 1.0], start=1):
        arm = int(algo.select_arm()[0])
        picks.append(arm)
        algo.update(arm, reward, t)
        if t < 3:
            assert algo.v.tolist() == [[0.0, 0.0, 0.0]]  # not updated while an arm is untried
    assert picks == [0, 1, 2]
    bonus3 = math.sqrt(2 * math.log(3))  # n = 1 for every arm at t = 3
    np.testing.assert_allclose(algo.v[0], [1 + bonus3, bonus3, 1 + bonus3], rtol=1e-15)
    np.testing.assert_allclose(algo.v[0], [2.4823038, 1.4823038, 2.4823038], atol=1e-7)
    assert int(algo.select_arm()[0]) == 0  # tie 0 / 2 goes to the first
    algo.update(0, 0.0, 4)  # n = [2, 1, 1], w = [1, 0, 1], t = 4
    np.testing.assert_allclose(algo.v[0], [0.5 + math.sqrt(2 * math.log(4) / 2), math.sqrt(2 * math.log(4)),
                                           1 + math.sqrt(2 * math.log(4))], rtol=1e-15)
    np.testing.assert_allclose(algo.v[0], [1.6774100, 1.6651092, 2.6651092], atol=1e-7)
    assert algo.w.tolist() == [[1.0, 0.0, 1.0]] and algo.n.tolist() == [[2.0, 1.0, 1.0]]
    assert int(algo.select_arm()[0]) == 2


def test_slot_arm_draw():
    rng = np.random.default_rng(1)
    assert SlotArm(1.0).draw(rng) == 1.0 and SlotArm(0.0).draw(rng) == 0.0
    pulls = SlotArm(0.3).draw(rng, 20000)
    assert set(np.unique(pulls)) == {0.0, 1.0} and abs(pulls.mean() - 0.3) < 0.02
    rewards = draw_arms([SlotArm(0.0), SlotArm(1.0)], np.array([0, 1, 1, 0]), rng)
    assert rewards.tolist() == [0.0, 1.0, 1.0, 0.0]


def seed_style_play(algo_name: str, probs: list[float], num_time: int, rng: np.random.Generator) -> list[float]:
    """The seed's one-simulation loops in plain Python, drawing the same random numbers as the batch code."""
    k = len(probs)
    n, v, w = [0.0] * k, [0.0] * k, [0.0] * k
    rewards = []
    for t in range(1, num_time + 1):
        if algo_name == "egreedy":
            explore, random_arm = 0.1 > rng.random(1)[0], int(rng.integers(0, k, 1)[0])
            arm = random_arm if explore else int(np.argmax(v))
        else:
            untried = [i for i in range(k) if n[i] == 0]
            arm = untried[0] if untried else int(np.argmax(v))
        reward = 1.0 if probs[arm] > rng.random(1)[0] else 0.0
        rewards.append(reward)
        n[arm] += 1
        if algo_name == "egreedy":
            v[arm] = ((n[arm] - 1) / n[arm]) * v[arm] + (1 / n[arm]) * reward
        else:
            w[arm] += reward == 1.0
            if all(x > 0 for x in n):
                v = [w[i] / n[i] + (2 * math.log(t) / n[i]) ** 0.5 for i in range(k)]
    return rewards


@pytest.mark.parametrize("algo_name", ["egreedy", "ucb1"])
def test_batch_of_one_is_the_seeds_single_simulation(algo_name):
    probs = [0.3, 0.5, 0.9]
    algo = EpsilonGreedy(0.1) if algo_name == "egreedy" else UCB1()
    batch = play(algo, [SlotArm(p) for p in probs], 1, 250, np.random.default_rng(7))
    assert batch.shape == (1, 250)
    assert batch[0].tolist() == seed_style_play(algo_name, probs, 250, np.random.default_rng(7))


def test_experiment_reaches_the_best_arm_and_reproduces():
    first = run_experiment(seed=0)
    assert list(first) == ["ε-greedy(0.1)", "ucb1"]
    for label, rewards in first.items():
        assert rewards.shape == (1000, 250)
        assert rewards[:, 199:].mean() >= 0.82, label  # steps 200..250; the best arm pays 0.9
    again = run_experiment(seed=0)
    for label in first:
        np.testing.assert_array_equal(first[label], again[label])
    other = run_experiment(seed=1)
    assert not np.array_equal(first["ucb1"], other["ucb1"])


# ---------------------------------------------------------------- maze


def test_env_passes_check_env_and_keeps_walls():
    env = gymnasium.make("Maze3x3-v0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    check_env(MazeEnv(), skip_render_check=True)
    env = MazeEnv()
    s, info = env.reset(seed=0)
    assert s == START and info["action_mask"].tolist() == [0, 1, 1, 0]
    assert env.step(0)[:4] == (0, 0.0, False, False)  # up from 0 is a wall: stay
    for action, expected in [(1, 1), (2, 4), (1, 5)]:
        assert env.step(action)[:4] == (expected, 0.0, False, False)
    assert env.step(2)[:4] == (GOAL, 1.0, True, False)
    with pytest.raises(ValueError):
        env.step(4)


def test_get_pi_is_the_softmax_over_open_moves():
    pi = get_pi(THETA_0)
    np.testing.assert_allclose(pi[0], [0, 0.5, 0.5, 0])
    np.testing.assert_allclose(pi[1], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(pi.sum(axis=1), 1.0)
    theta = THETA_0.copy()
    theta[0, 1] = 1 + math.log(3)  # exp ratio 3 : 1
    np.testing.assert_allclose(get_pi(theta)[0], [0, 0.75, 0.25, 0])


def test_update_theta_hand_worked_episode():
    # 0 -right-> 1 -left-> 0 -right-> 1 -down-> 4 -right-> 5 -down-> 8: T = 6 steps.
    history = [[0, 1], [1, 3], [0, 1], [1, 2], [4, 1], [5, 2], [8, np.nan]]
    pi = get_pi(THETA_0)
    nan = np.nan
    delta = np.array([  # (N(s,a) - pi(s,a) N(s)) / 6, pi uniform over open moves
        [nan, (2 - 1) / 6, (0 - 1) / 6, nan],  # N(0) = 2, N(0,R) = 2
        [nan, (0 - 2 / 3) / 6, (1 - 2 / 3) / 6, (1 - 2 / 3) / 6],  # N(1) = 2: once down, once left
        [nan, nan, nan, 0],
        [0, nan, 0, nan],
        [-0.5 / 6, 0.5 / 6, nan, nan],  # N(4) = 1, right
        [nan, nan, 0.5 / 6, -0.5 / 6],  # N(5) = 1, down
        [0, 0, nan, nan],
        [nan, nan, nan, 0],
    ])
    np.testing.assert_allclose(delta[:2], [[nan, 1 / 6, -1 / 6, nan], [nan, -1 / 9, 1 / 18, 1 / 18]])
    np.testing.assert_allclose(update_theta(THETA_0, pi, history), THETA_0 + 0.1 * delta, rtol=1e-15)
    plus = update_theta(THETA_0, pi, history, plus_sign=True)  # the seed's listing as printed
    np.testing.assert_allclose(plus[0], [nan, 1 + 0.1 * 3 / 6, 1 + 0.1 * 1 / 6, nan], rtol=1e-15)


def test_play_reaches_the_goal_through_open_moves():
    history = play_maze(get_pi(THETA_0), np.random.default_rng(3))
    assert history[-1][0] == GOAL and np.isnan(history[-1][1]) and history[0][0] == START
    for (s, a), (s_next, _) in zip(history[:-1], history[1:]):
        assert ALLOWED[int(s), int(a)] and get_s_next(int(s), int(a)) == s_next


def test_learned_policy_takes_the_shortest_path():
    result = learn(np.random.default_rng(0))
    assert result.pi_deltas[-1] < 10**-3 and len(result.steps) < 10_000  # stopped by the threshold
    assert shortest_path_length() == 4
    assert len(greedy_path(result.pi)) - 1 == shortest_path_length()
    assert greedy_path(result.pi) == [0, 1, 4, 5, 8]
    again = learn(np.random.default_rng(0))
    assert again.steps == result.steps
    np.testing.assert_array_equal(again.theta, result.theta)


# ---------------------------------------------------------------- entry points


def test_bandit_script_writes_png(tmp_path):
    done = run_module("tabular.bandit_experiment", "--seed", "0", "--out", str(tmp_path))
    assert "ucb1: average reward over steps 200-250" in done.stdout
    with Image.open(tmp_path / "average_reward.png") as im:
        assert im.format == "PNG"
    table = np.loadtxt(tmp_path / "average_reward.csv", delimiter=",", skiprows=1)
    assert table.shape == (250, 3) and table[0, 0] == 1 and table[-1, 0] == 250


@pytest.mark.parametrize("animate", ["last", "greedy"])
def test_maze_script_writes_theta_and_gif(tmp_path, animate):
    done = run_module("tabular.maze_policy_gradient", "--seed", "0", "--out", str(tmp_path), "--quiet",
                      "--animate", animate)
    assert "greedy path: 0 -> 1 -> 4 -> 5 -> 8 (4 steps)" in done.stdout
    theta = np.load(tmp_path / "theta.npy")
    assert theta.shape == THETA_0.shape
    np.testing.assert_array_equal(np.isnan(theta), np.isnan(THETA_0))
    steps = np.loadtxt(tmp_path / "steps.csv", delimiter=",", skiprows=1)
    path_steps = int(steps[-1, 1]) if animate == "last" else shortest_path_length()
    with Image.open(tmp_path / "maze.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == path_steps + 1  # the start, then one frame per step
