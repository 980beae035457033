"""How fast is Catcher-v0? Env steps per second of our re-implementation, alone.

Runs one env with uniformly random actions (pre-generated), keeps every observation as a user would get it,
and resets on terminated/truncated. Prints readable lines, then one JSON line (last) for scripts.
``--ple-steps-per-s N`` also prints each figure as a multiple of N, a rate of the real PLE game measured
on the same machine (PLE no longer installs; the figure measured for this project: benchmarks/README.md).
Usage: python benchmarks/catcher_env.py [--steps N] [--repeats R] [--ple-steps-per-s N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import gymnasium
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a plain script
import envs  # noqa: F401  (registers Catcher-v0)
from envs.catcher import CatcherEnv

def steps_per_second(env: gymnasium.Env, actions: list[int]) -> float:
    """Time the plain Gymnasium loop; the random actions are drawn beforehand so only the env is measured."""
    env.reset(seed=0)
    step, reset = env.step, env.reset
    start = time.perf_counter()
    for a in actions:
        obs, reward, terminated, truncated, info = step(a)
        if terminated or truncated:
            obs, info = reset()
    elapsed = time.perf_counter() - start
    env.close()
    return len(actions) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant; the median is reported")
    parser.add_argument("--ple-steps-per-s", type=float, default=None,
                        help="the real PLE game's steps/s on this machine, to print our figures as multiples of")
    args = parser.parse_args()
    ple = args.ple_steps_per_s
    actions = np.random.default_rng(0).integers(0, 3, args.steps).tolist()
    variants = {
        "bare": CatcherEnv,
        "made": lambda: gymnasium.make("Catcher-v0"),
        "made_no_checker": lambda: gymnasium.make("Catcher-v0", disable_env_checker=True),
    }
    results: dict[str, float] = {}
    for name, factory in variants.items():
        runs = [steps_per_second(factory(), actions) for _ in range(args.repeats)]
        results[name] = statistics.median(runs)
        versus = f"; {results[name] / ple:.1f}x PLE's {ple:,.0f}" if ple else ""
        print(f"{name:>16}: {results[name]:>9,.0f} steps/s (median of {args.repeats}{versus})")
    print(json.dumps({
        "steps_per_s": round(results["made"]),
        "bare_steps_per_s": round(results["bare"]),
        "made_steps_per_s": round(results["made"]),
        "made_no_checker_steps_per_s": round(results["made_no_checker"]),
        "steps": args.steps,
        "repeats": args.repeats,
        "ple_baseline_steps_per_s": ple,
        "ratio_vs_ple": round(results["made"] / ple, 2) if ple else None,
        "bare_ratio_vs_ple": round(results["bare"] / ple, 2) if ple else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
    }))


if __name__ == "__main__":
    main()
