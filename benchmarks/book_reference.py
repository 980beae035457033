"""The book's policy gradient and A2C (test mode) written out on their own, to check our presets against.

    python benchmarks/book_reference.py --agent pg --seeds 1 2 3 4 5
    python benchmarks/book_reference.py --agent a2c_test --seeds 1 2 3 4 5 [--per-sample-advantage] [--bootstrap-truncation]

Independent of ``fn_framework`` and ``agents``: one function per agent, line by line the book's
``fn_framework.Trainer.train_loop`` with its hooks (``FN/policy_gradient_agent.py``,
``FN/a2c_agent.py`` at 34cd29bb), on Gymnasium's CartPole-v0 with the old gym's ``done``
(termination or the 200-step limit). What the book's TF 1 code computed is kept, bugs included:
A2C's advantage is ``values (N,) - estimateds (N, 1)``, which broadcasts to ``(N, N)``, so every
sample's ``-log pi`` is weighted by its return less the batch's *mean* estimate. The APIs are TF 2
(``tf.GradientTape``); acting is a NumPy forward pass of the same weights (``model.predict`` per
step would take minutes and computes the same numbers).

Two switches turn on, one at a time, what our port changes in A2C: ``--per-sample-advantage``
(``agents/a2c.py``) and ``--bootstrap-truncation`` (only termination stops the return).

Each seed prints a JSON line: the mean training reward of the first and last 50 episodes, and the
mean of 10 sampled episodes played by the final model and by the best episode's model (the one the
book saves and ``--play`` plays); then the mean over seeds. Measured: benchmarks/README.md, "The book's
settings on CartPole".
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import deque
from typing import Any, Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

PLAY_EPISODES = 10


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


def mlp_forward(model: keras.Model) -> Callable[[np.ndarray], list[np.ndarray]]:
    """``model(x)`` in NumPy for the Dense-only models here (relu hidden layers, linear or softmax heads)."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    weights = [(layer.get_weights(), layer.get_config()["activation"]) for layer in dense]
    heads = len(model.outputs)
    trunk, outs = weights[:len(weights) - heads], weights[len(weights) - heads:]

    def forward(x: np.ndarray) -> list[np.ndarray]:
        h = np.asarray(x, np.float32)
        for (w, b), _ in trunk:
            h = np.maximum(h @ w + b, 0.0)
        results = []
        for (w, b), activation in outs:
            z = h @ w + b
            if activation == "softmax":
                z = np.exp(z - z.max(axis=-1, keepdims=True))
                z = z / z.sum(axis=-1, keepdims=True)
            results.append(z)
        return results

    return forward


def standard_scaled(x: np.ndarray) -> np.ndarray:
    """sklearn's ``StandardScaler().fit_transform`` of one column (population std; 0 becomes 1)."""
    x = np.asarray(x, np.float64)
    std = x.std()
    return (x - x.mean()) / (std if std > 0 else 1.0)


def step_env(env: gym.Env, a: int) -> tuple[np.ndarray, float, bool, bool]:
    """The old gym's 4-tuple ``done`` (termination or the time limit) and whether it was the limit."""
    n_state, reward, terminated, truncated, _ = env.step(int(a))
    return np.asarray(n_state, np.float32), float(reward), terminated or truncated, truncated and not terminated


def play(env: gym.Env, act: Callable[[np.ndarray], int]) -> float:
    total = []
    for _ in range(PLAY_EPISODES):
        s, _ = env.reset()
        done, episode_reward = False, 0.0
        while not done:
            s, r, done, _ = step_env(env, act(np.asarray(s, np.float32)))
            episode_reward += r
        total.append(episode_reward)
    return float(np.mean(total))


def policy_gradient(seed: int, episodes: int = 220) -> dict[str, Any]:
    """FN/policy_gradient_agent.py: buffer 256 fits the scaler, then one update per episode on 32 sampled steps."""
    buffer_size, batch_size, gamma = 256, 32, 0.9
    env = gym.make("CartPole-v0")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    experiences: Any = deque(maxlen=buffer_size)
    reward_log: list[float] = []
    model, optimizer, forward, scaler = None, None, None, (0.0, 1.0)
    training = False

    def probs(s: np.ndarray) -> np.ndarray:
        return forward(((s - scaler[0]) / scaler[1]).reshape(1, -1))[0][0]

    for i in range(episodes):
        s, _ = env.reset()
        s = np.asarray(s, np.float32)
        if model is not None:  # episode_begin
            experiences = []
        done, step_count = False, 0
        while not done:
            if model is None:
                a = np.random.randint(2)
            else:
                p = probs(s).astype(np.float64)
                a = np.random.choice([0, 1], size=1, p=p / p.sum())[0]
            n_state, r, done, _ = step_env(env, a)
            experiences.append((s, a, r, n_state, done))
            if not training and len(experiences) == buffer_size:
                training = True
            s = n_state
            step_count += 1
        rewards = [e[2] for e in list(experiences)[-step_count:]]
        reward_log.append(sum(rewards))
        if model is None:
            if len(experiences) == buffer_size:
                states = np.vstack([e[0] for e in experiences])
                std = states.std(axis=0)
                scaler = (states.mean(axis=0), np.where(std > 0, std, 1.0))
                model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="relu"),
                                          keras.layers.Dense(10, activation="relu"),
                                          keras.layers.Dense(2, activation="softmax")])
                optimizer = keras.optimizers.Adam(learning_rate=0.01)
                forward = mlp_forward(model)
            continue
        policy_experiences = []
        for t, e in enumerate(experiences):
            d_r = sum(_r * (gamma ** k) for k, _r in enumerate(rewards[t:]))
            policy_experiences.append((e[0], e[1], d_r))
        batch = random.sample(policy_experiences, min(batch_size, len(policy_experiences)))
        states = ((np.vstack([e[0] for e in batch]) - scaler[0]) / scaler[1]).astype(np.float32)
        actions = np.array([e[1] for e in batch])
        weights = standard_scaled([e[2] for e in batch]).astype(np.float32)
        with tf.GradientTape() as tape:
            p = model(states)
            selected = tf.reduce_sum(tf.one_hot(actions, 2) * p, axis=1)
            loss = tf.reduce_mean(-tf.math.log(tf.clip_by_value(selected, 1e-10, 1.0)) * weights)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        forward = mlp_forward(model)

    def act(state: np.ndarray) -> int:
        p = probs(state).astype(np.float64)
        return int(np.random.choice([0, 1], p=p / p.sum()))

    played = play(env, act) if model is not None else float("nan")
    return summary("pg", seed, reward_log, played, played)


def a2c_test(seed: int, episodes: int = 900, per_sample_advantage: bool = False,
             bootstrap_truncation: bool = False) -> dict[str, Any]:
    """FN/a2c_agent.py --test: 256 random steps build the model, then an update every 32 steps."""
    buffer_size, batch_size, gamma, entropy_weight = 256, 32, 0.99, 0.1
    env = gym.make("CartPole-v0")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    experiences: Any = deque(maxlen=buffer_size)
    reward_log: list[float] = []
    model = forward = None
    best, best_weights = -10.0, None
    normal = keras.initializers.GlorotNormal
    optimizer = keras.optimizers.Adam(learning_rate=1e-3, clipnorm=5.0)

    def make_model() -> keras.Model:
        x = keras.Input((4,))
        h = keras.layers.Dense(10, kernel_initializer=normal(), activation="relu")(x)
        h = keras.layers.Dense(10, kernel_initializer=normal(), activation="relu")(h)
        return keras.Model(x, [keras.layers.Dense(2, kernel_initializer=normal())(h),
                               keras.layers.Dense(1, kernel_initializer=normal())(h)])

    def sample(logits: np.ndarray) -> int:
        p = np.exp(logits - logits.max())
        return int(np.random.choice(len(p), p=p / p.sum()))

    def update(batch: list[tuple]) -> None:
        last = batch[-1]
        future = last[2] if last[4] else float(forward(last[3][None])[1][0, 0])
        values = []
        for s, a, r, n_s, d, cut in reversed(batch):
            value = r
            if not d:
                value += gamma * future
            elif bootstrap_truncation and cut:
                value += gamma * float(forward(n_s[None])[1][0, 0])
            values.append(value)
            future = value
        values = standard_scaled(values[::-1]).astype(np.float32)
        states = np.array([e[0] for e in batch], np.float32)
        actions = np.array([e[1] for e in batch], np.int32)
        with tf.GradientTape() as tape:
            logits, estimateds = model(states)
            neg_logs = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=actions)
            if per_sample_advantage:
                advantages = values - tf.stop_gradient(tf.reshape(estimateds, [-1]))
            else:  # the book: (N,) - (N, 1) broadcasts to (N, N)
                advantages = values - tf.stop_gradient(estimateds)
            policy_loss = tf.reduce_mean(neg_logs * advantages)
            value_loss = tf.reduce_mean(tf.square(values - tf.reshape(estimateds, [-1])))
            a0 = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
            z0 = tf.reduce_sum(tf.exp(a0), axis=-1, keepdims=True)
            entropy = tf.reduce_mean(tf.reduce_sum(tf.exp(a0) / z0 * (tf.math.log(z0) - a0), axis=-1))
            loss = policy_loss + value_loss - entropy_weight * entropy
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    for i in range(episodes):
        s, _ = env.reset()
        s = np.asarray(s, np.float32)
        rewards, done = [], False
        while not done:
            a = np.random.randint(2) if model is None else sample(forward(s[None])[0][0])
            n_state, r, done, cut = step_env(env, a)
            experiences.append((s, a, r, n_state, done, cut))
            rewards.append(r)
            if model is None:
                if len(experiences) == buffer_size:
                    model = make_model()
                    forward = mlp_forward(model)
                    experiences.clear()
            elif len(experiences) >= batch_size:
                update(list(experiences))
                forward = mlp_forward(model)
                experiences.clear()
            s = n_state
        reward_log.append(sum(rewards))
        if model is not None and sum(rewards) > best:
            best, best_weights = sum(rewards), model.get_weights()
    final = play(env, lambda x: sample(forward(x[None])[0][0]))
    model.set_weights(best_weights)
    best_forward = mlp_forward(model)
    return summary("a2c_test", seed, reward_log, final, play(env, lambda x: sample(best_forward(x[None])[0][0])))


def summary(agent: str, seed: int, reward_log: list[float], final: float, best: float) -> dict[str, Any]:
    return {"agent": agent, "seed": seed, "episodes": len(reward_log), "first50": round(float(np.mean(reward_log[:50])), 1),
            "last50": round(float(np.mean(reward_log[-50:])), 1), "play_final": round(final, 1),
            "play_best": round(best, 1)}


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", choices=["pg", "a2c_test"], required=True)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    parser.add_argument("--episodes", type=int, default=0, help="0: the book's (220 pg, 900 a2c_test)")
    parser.add_argument("--per-sample-advantage", action="store_true", help="a2c_test: our fix of the broadcast")
    parser.add_argument("--bootstrap-truncation", action="store_true", help="a2c_test: only termination ends a return")
    args = parser.parse_args(argv)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    rows = []
    for seed in args.seeds:
        seed_all(seed)
        if args.agent == "pg":
            row = policy_gradient(seed, args.episodes or 220)
        else:
            row = a2c_test(seed, args.episodes or 900, args.per_sample_advantage, args.bootstrap_truncation)
            row.update(per_sample_advantage=args.per_sample_advantage, bootstrap_truncation=args.bootstrap_truncation)
        rows.append(row)
        print(json.dumps(row), flush=True)
    means = {k: round(float(np.mean([r[k] for r in rows])), 1) for k in ("first50", "last50", "play_final", "play_best")}
    print(json.dumps({"agent": args.agent, "seeds": args.seeds, "mean": means}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
