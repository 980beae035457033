"""The book's framework on Gymnasium: hook order, the terminated/truncated rule, Logger output."""
from __future__ import annotations

import json
import os

import gymnasium as gym
import numpy as np
import pytest

from fn_framework import Experience, FNAgent, Logger, Observer, Trainer
from fn_framework.run.folders import atomic_path


class ScriptedEnv(gym.Env):
    """Episodes of ``lengths[i]`` steps; even episodes terminate, odd ones are truncated."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, lengths):
        self.lengths = list(lengths)
        self.episode = -1
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode += 1
        self.t = 0
        return np.array([100.0 * self.episode], np.float32), {}

    def step(self, action):
        self.t += 1
        end = self.t == self.lengths[self.episode]
        terminated = end and self.episode % 2 == 0
        truncated = end and self.episode % 2 == 1
        obs = np.array([100.0 * self.episode + self.t], np.float32)
        return obs, 1.0, terminated, truncated, {}


class RandomAgent(FNAgent):
    def estimate(self, s):
        return np.zeros(len(self.actions))


class RecordingTrainer(Trainer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def episode_begin(self, episode, agent, copy=0):
        self.calls.append(("episode_begin", episode))

    def begin_train(self, episode, agent):
        self.calls.append(("begin_train", episode, len(self.experiences)))

    def step(self, episode, step_count, agent, experience):
        self.calls.append(("step", episode, step_count, self.training))

    def episode_end(self, episode, step_count, agent, copy=0):
        self.calls.append(("episode_end", episode, step_count, self.training_count))


def test_trainer_name_is_the_books_snake_case(tmp_path):
    class DeepQNetworkTrainer(Trainer):
        pass

    assert DeepQNetworkTrainer(log_dir=str(tmp_path)).trainer_name == "deep_q_network"
    assert RecordingTrainer(log_dir=str(tmp_path)).trainer_name == "recording"


def test_hook_order_and_begin_train_when_buffer_fills(tmp_path):
    trainer = RecordingTrainer(buffer_size=4, log_dir=str(tmp_path))
    env = ScriptedEnv([3, 2, 2])
    trainer.train_loop(env, RandomAgent(0.0, [0, 1]), episode=3)
    assert trainer.calls == [
        ("episode_begin", 0),
        ("step", 0, 0, False), ("step", 0, 1, False), ("step", 0, 2, False),
        ("episode_end", 0, 3, 0),
        ("episode_begin", 1),
        ("begin_train", 1, 4),  # the 4th experience fills the buffer, before step()
        ("step", 1, 0, True), ("step", 1, 1, True),
        ("episode_end", 1, 2, 0),
        ("episode_begin", 2),
        ("step", 2, 0, True), ("step", 2, 1, True),
        ("episode_end", 2, 2, 1),
    ]
    assert trainer.training_count == 2
    assert trainer.reward_log == [3.0, 2.0, 2.0]
    assert trainer.total_steps == 7


def test_initial_count_begins_training_after_that_episode(tmp_path):
    trainer = RecordingTrainer(buffer_size=1000, log_dir=str(tmp_path))
    trainer.train_loop(ScriptedEnv([2, 2, 2, 2]), RandomAgent(0.0, [0, 1]), episode=4, initial_count=1)
    begins = [c for c in trainer.calls if c[0] == "begin_train"]
    assert begins == [("begin_train", 1, 4)]
    assert [c[3] for c in trainer.calls if c[0] == "episode_end"] == [0, 0, 1, 2]


def test_only_termination_is_stored_as_done(tmp_path):
    trainer = Trainer(buffer_size=100, log_dir=str(tmp_path))
    trainer.train_loop(ScriptedEnv([3, 2]), RandomAgent(0.0, [0, 1]), episode=2)
    flags = [e.d for e in trainer.experiences]
    assert flags == [False, False, True, False, False]  # episode 1 was truncated, not terminated
    first = trainer.experiences[0]
    assert isinstance(first, Experience)
    assert first.s[0] == 0.0 and first.n_s[0] == 1.0 and first.r == 1.0
    # get_recent returns the last episode, oldest first.
    assert [e.n_s[0] for e in trainer.get_recent(2)] == [101.0, 102.0]


def test_observe_interval_hands_frames_to_the_logger(tmp_path):
    trainer = Trainer(buffer_size=2, log_dir=str(tmp_path))
    written = []
    trainer.logger.write_image = lambda index, frames: written.append((index, len(frames)))
    trainer.train_loop(ScriptedEnv([2, 3, 2, 2]), RandomAgent(0.0, [0, 1]), episode=4, observe_interval=2)
    # Training begins inside episode 0 (after its 2nd step), so episode 0 has no frames;
    # then frames are taken while training_count == 1 or a multiple of observe_interval,
    # written at the env step where their episode ended (2 + 3, then 2 + 3 + 2).
    assert written == [(5, 3), (7, 2)]


def test_logger_event_file_and_monitor_csv_read_back(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    trainer = Trainer(log_dir=str(tmp_path))
    trainer.train_loop(ScriptedEnv([3, 2, 4]), RandomAgent(0.0, [0, 1]), episode=3)
    log_dir = trainer.logger.log_dir
    assert log_dir == os.path.join(str(tmp_path), "")[:-1] or log_dir.startswith(str(tmp_path))

    events = EventAccumulator(log_dir)
    events.Reload()
    rewards = [(e.step, e.value) for e in events.Scalars("reward")]
    assert rewards == [(3, 3.0), (5, 2.0), (9, 4.0)]  # keyed by env steps, as SB3 and CleanRL do
    assert [e.step for e in events.Scalars("episode")] == [3, 5, 9]

    with open(os.path.join(log_dir, "monitor.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = json.loads(lines[0][1:])
    assert lines[0].startswith("#") and set(header) == {"t_start", "env_id"}
    assert header["env_id"] == "ScriptedEnv"
    assert lines[1] == "r,l,t"
    rows = [line.split(",") for line in lines[2:]]
    assert [(float(r), int(l)) for r, l, _ in rows] == [(3.0, 3), (2.0, 2), (4.0, 4)]
    times = [float(t) for _, _, t in rows]
    assert times == sorted(times) and times[0] >= 0


def test_logger_plot_and_images(tmp_path, capsys):
    logger = Logger(str(tmp_path), "plots")
    path = logger.plot("Rewards", list(range(35)), interval=10)
    assert path == str(tmp_path / "plots" / "rewards.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"

    logger.describe("reward", [1.0, 2.0, 3.0], episode=10)
    assert capsys.readouterr().out.strip() == "At episode 10, reward is 2.0 (+/-0.816)"

    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    frames = [np.full((6, 5, 4), 0.25 * k, np.float32) for k in range(1, 4)]
    logger.write_image(7, frames)
    logger.flush()
    events = EventAccumulator(logger.log_dir)
    events.Reload()
    (event,) = events.Images("observation")
    # One PNG: the 3 frames of 6x5 tiled 2 + 1 with 1-pixel lines.
    assert (event.step, event.width, event.height) == (7, 11, 13)
    sheet = tf.io.decode_png(event.encoded_image_string).numpy()[..., 0]
    assert sheet.shape == (13, 11)
    assert (sheet[:6, :5] == 85).all() and (sheet[:6, 6:] == 170).all() and (sheet[7:, :5] == 255).all()
    assert (sheet[6, :] == 128).all() and (sheet[:, 5] == 128).all() and (sheet[7:, 6:] == 128).all()


def test_observer_is_a_gymnasium_wrapper():
    from agents.observers import CartPoleObserver

    env = CartPoleObserver(gym.make("CartPole-v1"))
    s, info = env.reset(seed=0)
    assert s.shape == (1, 4) and s.dtype == np.float32 and env.observation_space.contains(s)
    n_s, r, terminated, truncated, info = env.step(0)
    assert n_s.shape == (1, 4) and r == 1.0
    with pytest.raises(NotImplementedError, match="transform"):
        Observer(gym.make("CartPole-v1")).reset()


def test_agent_parts_left_to_subclasses_say_so():
    agent = FNAgent(0.1, [0, 1])
    for call in (lambda: agent.estimate(None), lambda: agent.update([], 0.9), lambda: agent.initialize([])):
        with pytest.raises(NotImplementedError, match="must implement"):
            call()


def test_policy_is_random_until_initialized_then_greedy():
    agent = RandomAgent(0.0, [0, 1, 2])
    np.random.seed(0)
    assert {agent.policy(None) for _ in range(200)} == {0, 1, 2}
    agent.initialized = True
    agent.estimate = lambda s: np.array([0.1, 0.9, 0.3])
    assert {agent.policy(None) for _ in range(50)} == {1}
    agent.estimate_probs = True
    agent.estimate = lambda s: np.array([0.0, 0.25, 0.75], np.float32)
    picks = [agent.policy(None) for _ in range(4000)]
    assert 0 not in picks and abs(np.mean(np.array(picks) == 2) - 0.75) < 0.03


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(str(target)) as tmp:
            assert tmp.endswith(".keras") and os.path.dirname(tmp) == str(tmp_path)
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash mid-save")
    assert target.read_text() == "good"
    assert os.listdir(tmp_path) == ["model.keras"]
    with atomic_path(str(target)) as tmp:
        with open(tmp, "w") as f:
            f.write("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["model.keras"]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_model_save_load_identical(tmp_path, suffix):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")  # the Keras 3 .h5 trap: a string loss
    agent = RandomAgent(0.0, [0, 1])
    agent.model = model
    path = str(tmp_path / f"agent{suffix}")
    agent.save(path)
    env = gym.make("CartPole-v1")
    loaded = RandomAgent.load(env, path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded.model(x)), np.asarray(model(x)))
    assert loaded.initialized and loaded.actions == [0, 1]
