"""Smoke tests of the learning benchmarks: tiny caps, the final JSON line and its keys.

They prove the entry points and the protocol work (not that anything learns); stable-baselines3
is not needed.
"""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

from benchmarks import presets
from benchmarks.harness import Protocol, StopRun
from tests.conftest import ROOT


def run_benchmark(name: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cartpole_solve_prints_results_for_every_agent(tmp_path):
    out = run_benchmark(
        "cartpole_solve.py", "--agent", "value_function", "dqn", "policy_gradient", "a2c", "--seeds", "1",
        "--cap-steps", "300", "--eval-every", "100", "--eval-episodes", "1", "--log-dir", str(tmp_path),
    )
    assert [r["agent"] for r in out["results"]] == ["value_function", "dqn", "policy_gradient", "a2c"]
    for row in out["results"]:
        assert {"agent", "preset", "seed", "solved", "steps", "train_s"} <= set(row)
        assert row["solved"] is False and row["stop"] == "cap" and row["steps"] == 300 and row["evals"] == 3
    assert out["peer"] == [] and out["threads"]["tf_intra_op"] == 1


def test_catcher_learn_prints_a_curve_and_writes_the_plot(tmp_path):
    png = tmp_path / "curve.png"
    out = run_benchmark(
        "catcher_learn.py", "--agent", "a2c", "--minutes", "5", "--cap-steps", "40", "--eval-every-s", "1000",
        "--eval-episodes", "1", "--eval-steps", "30", "--png", str(png), "--log-dir", str(tmp_path),
    )
    assert len(out["curve"]) == 2  # at the start and at the cap
    for point in out["curve"]:
        assert {"wall_s", "env_steps", "mean_return"} <= set(point)
    assert out["curve"][-1]["env_steps"] == 40 and png.stat().st_size > 0


def test_protocol_evaluates_by_steps_and_stops_when_solved():
    returns = iter([10.0, 480.0])
    protocol = Protocol(lambda: next(returns), eval_every_steps=3, goal=475.0, cap_steps=100)
    with pytest.raises(StopRun) as stop:
        for _ in range(100):
            protocol.tick()
    assert stop.value.reason == "solved" and protocol.solved_at[0] == 6
    assert [p["env_steps"] for p in protocol.curve] == [3, 6]


def test_protocol_stops_at_the_cap_with_a_last_evaluation():
    protocol = Protocol(lambda: 1.0, eval_every_s=1e9, cap_steps=5, final_eval=True)
    with pytest.raises(StopRun) as stop:
        for _ in range(10):
            protocol.tick()
    assert stop.value.reason == "cap" and [p["env_steps"] for p in protocol.curve] == [1, 5]


@pytest.mark.parametrize("task", sorted(presets.TASKS))
def test_presets_use_only_options_the_trainers_have(task):
    import importlib

    from benchmarks.harness import TRAINERS

    for agent, named in presets.TASKS[task].items():
        module, name = TRAINERS[agent]
        trainer_class = getattr(importlib.import_module(module), name)
        init = inspect.signature(trainer_class.__init__).parameters
        train = inspect.signature(trainer_class.train).parameters
        assert presets.BEST[task][agent] in named
        for preset_name, preset in named.items():
            assert set(preset.trainer) <= set(init), (agent, preset_name)
            assert set(preset.train) <= set(train), (agent, preset_name)
            assert preset_name == "book" or preset.reason, (agent, preset_name)
