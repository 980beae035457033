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
``ray://HEAD:10001`` from a laptop): no code change, the trials spread over the cluster's CPUs. A worker
needs only Python with the packages installed, no clone: the project's code travels with the job in Ray's
runtime environment (``working_dir``, less ``EXCLUDES``), each trial writes its logs on its own node and
sends them (a tar.gz) with its row to the driver in its last report, which unpacks them under
``STORAGE/logs/<trial id>``; ``--storage`` names where Tune keeps the experiment (local, or shared such as
NFS or ``s3://``; then the logs go to a new /tmp folder). After every evaluation a trial hands Tune its run's
checkpoint (the trainer's, with the protocol's and the evaluator's state); a trial whose worker dies (the OOM
killer, a lost node) is started again from its last one, up to ``MAX_FAILURES`` times, and ends with the rows of
a run never killed. A trial that still fails is reported with its error and the others finish;
Ctrl-C stops the sweep, and what finished is still printed. See benchmarks/README.md, "Sweeps on a Ray cluster".
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

#: What stays on the driver's machine: the trials need the code, not the environment, history, models or docs.
EXCLUDES = [".git", ".venv", "logs", "models", "tests", "notebooks", "docs", "__pycache__", "*.png", "*.gif",
            "*.ipynb", "*.keras", "*.h5"]
#: How often a trial whose worker died (the OOM killer, a lost node) is started again, from its last checkpoint.
MAX_FAILURES = 3
#: The last report's key for the trial's logs (a base64 tar.gz), and the most it sends (compressed bytes).
LOGS, LOGS_LIMIT = "logs_tgz", 16 * 2**20


def parse_search(items: list[str]) -> dict[str, Any]:
    """``field=kind:args`` -> a Tune search space over config fields."""
    from ray import tune

    from benchmarks.settings import parse_value

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


def check_search(args: argparse.Namespace) -> None:
    """Refuse, before Ray starts, a searched field the agent does not have or a value no run can use."""
    from benchmarks.settings import bench_config, check_settings, parse_value
    from fn_framework.run.config import field_types

    for item in args.search:
        field, _, spec = item.partition("=")
        kind, _, rest = spec.partition(":")
        values = rest.split(",") if kind == "choice" else rest.split(":")
        for value in values:
            check_settings([args.agent], args.task, [args.preset], {field: parse_value(value)}, "--search")
        kinds = field_types(type(bench_config(args.agent, args.task, args.preset)[2]))
        if kind in ("uniform", "loguniform") and kinds[field] is not float:
            raise SystemExit(f"error: --search: {field} is {kinds[field].__name__}, not a number to sample from "
                             f"{kind}: use choice:a,b or randint:lo:hi")


def check_front_door(args: argparse.Namespace) -> None:
    """Refuse, before Ray starts, what no sweep can run: one ``error:`` line each, a non-zero exit.

    An unknown agent or preset, a seed outside NumPy's range, no samples, a negative CPU count, budgets
    and evaluations that are not positive, a search distribution Ray cannot draw from (``loguniform`` from
    0, bounds that are equal or reversed) and a storage folder that cannot be written.
    """
    from benchmarks.cartpole_solve import AGENTS
    from benchmarks.catcher_learn import CATCHER_AGENTS
    from benchmarks.settings import check_settings, parse_value

    from benchmarks.pendulum_solve import AGENT as PENDULUM_AGENT

    known = {"cartpole": AGENTS, "pendulum": (PENDULUM_AGENT,), "catcher": CATCHER_AGENTS}[args.task]
    if args.agent not in known:
        raise SystemExit(f"error: --agent {args.agent!r} is not one of {', '.join(known)} ({args.task})")
    check_settings([args.agent], args.task, [args.preset], {}, "--agent/--preset")
    from benchmarks.figures import REPORTING_SEEDS

    reported = sorted(set(args.seeds) & set(REPORTING_SEEDS)) if args.search or args.samples > 1 or args.asha else []
    if reported:
        raise SystemExit(f"error: --seeds {reported[0]} is a reporting seed: a sweep that tunes (--search, --samples, "
                         "--asha) uses the tuning seeds only (benchmarks/figures.py, TUNING_SEEDS)")
    bad_seeds = [seed for seed in args.seeds if not 0 <= seed < 2**32]
    if bad_seeds:
        raise SystemExit(f"error: --seeds must be between 0 and 2**32 - 1, got {bad_seeds[0]}")
    for flag, value in (("--samples", args.samples), ("--cap-steps", args.cap_steps), ("--eval-every", args.eval_every),
                        ("--eval-episodes", args.eval_episodes), ("--eval-steps", args.eval_steps)):
        if value < 1:
            raise SystemExit(f"error: {flag} must be 1 or more, got {value}")
    for flag, value in (("--minutes", args.minutes), ("--eval-every-s", args.eval_every_s)):
        if not value > 0:
            raise SystemExit(f"error: {flag} must be more than 0, got {value}")
    if args.cpus < 0:
        raise SystemExit(f"error: --cpus must be 0 (all of them) or more, got {args.cpus}")
    for item in args.search:
        field, _, spec = item.partition("=")
        kind, _, rest = spec.partition(":")
        bounds = rest.split(":")
        if kind in ("uniform", "loguniform", "randint") and len(bounds) == 2:
            try:
                low, high = (float(parse_value(b)) for b in bounds)
            except (TypeError, ValueError):
                raise SystemExit(f"error: --search {item}: the bounds must be numbers") from None
            if not low < high:
                raise SystemExit(f"error: --search {item}: the lower bound must be below the upper one")
            if kind == "loguniform" and low <= 0:
                raise SystemExit(f"error: --search {item}: loguniform needs a lower bound above 0")
    check_address(args.address)
    if args.restore and not args.storage:
        raise SystemExit("error: --restore goes on with a sweep kept in --storage: give the folder the sweep used")
    if args.restore and "://" not in args.storage and not os.path.exists(
            os.path.join(args.storage, "sweep", "tuner.pkl")):
        raise SystemExit(f"error: --restore: no sweep to go on with in {args.storage} (run it without --restore)")
    if args.storage and "://" not in args.storage:
        folder = os.path.abspath(args.storage)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise SystemExit(f"error: --storage {args.storage}: cannot create it ({error.strerror})") from None
        if not os.access(folder, os.W_OK):
            raise SystemExit(f"error: --storage {args.storage} is not a writable folder")


def check_address(address: Optional[str], timeout: float = 10.0) -> None:
    """Refuse an ``--address`` where nothing answers, in one line within ``timeout`` seconds.

    Ray itself retries such an address for good (and ignores SIGTERM meanwhile); ``auto`` is Ray's to find.
    """
    import socket

    if not address or address == "auto":
        return
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"error: --address {address}: give HOST:PORT, ray://HOST:10001 or auto")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        why = error.strerror or type(error).__name__
        raise SystemExit(f"error: --address {address}: nothing answers there ({why}); start the cluster with "
                         "ray start --head, or leave out --address for a local one") from None


def trial_grid(space: dict[str, Any], samples: int, seeds: list[int], rng_seed: int = 0) -> dict[str, Any]:
    """Tune's grid of ``samples`` settings drawn once from ``space``, each run with every seed.

    Tune draws a grid's random fields anew for every grid point, so ``seed`` as a grid beside the
    search space ran each seed with settings of its own; the settings are drawn here instead
    (seeded: the same sweep draws the same settings) and the grid crosses them with the seeds.
    """
    import numpy as np
    from ray import tune

    grid: dict[str, Any] = {"seed": tune.grid_search(list(seeds))}
    if space:
        rng = np.random.RandomState(rng_seed)
        drawn = [{k: _plain(domain.sample(random_state=rng)) for k, domain in sorted(space.items())}
                 for _ in range(max(samples, 1))]
        grid["sample"] = tune.grid_search(drawn)
    return grid


def _plain(value: Any) -> Any:
    """A drawn value as a plain Python number (the config's ``--set`` types, JSON)."""
    return value.item() if hasattr(value, "item") else value


def trial(params: dict[str, Any]) -> None:
    """One (agent, preset, sampled settings, seed): the sequential benchmark's run, reporting every evaluation.

    Runs from the job's copy of the code (the runtime environment's ``working_dir``), never from the
    driver's checkout; its logs go to a folder on its own node, and they and its row go to the driver in its
    last report (no folder has to be shared).
    """
    import tempfile

    import ray
    from ray import tune

    from benchmarks import harness

    harness.configure_threads(1)
    params = {**params, **(params.get("run") or {})}  # a study's grid of (agent, preset) runs
    overrides = dict(params.get("sample") or {})
    logs = tempfile.mkdtemp(prefix="tune_trial_")
    last: dict[str, float] = {"mean_return": float("nan"), "env_steps": 0, "train_s": 0.0}

    def report(point: dict[str, float]) -> None:  # the metrics go to Tune with the checkpoint that follows
        last.update(mean_return=point["mean_return"], env_steps=point["env_steps"], train_s=point["wall_s"])

    shared = [True]  # whether this node can write Tune's storage (a local --storage on a cluster: only the head)

    def hand_over(folder: str) -> None:
        """The run's checkpoint after an evaluation, to Tune: a retried trial goes on from it (``FailureConfig``).

        Where this node cannot reach the storage (a local folder of the head node, on a cluster), Tune refuses
        the checkpoint: the trial reports its metrics alone from then on, and a killed one starts over.
        """
        import shutil

        if not shared[0]:
            tune.report(dict(last))
            return
        copy = tempfile.mkdtemp(prefix="tune_checkpoint_")
        shutil.copytree(folder, copy, dirs_exist_ok=True)  # the run goes on writing its own folder
        try:
            tune.report(dict(last), checkpoint=tune.Checkpoint.from_directory(copy))
        except RuntimeError as error:  # ray.train's "Unable to set up cluster storage"
            shared[0] = False
            print(f"warning: {str(error).splitlines()[0]} on this node: its checkpoints stay here, and the trial "
                  "starts over if its worker dies (give --storage a folder every node shares)", file=sys.stderr)
            tune.report(dict(last))
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    checkpoint = tune.get_checkpoint()  # a retried trial: where its killed attempt last reported
    resume = checkpoint.to_directory() if checkpoint is not None else None

    row = run_task(params, overrides, logs, report, resume, hand_over)
    where = {"node": ray.get_runtime_context().get_node_id(), "logs": logs, "resumed": resume is not None,
             "checkout_seen": os.path.isdir(os.path.join(params["root"], "fn_framework")),
             "code": os.path.dirname(os.path.dirname(os.path.abspath(harness.__file__)))}
    tune.report({**last, "row": json.dumps({**row, "overrides": overrides, **where}), LOGS: pack(logs)})


def run_task(params: dict[str, Any], overrides: dict[str, Any], logs: str, on_eval: Any, resume: Optional[str],
             on_checkpoint: Any) -> dict[str, Any]:
    """The sequential benchmark's run of ``params``'s task, agent, preset and seed: ours, or a peer's (``sb3_*``).

    A peer's run (Stable-Baselines3) keeps no checkpoint: if its worker dies, it starts over.
    """
    agent, seed = params["agent"], params["seed"]
    if params["task"] in ("cartpole", "pendulum"):
        from benchmarks import cartpole_solve, pendulum_solve

        module = cartpole_solve if params["task"] == "cartpole" else pendulum_solve
        protocol_args = {"eval_every_steps": params["eval_every"], "goal": params.get("goal", module.GOAL),
                         "cap_steps": params["cap_steps"], "cap_seconds": params["minutes"] * 60}
        if agent.startswith("sb3_"):
            import importlib

            peer = importlib.import_module("benchmarks.sb3_peer" if module is cartpole_solve
                                           else "benchmarks.sb3_pendulum_peer")
            return peer.run_peer(agent, seed, protocol_args, params["eval_episodes"])
        if module is pendulum_solve:
            return pendulum_solve.run_ours(params["preset"], seed, protocol_args, params["eval_episodes"], logs,
                                           overrides, on_eval, resume, on_checkpoint)
        return cartpole_solve.run_ours(agent, params["preset"], seed, protocol_args, params["eval_episodes"], logs,
                                       overrides=overrides, on_eval=on_eval, resume=resume,
                                       on_checkpoint=on_checkpoint, env_id=params.get("env", "CartPole-v1"))
    from benchmarks.catcher_learn import run

    namespace = argparse.Namespace(eval_every_s=params["eval_every_s"], eval_episodes=params["eval_episodes"],
                                   eval_steps=params["eval_steps"], minutes=params["minutes"],
                                   cap_steps=params["cap_steps"], stop_at_goal=params.get("stop_at_goal", False))
    return run(agent, params["preset"], seed, namespace, logs, overrides=overrides, on_eval=on_eval, resume=resume,
               on_checkpoint=on_checkpoint)


def pack(folder: str) -> str:
    """``folder`` as a base64 tar.gz, for the last report (then removed); empty if over ``LOGS_LIMIT``."""
    import base64
    import io
    import shutil
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    if buffer.tell() > LOGS_LIMIT:
        return ""  # too big to send: they stay on the trial's node (the row's logs and node say where)
    shutil.rmtree(folder, ignore_errors=True)
    return base64.b64encode(buffer.getvalue()).decode()


def unpack(packed: str, folder: str) -> str:
    """A trial's logs from its last report into ``folder`` on this machine."""
    import base64
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(packed)), mode="r:gz") as tar:
        tar.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return folder


def gather(results: Any, fields: list[str], stopped: str, logs: str,
           configs: Optional[list[dict]] = None) -> tuple[list[dict], list[dict]]:
    """The rows the trials reported, and the trials that failed (their error) or stopped (``stopped`` says why).

    Each finished trial's logs are unpacked under ``logs`` (``<trial id>/``), and its row's ``logs`` says where.
    ``configs``: each trial's settings, in the results' order (a Result knows its config only from a report,
    and a trial killed before its first report made none).
    """
    rows, failed = [], []
    for i, result in enumerate(results):
        metrics = result.metrics or {}
        if result.error is None and "row" in metrics:
            row = json.loads(metrics["row"])
            if metrics.get(LOGS):
                row["logs"] = unpack(metrics[LOGS], os.path.join(logs, metrics.get("trial_id", str(len(rows)))))
            rows.append(row)
            continue
        settings = result.config or (configs[i] if configs and i < len(configs) else None)
        settings = {**settings, **(settings.get("sample") or {})} if settings else None
        config = {k: settings.get(k) for k in ("seed", *fields)} if settings else {}
        if result.error is None:
            failed.append({"trial": config, "status": "stopped", "error": stopped})
            continue
        error = str(result.error).strip().splitlines()
        failed.append({"trial": config, "status": "failed", "error": error[-1] if error else repr(result.error)})
    return rows, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["cartpole", "pendulum", "catcher"], required=True)
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
    parser.add_argument("--storage", default="", help="where Tune keeps the experiment: a local folder (default: "
                        "a new /tmp folder) or one every node sees (NFS, s3://...) on a cluster")
    parser.add_argument("--log-dir", dest="storage", help=argparse.SUPPRESS)  # its old name
    parser.add_argument("--restore", action="store_true", help="go on with the interrupted sweep kept in --storage "
                        "(give the same flags): its finished trials are kept, the rest go on from their checkpoints")
    parser.add_argument("--png", default="", help="catcher: the curves' plot")
    args = parser.parse_args()

    try:
        import ray.tune  # noqa: F401
    except ImportError:
        raise SystemExit("error: Ray Tune is not installed: pip install -r requirements-ray.txt") from None
    from benchmarks import harness

    check_front_door(args)
    space = parse_search(args.search)
    check_search(args)
    storage = args.storage if "://" in args.storage else os.path.abspath(harness.log_root(args.storage))
    params = {"root": ROOT, "task": args.task, "agent": args.agent, "preset": args.preset,
              **trial_grid(space, args.samples, args.seeds),
              "minutes": args.minutes, "cap_steps": args.cap_steps, "eval_every": args.eval_every,
              "eval_every_s": args.eval_every_s, "eval_episodes": args.eval_episodes, "eval_steps": args.eval_steps}
    scheduler = None
    if args.asha:
        from ray.tune.schedulers import ASHAScheduler

        scheduler = ASHAScheduler(time_attr="env_steps", max_t=args.cap_steps, grace_period=max(args.cap_steps // 10, 1))
    results, configs, wall = run_trials(params, storage, args.address, args.cpus, scheduler, args.restore)
    why = "stopped early by ASHA, or by Ctrl-C" if args.asha else "stopped by Ctrl-C before its last report"
    logs = harness.log_root("" if "://" in storage else os.path.join(storage, "logs"))  # on this machine
    rows, failed = gather(results, sorted(space), why, logs, configs)
    interrupted = not args.asha and any(f["status"] == "stopped" for f in failed)
    print_results(args, rows, wall, failed)
    if interrupted:
        print("Sweep interrupted: the trials above finished; the rest were stopped (the same command with --restore "
              "goes on with them).", file=sys.stderr)
        raise SystemExit(130)


def run_trials(params: dict[str, Any], storage: str, address: Optional[str] = None, cpus: int = 0,
               scheduler: Any = None, restore: bool = False) -> tuple[Any, Optional[list[dict]], float]:
    """Start Ray (local, or join ``address``) and run one ``trial`` per grid point of ``params``, 1 CPU each.

    ``restore``: go on with the sweep kept in ``storage`` (``Tuner.restore``): its finished trials are kept,
    and the others go on from their last checkpoints (or start, if they never reported one).
    Returns Tune's results, each trial's config in their order, and the wall seconds of the trials.
    """
    import ray
    from ray import tune

    try:
        ray.init(address=address or "local", num_cpus=(cpus or None) if address is None else None,
                 include_dashboard=False, log_to_driver=False,
                 runtime_env={"working_dir": ROOT, "excludes": EXCLUDES,
                              "env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1"}})
    except (ConnectionError, RuntimeError) as error:  # --address auto with no cluster running, and the like
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SystemExit(f"error: cannot join the Ray cluster at {address or 'local'} ({first[:200]}); "
                         "start it with ray start --head, or leave out --address for a local one") from None
    start = time.perf_counter()
    trainable = tune.with_resources(trial, {"cpu": 1})
    if restore:
        tuner = tune.Tuner.restore(os.path.join(storage, "sweep"), trainable, resume_unfinished=True,
                                   resume_errored=True)
    else:
        tuner = tune.Tuner(
            trainable,
            param_space=params,
            tune_config=tune.TuneConfig(metric="mean_return", mode="max", scheduler=scheduler),
            run_config=tune.RunConfig(storage_path=storage, name="sweep", verbose=0,
                                      failure_config=tune.FailureConfig(max_failures=MAX_FAILURES, fail_fast=False)),
        )
    try:
        results = tuner.fit()  # Tune's own Ctrl-C handling: the first stops the trials and returns
    except KeyboardInterrupt:
        raise SystemExit("Sweep interrupted: nothing was gathered (Tune keeps the experiment in "
                         f"{storage}/sweep: the same command with --restore goes on with it)") from None
    analysis = getattr(results, "_experiment_analysis", None)  # Tune's trials, the order of its results
    configs = [trial.config for trial in analysis.trials] if analysis is not None else None
    return results, configs, time.perf_counter() - start


def print_results(args: argparse.Namespace, rows: list[dict], wall: float, failed: list[dict]) -> None:
    """The sequential benchmark's table and JSON line, plus the sweep's wall time and the failed trials."""
    if args.task in ("cartpole", "pendulum"):
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
    for f in failed:
        print(f"trial {f['trial']} {f['status'].upper()}: {f['error']}")
    print(f"Sweep wall time: {wall:.1f} s for {len(rows)} finished trials ({len(failed)} failed or stopped)")
    print(json.dumps({**out, "failed": failed, "wall_s": round(wall, 2)}))


if __name__ == "__main__":
    main()
