"""How fast a CNN agent learns Catcher-v0: greedy return against training wall time and env steps.

Trains the book's DQN or A2C (CNN on ``CatcherObserver`` frames) for ``--minutes`` of training
wall time. Every ``--eval-every-s`` training seconds (and at the start and the end) the
current agent plays ``--eval-episodes`` greedy episodes capped at ``--eval-steps`` steps on
separate Catcher-v0 envs; the clock is paused meanwhile, so ``wall_s`` is training time only.
Goal for context: a mean greedy return >= 54 per 2000-step episode within 15 minutes.

    python benchmarks/catcher_learn.py --agent dqn --minutes 15 --seeds 1 2 3
    python benchmarks/catcher_learn.py --agent a2c --preset small --minutes 5 --eval-every-s 30

Writes a PNG (return against wall time and against env steps, one line per seed) and prints
last one JSON line ``{"curve": [{"wall_s", "env_steps", "mean_return", "seed", ...}], ...}``,
also when the goal is missed or on Ctrl-C.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GOAL = 54.0
#: The agents that learn Catcher (a CNN on its frames).
CATCHER_AGENTS = ("dqn", "a2c", "ppo")


def run(agent: str, preset_name: str, seed: int, args: argparse.Namespace, logs: str,
        overrides: Optional[dict] = None, on_eval: Optional[Callable[[dict], None]] = None,
        resume: Optional[str] = None, on_checkpoint: Optional[Callable[[str], None]] = None) -> dict:
    """One seeded run of ``agent`` with the scripts' preset; the curve of greedy evaluations."""
    import gymnasium as gym

    import envs  # noqa: F401  (registers Catcher-v0)
    from benchmarks import harness, settings

    _, name, config = settings.bench_config(agent, "catcher", preset_name, overrides)
    observation = (config.frame_width, config.frame_height, config.frame_count)
    trainer = harness.make_trainer(config, os.path.join(logs, f"{agent}_{name}_{seed}"))

    def make_catcher(max_steps: int = 0) -> Any:
        kwargs = {"max_episode_steps": max_steps} if max_steps else {}
        return type(trainer).observe(gym.make("Catcher-v0", **kwargs), config)

    env = make_catcher()
    trainer.env_factory = make_catcher  # vector-env trainers (PPO) make their copies with it
    evaluator = harness.GreedyEvaluator(lambda: make_catcher(args.eval_steps), args.eval_episodes, seed + 10_000)
    harness.seed_all(seed, env)
    protocol = harness.Protocol(
        lambda: evaluator(harness.greedy_act(trainer)), eval_every_s=args.eval_every_s,
        cap_seconds=args.minutes * 60, cap_steps=args.cap_steps, final_eval=True, on_eval=on_eval,
        goal=GOAL if getattr(args, "stop_at_goal", False) else None,  # a study's run stops at the goal
    )
    reason = harness.run_trainer(trainer, env, protocol, evaluator, resume, on_checkpoint)
    if reason != "cap" and (not protocol.curve or protocol.curve[-1]["env_steps"] != protocol.steps):
        protocol.run_evaluation()  # the trainer stopped by itself: evaluate where it stopped
    curve = [{**point, "agent": agent, "preset": name, "seed": seed} for point in protocol.curve]
    reached = next((p for p in curve if p["mean_return"] >= GOAL), None)
    return {
        "agent": agent, "preset": name, "seed": seed, "stop": reason, "curve": curve,
        "observation": list(observation),
        "best_return": max((p["mean_return"] for p in curve), default=None),
        "goal_wall_s": reached["wall_s"] if reached else None,
        "goal_env_steps": reached["env_steps"] if reached else None,
    }


def plot(runs: list[dict], path: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_time, by_steps) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for run_ in runs:
        label = f"{run_['agent']}/{run_['preset']} seed {run_['seed']}"
        by_time.plot([p["wall_s"] / 60 for p in run_["curve"]], [p["mean_return"] for p in run_["curve"]],
                     "o-", label=label)
        by_steps.plot([p["env_steps"] for p in run_["curve"]], [p["mean_return"] for p in run_["curve"]],
                      "o-", label=label)
    for ax, xlabel in ((by_time, "training wall time (min, evaluations excluded)"), (by_steps, "env steps")):
        ax.axhline(GOAL, color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel(xlabel)
        ax.grid(True)
    by_time.set_ylabel("mean greedy return per episode")
    by_time.legend(loc="best", fontsize="small")
    fig.suptitle("Catcher-v0: greedy evaluation")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", choices=CATCHER_AGENTS, required=True)
    parser.add_argument("--preset", default="book", help="book (default), best, or a preset name in agents/*_config.py")
    parser.add_argument("--minutes", type=float, required=True, help="training wall minutes per run")
    parser.add_argument("--seeds", "--seed", nargs="+", type=int, default=[1])
    parser.add_argument("--eval-every-s", type=float, default=60.0, help="training seconds between evaluations")
    parser.add_argument("--eval-episodes", type=int, default=3, help="greedy episodes per evaluation (3)")
    parser.add_argument("--eval-steps", type=int, default=2000, help="steps per evaluation episode (2000)")
    parser.add_argument("--cap-steps", type=int, default=0, help="also stop after this many env steps (0: no)")
    parser.add_argument("--threads", type=int, default=2, help="TF intra-op and BLAS threads (default 2; TF inter-op: 1)")
    parser.add_argument("--png", default="", help="the plot (default: catcher_learn_<agent>_<preset>.png in /tmp)")
    parser.add_argument("--log-dir", default="", help="trainers' logs and models (default: a new /tmp folder)")
    from benchmarks import harness, settings

    settings.add_set_flag(parser)
    args = parser.parse_args()
    overrides = settings.parse_overrides(args.set)
    settings.check_settings([args.agent], "catcher", [args.preset], overrides)

    threads = harness.configure_threads(args.threads)
    logs = harness.log_root(args.log_dir)
    print(f"Catcher-v0, {args.agent}/{args.preset}: {args.minutes:g} min per seed, {args.eval_episodes} greedy "
          f"episodes of <= {args.eval_steps} steps every {args.eval_every_s:g} s; threads {threads}", flush=True)
    runs: list[dict] = []
    try:
        for seed in args.seeds:
            runs.append(run(args.agent, args.preset, seed, args, logs, overrides))
            for p in runs[-1]["curve"]:
                print(f"  seed {seed}: {p['wall_s']:>8.1f} s {p['env_steps']:>8} steps  return {p['mean_return']:>7.1f}")
            print(f"seed {seed}: best {runs[-1]['best_return']}, goal {GOAL:g} reached at "
                  f"{runs[-1]['goal_wall_s']} s ({runs[-1]['stop']})", flush=True)
            if runs[-1]["stop"] == "interrupted":
                break
    except KeyboardInterrupt:
        print("Interrupted: reporting the runs so far.")
    preset = runs[0]["preset"] if runs else args.preset
    png = args.png or os.path.join("/tmp", f"catcher_learn_{args.agent}_{preset}.png")
    if runs:
        print(f"Plot: {plot(runs, png)}")
    print(json.dumps({
        "curve": [p for r in runs for p in r["curve"]],
        "runs": [{k: v for k, v in r.items() if k != "curve"} for r in runs],
        "goal": GOAL, "threads": threads, "png": png if runs else None,
    }), flush=True)


if __name__ == "__main__":
    main()
