"""Where a benchmark run spends its seconds: the env, the frames, TensorFlow, NumPy, our Python, the rest.

    python benchmarks/profile_run.py --agent policy_gradient ppo dqn --preset best --seed 1
    python benchmarks/profile_run.py --task catcher --agent ppo --preset fast --minutes 0.5 --threads 2

CartPole: ``cartpole_solve.run_ours`` (the benchmark's protocol: greedy evaluations every 2000 env steps
until the mean reaches 475). Catcher: ``catcher_learn.run`` for ``--minutes`` of training, evaluated
every 15 s. The evaluations' env steps and forward passes are in the profile, their time is not in
``train_s``. Each run goes once to warm up (TF's first traces, imports), then once under ``cProfile``,
which sums each function's own time (``tottime``) by where the function lives: Gymnasium and envs/ (the
env), Pillow and the observers (Catcher's frames), TensorFlow and Keras (compiled calls, tracing, tensor
conversions), NumPy (array code and its C methods), this project (agents/, fn_framework/, benchmarks/:
the loop, acting, bookkeeping), and everything else (Python's library, builtins).
cProfile adds a fixed cost to every Python call, so the Python-heavy parts are overstated a little;
the wall time without the profiler is printed beside it. Results: benchmarks/README.md, "Profile".
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUCKETS = (("env", ("gymnasium", "/envs/")), ("frames", ("PIL", "/agents/observers.py")),
           ("tensorflow", ("tensorflow", "keras", "tf_keras")), ("numpy", ("numpy",)),
           ("ours", ("/agents/", "/fn_framework/", "/benchmarks/")))


def bucket(filename: str, name: str) -> str:
    """The bucket of a profiled function: by its file, or for a C method by the type it belongs to."""
    where = filename if filename != "~" else name
    for label, parts in BUCKETS:
        if any(part in where for part in parts):
            return label
    return "other"


def run_task(task: str, agent: str, preset: str, seed: int, minutes: float, logs: str) -> dict[str, Any]:
    """One benchmark run: ``steps`` and ``train_s`` (and the rest of its row)."""
    if task == "cartpole":
        from benchmarks.cartpole_solve import GOAL, run_ours

        args = {"eval_every_steps": 2000, "goal": GOAL, "cap_steps": 200_000, "cap_seconds": 300.0}
        return run_ours(agent, preset, seed, args, 10, logs)
    from benchmarks import catcher_learn

    args = argparse.Namespace(minutes=minutes, eval_every_s=15.0, eval_episodes=3, eval_steps=2000, cap_steps=0)
    out = catcher_learn.run(agent, preset, seed, args, logs)
    last = out["curve"][-1]
    return {**out, "steps": last["env_steps"], "train_s": last["wall_s"], "solved": out["goal_wall_s"]}


def profile(task: str, agent: str, preset: str, seed: int, minutes: float = 0.5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as logs:
        start = time.perf_counter()
        plain = run_task(task, agent, preset, seed, minutes, logs)  # warm: TF's first traces, imports
        plain_wall = time.perf_counter() - start
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as logs:
        start = time.perf_counter()
        profiler.enable()
        row = run_task(task, agent, preset, seed, minutes, logs)
        profiler.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {label: 0.0 for label, _ in BUCKETS}
    totals["other"] = 0.0
    for (filename, _, name), (_, _, tottime, _, _) in stats.items():
        totals[bucket(filename, name)] += tottime
    profiled = sum(totals.values())
    return {"agent": agent, "preset": row["preset"], "seed": seed, "steps": row["steps"], "solved": row["solved"],
            "wall_s": round(plain_wall, 2), "train_s": plain["train_s"], "profiled_wall_s": round(wall, 2),
            "share": {k: round(v / profiled, 3) for k, v in totals.items()},
            "us_per_step": {k: round(1e6 * v / max(row["steps"], 1), 1) for k, v in totals.items()}}


def main(argv: Any = None) -> int:
    from benchmarks import harness

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["cartpole", "catcher"], default="cartpole")
    parser.add_argument("--agent", nargs="+", default=["policy_gradient", "ppo", "dqn"])
    parser.add_argument("--preset", default="best")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=0.5, help="Catcher: training minutes per run")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    threads = harness.configure_threads(args.threads)
    for agent in args.agent:
        row = profile(args.task, agent, args.preset, args.seed, args.minutes)
        print(f"{agent}/{row['preset']}: {row['steps']} steps, {row['wall_s']} s wall, {row['train_s']} s of it training "
              f"({row['profiled_wall_s']} s profiled); "
              + ", ".join(f"{k} {100 * v:.0f}% ({row['us_per_step'][k]} us/step)" for k, v in row["share"].items()),
              flush=True)
        print(json.dumps({**row, "threads": threads}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
