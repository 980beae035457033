"""How long does seed 003's whole bandit experiment take? (ε-greedy(0.1) and UCB1, 1000 simulations x 250 steps.)

The seed loops one simulation at a time, so a plain-Python port pays Python's per-step cost
1000 x 250 times per algorithm; ``tabular.bandit`` runs all simulations in lockstep with NumPy.
Goal: under 2 s on the project's 2-core machine. Prints one readable line, then one JSON line (last):
``{"seconds": best, "repeats", "all_seconds", "numpy", "threads", ...}``.
Usage: python benchmarks/bandit_speed.py [--repeats R] [--seed N]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a plain script
from tabular.bandit import NUM_SIMS, NUM_TIME, run_experiment

GOAL_S = 2.0
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs; the best is reported (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        rewards = run_experiment(args.seed, NUM_SIMS, NUM_TIME)
        times.append(time.perf_counter() - start)
    best = min(times)
    tail = {label: round(float(r[:, 199:].mean()), 4) for label, r in rewards.items()}  # steps 200..250
    print(f"bandit experiment {NUM_SIMS} x {NUM_TIME}, both algorithms: best {best:.3f} s of {args.repeats}")
    print(json.dumps({
        "benchmark": "bandit_speed", "seconds": round(best, 4), "repeats": args.repeats,
        "all_seconds": [round(t, 4) for t in times], "goal_s": GOAL_S, "under_goal": best < GOAL_S,
        "num_sims": NUM_SIMS, "num_time": NUM_TIME, "mean_reward_steps_200_250": tail,
        "numpy": np.__version__, "python": platform.python_version(), "cpus": os.cpu_count(),
        "threads": {name: os.environ.get(name) for name in THREAD_VARS},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
