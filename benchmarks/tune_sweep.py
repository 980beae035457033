"""Multi-seed runs and preset sweeps on Ray Tune: the benchmarks' protocol, one trial per (config, seed).

    python benchmarks/tune_sweep.py --task cartpole --agent policy_gradient --preset best --seeds 1 2 3
    python benchmarks/tune_sweep.py --task catcher --agent dqn --preset modern --minutes 2 --seeds 1 2 3 \\
        --search learning_rate=loguniform:1e-4:1e-3 train_freq=choice:2,4,8 --samples 8 --asha
    python benchmarks/tune_sweep.py ... --address ray://head:10001     # the same sweep on a Ray cluster

Each trial is a function trainable that runs the sequential benchmark's own run (``cartpole_solve.run_ours``
or ``catcher_learn.run``: same seeds, same envs, same evaluations) with 1 CPU, TensorFlow's and BLAS's
threads pinned to 1 inside the trial, and reports after every evaluation with ``tune.report``
(``mean_return``, ``env_steps``, ``train_s``). ``--search field=kind:args`` samples config fields
(``choice:a,b``, ``uniform:lo:hi``, ``loguniform:lo:hi``, ``randint:lo:hi``) over the preset;
``--asha`` stops poor trials early. The results are gathered into the same rows, table and JSON line
the sequential benchmarks print (Catcher: the curves' PNG, mean and spread over seeds).

Local Ray by default; ``--address`` joins a running cluster (``ray start --head`` on one machine,
``ray start --address=HEAD:6379`` on the others, then ``--address auto`` on the head, or
``ray://HEAD:10001`` from a laptop): no code change, the trials spread over the cluster's CPUs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_search(items: list[str]) -> dict[str, Any]:
    """``field=kind:args`` -> a Tune search space over config fields."""
    from ray import tune

    from benchmarks.harness import parse_value

    space: dict[str, Any] = {}
    for item in items:
        field, _, spec = item.partition("=")
        kind, _, rest = spec.partition(":")
        args = rest.split(":") if rest else []

        if kind == "choice" and args:
            space[field] = tune.choice([parse_value(v) for v in args[0].split(",")])
        elif kind in ("uniform", "loguniform", "randint") and len(args) == 2:
            space[field] = getattr(tune, kind)(parse_value(args[0]), parse_value(args[1]))
        else:
            raise SystemExit(f"error: cannot read --search {item!r} (field=choice:a,b | uniform:lo:hi | "
                             "loguniform:lo:hi | randint:lo:hi)")
    return space


def trial(params: dict[str, Any]) -> None:
    """One (agent, preset, sampled settings, seed): the sequential benchmark's run, reporting every evaluation."""
    sys.path.insert(0, params["root"])
    os.chdir(params["root"])
    from ray import tune

    from benchmarks import harness

    harness.configure_threads(1)
    overrides = {k: v for k, v in params.items() if k in params["fields"]}

    def report(point: dict[str, float]) -> None:
        tune.report({"mean_return": point["mean_return"], "env_steps": point["env_steps"], "train_s": point["wall_s"]})

    if params["task"] == "cartpole":
        from benchmarks.cartpole_solve import GOAL, run_ours

        protocol_args = {"eval_every_steps": params["eval_every"], "goal": GOAL,
                         "cap_steps": params["cap_steps"], "cap_seconds": params["minutes"] * 60}
        row = run_ours(params["agent"], params["preset"], params["seed"], protocol_args, params["eval_episodes"],
                       params["logs"], overrides=overrides, on_eval=report)
    else:
        from benchmarks.catcher_learn import run

        namespace = argparse.Namespace(eval_every_s=params["eval_every_s"], eval_episodes=params["eval_episodes"],
                                       eval_steps=params["eval_steps"], minutes=params["minutes"],
                                       cap_steps=params["cap_steps"])
        row = run(params["agent"], params["preset"], params["seed"], namespace, params["logs"],
                  overrides=overrides, on_eval=report)
    with open(os.path.join(params["logs"], f"row_{params['seed']}_{tune.get_context().get_trial_id()}.json"), "w") as f:
        json.dump({**row, "overrides": overrides}, f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["cartpole", "catcher"], required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--preset", default="book")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--search", nargs="*", default=[], metavar="FIELD=KIND:ARGS")
    parser.add_argument("--samples", type=int, default=1, help="sampled configs (each run with every seed)")
    parser.add_argument("--asha", action="store_true", help="stop poor trials early (ASHA on mean_return)")
    parser.add_argument("--minutes", type=float, default=10.0, help="train minutes per trial (a cap)")
    parser.add_argument("--cap-steps", type=int, default=200_000, help="env steps per trial (a cap)")
    parser.add_argument("--eval-every", type=int, default=2000, help="cartpole: env steps between evaluations")
    parser.add_argument("--eval-every-s", type=float, default=60.0, help="catcher: train seconds between evaluations")
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--eval-steps", type=int, default=2000, help="catcher: steps per evaluation episode")
    parser.add_argument("--cpus", type=int, default=0, help="local Ray: CPUs to use (default: all)")
    parser.add_argument("--address", default=None, help="join a Ray cluster (auto, or ray://HEAD:10001)")
    parser.add_argument("--log-dir", default="", help="trial logs and rows (default: a new /tmp folder)")
    parser.add_argument("--png", default="", help="catcher: the curves' plot")
    args = parser.parse_args()

    try:
        import ray
        from ray import tune
    except ImportError:
        raise SystemExit("error: Ray Tune is not installed: pip install -r requirements-ray.txt") from None
    from benchmarks import harness

    logs = harness.log_root(args.log_dir)
    space = parse_search(args.search)
    ray.init(address=args.address, num_cpus=args.cpus or None, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1"}})
    params = {"root": ROOT, "task": args.task, "agent": args.agent, "preset": args.preset, "logs": logs,
              "fields": sorted(space), "seed": tune.grid_search(args.seeds), **space,
              "minutes": args.minutes, "cap_steps": args.cap_steps, "eval_every": args.eval_every,
              "eval_every_s": args.eval_every_s, "eval_episodes": args.eval_episodes, "eval_steps": args.eval_steps}
    scheduler = None
    if args.asha:
        from ray.tune.schedulers import ASHAScheduler

        scheduler = ASHAScheduler(time_attr="env_steps", max_t=args.cap_steps, grace_period=max(args.cap_steps // 10, 1))
    start = time.perf_counter()
    tuner = tune.Tuner(
        tune.with_resources(trial, {"cpu": 1}),
        param_space=params,
        tune_config=tune.TuneConfig(metric="mean_return", mode="max", num_samples=args.samples, scheduler=scheduler),
        run_config=tune.RunConfig(storage_path=os.path.join(logs, "ray"), name="sweep", verbose=0),
    )
    tuner.fit()
    wall = time.perf_counter() - start
    rows = [json.load(open(os.path.join(logs, p))) for p in sorted(os.listdir(logs)) if p.startswith("row_")]
    print_results(args, rows, wall)


def print_results(args: argparse.Namespace, rows: list[dict], wall: float) -> None:
    """The sequential benchmark's table and JSON line, plus the sweep's wall time."""
    if args.task == "cartpole":
        from benchmarks.cartpole_solve import print_row, summarize

        for row in sorted(rows, key=lambda r: (json.dumps(r["overrides"], sort_keys=True), r["seed"])):
            print_row(row)
        groups: dict[str, list[dict]] = {}
        for row in rows:
            groups.setdefault(json.dumps(row["overrides"], sort_keys=True), []).append(row)
        summary = [{**s, "overrides": json.loads(key)} for key, group in groups.items() for s in summarize(group)]
        for s in summary:
            print(f"{s['agent']}/{s['preset']} {s['overrides']}: solved {s['solved']}/{s['runs']}, median steps "
                  f"{s['median_steps']}, median train s {s['median_train_s']}")
        out = {"results": rows, "summary": summary}
    else:
        from benchmarks.catcher_learn import plot

        png = args.png or os.path.join("/tmp", f"tune_catcher_{args.agent}_{args.preset}.png")
        for row in rows:
            print(f"seed {row['seed']} {row['overrides']}: best {row['best_return']}, goal at {row['goal_wall_s']} s")
        out = {"runs": [{k: v for k, v in r.items() if k != "curve"} for r in rows],
               "curve": [p for r in rows for p in r["curve"]], "png": plot(rows, png) if rows else None}
    print(f"Sweep wall time: {wall:.1f} s for {len(rows)} trials")
    print(json.dumps({**out, "wall_s": round(wall, 2)}))


if __name__ == "__main__":
    main()
