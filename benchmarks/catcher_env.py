"""How fast is Catcher-v0? Real PLE through gym_ple managed about 17,700 steps/s with observations here.

Runs one env with uniformly random actions (pre-generated), keeps every observation as a user would get it,
and resets on terminated/truncated. Prints readable lines, then one JSON line (last) for scripts.
Usage: python benchmarks/catcher_env.py [--steps N] [--repeats R]
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

PLE_STEPS_PER_S = 17700  # real PLE + gym_ple, observations read, same 2-core machine (spec §12)


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
    args = parser.parse_args()
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
        print(f"{name:>16}: {results[name]:>9,.0f} steps/s (median of {args.repeats}; "
              f"{results[name] / PLE_STEPS_PER_S:.1f}x PLE's {PLE_STEPS_PER_S:,})")
    print(json.dumps({
        "steps_per_s": round(results["made"]),
        "bare_steps_per_s": round(results["bare"]),
        "made_steps_per_s": round(results["made"]),
        "made_no_checker_steps_per_s": round(results["made_no_checker"]),
        "steps": args.steps,
        "repeats": args.repeats,
        "ple_baseline_steps_per_s": PLE_STEPS_PER_S,
        "ratio_vs_ple": round(results["made"] / PLE_STEPS_PER_S, 2),
        "bare_ratio_vs_ple": round(results["bare"] / PLE_STEPS_PER_S, 2),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
    }))


if __name__ == "__main__":
    main()
