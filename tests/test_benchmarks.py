"""Smoke tests of the learning benchmarks: tiny caps, the final JSON line and its keys.

They prove the entry points and the protocol work (not that anything learns); stable-baselines3
is not needed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agents.presets import TABLE
from benchmarks.harness import Protocol
from tests.conftest import ROOT


def run_benchmark(name: str, *args: str, env: dict | None = None) -> dict:
    env = dict(env or os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
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
    reasons = [protocol.tick() for _ in range(10)]
    assert reasons == [""] * 5 + ["solved"] * 5 and protocol.solved_at[0] == 6 and protocol.steps == 6
    assert [p["env_steps"] for p in protocol.curve] == [3, 6]


def test_protocol_stops_at_the_cap_with_a_last_evaluation():
    protocol = Protocol(lambda: 1.0, eval_every_s=1e9, cap_steps=5, final_eval=True)
    reasons = [protocol.tick() for _ in range(10)]
    assert reasons == [""] * 4 + ["cap"] * 6 and [p["env_steps"] for p in protocol.curve] == [1, 5]


def test_protocol_counts_a_vector_step_of_several_copies_once():
    protocol = Protocol(lambda: 1.0, eval_every_steps=5, cap_steps=24)
    reasons = [protocol.tick(4) for _ in range(7)]
    assert reasons == [""] * 5 + ["cap"] * 2 and protocol.steps == 24  # no steps counted after the stop
    assert [p["env_steps"] for p in protocol.curve] == [8, 12, 16, 20]  # each multiple of 5 passed, once


@pytest.mark.parametrize("run_name", sorted(TABLE))
def test_every_preset_is_a_config_of_its_trainer_and_best_resolves(run_name):
    from fn_framework.run.registry import trainer_class

    presets, best, notes = TABLE[run_name]
    assert "book" in presets and best in presets
    for name, config in presets.items():
        assert isinstance(config, trainer_class(config).config_class), (run_name, name)
        assert isinstance(config, type(presets["book"])), (run_name, name)
        assert name == "book" or notes[name], (run_name, name)  # every change from the book says why


def test_bench_config_runs_the_test_modes_on_cartpole_with_unlimited_episodes():
    from benchmarks.settings import UNLIMITED_EPISODES, bench_config

    assert bench_config("dqn", "cartpole", "best")[:2] == ("dqn_test", "fast")
    run_name, name, config = bench_config("a2c", "cartpole", "book")
    assert (run_name, config.test_mode, config.episodes, config.keep_best) == ("a2c_test", True, UNLIMITED_EPISODES, False)
    _, _, book_dqn = bench_config("dqn", "catcher", "book")
    assert book_dqn.episodes == 1200  # epsilon decays over the episodes: the count stays


def test_book_reference_runs_the_books_logic_and_reports_per_seed():
    pg = run_benchmark("book_reference.py", "--agent", "pg", "--seeds", "1", "--episodes", "30")
    a2c = run_benchmark("book_reference.py", "--agent", "a2c_test", "--seeds", "1", "--episodes", "30",
                        "--per-sample-advantage")
    for out in (pg, a2c):
        assert out["seeds"] == [1] and set(out["mean"]) == {"first50", "last50", "play_final", "play_best"}
        assert all(value > 5 for value in out["mean"].values())  # CartPole pays at least ~8 per episode


def test_profile_buckets_a_solve_and_the_shares_add_up():
    out = run_benchmark("profile_run.py", "--agent", "policy_gradient")
    assert out["solved"] and out["steps"] > 0 and out["threads"]["tf_intra_op"] == 1
    assert set(out["share"]) == {"env", "frames", "tensorflow", "numpy", "ours", "other"}
    assert abs(sum(out["share"].values()) - 1.0) < 0.01 and out["share"]["env"] > 0
