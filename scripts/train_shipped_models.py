"""Retrain the agents shipped in ``models/`` reproducibly, score them, and write ``models/README.md``.

    python scripts/train_shipped_models.py              # all of them (models/README.md: minutes each)
    python scripts/train_shipped_models.py --only dqn   # one run name

Each agent is trained by its own script with a fixed preset, seed and budget into a
temporary run folder; its model and ``config.json`` are copied to ``models/<run>/``, where
``--play`` finds them (``--shipped``, or when no model of your own is trained yet). Each is
then scored by ``--play --greedy`` (Catcher per 2000-step episode) and the table of preset,
seed, env steps, minutes and score is written to ``models/README.md`` and README.md.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")

from fn_framework.logger import read_monitor

#: run name -> (script, training flags, seed, play flags, model file)
SHIPPED = {
    "dqn": ("dqn_agent.py", ["--preset", "modern", "--steps", "60000"], 1,
            ["--max-episode-steps", "2000", "--episodes", "3"], "dqn_agent.keras"),
    "dqn_test": ("dqn_agent.py", ["--test"], 1, ["--test", "--episodes", "10"], "dqn_agent_test.keras"),
    "policy_gradient": ("policy_gradient_agent.py", ["--preset", "modern"], 1, ["--episodes", "10"],
                        "policy_gradient_agent.keras"),
    "a2c": ("a2c_agent.py", ["--preset", "fast", "--steps", "300000", "--eval-every", "50000", "--eval-episodes", "2",
                             "--max-episode-steps", "2000"], 1,
            ["--max-episode-steps", "2000", "--episodes", "3"], "a2c_agent.keras"),
    "a2c_test": ("a2c_agent.py", ["--test", "--preset", "tuned"], 1, ["--test", "--episodes", "10"],
                 "a2c_agent_test.keras"),
    "policy_gradient_continuous": ("policy_gradient_continuous_agent.py", ["--preset", "ddpg"], 1,
                                   ["--episodes", "10"], "policy_gradient_continuous_agent.keras"),
    "ppo": ("ppo_agent.py", ["--preset", "fast", "--steps", "100000"], 1,
            ["--max-episode-steps", "2000", "--episodes", "3"], "ppo_agent.keras"),
    "ppo_test": ("ppo_agent.py", ["--test", "--preset", "fast"], 1, ["--test", "--episodes", "10"],
                 "ppo_agent_test.keras"),
}


def run(script: str, *flags: str) -> str:
    done = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script), *flags],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"error: {script} {' '.join(flags)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def train(run_name: str) -> dict:
    script, flags, seed, play_flags, model_file = SHIPPED[run_name]
    with tempfile.TemporaryDirectory(prefix="shipped_") as logs:
        print(f"{run_name}: python scripts/{script} {' '.join(flags)} --seed {seed}", flush=True)
        run(script, *flags, "--seed", str(seed), "--log-dir", logs)
        folder = os.path.join(logs, run_name)
        _, lengths, seconds = read_monitor(os.path.join(folder, "monitor.csv"))
        target = os.path.join(MODELS, run_name)
        os.makedirs(target, exist_ok=True)
        for name in (model_file, "config.json"):
            shutil.copyfile(os.path.join(folder, name), os.path.join(target, name))
    played = run(script, "--play", "--shipped", "--greedy", "--seed", str(seed), *play_flags)
    score = float(re.search(r"Average reward over \d+ episodes: (-?[\d.]+)", played).group(1))
    return {"run": run_name, "command": f"python scripts/{script} {' '.join(flags)} --seed {seed}",
            "env_steps": int(lengths.sum()), "minutes": round(float(seconds[-1]) / 60, 1),
            "play": " ".join(play_flags), "score": score}


#: README.md shows the same table between these lines (``write_table`` keeps both).
BEGIN, END = "<!-- shipped-models: begin -->", "<!-- shipped-models: end -->"


def write_table(results: list[dict]) -> str:
    """Update the rows of ``results`` in ``models/README.md`` and in README.md's copy of the table."""
    path = os.path.join(MODELS, "README.md")
    old = open(path).read().splitlines() if os.path.exists(path) else []
    rows = {line.split("|")[1].strip().strip("`"): line for line in old if line.startswith("| `")}
    for r in results:
        rows[r["run"]] = (f"| `{r['run']}` | `{r['command']}` | {r['env_steps']} | {r['minutes']} | "
                          f"`--play --greedy {r['play']}` | {r['score']:g} |")
    table = ["| run | trained with | env steps | minutes | scored with | score |",
             "| --- | --- | --- | --- | --- | --- |", *[rows[k] for k in sorted(rows)]]
    text = "\n".join([
        "# Trained agents shipped with the repository",
        "",
        "`--play` plays these when you have not trained a model yet (or with `--shipped`); "
        "`python scripts/train_shipped_models.py` retrains and scores them (this table is its output: minutes of "
        "training on a 2-core CPU, score = mean return of the greedy play).",
        "",
        *table,
        "",
    ])
    with open(path, "w") as f:
        f.write(text)
    readme = os.path.join(ROOT, "README.md")
    before, rest = open(readme).read().split(BEGIN)
    with open(readme, "w") as f:
        f.write(before + BEGIN + "\n" + "\n".join(table) + "\n" + END + rest.split(END)[1])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SHIPPED), default=sorted(SHIPPED))
    args = parser.parse_args()
    results = []
    for run_name in args.only:
        results.append(train(run_name))
        print(results[-1], flush=True)
    print(f"Wrote {write_table(results)}")


if __name__ == "__main__":
    main()
