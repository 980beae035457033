"""The continuous-action policy gradient on Pendulum: the update, the bounds, save/load and the script."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import keras
import numpy as np
import pytest

from agents.policy_gradient_continuous import (
    PendulumObserver, PolicyGradientContinuousAgent, PolicyGradientContinuousTrainer, SampleLayer,
)
from agents.policy_gradient_continuous_config import PolicyGradientContinuousConfig
from agents.replay import ReplayMemory
from conftest import ROOT
from fn_framework import Experience
from fn_framework.run.checkpoint import load_checkpoint

SCRIPT = "policy_gradient_continuous_agent.py"
GAMMA = 0.9


def _agent(**options) -> PolicyGradientContinuousAgent:
    keras.utils.set_random_seed(0)
    agent = PolicyGradientContinuousAgent(0.0, [-2.0], [2.0], PolicyGradientContinuousConfig(**options))
    states = np.random.default_rng(0).normal(size=(50, 1, 3)).astype(np.float32) * [1.0, 1.0, 4.0]
    agent.initialize([Experience(s, np.zeros(1, np.float32), 0.0, s, False) for s in states],
                     keras.optimizers.Adam(learning_rate=1e-3, clipnorm=1.0),
                     keras.optimizers.Adam(learning_rate=1e-3, clipnorm=1.0))
    return agent


def _batch(agent, r, d=None, offset=0.3):
    """One stacked batch: 3 states, the actions ``offset`` from the actor's mean (outside the clip at p = 1)."""
    rng = np.random.default_rng(1)
    s, n_s = (rng.normal(size=(3, 1, 3)).astype(np.float32) for _ in range(2))
    a = np.clip(agent.estimate_batch(list(s)) + offset, -2, 2).astype(np.float32)
    d = np.zeros(3, bool) if d is None else np.asarray(d)
    return Experience(s[None], a[None], np.asarray(r, np.float32)[None], n_s[None], d[None])


def _q(agent, model, s, a):
    scaled = agent.dist_model.get_layer("scaler")(s.reshape(len(s), -1)).numpy()
    return model(np.concatenate([scaled, a], axis=1)).numpy()[:, 0]


def test_update_is_the_books_td_target_and_per_sample_likelihood_loss():
    agent = _agent(target_noise=0.0)  # no noise on a': the target by hand
    batch = _batch(agent, r=[1.0, -2.0, 0.5], d=[False, True, False])
    s, a, n_s = batch.s[0].reshape(3, -1), batch.a[0], batch.n_s[0].reshape(3, -1)
    mu, q = agent.dist_model(s).numpy(), _q(agent, agent.critic, s, a)
    next_q = _q(agent, agent.critic, n_s, agent.dist_model(n_s).numpy())  # tau 1: no target networks
    y = np.array([1.0 + GAMMA * next_q[0], -2.0, 0.5 + GAMMA * next_q[2]])  # terminated: just r
    density = np.exp(-((a - mu) ** 2) / (2 * 0.1**2)) / (0.1 * np.sqrt(2 * np.pi))
    actor_loss = np.mean(-np.log(np.clip(density, 1e-10, 1.0))[:, 0] * (y - q))  # per sample, not (N, N)
    got_actor, got_critic = agent.update(batch, GAMMA)
    assert got_critic == pytest.approx(np.mean((y - q) ** 2), rel=1e-5)
    assert got_actor == pytest.approx(actor_loss, rel=1e-4)
    assert np.mean((y - _q(agent, agent.critic, s, a)) ** 2) < np.mean((y - q) ** 2)  # the critic moved to y


@pytest.mark.parametrize("reward, toward", [(100.0, True), (-100.0, False)])
def test_actor_moves_toward_an_action_with_positive_td_error(reward, toward):
    agent = _agent()
    batch = _batch(agent, r=[reward] * 3)
    s, a = batch.s[0], batch.a[0]
    before = np.abs(agent.estimate_batch(list(s)) - a).mean()
    for _ in range(5):
        agent.update(batch, GAMMA)
    after = np.abs(agent.estimate_batch(list(s)) - a).mean()
    assert (after < before) if toward else (after > before)


def test_actions_near_the_mean_give_no_gradient_as_in_the_book():
    """N(a; mu, 0.1) is above 1 within 0.166 of the mean; the book's clip at 1 flattens it there."""
    agent = _agent()
    before = [w.copy() for w in agent.dist_model.get_weights()]
    agent.update(_batch(agent, r=[100.0] * 3, offset=0.05), GAMMA)
    for got, was in zip(agent.dist_model.get_weights(), before):
        np.testing.assert_array_equal(got, was)


def test_dpg_raises_the_critics_value_and_targets_update_softly():
    agent = _agent(actor_loss="dpg", tau=0.5)
    target_before = agent.target_critic.get_weights()
    batch = _batch(agent, r=[1.0, 0.0, -1.0])
    s = batch.s[0].reshape(3, -1)
    mu_before = agent.dist_model(s).numpy()
    agent.update(batch, GAMMA)
    q = _q(agent, agent.critic, s, agent.dist_model(s).numpy()).mean()
    assert q > _q(agent, agent.critic, s, mu_before).mean()  # the actor climbed the critic
    for t, was, online in zip(agent.target_critic.get_weights(), target_before, agent.critic.get_weights()):
        np.testing.assert_allclose(t, 0.5 * online + 0.5 * was, rtol=1e-5, atol=1e-7)


def test_actions_are_float32_within_the_bound():
    agent = _agent()
    s0 = np.zeros((1, 3), np.float32)
    assert len({float(agent.act(s0)[0]) for _ in range(5)}) == 5  # sampled: Normal(mean, 0.1)
    last = agent.dist_model.layers[-2]  # the tanh layer: huge weights saturate it
    last.kernel.assign(last.kernel * 1000.0)
    agent.weights_changed()
    states = [np.array([[np.cos(t), np.sin(t), v]], np.float32) for t in np.linspace(-3, 3, 7) for v in (-8, 0, 8)]
    greedy = agent.greedy_actions(states)
    assert greedy.shape == (21, 1) and greedy.dtype == np.float32 and np.abs(greedy).max() <= 2.0
    assert np.abs(greedy).max() == pytest.approx(2.0)
    np.testing.assert_allclose(greedy[:, 0], agent.dist_model(np.vstack(states)).numpy()[:, 0], rtol=1e-5)
    for s in states:
        a, g = agent.act(s), agent.act(s, greedy=True)
        assert a.shape == g.shape == (1,) and a.dtype == g.dtype == np.float32 and abs(a[0]) <= 2.0
    fresh = PolicyGradientContinuousAgent(1.0, [-2.0], [2.0])
    random = fresh.greedy_actions(states)
    assert random.shape == (21, 1) and np.abs(random).max() <= 2.0 and fresh.act(states[0]).shape == (1,)


def test_replay_keeps_float_actions_and_observer_sends_arrays():
    memory = ReplayMemory(10)
    s = np.zeros((1, 3), np.float32)
    for i in range(4):
        memory.append(Experience(s + i, np.array([0.25 * i - 0.4], np.float32), -1.0, s + i + 1, False))
    assert memory[1].a == pytest.approx([-0.15]) and memory.sample_batches(3, 2).a.shape == (2, 3, 1)
    env = PendulumObserver(gym.make("Pendulum-v1"))
    obs, _ = env.reset(seed=0)
    assert obs.shape == (1, 3) and obs.dtype == np.float32
    assert env.step(np.float32(1.5))[0].shape == (1, 3)  # a scalar, as the book's policy returned


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_load_gives_the_same_greedy_actions(tmp_path, suffix):
    agent = _agent()
    env = PendulumObserver(gym.make("Pendulum-v1"))
    states = [env.observation_space.sample() for _ in range(5)]
    path = str(tmp_path / f"actor{suffix}")
    agent.save(path)
    loaded = PolicyGradientContinuousAgent.load(env, path)
    assert isinstance(loaded.model.layers[-1], SampleLayer)
    np.testing.assert_array_equal(loaded.greedy_actions(states), agent.greedy_actions(states))
    np.testing.assert_array_equal(loaded.dist_model(np.vstack(states)), agent.dist_model(np.vstack(states)))


# The script -------------------------------------------------------------------------------
SHORT = ["--initial-count", "1", "--buffer-size", "1000"]  # train after 2 episodes, not 500


def _rows(path: Path) -> list[list[str]]:
    return [line.split(",")[:2] for line in path.read_text().splitlines()[2:]] if path.exists() else []


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    runs = []
    for name in ("a", "b"):
        root = tmp_path_factory.mktemp(name)
        from conftest import run_script

        result = run_script(SCRIPT, "--episodes", "3", "--seed", "3", *SHORT, "--log-dir", str(root))
        assert result.returncode == 0, result.stderr[-2000:]
        runs.append(root / "policy_gradient_continuous")
    return runs


def test_script_trains_with_the_same_monitor_for_the_same_seed(trained):
    first, second = (_rows(folder / "monitor.csv") for folder in trained)
    assert len(first) == 3 and first == second  # return and length per episode
    for name in ("policy_gradient_continuous_agent.keras", "rewards.png", "run_state/state.pkl", "config.json"):
        assert (trained[0] / name).exists(), name


def test_play_works_headless_on_keras_and_h5(script, trained, tmp_path):
    played = script(SCRIPT, "--play", "--episodes", "2", "--log-dir", str(trained[0].parent))
    assert played.returncode == 0, played.stderr[-2000:]
    assert sum(line.startswith("Get reward -") for line in played.stdout.splitlines()) == 2
    env = PendulumObserver(gym.make("Pendulum-v1"))
    h5 = str(tmp_path / "x.h5")
    PolicyGradientContinuousAgent.load(env, str(trained[0] / "policy_gradient_continuous_agent.keras")).save(h5)
    played = script(SCRIPT, "--play", "--episodes", "1", "--model", h5, "--log-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr[-2000:]
    assert "Average reward over 1 episodes: -" in played.stdout


def test_a_discrete_env_is_one_error_line(script, tmp_path):
    result = script(SCRIPT, "--env", "CartPole-v1", "--log-dir", str(tmp_path))
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert lines == ["error: CartPole-v1 has Discrete(2) actions; this agent needs continuous (Box) actions"]


def test_ctrl_c_keeps_a_loadable_model_and_resume_continues(tmp_path):
    command = [sys.executable, str(ROOT / "scripts" / SCRIPT), "--episodes", "300", "--seed", "1", *SHORT,
               "--log-dir", str(tmp_path)]
    folder = tmp_path / "policy_gradient_continuous"
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(_rows(folder / "monitor.csv")) < 3:  # training began after 2
        time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "--resume" in out
    done = len(_rows(folder / "monitor.csv"))
    assert 3 <= done < 300
    env = PendulumObserver(gym.make("Pendulum-v1"))
    agent = PolicyGradientContinuousAgent.load(env, str(folder / "policy_gradient_continuous_agent.keras"))
    assert agent.greedy_actions([env.reset(seed=0)[0]]).shape == (1, 1)
    saved = load_checkpoint(str(folder / "run_state"))
    steps = int(saved["agent"].optimizers["critic_optimizer"][0])  # Adam's iteration count
    assert saved["next_episode"] == done and steps >= 200 and saved["agent"].epsilon == 0.01

    command[command.index("--episodes") + 1] = str(done + 1)
    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"Resuming after episode {done}" in resumed.stdout
    assert len(_rows(folder / "monitor.csv")) == done + 1
    after = load_checkpoint(str(folder / "run_state"))
    played = after["trainer"]["total_steps"] - saved["trainer"]["total_steps"]  # the interrupted episode's rest
    assert 0 < played <= 200
    assert int(after["agent"].optimizers["critic_optimizer"][0]) == steps + played  # Adam continued: a step per env step


def test_trainer_defaults_are_the_books():
    config = PolicyGradientContinuousTrainer.config_class()
    assert (config.buffer_size, config.batch_size, config.gamma, config.episodes, config.initial_count) == (
        100000, 32, 0.99, 1500, -1)
    assert (config.epsilon, config.noise_scale, config.actor_units, config.critic_units) == (0.01, 0.1, 16, 32)
    assert (config.actor_loss, config.tau, config.target_noise, config.train_freq) == ("likelihood", 1.0, 0.1, 1)
