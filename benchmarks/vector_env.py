"""Sync or async vector envs on this machine: env steps per second, stepping alone and while PPO trains.

    python benchmarks/vector_env.py                        # Catcher-v0 (40x40x4 frames) and CartPole-v1, 8 copies
    python benchmarks/vector_env.py --train-steps 16384    # also PPO's training fps in each mode (fast presets)

``SyncVectorEnv`` steps the copies one after another in this process; ``AsyncVectorEnv`` steps each
in a subprocess of its own and pays a pipe round trip per step. Stepping alone, random actions:
steps per second of all copies together. Training: ``agents.ppo.PPOTrainer`` with the ``fast``
presets for ``--train-steps`` env steps (its own fps: the network's forward passes and updates take
the cores too). Last line: one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import sys
import tempfile
import time
from contextlib import redirect_stdout
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env_maker(task: str, config: Any) -> Any:
    import gymnasium as gym

    import envs  # noqa: F401  (registers Catcher-v0)
    from agents.ppo import PPOTrainer

    env_id = "CartPole-v1" if task == "cartpole" else "Catcher-v0"
    return lambda: PPOTrainer.observe(gym.make(env_id), config)


def stepping(task: str, mode: str, n_envs: int, steps: int, config: Any) -> float:
    import numpy as np

    from fn_framework.vector import VectorEpisodes, make_vector_env

    envs = VectorEpisodes(make_vector_env(env_maker(task, config), n_envs, mode))
    envs.reset(seed=list(range(n_envs)))
    rng = np.random.default_rng(0)
    n_actions = int(envs.venv.single_action_space.n)
    start = time.perf_counter()
    for _ in range(steps // n_envs):
        envs.step(rng.integers(0, n_actions, n_envs))
    elapsed = time.perf_counter() - start
    envs.close()
    return round(steps / elapsed)


def training(task: str, mode: str, steps: int, config: Any) -> float:
    from agents.ppo import PPOTrainer
    from fn_framework.run.cli import seed_everything

    config = dataclasses.replace(config, vector_mode=mode, steps=steps, log_interval=0)
    trainer = PPOTrainer(config, log_dir=tempfile.mkdtemp(prefix="bench_vector_"))
    trainer.env_factory = env_maker(task, config)
    env = trainer.env_factory()
    seed_everything(1, env)
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        trainer.train(env)
    return round(trainer.total_steps / (time.perf_counter() - start))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=16384, help="env steps stepped per mode (random actions)")
    parser.add_argument("--train-steps", type=int, default=0, help="also train PPO this many env steps per mode")
    parser.add_argument("--tasks", nargs="+", default=["catcher", "cartpole"], choices=["catcher", "cartpole"])
    parser.add_argument("--threads", type=int, default=2, help="TF intra-op and BLAS threads (TF inter-op: 1)")
    args = parser.parse_args()

    from benchmarks import harness

    threads = harness.configure_threads(args.threads)
    from agents.presets import get

    figures: dict[str, Any] = {}
    for task in args.tasks:
        _, config = get("ppo_test" if task == "cartpole" else "ppo", "fast")
        config = dataclasses.replace(config, n_envs=args.n_envs)
        for mode in ("sync", "async"):
            figures[f"{task}/{mode}/stepping"] = stepping(task, mode, args.n_envs, args.steps, config)
            print(f"{task:>9} {mode:>5}: stepping {figures[f'{task}/{mode}/stepping']:>8} steps/s", flush=True)
            if args.train_steps:
                figures[f"{task}/{mode}/training"] = training(task, mode, args.train_steps, config)
                print(f"{task:>9} {mode:>5}: training {figures[f'{task}/{mode}/training']:>8} steps/s", flush=True)
    print(json.dumps({"figures": figures, "n_envs": args.n_envs, "threads": threads, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
