"""Regression tests for the book's GitHub issues and errata (docs/book_map.md, "The book's errata and issues").

One test per issue of icoxfog417/baby-steps-of-rl-ja that touches Day 4's code, named after it,
plus the book's DQN teacher that our code starts as a copy. Errata already covered by another
test are named in docs/book_map.md instead of being tested twice here.
"""
from __future__ import annotations

import csv
from pathlib import Path

import gymnasium
import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import envs  # noqa: F401  (registers Catcher-v0)
from agents.a2c import actor_critic_loss
from agents.dqn import DeepQNetworkAgent, DeepQNetworkAgentTest
from agents.observers import CartPoleObserver, CatcherObserver
from agents.policy_gradient import PolicyGradientTrainer
from fn_framework import Experience


# Issue #14: "p132のコード shapeの勘違い" -------------------------------------------------
class _KeepRaw(gymnasium.Wrapper):
    """Remember the raw frame the observer is about to transform."""

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self.raw = obs
        return obs, info

    def step(self, action):
        out = self.env.step(action)
        self.raw = out[0]
        return out


def _book_frame(raw: np.ndarray, width: int, height: int) -> np.ndarray:
    """The book's CatcherObserver.transform up to the stack: gray, resize((w, h)), / 255."""
    grayed = Image.fromarray(raw).convert("L").resize((width, height), Image.NEAREST)
    return np.asarray(grayed, dtype=np.float32) / np.float32(255.0)


def _scaled(s: np.ndarray) -> np.ndarray:
    return s.astype(np.float32) / np.float32(255.0)


def test_book_issue_14_frame_shape_comment() -> None:
    """The stack is (height, width, frame_count), newest frame last: "(f, h, w) => (h, w, f)".

    A non-square 40x30 resize tells height from width apart. Each observation must equal the
    book's ``np.transpose(np.array(frames), (1, 2, 0))`` of the last 4 frames.
    """
    raw_env = _KeepRaw(gymnasium.make("Catcher-v0"))
    env = CatcherObserver(raw_env, width=40, height=30, frame_count=4)
    s, _ = env.reset(seed=0)
    assert s.shape == (30, 40, 4) and s.dtype == np.uint8  # the book's k / 255 is the network's first layer
    assert env.observation_space.shape == (30, 40, 4) and env.observation_space.contains(s)
    first = _book_frame(raw_env.raw, 40, 30)
    assert first.shape == (30, 40)  # PIL's resize takes (width, height); the array is (h, w)
    frames = [first] * 4  # the reset fills the stack with the first frame
    np.testing.assert_array_equal(_scaled(s), np.transpose(np.array(frames), (1, 2, 0)))

    newest_changed = 0
    for _ in range(6):
        previous = s
        s, *_ = env.step(1)  # right: the paddle moves, the fruit falls
        frames = frames[1:] + [_book_frame(raw_env.raw, 40, 30)]
        assert s.shape == (30, 40, 4) and s.dtype == np.uint8
        np.testing.assert_array_equal(_scaled(s)[..., -1], frames[-1])  # the newest frame is the last channel
        np.testing.assert_array_equal(s[..., :-1], previous[..., 1:])  # the others shifted one back
        np.testing.assert_array_equal(_scaled(s), np.transpose(np.array(frames), (1, 2, 0)))  # (f, h, w) => (h, w, f)
        newest_changed += not np.array_equal(s[..., -1], previous[..., -1])
    assert newest_changed >= 5  # the frames really moved, so the shift above means something

    s, _ = env.reset()  # a new episode starts a fresh stack (the book kept the old frames)
    for c in range(4):
        np.testing.assert_array_equal(_scaled(s)[..., c], _book_frame(raw_env.raw, 40, 30))


# Issue #15: "4.4 Policy Gradientでのパラメータ更新について" ---------------------------------
class _RecordingPolicyGradientTrainer(PolicyGradientTrainer):
    """Record what each episode's update was given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initialized_at: list[tuple[int, int, int]] = []  # (episode, steps held, its length)
        self.updates: list[tuple[int, int, dict]] = []  # (episode, step_count, the steps the rollout held)
        self.batches: list[tuple[int, np.ndarray]] = []  # (steps handed to make_batch, batch states)

    def episode_end(self, episode, step_count, agent, copy=0) -> None:
        was_initialized = agent.initialized
        held = self.experiences.get_recent(copy, len(self.experiences))  # all the rollout holds
        super().episode_end(episode, step_count, agent, copy)
        if was_initialized:
            self.updates.append((episode, step_count, held))
        elif agent.initialized:
            self.initialized_at.append((episode, len(held["rewards"]), step_count))

    def make_batch(self, states, actions, returns):
        batch = super().make_batch(states, actions, returns)
        self.batches.append((len(actions), batch[0]))
        return batch


def test_book_issue_15_policy_gradient_learns_without_replay(tmp_path: Path) -> None:
    """Once initialized, each update sees only its own episode (the book's ``episode_begin`` dropped the rest)."""
    keras.utils.set_random_seed(1)
    env = CartPoleObserver(gymnasium.make("CartPole-v0"))
    env.reset(seed=1)
    trainer = _RecordingPolicyGradientTrainer(buffer_size=32, log_dir=str(tmp_path), run_name="policy_gradient")
    episodes = 8
    agent = trainer.train(env, episode_count=episodes)

    assert agent.initialized
    # The scaler is fitted at the end of the episode that fills the random-play buffer (the book's 256; 32 here).
    [(init_episode, held_at_init, length)] = trainer.initialized_at
    assert held_at_init >= 32 > held_at_init - length
    assert init_episode < episodes - 2  # at least two episodes of updates follow
    # Then one update per episode, from that episode alone.
    assert [u[0] for u in trainer.updates] == list(range(init_episode + 1, episodes))
    assert len(trainer.batches) == len(trainer.updates)
    for (episode, step_count, held), (handed, states) in zip(trainer.updates, trainer.batches):
        assert len(held["rewards"]) == step_count == handed  # nothing of an earlier episode is replayed
        assert not held["ends"][:-1].any() and held["ends"][-1]  # one whole episode
        assert len(states) == min(32, step_count)  # the book's batch_size, sampled from the episode
        episode_rows = {row.tobytes() for row in np.asarray(held["obs"], np.float32).reshape(step_count, -1)}
        assert all(row.tobytes() in episode_rows for row in np.asarray(states, np.float32))

    # After training the rollout holds exactly the last episode (monitor.csv's last row).
    with open(trainer.logger.path_of("monitor.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert len(rows) == episodes
    assert len(trainer.experiences) == int(rows[-1]["l"]) == trainer.updates[-1][1]


# Issue #16: "A2Cの勾配計算について" ----------------------------------------------------------
def test_book_issue_16_a2c_advantage_stops_gradient() -> None:
    """The policy loss does not reach the critic; the advantage is one number per sample.

    The critic's estimates arrive as the model gives them, ``(N, 1)``; the returns as ``(N,)``.
    """
    logits = tf.Variable([[1.0, 2.0, 0.0], [0.5, -0.5, 0.3], [0.0, 0.0, 1.0]])
    estimateds = tf.Variable([[0.5], [-1.0], [2.0]])
    actions = tf.constant([1, 0, 2])
    values = tf.constant([1.0, -2.0, 0.5])
    n = 3
    with tf.GradientTape(persistent=True) as tape:
        losses = actor_critic_loss(logits, estimateds, actions, values, value_loss_weight=0.5, entropy_weight=0.1)

    # stop_gradient: no gradient from the policy loss to the critic's estimates ...
    policy_to_critic = tape.gradient(losses["loss/policy"], estimateds)
    assert policy_to_critic is None or not np.any(policy_to_critic.numpy())
    # ... while the value loss trains it: d mean((G - V)^2) / dV = -2 (G - V) / N.
    est = estimateds.numpy().reshape(-1)
    g = values.numpy()
    value_to_critic = tape.gradient(losses["loss/value"], estimateds).numpy()
    np.testing.assert_allclose(value_to_critic.reshape(-1), -2.0 * (g - est) / n, rtol=1e-6)
    assert np.all(value_to_critic != 0)
    # The whole loss reaches the critic through the weighted value loss only.
    total_to_critic = tape.gradient(losses["loss/total"], estimateds).numpy()
    np.testing.assert_allclose(total_to_critic, 0.5 * value_to_critic, rtol=1e-6)

    # Per sample: advantage_i = G_i - V_i, shape (N,), weights sample i's -log pi(a_i | s_i).
    advantages = g - est
    z = logits.numpy()
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    neg_logs = -np.log(probs[np.arange(n), actions.numpy()])
    assert advantages.shape == (n,)
    assert float(losses["loss/policy"]) == pytest.approx(float(np.mean(neg_logs * advantages)), rel=1e-5)
    one_hot = np.eye(3)[actions.numpy()]
    policy_to_actor = tape.gradient(losses["loss/policy"], logits).numpy()
    np.testing.assert_allclose(policy_to_actor, (probs - one_hot) * advantages[:, None] / n, rtol=1e-5, atol=1e-7)
    # The book's `values - tf.stop_gradient(estimateds)` broadcasts (N,) - (N, 1) to (N, N):
    book_advantages = g[None, :] - est[:, None]
    assert book_advantages.shape == (n, n)
    book_policy_loss = float(np.mean(neg_logs[None, :] * book_advantages))
    assert abs(float(losses["loss/policy"]) - book_policy_loss) > 0.1  # ours is not the book's number
    del tape


# The DQN teacher: the book's clone_model left it with other random weights -----------------------
@pytest.mark.parametrize("agent_class,shape", [(DeepQNetworkAgentTest, (1, 4)), (DeepQNetworkAgent, (16, 16, 4))])
def test_book_erratum_dqn_teacher_starts_as_a_copy(agent_class: type, shape: tuple) -> None:
    keras.utils.set_random_seed(0)
    agent = agent_class(0.0, [0, 1, 2])
    frames = len(shape) == 3  # the observer's uint8 frames, else a float32 row
    state = np.zeros(shape, np.uint8 if frames else np.float32)
    agent.initialize([Experience(state, 0, 0.0, state, False)], keras.optimizers.Adam(learning_rate=1e-3))
    for teacher, weight in zip(agent._teacher_model.weights, agent.model.weights):
        np.testing.assert_array_equal(teacher.numpy(), weight.numpy())
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, *shape), dtype=np.uint8) if frames else rng.random((5, *shape), dtype=np.float32)
    np.testing.assert_array_equal(agent._teacher_model(x).numpy(), agent.model(x).numpy())
    # The book's teacher: `K.models.clone_model(self.model)` alone, without the copy.
    book_teacher = keras.models.clone_model(agent.model)
    assert not np.allclose(book_teacher(x).numpy(), agent.model(x).numpy())
