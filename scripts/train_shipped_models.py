"""Retrain the agents shipped in ``models/`` reproducibly, score them, and write ``models/README.md``.

    python scripts/train_shipped_models.py              # all of them (models/README.md: minutes each)
    python scripts/train_shipped_models.py --only dqn   # one run name

Each agent is trained by its own script with a fixed preset, seed and budget into a
temporary run folder; its model and ``config.json`` are copied to ``models/<run>/``, where
``--play`` finds them (``--shipped``, or when no model of your own is trained yet). Each is
then scored by ``--play --greedy`` (Catcher per 2000-step episode) and the table of preset,
seed, env steps, minutes and score is written to ``models/README.md``, README.md and, with Japanese
headers and each model's environment, README.ja.md (``table``: the test compares them with it).
"""
from __future__ import annotations

import argparse
import json
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
    "ppo_test": ("ppo_agent.py", ["--test", "--preset", "zoo", "--learning-rate", "0.004", "--vf-coef", "0.1"], 1, ["--test", "--episodes", "10"],
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


#: README.md and README.ja.md show the table between these lines (``write_table`` keeps all three copies).
BEGIN, END = "<!-- shipped-models: begin -->", "<!-- shipped-models: end -->"
#: The table's header, per language: the Japanese one adds each model's environment (its config.json's ``env``).
HEAD = {
    "en": ["| run | trained with | env steps | minutes | scored with | score |",
           "| --- | --- | --- | --- | --- | --- |"],
    "ja": ["| 実行 | 環境 | 学習のコマンド | 環境のステップ数 | 学習時間（分） | スコアを測ったフラグ | スコア |",
           "| --- | --- | --- | --- | --- | --- | --- |"],
}
ROW = re.compile(r"^\| `(?P<run>[^`]+)` \| `(?P<command>[^`]+)` \| (?P<env_steps>\d+) \| (?P<minutes>[\d.]+) \| "
                 r"`--play --greedy (?P<play>[^`]+)` \| (?P<score>-?[\d.]+) \|$")


def read_rows(path: str = "") -> dict[str, dict]:
    """The rows of ``models/README.md`` (the metadata of every shipped run), as ``train`` returns them."""
    path = path or os.path.join(MODELS, "README.md")
    rows = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                m = ROW.match(line)
                if m:
                    rows[m["run"]] = {**m.groupdict(), "env_steps": int(m["env_steps"]),
                                      "minutes": float(m["minutes"]), "score": float(m["score"])}
                elif line.startswith("| `"):  # a row this script did not write: never drop it silently
                    raise SystemExit(f"error: cannot read this row of {path}: {line}")
    return rows


def environment(run_name: str) -> str:
    """The environment the shipped model was trained on: ``env`` in ``models/<run>/config.json``."""
    with open(os.path.join(MODELS, run_name, "config.json"), encoding="utf-8") as f:
        return json.load(f)["env"]


def table(rows: dict[str, dict], language: str = "en") -> list[str]:
    """The markdown table of ``rows`` (run -> ``train``'s result), in English or Japanese, sorted by run."""
    lines = list(HEAD[language])
    for run_name in sorted(rows):
        r = rows[run_name]
        cells = [f"`{r['run']}`", f"`{r['command']}`", str(r["env_steps"]), str(r["minutes"]),
                 f"`--play --greedy {r['play']}`", f"{r['score']:g}"]
        if language == "ja":
            cells.insert(1, environment(run_name))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def replace_block(path: str, lines: list[str]) -> None:
    """Put ``lines`` between ``BEGIN`` and ``END`` in the document at ``path``."""
    with open(path, encoding="utf-8") as f:
        before, rest = f.read().split(BEGIN)
    with open(path, "w", encoding="utf-8") as f:
        f.write(before + BEGIN + "\n" + "\n".join(lines) + "\n" + END + rest.split(END)[1])


def write_table(results: list[dict]) -> str:
    """Update the rows of ``results`` in ``models/README.md`` and in README.md's and README.ja.md's tables."""
    path = os.path.join(MODELS, "README.md")
    rows = read_rows(path)
    rows.update({r["run"]: r for r in results})
    text = "\n".join([
        "# Trained agents shipped with the repository",
        "",
        "`--play` plays these when you have not trained a model yet (or with `--shipped`); "
        "`python scripts/train_shipped_models.py` retrains and scores them (this table is its output: minutes of "
        "training on a 2-core CPU, score = mean return of the greedy play).",
        "",
        *table(rows, "en"),
        "",
    ])
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    replace_block(os.path.join(ROOT, "README.md"), table(rows, "en"))
    replace_block(os.path.join(ROOT, "README.ja.md"), table(rows, "ja"))
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
