"""Peak memory of a full Catcher replay: 50 000 real transitions through CatcherObserver, then training.

The book's deque kept every transition's (80, 80, 4) stacks as float64, eight bytes a pixel
and each frame in several stacks; the ReplayMemory stores each frame once as uint8. Figures:
README.md, "Speed and memory".

Usage: python benchmarks/dqn_memory.py [--size N] [--grad-steps N]
The last line printed is one JSON object: peak_rss_mb (getrusage's maxrss), replay_size, ...
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fn_framework.run.quiet import import_tensorflow  # noqa: E402

import_tensorflow()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50000, help="transitions to store")
    parser.add_argument("--grad-steps", type=int, default=20, help="gradient steps from the full replay")
    args = parser.parse_args()

    import keras
    import numpy as np

    from agents.dqn import DeepQNetworkAgent
    from agents.observers import CatcherObserver
    from agents.replay import ReplayMemory
    from fn_framework import Experience
    from fn_framework.run.cli import make_env

    np.random.seed(0)
    env = CatcherObserver(make_env("Catcher-v0"), 80, 80, 4)
    memory = ReplayMemory(args.size, frame_count=4)
    start = time.perf_counter()
    s, _ = env.reset(seed=0)
    episodes = 1
    while len(memory) < args.size:
        a = int(np.random.randint(3))
        n_s, r, terminated, truncated, _ = env.step(a)
        memory.append(Experience(s, a, r, n_s, bool(terminated)))
        s = n_s
        if terminated or truncated:
            s, _ = env.reset()
            episodes += 1
    fill_s = time.perf_counter() - start
    after_fill = rss_mb()

    agent = DeepQNetworkAgent(0.1, [0, 1, 2])
    agent.initialize(memory, keras.optimizers.Adam(learning_rate=1e-4, clipvalue=1.0))
    for _ in range(args.grad_steps):
        agent.update(memory.sample(32), 0.99)
        agent.policy(s)

    figures = {
        "replay_size": len(memory),
        "episodes": episodes,
        "replay_mb": round(memory.nbytes / 2**20, 1),
        "fill_s": round(fill_s, 1),
        "rss_after_fill_mb": round(after_fill, 1),
        "grad_steps": args.grad_steps,
        "peak_rss_mb": round(rss_mb(), 1),
    }
    for name, value in figures.items():
        print(f"{name:>18}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
