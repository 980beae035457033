"""The book's value-function agent: TD targets, learning, save/load and the script."""
from __future__ import annotations

import glob
import os

import gymnasium as gym
import numpy as np
import pytest

from agents.observers import CartPoleObserver
from agents.value_function import ValueFunctionAgent, ValueFunctionTrainer
from fn_framework import Experience
from fn_framework.run.cli import seed_everything


def test_td_targets_only_stop_bootstrapping_on_termination():
    agent = ValueFunctionAgent(0.0, [0, 1])
    agent.initialized = True
    q = {0.0: [1.0, 2.0], 1.0: [3.0, 5.0], 2.0: [0.5, 0.25]}
    agent._predict = lambda states: np.array([q[float(s[0])] for s in states])
    fitted = {}

    class Capture:
        def transform(self, x):
            return x

        def partial_fit(self, x, y):
            fitted["y"] = y

    agent.model = type("P", (), {"named_steps": {"scaler": Capture(), "estimator": Capture()}})()
    s0, s1, s2 = (np.array([[v, 0.0]]) for v in (0.0, 1.0, 2.0))
    batch = [
        Experience(s0, 1, 1.0, s1, False),  # non-terminal: 1 + 0.9 * max(3, 5)
        Experience(s1, 0, 1.0, s2, True),   # terminated: just the reward
        Experience(s0, 0, 0.5, s2, False),  # truncated stores d=False: 0.5 + 0.9 * 0.5
    ]
    agent.update(batch, gamma=0.9)
    np.testing.assert_allclose(fitted["y"], [[1.0, 5.5], [1.0, 5.0], [0.95, 2.0]])


def _train(seed: int, episodes: int, tmp_path) -> ValueFunctionTrainer:
    env = CartPoleObserver(gym.make("CartPole-v1"))
    trainer = ValueFunctionTrainer(log_dir=str(tmp_path))
    seed_everything(seed, env)
    trainer.agent = trainer.train(env, episode_count=episodes)
    return trainer


def test_learns_cartpole_with_a_fixed_seed(tmp_path):
    trainer = _train(seed=1, episodes=200, tmp_path=tmp_path)
    log = np.array(trainer.reward_log)
    first, last = log[:20].mean(), log[-20:].mean()
    # A random policy averages about 22; this seed reaches about 100 by episode 200.
    assert first < 30
    assert last > 3 * first, (first, last)


def test_save_load_gives_identical_estimates(tmp_path):
    trainer = _train(seed=2, episodes=60, tmp_path=tmp_path)
    agent = trainer.agent
    assert agent.initialized
    path = str(tmp_path / "agent.pkl")
    agent.save(path)
    loaded = ValueFunctionAgent.load(gym.make("CartPole-v1"), path)
    states = np.random.default_rng(0).normal(size=(16, 4))
    np.testing.assert_array_equal(loaded.model.predict(states), agent.model.predict(states))
    assert loaded.epsilon == 0.0001 and loaded.actions == [0, 1]


def test_script_trains_saves_logs_and_plays(tmp_path, script):
    train = script("value_function_agent.py", "--episodes", "60", "--seed", "3", "--log-dir", str(tmp_path))
    assert train.returncode == 0, train.stderr
    folder = tmp_path / "value_function"
    assert (folder / "value_function_agent.pkl").is_file()
    assert (folder / "rewards.png").is_file()
    monitor = (folder / "monitor.csv").read_text().splitlines()
    assert '"env_id": "CartPole-v0"' in monitor[0] and len(monitor) == 2 + 60
    (event_file,) = glob.glob(str(folder / "events.out.tfevents.*"))

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(event_file)
    events.Reload()
    lengths = [int(row.split(",")[1]) for row in monitor[2:]]
    assert [e.step for e in events.Scalars("reward")] == [sum(lengths[: i + 1]) for i in range(60)]  # env steps
    assert "At episode 50, reward is" in train.stdout

    again = script("value_function_agent.py", "--episodes", "60", "--seed", "3",
                   "--log-dir", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    again_monitor = (tmp_path / "again" / "value_function" / "monitor.csv").read_text().splitlines()
    strip_time = lambda lines: [line.rsplit(",", 1)[0] for line in lines[2:]]  # noqa: E731
    assert strip_time(again_monitor) == strip_time(monitor)  # same seed, same reward log

    play = script("value_function_agent.py", "--play", "--log-dir", str(tmp_path))
    assert play.returncode == 0, play.stderr
    assert play.stdout.count("Get reward") == 5


def test_play_without_a_model_says_where_it_looked(tmp_path, script):
    play = script("value_function_agent.py", "--play", "--log-dir", str(tmp_path))
    assert play.returncode != 0
    assert "Traceback" not in play.stderr
    lines = [line for line in play.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1
    assert os.path.join(str(tmp_path), "value_function", "value_function_agent.pkl") in lines[0]
    assert "python scripts/value_function_agent.py" in lines[0]


@pytest.mark.parametrize("episodes", ["0", "-3", "ten"])
def test_bad_episode_counts_are_rejected_by_the_parser(episodes, script, tmp_path):
    result = script("value_function_agent.py", "--episodes", episodes, "--log-dir", str(tmp_path))
    assert result.returncode == 2
    assert "--episodes" in result.stderr and "Traceback" not in result.stderr
