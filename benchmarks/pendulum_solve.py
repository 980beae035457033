"""Time to solve Pendulum-v1: training seconds and env steps until greedy play averages >= -200.

The protocol of ``cartpole_solve.py`` (RL-Zoo's): every 2000 env steps, 10 greedy (deterministic:
the actor's mean) evaluation episodes on separate Pendulum-v1 envs; the run is solved at the
first evaluation whose mean return is >= -200 (the usual "solved" bar for Pendulum: the pendulum
is swung up and held). Time-to-solve counts training wall seconds only
(evaluations excluded) and env steps, up to that evaluation; each run stops at its cap. The
book's trainer runs unchanged (``harness.py``), with the scripts' presets (``agents.presets``).

    python benchmarks/pendulum_solve.py --preset book --seeds 1 2 3 --cap-seconds 240
    python benchmarks/pendulum_solve.py --preset ddpg --seeds 1 2 3 --peer sb3     # + SB3 TD3 and SAC

Prints one line per run, a summary table (medians over seeds; an unsolved run counts as never),
our median time / each peer's and / the faster peer's with ``--peer sb3``, and last one JSON line
(the keys of ``cartpole_solve.py``'s, plus ``vs_fastest_peer``). Ctrl-C stops the current run
cleanly and still prints the table and the JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.harness import GreedyEvaluator  # noqa: E402

AGENT = "policy_gradient_continuous"
ENV = "Pendulum-v1"
GOAL = -200.0


def run_ours(preset_name: str, seed: int, protocol_args: dict, episodes: int, logs: str,
             overrides: Optional[dict] = None, on_eval: Optional[Callable[[dict], None]] = None,
             resume: Optional[str] = None, on_checkpoint: Optional[Callable[[str], None]] = None) -> dict:
    """One seeded run with the script's preset, on Pendulum-v1 as its observer shows it.

    ``on_eval``, ``resume``, ``on_checkpoint``: as ``cartpole_solve.run_ours`` (a sweep's trial)."""
    import gymnasium as gym

    from benchmarks import harness, settings
    from benchmarks.sb3_peer import result

    _, name, config = settings.bench_config(AGENT, "pendulum", preset_name, overrides)
    trainer = harness.make_trainer(config, os.path.join(logs, f"{AGENT}_{name}_{seed}"))

    def make_pendulum() -> Any:
        return type(trainer).observe(gym.make(ENV), config)

    env = make_pendulum()
    evaluator = GreedyEvaluator(make_pendulum, episodes, seed + 10_000)
    harness.seed_all(seed, env)
    protocol = harness.Protocol(lambda: evaluator(harness.greedy_act(trainer)), on_eval=on_eval, **protocol_args)
    reason = harness.run_trainer(trainer, env, protocol, evaluator, resume, on_checkpoint)
    return result("pg_continuous", name, seed, protocol, reason)


def main() -> None:
    from benchmarks.cartpole_solve import machine, print_summary, ratios, run_all

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", nargs="*", default=["book"],
                        help="our presets to run (default: book; none with only --peer; best: the fastest measured)")
    parser.add_argument("--peer", choices=["sb3"], default=None, help="also run SB3 TD3 and SAC (RL-Zoo settings)")
    from benchmarks import harness, settings

    settings.add_solve_flags(parser, cap_steps=400_000, cap_seconds=240.0)
    args = parser.parse_args()
    if not args.preset and not args.peer:
        parser.error("give --preset, --peer sb3, or both")
    overrides = settings.parse_overrides(args.set)
    settings.check_settings([AGENT], "pendulum", args.preset, overrides)

    threads = harness.configure_threads(args.threads, torch_too=args.peer == "sb3")
    logs = harness.log_root(args.log_dir)
    protocol_args = {"eval_every_steps": args.eval_every, "goal": GOAL,
                     "cap_steps": args.cap_steps, "cap_seconds": args.cap_seconds}
    print(f"{ENV} solve (mean of {args.eval_episodes} greedy episodes >= {GOAL:g}, every {args.eval_every} "
          f"env steps); cap {args.cap_steps} steps / {args.cap_seconds:g} s; threads {threads}", flush=True)
    runs = [lambda preset=preset, seed=seed: run_ours(preset, seed, protocol_args, args.eval_episodes, logs, overrides)
            for preset in args.preset for seed in args.seeds]
    results, peer, interrupted = run_all(runs, "sb3_pendulum_peer" if args.peer == "sb3" else None, args.seeds,
                                         protocol_args, args.eval_episodes)
    ours, theirs, pairs = print_summary(results, peer)
    solved_peers = [p for p in theirs if p["median_train_s"]]
    fastest = min(solved_peers, key=lambda p: p["median_train_s"]) if solved_peers else None
    vs_fastest = [{**pair, "peer": fastest["agent"]} for pair in ratios(ours, [fastest])] if fastest else []
    for pair in vs_fastest:
        print(f"{pair['ours']} / the faster peer ({pair['peer']}): {pair['time_ratio']:.2f}x the train time")
    print(f"threads: {threads}; machine: {machine()}")
    print(json.dumps({
        "results": results, "peer": peer, "summary": ours + theirs, "ratios": pairs, "vs_fastest_peer": vs_fastest,
        "threads": threads, "protocol": {**protocol_args, "eval_episodes": args.eval_episodes, "env": ENV},
        "machine": machine(), "interrupted": interrupted,
    }), flush=True)


if __name__ == "__main__":
    main()
