"""The published figures: the seed sets, one study per table, its results file, the tables and plots made from it.

    python benchmarks/figures.py measure cartpole     # re-measure a study: -> benchmarks/results/cartpole.json
    python benchmarks/figures.py render               # every table in the READMEs and every PNG, from the files
    python benchmarks/figures.py render --check       # exit 1 where a README's table differs from its file

Tuning and reporting use disjoint seeds: sweeps and preset tuning see only ``TUNING_SEEDS`` (``tune_sweep.py``
refuses a reporting seed when it searches), and every published figure is measured on ``REPORTING_SEEDS``.
A study's runs, ours and the peer's (Stable-Baselines3 with RL-Zoo's settings) on the same seeds, are the
sweep runner's trials (``tune_sweep.run_trials``: local Ray, or a cluster with ``--address``), one CPU and
one thread each, side by side. A run is solved at the first greedy evaluation that reaches the goal; its
time is training seconds without the evaluations. A run that never gets there counts at the study's cap.

Each summary is the interquartile mean (IQM: the mean of the middle half of the seeds) with a 95 % percentile
bootstrap interval over seeds (``scipy.stats.bootstrap``, seeded: the same file gives the same table), the
median and the seeds solved; our IQM over the peer's comes with its paired bootstrap interval (same seeds).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import time
from typing import Any, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

#: Seeds that sweeps and preset tuning may use.
TUNING_SEEDS = tuple(range(1, 21))
#: Seeds the published figures are measured on, never tuned on.
REPORTING_SEEDS = tuple(range(1001, 1021))
RESULTS = os.path.join(ROOT, "benchmarks", "results")
#: The documents that carry generated tables, and their language.
DOCUMENTS = {"README.md": "en", "README.ja.md": "ja", "benchmarks/README.md": "en", "benchmarks/README.ja.md": "ja"}
CONFIDENCE, RESAMPLES = 0.95, 10_000


@dataclasses.dataclass(frozen=True)
class Study:
    """One published table: which runs, on which seeds, under which protocol and caps."""

    name: str
    task: str  # tune_sweep's task: cartpole, pendulum, catcher
    env: str
    goal: float
    runs: tuple[tuple[str, str], ...]  # ours: (agent, preset)
    peers: tuple[str, ...]  # Stable-Baselines3 runs with RL-Zoo's settings (benchmarks/sb3_*peer.py)
    pairs: tuple[tuple[str, str], ...]  # (our group, peer group) ratios of IQM train time
    seeds: tuple[int, ...]
    minutes: float  # cap: training minutes per run
    cap_steps: int  # cap: env steps per run (0: none)
    eval_every: int = 2000  # env steps between greedy evaluations (0: by time)
    eval_every_s: float = 0.0  # training seconds between greedy evaluations (Catcher)
    eval_episodes: int = 10
    eval_steps: int = 2000  # Catcher: steps per evaluation episode

    @property
    def cap_s(self) -> float:
        return self.minutes * 60


STUDIES: dict[str, Study] = {
    "cartpole": Study(
        "cartpole", "cartpole", "CartPole-v1", 475.0,
        runs=(("ppo", "fast"), ("dqn", "fast"), ("policy_gradient", "modern")), peers=("sb3_ppo", "sb3_dqn"),
        pairs=(("ppo/fast", "sb3_ppo"), ("dqn/fast", "sb3_dqn"), ("policy_gradient/modern", "sb3_ppo")),
        seeds=REPORTING_SEEDS, minutes=3.0, cap_steps=100_000),
    # The A2C test mode's tuned preset plays the book's CartPole-v0 (200-step episodes; its goal 195).
    "cartpole_v0": Study(
        "cartpole_v0", "cartpole", "CartPole-v0", 195.0, runs=(("a2c", "tuned"),), peers=(), pairs=(),
        seeds=REPORTING_SEEDS, minutes=2.0, cap_steps=60_000),
    "pendulum": Study(
        "pendulum", "pendulum", "Pendulum-v1", -200.0, runs=(("policy_gradient_continuous", "ddpg"),),
        peers=("sb3_sac",), pairs=(("pg_continuous/ddpg", "sb3_sac"),),
        seeds=REPORTING_SEEDS, minutes=3.0, cap_steps=20_000),
    "catcher": Study(
        "catcher", "catcher", "Catcher-v0", 54.0, runs=(("ppo", "fast"), ("dqn", "modern"), ("a2c", "fast")), peers=(),
        pairs=(),
        seeds=REPORTING_SEEDS[:10], minutes=3.0, cap_steps=0, eval_every=0, eval_every_s=5.0, eval_episodes=3),
}

NAMES = {
    "ppo": ("PPO", "PPO"), "dqn": ("DQN", "DQN"), "a2c": ("A2C", "A2C"),
    "policy_gradient": ("policy gradient", "Policy Gradient"),
    "pg_continuous": ("continuous policy gradient", "連続値の Policy Gradient"),
    "sb3_ppo": ("SB3 PPO (RL-Zoo)", "SB3 PPO（RL-Zoo の設定）"),
    "sb3_dqn": ("SB3 DQN (RL-Zoo)", "SB3 DQN（RL-Zoo の設定）"),
    "sb3_sac": ("SB3 SAC (RL-Zoo)", "SB3 SAC（RL-Zoo の設定）"),
}


def group_of(row: dict[str, Any]) -> str:
    """``agent/preset`` for ours, the peer's name for a peer's run (``sb3_*``)."""
    return row["agent"] if row["agent"].startswith("sb3_") else f"{row['agent']}/{row['preset']}"


def label(group: str, language: str) -> str:
    agent, _, preset = group.partition("/")
    name = NAMES.get(agent, (agent, agent))[language == "ja"]
    return f"{name} `{preset}`" if preset else name


# ---------------------------------------------------------------------------------------------- statistics

def iqm(values: Any, axis: int = -1) -> Any:
    """The interquartile mean: the mean of the middle half (25 % trimmed from each end)."""
    from scipy.stats import trim_mean

    return trim_mean(values, 0.25, axis=axis)


def interval(statistic: Any, samples: Sequence[Sequence[float]], paired: bool = False) -> tuple[float, float]:
    """The 95 % percentile bootstrap interval of ``statistic`` over seeds (seeded: reproducible)."""
    import numpy as np
    from scipy.stats import bootstrap

    data = tuple(np.asarray(s, dtype=np.float64) for s in samples)
    if all(np.ptp(d) == 0 for d in data):  # every seed alike: nothing to resample
        value = float(statistic(*data, axis=-1))
        return value, value
    result = bootstrap(data, statistic, paired=paired, vectorized=True, n_resamples=RESAMPLES,
                       confidence_level=CONFIDENCE, method="percentile", rng=np.random.default_rng(0))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def at_cap(row: dict[str, Any], study: Study) -> tuple[float, float]:
    """A run's (train seconds, env steps) to the goal; an unsolved one counts at the study's caps."""
    if row["solved"]:
        return float(row["train_s"]), float(row["steps"])
    return study.cap_s, float(study.cap_steps or row["steps"])


def summarize(rows: list[dict], study: Study) -> dict[str, dict[str, Any]]:
    """Per group: seeds, solved, IQM with its interval and median of train seconds and of env steps."""
    import numpy as np

    groups: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["seed"]):
        groups.setdefault(group_of(row), []).append(row)
    out = {}
    for group, runs in groups.items():
        seconds, steps = (np.array(v) for v in zip(*(at_cap(r, study) for r in runs)))
        out[group] = {
            "seeds": len(runs), "solved": sum(bool(r["solved"]) for r in runs),
            "iqm_s": float(iqm(seconds)), "ci_s": interval(iqm, [seconds]), "median_s": float(np.median(seconds)),
            "iqm_steps": float(iqm(steps)), "ci_steps": interval(iqm, [steps]), "median_steps": float(np.median(steps)),
        }
    return out


def ordered(summary: dict[str, Any], study: Study) -> list[str]:
    """The groups in the study's order: ours as listed in ``runs`` (by preset), then the peers."""
    def place(group: str) -> int:
        if group in study.peers:
            return len(study.runs) + study.peers.index(group)
        exact = (i for i, (agent, preset) in enumerate(study.runs) if group == f"{agent}/{preset}")
        alias = (i for i, (_, preset) in enumerate(study.runs) if group.endswith(f"/{preset}"))  # pg_continuous
        return next(exact, next(alias, len(study.runs)))

    return sorted(summary, key=lambda g: (place(g), g))


def ratio(rows: list[dict], study: Study, ours: str, peer: str) -> Optional[dict[str, Any]]:
    """Our IQM train time / the peer's over the seeds both ran, with its paired bootstrap interval."""
    import numpy as np

    mine = {r["seed"]: at_cap(r, study)[0] for r in rows if group_of(r) == ours}
    theirs = {r["seed"]: at_cap(r, study)[0] for r in rows if group_of(r) == peer}
    seeds = sorted(set(mine) & set(theirs))
    if not seeds:
        return None
    a, b = np.array([mine[s] for s in seeds]), np.array([theirs[s] for s in seeds])

    def of(x: Any, y: Any, axis: int = -1) -> Any:
        return iqm(x, axis=axis) / iqm(y, axis=axis)

    return {"ours": ours, "peer": peer, "seeds": len(seeds), "ratio": float(of(a, b)),
            "ci": interval(of, [a, b], paired=True)}


# ------------------------------------------------------------------------------------------------- files

def results_path(name: str) -> str:
    return os.path.join(RESULTS, f"{name}.json")


def load(name: str) -> Optional[dict[str, Any]]:
    path = results_path(name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def environment() -> dict[str, Any]:
    """The machine, its CPU model and the library versions a results file records."""
    import platform
    from importlib import metadata

    from benchmarks.cartpole_solve import machine

    versions = {}
    for package in ("tensorflow", "keras", "gymnasium", "numpy", "scipy", "ray", "torch", "stable-baselines3"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    info = machine()
    info.pop("date_utc", None)
    return {"machine": {**info, "platform": platform.platform()}, "versions": versions}


#: The folders whose code decides a figure: a results file names the commit, "+changes" if these differ from it.
CODE = ("agents", "fn_framework", "envs", ":(glob)benchmarks/*.py", "pyproject.toml")


def commit() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *CODE], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except OSError:
        return ""


ROW_KEYS = ("agent", "preset", "seed", "solved", "steps", "train_s", "stop", "evals", "best_eval")


def row_of(row: dict[str, Any], study: Study) -> dict[str, Any]:
    """A trial's row as the results file keeps it (Catcher's curve runs become solve rows)."""
    if "curve" in row:  # catcher_learn.run
        curve = row["curve"]
        last = curve[-1] if curve else {"wall_s": 0.0, "env_steps": 0}
        solved = row["goal_wall_s"] is not None
        return {"agent": row["agent"], "preset": row["preset"], "seed": row["seed"], "solved": solved,
                "steps": row["goal_env_steps"] if solved else last["env_steps"],
                "train_s": row["goal_wall_s"] if solved else last["wall_s"], "stop": row["stop"],
                "evals": len(curve), "best_eval": row["best_return"],
                "curve": [[p["wall_s"], p["env_steps"], p["mean_return"]] for p in curve]}
    return {k: row[k] for k in ROW_KEYS}


def measure(study: Study, cpus: int = 0, address: Optional[str] = None, seeds: Optional[Sequence[int]] = None,
            out: Optional[str] = None) -> str:
    """Run ``study`` (ours and the peers, every seed) as sweep trials; write its results file. Returns the path."""
    from ray import tune

    from benchmarks import harness, tune_sweep

    seeds = tuple(seeds or study.seeds)
    runs = [{"agent": a, "preset": p} for a, p in study.runs] + [{"agent": p, "preset": "zoo"} for p in study.peers]
    params = {"root": ROOT, "task": study.task, "agent": "", "preset": "", "run": tune.grid_search(runs),
              "seed": tune.grid_search(list(seeds)), "minutes": study.minutes, "cap_steps": study.cap_steps,
              "eval_every": study.eval_every, "eval_every_s": study.eval_every_s, "stop_at_goal": True,
              "eval_episodes": study.eval_episodes, "eval_steps": study.eval_steps, "env": study.env,
              "goal": study.goal}
    storage = harness.log_root("")
    started, code = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), commit()  # what runs, before it runs
    results, configs, wall = tune_sweep.run_trials(params, storage, address, cpus)
    rows, failed = tune_sweep.gather(results, [], "stopped by Ctrl-C", os.path.join(storage, "logs"), configs)
    import ray

    side_by_side = int(ray.cluster_resources().get("CPU", 0))
    record = {
        "study": study.name, "spec": dataclasses.asdict(study), "seeds": list(seeds),
        "command": f"python benchmarks/figures.py measure {study.name}", "commit": code, "date_utc": started,
        **environment(), "threads": {"per_run": 1, "tf_inter_op": 1, "runs_side_by_side": side_by_side},
        "wall_s": round(wall, 1),
        "rows": sorted((row_of(r, study) for r in rows), key=lambda r: (group_of(r), r["seed"])),
        "failed": failed,
    }
    path = out or results_path(study.name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return path


# ------------------------------------------------------------------------------------------------ tables

def _n(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return f"{value:,.0f}".replace(",", " ")


def _span(seeds: Sequence[int]) -> str:
    seeds = sorted(seeds)
    return f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else ", ".join(map(str, seeds))


HEAD = {
    "en": ("| agent (preset) | solved | IQM train s [95 % CI] | median train s | IQM env steps [95 % CI] "
           "| median env steps |"),
    "ja": "| エージェント（プリセット） | 到達 | 学習秒数の IQM [95 % CI] | 学習秒数の中央値 | 環境ステップの IQM [95 % CI] | 環境ステップの中央値 |",
}


def study_of(record: dict[str, Any]) -> Study:
    """The ``Study`` a results file was measured with (its ``spec``; JSON made its tuples lists)."""
    return Study(**{k: tuple(tuple(x) if isinstance(x, list) else x for x in v) if isinstance(v, list) else v
                    for k, v in record["spec"].items()})


def table(record: dict[str, Any], language: str) -> str:
    """The study's markdown: the summary per group, the ratios to the peer, how it was measured, the plots."""
    study = study_of(record)
    rows = record["rows"]
    summary = summarize(rows, study)
    lines = [HEAD[language], "| --- | --- | --- | --- | --- | --- |"]
    for group in ordered(summary, study):
        s = summary[group]
        lines.append(f"| {label(group, language)} | {s['solved']} / {s['seeds']} | **{_n(s['iqm_s'], 's')}** "
                     f"[{_n(s['ci_s'][0], 's')}, {_n(s['ci_s'][1], 's')}] | {_n(s['median_s'], 's')} "
                     f"| {_n(s['iqm_steps'], 'steps')} "
                     f"[{_n(s['ci_steps'][0], 'steps')}, {_n(s['ci_steps'][1], 'steps')}] "
                     f"| {_n(s['median_steps'], 'steps')} |")
    lines.append("")
    for ours, peer in study.pairs:  # each followed by the blank line before the footer
        r = ratio(rows, study, ours, peer)
        if r is None:
            continue
        if language == "ja":
            lines.append(f"- {label(ours, 'ja')} の学習時間（IQM）は {label(peer, 'ja')}の **{r['ratio']:.2f} 倍** "
                         f"[95 % CI {r['ci'][0]:.2f}, {r['ci'][1]:.2f}]（同じ {r['seeds']} シード）")
        else:
            lines.append(f"- {label(ours, 'en')}: **{r['ratio']:.2f}x** {label(peer, 'en')}'s IQM train time "
                         f"[95 % CI {r['ci'][0]:.2f}, {r['ci'][1]:.2f}] (the same {r['seeds']} seeds)")
    machine, threads = record["machine"], record["threads"]
    cap = f"{_n(study.cap_s, 's')} s" + (f", {_n(study.cap_steps, 'steps')} env steps" if study.cap_steps else "")
    every = (f"every {study.eval_every} env steps" if study.eval_every else f"every {study.eval_every_s:g} training s")
    failed = len(record.get("failed", []))
    if language == "ja":
        cap_ja = f"{_n(study.cap_s, 's')} 秒" + (f"、{_n(study.cap_steps, 'steps')} 環境ステップ" if study.cap_steps else "")
        every = (f"{study.eval_every} 環境ステップごと" if study.eval_every else f"学習 {study.eval_every_s:g} 秒ごと")
        lines += [""] * (lines[-1] != "") + [f"{study.env}、目標はグリーディ評価 {study.eval_episodes} エピソードの平均 {study.goal:g} 以上"
                  f"（{every}に評価、評価の時間は学習秒数に含めない）。報告用シード {_span(record['seeds'])}"
                  f"（調整に使っていないシード）。届かなかった実行は上限（{cap_ja}）で数える。"
                  f"{threads['runs_side_by_side']} 実行を並べて（各 1 スレッド）、{machine['cpu']}（{machine['cpus']} vCPU）、"
                  f"{record['date_utc'][:10]}、commit {record['commit']}"
                  + (f"、失敗した試行 {failed}" if failed else "") + f"。`{record['command']}`"]
    else:
        lines += [""] * (lines[-1] != "") + [f"{study.env}; the goal: a mean greedy return >= {study.goal:g} over {study.eval_episodes} "
                  f"episodes, evaluated {every} (evaluations are not training time). Reporting seeds "
                  f"{_span(record['seeds'])} (never tuned on). A run that never reached the goal counts at the cap "
                  f"({cap}). {threads['runs_side_by_side']} runs side by side, 1 thread each, {machine['cpu']} "
                  f"({machine['cpus']} vCPUs), {record['date_utc'][:10]}, commit {record['commit']}"
                  + (f", {failed} failed trials" if failed else "") + f". `{record['command']}`"]
    return "\n".join(lines)


def seeds_block(language: str) -> str:
    if language == "ja":
        return (f"調整用シード: {_span(TUNING_SEEDS)}（スイープとプリセットの調整はこれだけを使う）。"
                f"報告用シード: {_span(REPORTING_SEEDS)}（公表する数字はすべてこちらで測る。Catcher は先頭の 10 個）。")
    return (f"Tuning seeds: {_span(TUNING_SEEDS)} (sweeps and preset tuning use these only). Reporting seeds: "
            f"{_span(REPORTING_SEEDS)} (every published figure; Catcher the first 10).")


def blocks(language: str, folder: str) -> dict[str, str]:
    """Every generated block for a document in ``folder`` (relative paths to the PNGs): name -> markdown."""
    out = {"seeds": seeds_block(language)}
    for name in STUDIES:
        record = load(name)
        if record is None:
            continue
        pictures = os.path.relpath(os.path.join("benchmarks", "results"), folder or ".")  # as the document links
        alt = ("学習時間（全シード）と性能プロファイル" if language == "ja"
               else "time to goal (every seed) and performance profiles")
        out[name] = (table(record, language) + "\n\n" + f"![{name}: {alt}]({pictures}/{name}_time_to_goal.png)\n"
                     f"![{name}: {alt}]({pictures}/{name}_profiles.png)")
    return out


MARK = re.compile(r"(<!-- figures:(\w+) -->\n)(.*?)(<!-- /figures:\2 -->)", re.S)


def rendered(document: str) -> tuple[str, str]:
    """(the document as it is, as the results files make it)."""
    path = os.path.join(ROOT, document)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    made = blocks(DOCUMENTS[document], os.path.dirname(document))
    return text, MARK.sub(lambda m: m.group(1) + (made[m.group(2)] + "\n" if m.group(2) in made else m.group(3))
                          + m.group(4), text)


def differences() -> list[str]:
    """The generated blocks that differ from what the results files give, as ``document: block``."""
    out = []
    for document in DOCUMENTS:
        text, made = rendered(document)
        old = {m.group(2): m.group(3) for m in MARK.finditer(text)}
        new = {m.group(2): m.group(3) for m in MARK.finditer(made)}
        out += [f"{document}: {name}" for name in old if old[name] != new[name]]
    return out


# ------------------------------------------------------------------------------------------------- plots

def plot(record: dict[str, Any], folder: str = RESULTS) -> list[str]:
    """Two PNGs: time to goal per group (every seed a point, the IQM and its interval), and performance
    profiles (fraction of seeds at the goal against training seconds and against env steps)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    study = study_of(record)
    rows, name = record["rows"], record["study"]
    summary = summarize(rows, study)
    order = ordered(summary, study)
    colors = {g: f"C{i}" for i, g in enumerate(order)}
    paths = []

    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.7 * len(order)))
    rng = np.random.default_rng(0)
    for y, group in enumerate(order):
        runs = [r for r in rows if group_of(r) == group]
        xs = np.array([at_cap(r, study)[0] for r in runs])
        solved = np.array([bool(r["solved"]) for r in runs])
        jitter = y + rng.uniform(-0.15, 0.15, len(runs))
        ax.scatter(xs[solved], jitter[solved], s=14, color=colors[group], alpha=0.6)
        ax.scatter(xs[~solved], jitter[~solved], s=30, color=colors[group], marker="x", label=None)
        s = summary[group]
        ax.errorbar([s["iqm_s"]], [y], xerr=[[s["iqm_s"] - s["ci_s"][0]], [s["ci_s"][1] - s["iqm_s"]]],
                    fmt="D", color="black", capsize=5, markersize=6)
    ax.set_yticks(range(len(order)), [label(g, "en").replace("`", "") for g in order])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("training seconds to the goal (log; x: not reached, counted at the cap)")
    ax.set_title(f"{study.env}: time to {study.goal:g}, {len(record['seeds'])} reporting seeds; "
                 "diamond: IQM with 95 % CI")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    paths.append(os.path.join(folder, f"{name}_time_to_goal.png"))
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)

    fig, (by_s, by_steps) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for group in order:
        runs = [r for r in rows if group_of(r) == group]
        for ax, index, cap in ((by_s, 0, study.cap_s), (by_steps, 1, None)):
            done = np.sort([at_cap(r, study)[index] for r in runs if r["solved"]])
            xs = np.concatenate([done, [cap if cap else (done[-1] if len(done) else 1)]])
            ys = np.concatenate([np.arange(1, len(done) + 1), [len(done)]]) / len(runs)
            ax.step(np.concatenate([[xs[0] if len(done) else 1e-3], xs]), np.concatenate([[0], ys]), where="post",
                    color=colors[group], label=label(group, "en").replace("`", ""))
    for ax, xlabel in ((by_s, "training seconds (log)"), (by_steps, "env steps (log)")):
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)
    by_s.set_ylabel("fraction of seeds at the goal")
    by_s.legend(loc="lower right", fontsize="small")
    fig.suptitle(f"{study.env}: performance profiles ({len(record['seeds'])} reporting seeds, goal {study.goal:g})")
    fig.tight_layout()
    paths.append(os.path.join(folder, f"{name}_profiles.png"))
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)
    return paths


def render(check: bool = False) -> int:
    """Write every document's generated blocks and every study's PNGs; with ``check``, only compare."""
    if check:
        stale = differences()
        for item in stale:
            print(f"stale: {item} (python benchmarks/figures.py render)")
        return 1 if stale else 0
    for name in STUDIES:
        record = load(name)
        if record is not None:
            for path in plot(record):
                print(f"wrote {os.path.relpath(path, ROOT)}")
    for document in DOCUMENTS:
        text, made = rendered(document)
        if made != text:
            with open(os.path.join(ROOT, document), "w", encoding="utf-8") as f:
                f.write(made)
            print(f"updated {document}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("measure", help="re-measure a study and write its results file")
    m.add_argument("study", choices=sorted(STUDIES))
    m.add_argument("--cpus", type=int, default=0, help="local Ray: runs side by side (default: every CPU)")
    m.add_argument("--address", default=None, help="a Ray cluster to run on (auto, or ray://HEAD:10001)")
    m.add_argument("--seeds", nargs="+", type=int, default=None, help="fewer seeds, for a trial of the command")
    m.add_argument("--out", default="", help="the results file (default benchmarks/results/STUDY.json)")
    r = commands.add_parser("render", help="tables and plots from the results files")
    r.add_argument("--check", action="store_true", help="compare only: exit 1 where a table is stale")
    args = parser.parse_args()
    if args.command == "render":
        raise SystemExit(render(args.check))
    try:
        import ray.tune  # noqa: F401
    except ImportError:
        raise SystemExit("error: Ray Tune is not installed: pip install -r requirements-ray.txt") from None
    if STUDIES[args.study].peers:
        from benchmarks.sb3_peer import available

        if not available():
            raise SystemExit("error: the peer needs stable-baselines3: pip install -r requirements-peer.txt")
    path = measure(STUDIES[args.study], args.cpus, args.address, args.seeds, args.out or None)
    print(f"wrote {os.path.relpath(path, ROOT)}; now: python benchmarks/figures.py render")


if __name__ == "__main__":
    main()
