"""Time to solve CartPole-v1: training seconds and env steps until greedy play averages >= 475.

The protocol of Stable-Baselines3's RL-Zoo: every 2000 env steps, 10 greedy (deterministic)
evaluation episodes on separate CartPole-v1 envs; the run is solved at the first evaluation
whose mean return is >= 475. Time-to-solve counts training wall seconds only (evaluations
excluded) and env steps, up to that evaluation. Each run stops at its cap (env steps or train
seconds) if it does not solve. The book's trainers run unchanged (``harness.py``).

    python benchmarks/cartpole_solve.py --agent dqn --seeds 1 2 3
    python benchmarks/cartpole_solve.py --agent policy_gradient a2c --preset best --cap-seconds 300
    python benchmarks/cartpole_solve.py --agent dqn --peer sb3      # needs stable-baselines3

Prints one line per run, a summary table (medians over seeds; an unsolved run counts as never),
our median time / SB3's with ``--peer sb3``, and last one JSON line:
``{"results": [{"agent", "preset", "seed", "solved", "steps", "train_s", ...}], "peer": [...], ...}``.
``steps``/``train_s`` of an unsolved run are where it stopped. Ctrl-C stops the current run
cleanly and still prints the table and the JSON line.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from typing import Any, Callable, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

AGENTS = ("value_function", "dqn", "policy_gradient", "a2c", "ppo")
GOAL = 475.0  # CartPole-v1's reward_threshold (500-step episodes; v0 had 200 and 195)


def run_ours(agent: str, preset_name: str, seed: int, protocol_args: dict, episodes: int, logs: str,
             overrides: Optional[dict] = None, on_eval: Optional[Callable[[dict], None]] = None,
             resume: Optional[str] = None, on_checkpoint: Optional[Callable[[str], None]] = None,
             env_id: str = "CartPole-v1") -> dict:
    """One seeded run of ``agent`` with the scripts' preset, on CartPole-v1 (or ``env_id``) as its observer shows it.

    ``resume`` / ``on_checkpoint``: a sweep's trial goes on from a checkpoint / hands each one over
    (``harness.run_trainer``)."""
    import gymnasium as gym

    from benchmarks import harness, settings
    from benchmarks.sb3_peer import result

    _, name, config = settings.bench_config(agent, "cartpole", preset_name, overrides)
    trainer = harness.make_trainer(config, os.path.join(logs, f"{agent}_{name}_{seed}"))

    def make_cartpole() -> Any:
        return type(trainer).observe(gym.make(env_id), config)

    env = make_cartpole()
    trainer.env_factory = make_cartpole  # vector-env trainers (PPO) make their copies with it
    evaluator = harness.GreedyEvaluator(make_cartpole, episodes, seed + 10_000)
    harness.seed_all(seed, env)
    protocol = harness.Protocol(lambda: evaluator(harness.greedy_act(trainer)), on_eval=on_eval, **protocol_args)
    reason = harness.run_trainer(trainer, env, protocol, evaluator, resume, on_checkpoint)
    return result(agent, name, seed, protocol, reason)


def summarize(rows: list[dict]) -> list[dict]:
    """Per agent and preset: runs solved and the medians over seeds (an unsolved run counts as never)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["agent"], row["preset"]), []).append(row)
    summary = []
    for (agent, preset), runs in groups.items():
        times = sorted(r["train_s"] if r["solved"] else math.inf for r in runs)
        steps = sorted(r["steps"] if r["solved"] else math.inf for r in runs)
        mid = len(runs) // 2
        median_s = times[mid] if len(runs) % 2 else (times[mid - 1] + times[mid]) / 2
        median_steps = steps[mid] if len(runs) % 2 else (steps[mid - 1] + steps[mid]) / 2
        summary.append({
            "agent": agent, "preset": preset, "runs": len(runs), "solved": sum(r["solved"] for r in runs),
            "median_train_s": None if math.isinf(median_s) else round(median_s, 2),
            "median_steps": None if math.isinf(median_steps) else int(median_steps),
        })
    return summary


def ratios(ours: list[dict], peers: list[dict]) -> list[dict]:
    """Our median train time / the peer's, for every pair where both solved in the median."""
    out = []
    for o in ours:
        for p in peers:
            if o["median_train_s"] is not None and p["median_train_s"]:
                out.append({"ours": f"{o['agent']}/{o['preset']}", "peer": p["agent"],
                            "time_ratio": round(o["median_train_s"] / p["median_train_s"], 2)})
    return out


def machine() -> dict[str, Any]:
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}


def print_row(row: dict) -> None:
    print(f"{row['agent']:>16} {row['preset']:>8} seed {row['seed']:>3}: "
          f"{'solved' if row['solved'] else 'NOT solved':>10} at {row['steps']:>7} steps, "
          f"{row['train_s']:>8.1f} s train ({row['stop']}, {row['evals']} evals, best {row['best_eval']})",
          flush=True)


def run_all(runs: list[Callable[[], dict]], peer_module: Optional[str], seeds: list[int], protocol_args: dict,
            eval_episodes: int) -> tuple[list[dict], list[dict], bool]:
    """Our runs, then the peer's (``benchmarks.<peer_module>``: every ``ZOO`` agent for every seed), row by row.

    Ctrl-C stops at the current run and keeps the rows so far. Returns ours, the peer's, interrupted.
    """
    import importlib

    results: list[dict] = []
    peer: list[dict] = []
    try:
        for run in runs:
            results.append(run())
            print_row(results[-1])
            if results[-1]["stop"] == "interrupted":
                raise KeyboardInterrupt
        if peer_module:
            module = importlib.import_module(f"benchmarks.{peer_module}")
            if not module.available():
                print("--peer sb3: stable-baselines3 is not installed (pip install -r requirements-peer.txt)")
            else:
                for name in module.ZOO:
                    for seed in seeds:
                        peer.append(module.run_peer(name, seed, protocol_args, eval_episodes))
                        print_row(peer[-1])
                        if peer[-1]["stop"] == "interrupted":
                            raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("Interrupted: reporting the runs so far.")
        return results, peer, True
    return results, peer, False


def print_summary(results: list[dict], peer: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """The medians table and our time / the peer's; returns our summary, the peer's and the ratios."""
    ours, theirs = summarize(results), summarize(peer)
    print(f"\n{'agent':>16} {'preset':>8} {'solved':>7} {'median steps':>13} {'median train s':>15}")
    for row in ours + theirs:
        steps = "-" if row["median_steps"] is None else row["median_steps"]
        secs = "-" if row["median_train_s"] is None else f"{row['median_train_s']:.1f}"
        print(f"{row['agent']:>16} {row['preset']:>8} {row['solved']:>3}/{row['runs']:<3} {steps:>13} {secs:>15}")
    pairs = ratios(ours, theirs)
    for pair in pairs:
        print(f"{pair['ours']} / {pair['peer']}: {pair['time_ratio']:.2f}x the train time")
    return ours, theirs, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", nargs="*", choices=AGENTS, default=[], help="one or more of our agents")
    parser.add_argument("--preset", default="book", help="book (default), best, or a preset name in agents/*_config.py")
    parser.add_argument("--peer", choices=["sb3"], default=None, help="also run SB3 PPO and DQN (RL-Zoo settings)")
    from benchmarks import harness, settings

    settings.add_solve_flags(parser, cap_steps=200_000, cap_seconds=600.0)
    args = parser.parse_args()
    if not args.agent and not args.peer:
        parser.error("give --agent, --peer sb3, or both")
    overrides = settings.parse_overrides(args.set)
    settings.check_settings(args.agent, "cartpole", [args.preset], overrides)

    threads = harness.configure_threads(args.threads, torch_too=args.peer == "sb3")
    logs = harness.log_root(args.log_dir)
    protocol_args = {"eval_every_steps": args.eval_every, "goal": GOAL,
                     "cap_steps": args.cap_steps, "cap_seconds": args.cap_seconds}
    print(f"CartPole-v1 solve (mean of {args.eval_episodes} greedy episodes >= {GOAL:g}, every "
          f"{args.eval_every} env steps); cap {args.cap_steps} steps / {args.cap_seconds:g} s; threads {threads}")
    runs = [lambda agent=agent, seed=seed: run_ours(agent, args.preset, seed, protocol_args, args.eval_episodes, logs,
                                                                  overrides)
            for agent in args.agent for seed in args.seeds]
    results, peer, interrupted = run_all(runs, "sb3_peer" if args.peer == "sb3" else None, args.seeds,
                                         protocol_args, args.eval_episodes)
    ours, theirs, pairs = print_summary(results, peer)
    print(f"threads: {threads}; machine: {machine()}")
    print(json.dumps({
        "results": results, "peer": peer, "summary": ours + theirs, "ratios": pairs, "threads": threads,
        "protocol": {**protocol_args, "eval_episodes": args.eval_episodes, "env": "CartPole-v1"},
        "machine": machine(), "interrupted": interrupted,
    }), flush=True)


if __name__ == "__main__":
    main()
