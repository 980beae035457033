"""The Ray Tune runner: a 2-trial local sweep gives the sequential benchmark's per-seed results."""
from __future__ import annotations

import pytest

from tests.test_benchmarks import run_benchmark

pytest.importorskip("ray.tune", reason="Ray Tune is optional: pip install -r requirements-ray.txt")

ARGS = ["--agent", "policy_gradient", "--preset", "best", "--seeds", "1", "2", "--cap-steps", "3000",
        "--eval-every", "1000", "--eval-episodes", "2"]


def test_a_two_seed_sweep_matches_the_sequential_run(tmp_path):
    swept = run_benchmark("tune_sweep.py", "--task", "cartpole", *ARGS, "--cpus", "2", "--log-dir", str(tmp_path / "ray"))
    sequential = run_benchmark("cartpole_solve.py", *ARGS, "--log-dir", str(tmp_path / "seq"))

    def key(rows):
        return sorted((r["seed"], r["steps"], r["evals"], r["best_eval"]) for r in rows)

    assert len(swept["results"]) == 2 and key(swept["results"]) == key(sequential["results"])
    assert all(r["steps"] == 3000 and r["evals"] == 3 for r in swept["results"])
    assert swept["summary"][0]["runs"] == 2 and swept["wall_s"] > 0


def test_search_spaces_are_read_from_the_command_line():
    from benchmarks.tune_sweep import parse_search

    space = parse_search(["train_freq=choice:2,4", "learning_rate=loguniform:1e-4:1e-3", "double=choice:true,false"])
    assert space["train_freq"].categories == [2, 4] and space["double"].categories == [True, False]
    assert (space["learning_rate"].lower, space["learning_rate"].upper) == (1e-4, 1e-3)
    with pytest.raises(SystemExit):
        parse_search(["gamma=normal:0:1"])
