"""The DQN agent: TD targets, updates, the trainer's schedules, save/load and the script (replay: test_replay.py)."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import keras
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

from agents.dqn import DeepQNetworkAgent, DeepQNetworkAgentTest, DeepQNetworkTrainer, td_target  # noqa: E402
from fn_framework import Experience  # noqa: E402
from fn_framework.run.callbacks import KeepBest  # noqa: E402

SCRIPT = str(ROOT / "scripts" / "dqn_agent.py")


# TD targets -------------------------------------------------------------------
# Rows: non-terminal, terminated, and the truncated last step of an episode (stored with
# d=False because only *terminated* is terminal), so it still bootstraps.
REWARDS = np.array([1.0, -1.0, 0.5], np.float32)
TERMINATED = np.array([0.0, 1.0, 0.0], np.float32)
TEACHER_NEXT = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, -1.0]], np.float32)
ONLINE_NEXT = np.array([[0.9, 0.1], [0.0, 1.0], [-2.0, 3.0]], np.float32)


def test_td_target_bootstraps_unless_terminated() -> None:
    target = td_target(REWARDS, TERMINATED, TEACHER_NEXT, ONLINE_NEXT, 0.9)
    # 1 + 0.9 * max(1, 2) = 2.8;  terminated: -1;  truncated: 0.5 + 0.9 * max(5, -1) = 5.0
    np.testing.assert_allclose(target.numpy(), [2.8, -1.0, 5.0], rtol=1e-6)


def test_double_dqn_target_uses_the_online_choice() -> None:
    target = td_target(REWARDS, TERMINATED, TEACHER_NEXT, ONLINE_NEXT, 0.9, double=True)
    # online argmax: 0, 1, 1 -> teacher values 1, (4), -1:  1 + 0.9 = 1.9;  -1;  0.5 - 0.9 = -0.4
    np.testing.assert_allclose(target.numpy(), [1.9, -1.0, -0.4], rtol=1e-6)


def _test_agent(double: bool = False, huber: bool = False, **kwargs: Any) -> DeepQNetworkAgentTest:
    keras.utils.set_random_seed(0)
    agent = DeepQNetworkAgentTest(0.0, [0, 1], double=double, huber=huber, **kwargs)
    sample = [Experience(np.zeros((1, 4), np.float32), 0, 0.0, np.zeros((1, 4), np.float32), False)]
    agent.initialize(sample, keras.optimizers.Adam(learning_rate=1e-3, clipvalue=1.0))
    return agent


def _cnn_agent(double: bool = False) -> DeepQNetworkAgent:
    keras.utils.set_random_seed(0)
    agent = DeepQNetworkAgent(0.0, [0, 1], double=double)
    sample = [Experience(np.zeros((16, 16, 4), np.float32), 0, 0.0, None, False)]
    agent.initialize(sample, keras.optimizers.Adam(learning_rate=1e-3, clipvalue=1.0))
    return agent


@pytest.mark.parametrize("double", [False, True])
@pytest.mark.parametrize("cnn", [False, True])  # the CNN takes channels-last stacks as they come
def test_update_is_the_books_mse_on_the_taken_action(double: bool, cnn: bool) -> None:
    agent = _cnn_agent(double) if cnn else _test_agent(double=double)
    rng = np.random.default_rng(0)
    shape = (3, 16, 16, 4) if cnn else (3, 1, 4)
    s = rng.uniform(size=shape).astype(np.float32)
    n_s = rng.uniform(size=shape).astype(np.float32)
    a = np.array([0, 1, 1])
    before = agent.model(s).numpy()
    teacher = agent._teacher_model(n_s).numpy()
    online = agent.model(n_s).numpy()
    target = td_target(REWARDS, TERMINATED, teacher, online, 0.99, double).numpy()
    # The book: targets = estimates with the TD target at the taken action, Keras mse.
    expected = np.mean((target - before[np.arange(3), a]) ** 2) / 2
    batch = Experience(s, a, REWARDS, n_s, TERMINATED.astype(bool))
    assert agent.update(batch, 0.99) == pytest.approx(expected, rel=1e-5)
    assert not np.allclose(agent.model(s).numpy(), before)  # a gradient step was taken


def test_update_teacher_copies_weights() -> None:
    agent = _test_agent()
    agent.model.layers[-1].kernel.assign(agent.model.layers[-1].kernel + 1.0)
    x = np.ones((1, 1, 4), np.float32)
    assert not np.allclose(agent._teacher_model(x), agent.model(x))
    agent.update_teacher()
    np.testing.assert_array_equal(agent._teacher_model(x), agent.model(x))


def test_book_net_keeps_relu_output() -> None:
    assert _test_agent(book_net=True).model.layers[-1].activation.__name__ == "relu"
    assert _test_agent().model.layers[-1].activation.__name__ == "linear"


@pytest.mark.parametrize("cnn", [False, True])
def test_stacked_update_is_one_step_per_batch(cnn: bool) -> None:
    """Three gradient steps in one call = three calls of one step (same teacher throughout).

    The Dense net's stacked call runs under XLA (``fuses_well``), the single steps and the CNN's do not.
    """
    from agents.networks import fuses_well

    rng = np.random.default_rng(3)
    shape = (3, 4, 16, 16, 4) if cnn else (3, 4, 1, 4)
    batches = Experience(
        rng.uniform(size=shape).astype(np.float32), rng.integers(0, 2, (3, 4)),
        rng.normal(size=(3, 4)).astype(np.float32), rng.uniform(size=shape).astype(np.float32),
        rng.uniform(size=(3, 4)) < 0.3,
    )
    one_call, three_calls = (_cnn_agent() if cnn else _test_agent() for _ in range(2))
    assert fuses_well(one_call.model) is not cnn
    loss = one_call.update(batches, 0.99)
    losses = [three_calls.update(Experience(*(x[i] for x in batches)), 0.99) for i in range(3)]
    assert loss == pytest.approx(np.mean(losses), rel=1e-4)
    for got, expected in zip(one_call.model.get_weights(), three_calls.model.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


# Trainer --------------------------------------------------------------------------
class _SavingAgent:
    epsilon = 0.5
    initialized = True

    def __init__(self) -> None:
        self.saved: list[str] = []

    def save(self, path: str) -> None:
        self.saved.append(path)

    def update_teacher(self) -> None:
        pass


def test_trainer_keeps_the_best_model_and_decays_epsilon(tmp_path: Path) -> None:
    trainer = DeepQNetworkTrainer(log_dir=str(tmp_path), report_interval=2)
    trainer.training, trainer.training_episode = True, 10
    trainer.agent = agent = _SavingAgent()
    keep_best = KeepBest(by_episode=True)
    saves = []
    for episode, reward in enumerate([20.0, 200.0, 50.0, 200.0, 200.0, 200.0]):
        trainer.reward_log.append(reward)
        trainer.episode_begin(episode, agent)
        trainer.episode_end(episode, 10, agent)
        keep_best.on_episode_end(trainer, 0, reward, 10)  # what train_loop's callbacks do after episode_end
        saves.append(len(agent.saved))
    # New bests (20, then 200) are saved; a tie with 200 only when the last 2 episodes
    # averaged more than at the last save: 110 -> 125 (saved) -> 200 (saved) -> 200 (not).
    assert saves == [1, 2, 2, 3, 4, 4]
    assert agent.saved[-1] == str(tmp_path / "dqn" / "dqn_agent.keras")
    assert trainer.last_model_path == str(tmp_path / "dqn" / "dqn_agent_last.keras")
    assert agent.epsilon == pytest.approx(0.5 - 6 * (0.5 - 1e-3) / 10)


class _ScheduleAgent(_SavingAgent):
    """Records what the trainer's step asks of it."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[tuple[int, ...]] = []
        self.teacher_syncs: list[int] = []

    def update(self, batch: Experience, gamma: float) -> float:
        self.updates.append(np.shape(batch.a))
        return 0.5

    def update_teacher(self) -> None:
        self.teacher_syncs.append(len(self.updates))


def test_trainer_runs_sb3s_schedule_when_asked(tmp_path: Path) -> None:
    trainer = DeepQNetworkTrainer(
        log_dir=str(tmp_path), batch_size=4, initial_epsilon=1.0, final_epsilon=0.04, train_freq=8,
        gradient_steps=3, teacher_update_steps=6, exploration_steps=20,
    )
    for state in np.random.default_rng(0).normal(size=(20, 1, 4)).astype(np.float32):
        trainer.experiences.append(Experience(state, 0, 1.0, state + 1, False))
    trainer.training = True
    agent = _ScheduleAgent()
    epsilons = []
    for step_count in range(40):
        trainer.step(0, step_count, agent, trainer.experiences[0])
        trainer.total_steps += 1  # as train_loop counts each env step after the hook
        epsilons.append(agent.epsilon)
    # An update every 8 env steps, 3 stacked batches of 4 each; the teacher every 6 gradient steps.
    assert agent.updates == [(3, 4)] * 5
    assert agent.teacher_syncs == [2, 4]
    assert trainer.gradient_step_count == 15
    # Epsilon: linear over the first 20 training steps, then the floor; episodes do not decay it.
    assert epsilons[9] == pytest.approx(1.0 - 10 / 20 * 0.96)
    assert epsilons[19:] == pytest.approx([0.04] * 21)
    trainer.reward_log.append(10.0)
    trainer.episode_end(0, 40, agent)
    assert agent.epsilon == pytest.approx(0.04) and agent.teacher_syncs == [2, 4]


def test_sb3s_schedule_counts_every_copys_env_steps(tmp_path: Path) -> None:
    """Three copies: each vector step is 3 env steps; an update every 8 of them, epsilon over 21."""
    trainer = DeepQNetworkTrainer(
        log_dir=str(tmp_path), batch_size=4, initial_epsilon=1.0, final_epsilon=0.04, train_freq=8,
        gradient_steps=2, teacher_update_steps=6, exploration_steps=21, n_envs=3,
    )
    for state in np.random.default_rng(0).normal(size=(20, 1, 4)).astype(np.float32):
        trainer.experiences.append(Experience(state, 0, 1.0, state + 1, False))
    trainer.training = True
    agent = _ScheduleAgent()
    epsilons = []
    for step_count in range(16):  # env steps 0..47: updates due at 0, 8, ..., 40 (six, one per vector step)
        trainer.step(0, step_count, agent, trainer.experiences[0])
        trainer.total_steps += 3
        epsilons.append(agent.epsilon)
    assert agent.updates == [(2, 4)] * 6 and trainer.gradient_step_count == 12
    assert agent.teacher_syncs == [3, 6]
    assert epsilons[3] == pytest.approx(1.0 - 12 / 21 * 0.96) and epsilons[7:] == pytest.approx([0.04] * 9)
    # One env step per vector step and an update every one: a vector step of 8 copies runs 8 x gradient_steps.
    trainer = DeepQNetworkTrainer(log_dir=str(tmp_path / "b"), batch_size=4, train_freq=1, n_envs=8)
    for state in np.random.default_rng(1).normal(size=(20, 1, 4)).astype(np.float32):
        trainer.experiences.append(Experience(state, 0, 1.0, state + 1, False))
    trainer.training, agent = True, _ScheduleAgent()
    trainer.step(0, 0, agent, trainer.experiences[0])
    assert agent.updates == [(8, 4)]


def test_dqn_learns_cartpole_from_four_copies(tmp_path: Path) -> None:
    """The zoo schedule on 4 CartPole copies: every copy's transitions replayed, each stack stored once."""
    from agents.dqn_config import TEST_PRESETS
    from benchmarks import harness

    config = dataclasses.replace(TEST_PRESETS["zoo"], n_envs=4, episodes=400, report_interval=1000)
    trainer = harness.make_trainer(config, str(tmp_path))
    env = DeepQNetworkTrainer.observe(gym.make("CartPole-v1"), config)
    trainer.env_factory = lambda: DeepQNetworkTrainer.observe(gym.make("CartPole-v1"), config)
    harness.seed_all(5, env)
    trainer.train(env)
    memory = trainer.experiences
    assert len(memory) == trainer.total_steps  # all 4 copies' steps, none dropped
    assert memory._frames_written < 1.1 * len(memory)  # one frame a step (and one per episode start)
    assert abs(trainer.gradient_step_count - trainer.training_steps * 128 / 256) <= 128  # 128 every 256 env steps
    first, last = np.mean(trainer.reward_log[:10]), np.mean(trainer.reward_log[-10:])
    assert first < 30 and last > 75  # random play, then learning (seed 5: 90 at epsilon 0.04)


# Save and load ----------------------------------------------------------------
class _Spaces:
    """Just the spaces that ``FNAgent.load`` checks a model against."""

    def __init__(self, shape: tuple, n_actions: int) -> None:
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape, np.float32)
        self.action_space = gym.spaces.Discrete(n_actions)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("agent_class", [DeepQNetworkAgent, DeepQNetworkAgentTest])
def test_save_load_gives_identical_q_values(tmp_path: Path, suffix: str, agent_class: type) -> None:
    env = _Spaces((80, 80, 4), 3) if agent_class is DeepQNetworkAgent else _Spaces((1, 4), 2)
    shape = env.observation_space.shape
    agent = agent_class(0.0, list(range(env.action_space.n)))
    keras.utils.set_random_seed(3)
    agent.initialize([Experience(np.zeros(shape, np.float32), 0, 0.0, None, False)], keras.optimizers.Adam())
    states = np.random.default_rng(3).uniform(size=(4, *shape)).astype(np.float32)
    path = str(tmp_path / f"model{suffix}")
    agent.save(path)
    loaded = agent_class.load(env, path)
    np.testing.assert_array_equal(loaded.model(states).numpy(), agent.model(states).numpy())
    np.testing.assert_array_equal(loaded.estimate(states[0]), agent.estimate(states[0]))


# The script ---------------------------------------------------------------------
def _script(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )


def test_script_test_mode_trains_and_plays(tmp_path: Path) -> None:
    trained = _script("--test", "--episodes", "4", "--seed", "0", "--log-dir", str(tmp_path))
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "dqn_test" / "dqn_agent_test.keras").exists()
    assert (tmp_path / "dqn_test" / "dqn_agent_test_last.keras").exists()
    assert (tmp_path / "dqn_test" / "monitor.csv").read_text().count("\n") == 2 + 4
    played = _script("--test", "--play", "--episodes", "2", "--log-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr
    assert played.stdout.count("Get reward") == 2 and "Average reward over 2 episodes" in played.stdout


def _scalars(folder: Path, tag: str) -> list[float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    return [e.value for e in events.Scalars(tag)]


def test_script_runs_sb3s_schedule(tmp_path: Path) -> None:
    """The flags beyond the book: stacked gradient steps, teacher by steps, epsilon by steps."""
    trained = _script(
        "--test", "--episodes", "8", "--seed", "0", "--log-dir", str(tmp_path), "--train-freq", "16",
        "--gradient-steps", "4", "--teacher-update-steps", "8", "--exploration-steps", "20",
    )
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "dqn_test" / "dqn_agent_test.keras").exists()
    epsilons = _scalars(tmp_path / "dqn_test", "stats/epsilon")  # 3 training episodes of 8+ steps: past 20 steps
    assert len(epsilons) == 3 and epsilons[-1] == pytest.approx(1e-3) and epsilons[0] > 1e-3
    assert max(_scalars(tmp_path / "dqn_test", "loss/td")) > 0  # updates ran


def test_script_catcher_trains_and_plays_h5(tmp_path: Path) -> None:
    """Catcher through the script with a legacy ``.h5`` path (``.keras`` is the test mode's default above)."""
    suffix = ".h5"
    model = str(tmp_path / f"catcher{suffix}")
    trained = _script("--episodes", "2", "--seed", "0", "--log-dir", str(tmp_path), "--model", model)
    assert trained.returncode == 0, trained.stderr
    assert os.path.exists(model) and os.path.exists(str(tmp_path / f"catcher_last{suffix}"))
    played = _script("--play", "--episodes", "1", "--log-dir", str(tmp_path), "--model", model)
    assert played.returncode == 0, played.stderr
    assert "Get reward" in played.stdout


def test_script_play_without_model_is_one_line(tmp_path: Path) -> None:
    result = _script("--test", "--play", "--model", str(tmp_path / "dqn_agent_test.keras"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "no saved model" in result.stderr
