"""How long is one DQN step on Catcher? Ours against a bare GradientTape step and the book's pattern.

Measured in one process, medians over repeated steps (the machine may be shared):

* ``hot_path_ms``: everything of an env step except the gradient step: env + CatcherObserver,
  acting (epsilon 0, so the network always runs), storing in the replay and sampling a batch.
* ``grad_step_ms``: ``DeepQNetworkAgent.update`` on a sampled batch (teacher values, TD
  targets and the GradientTape step in one compiled call).
* ``bare_grad_step_ms``: the least a gradient step of this model and batch can cost: a
  compiled GradientTape step (forward, mse to fixed targets, Adam) on ready tensors.
  ``bare_dqn_step_ms`` adds the teacher's forward pass that every DQN step also needs
  (``teacher_share_of_bare``: what it adds, as a fraction of the bare step; a DQN step
  cannot cost less than ``1 + teacher_share_of_bare`` bare steps).
* ``ours_step_ms`` and ``book_step_ms``: a whole training step, ours against the book's
  pattern (``model.predict`` to act; ``predict`` x2, a Python loop and ``train_on_batch``
  to learn, a deque of float32 stacks), both in this process.

Usage: python benchmarks/dqn_step.py [--intra N] [--inter N]
The last line printed is one JSON object with all the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import deque
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fn_framework.run.quiet import import_tensorflow  # noqa: E402

import_tensorflow()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def median_ms(steps: dict[str, Callable[[], Any]], repeats: int, warmup: int = 3) -> dict[str, float]:
    """Median milliseconds of each step, taken in turn so that a change of load hits all alike."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values) * 1e3) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intra", type=int, default=os.cpu_count() or 1, help="TF intra-op threads")
    parser.add_argument("--inter", type=int, default=1, help="TF inter-op threads")
    parser.add_argument("--repeats", type=int, default=30, help="gradient steps timed per figure")
    args = parser.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(args.intra)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter)

    import keras

    from agents.dqn import DeepQNetworkAgent
    from agents.observers import CatcherObserver
    from agents.replay import ReplayMemory
    from fn_framework import Experience
    from fn_framework.run.cli import make_env

    np.random.seed(0)
    random.seed(0)
    keras.utils.set_random_seed(0)
    env = CatcherObserver(make_env("Catcher-v0"), 80, 80, 4)
    memory = ReplayMemory(50000, frame_count=4)
    book_memory: deque = deque(maxlen=50000)
    state = {"s": env.reset(seed=0)[0]}

    def env_step(a: int) -> Experience:
        n_s, r, terminated, truncated, _ = env.step(a)
        e = Experience(state["s"], a, r, n_s, bool(terminated))
        state["s"] = env.reset()[0] if terminated or truncated else n_s
        return e

    for _ in range(5000):
        e = env_step(np.random.randint(3))
        memory.append(e)
        book_memory.append(e)
    agent = DeepQNetworkAgent(0.0, [0, 1, 2])
    agent.initialize(memory, keras.optimizers.Adam(learning_rate=1e-4, clipvalue=1.0))
    batch = memory.sample(32)  # as DeepQNetworkTrainer samples

    # The hot path and its parts (epsilon 0: the network acts at every step).
    def hot_path() -> None:
        memory.append(env_step(agent.policy(state["s"])))
        memory.sample(32)

    figures = median_ms(
        {
            "env_observer_ms": lambda: env_step(0),
            "act_ms": lambda: agent.policy(state["s"]),
            "store_ms": lambda: memory.append(e),
            "sample_ms": lambda: memory.sample(32),
            "hot_path_ms": hot_path,
        },
        300,
    )

    # The bare compiled step on copies of the same model, with ready tensors.
    bare = keras.models.clone_model(agent.model)
    teacher = keras.models.clone_model(agent.model)
    bare_optimizer = keras.optimizers.Adam(learning_rate=1e-4, clipvalue=1.0)
    x = tf.constant(batch.s)
    n_x = tf.constant(batch.n_s)
    y = tf.constant(np.random.normal(size=(32, 3)).astype(np.float32))

    @tf.function
    def bare_step(with_teacher: bool) -> tf.Tensor:
        target = y + tf.reduce_max(teacher(n_x), axis=1, keepdims=True) if with_teacher else y
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(target - bare(x, training=True)))
        grads = tape.gradient(loss, bare.trainable_variables)
        bare_optimizer.apply_gradients(zip(grads, bare.trainable_variables))
        return loss

    figures.update(
        median_ms(
            {
                "grad_step_ms": lambda: agent.update(batch, 0.99),  # sampling is in the hot path
                "bare_grad_step_ms": lambda: bare_step(False).numpy(),
                "bare_dqn_step_ms": lambda: bare_step(True).numpy(),
            },
            args.repeats,
        )
    )

    # A whole step: ours against the book's pattern with the same network.
    def ours_step() -> None:
        memory.append(env_step(agent.policy(state["s"])))
        agent.update(memory.sample(32), 0.99)

    book = keras.models.clone_model(agent.model)
    book.compile(keras.optimizers.Adam(learning_rate=1e-4, clipvalue=1.0), loss="mse")
    book_teacher = keras.models.clone_model(agent.model)

    def book_step() -> None:
        a = int(np.argmax(book.predict(np.array([state["s"]]), verbose=0)[0]))
        book_memory.append(env_step(a))
        experiences = random.sample(book_memory, 32)
        states = np.array([e.s for e in experiences])
        n_states = np.array([e.n_s for e in experiences])
        estimateds = book.predict(states, verbose=0)
        future = book_teacher.predict(n_states, verbose=0)
        for i, e in enumerate(experiences):
            estimateds[i][e.a] = e.r + (0 if e.d else 0.99 * np.max(future[i]))
        book.train_on_batch(states, estimateds)

    figures.update(median_ms({"ours_step_ms": ours_step, "book_step_ms": book_step}, max(args.repeats // 2, 5)))

    figures = {k: round(v, 3) for k, v in figures.items()}
    figures.update(
        intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
        inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
        grad_vs_bare=round(figures["grad_step_ms"] / figures["bare_grad_step_ms"], 3),
        grad_vs_bare_dqn=round(figures["grad_step_ms"] / figures["bare_dqn_step_ms"], 3),
        teacher_share_of_bare=round(figures["bare_dqn_step_ms"] / figures["bare_grad_step_ms"] - 1, 3),
        speedup_vs_book=round(figures["book_step_ms"] / figures["ours_step_ms"], 3),
    )
    for name, value in figures.items():
        print(f"{name:>20}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
