"""TensorBoard as a user reads it: every episode of every copy is a point, the model table is whole."""
from __future__ import annotations

import csv

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util.tensor_util import make_ndarray


def events(folder):
    return EventAccumulator(str(folder), size_guidance={"tensors": 0}).Reload()


def monitor_rows(folder):
    with open(folder / "monitor.csv", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_every_episode_of_every_copy_is_a_point_and_the_model_table_is_whole(script, tmp_path):
    # Four CartPole copies: in random play several end in the same vector step, which shared one step before.
    result = script("a2c_agent.py", "--test", "--n-envs", "4", "--episodes", "60", "--seed", "1",
                    "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    folder = tmp_path / "a2c_test"
    rows, log = monitor_rows(folder), events(folder)
    rewards = log.Tensors("reward")
    assert len(rows) == 60 and len(rewards) == len(rows)
    assert len({e.step for e in rewards}) == len(rewards)  # no two episodes share a step
    assert sorted(float(r["r"]) for r in rows) == sorted(float(make_ndarray(e.tensor_proto)) for e in rewards)
    assert [e.step for e in log.Tensors("stats/reward_max")] == sorted({e.step for e in log.Tensors("stats/reward_max")})
    table = log.Tensors("model")[0].tensor_proto.string_val[0].decode()
    assert "Param #" in table and "Total params: " in table
    assert "critic (Dense)" in table and table.splitlines()[2].rstrip().endswith("Param #")


def test_a_run_stopped_before_training_begins_says_so(script, tmp_path):
    result = script("dqn_agent.py", "--test", "--steps", "50", "--seed", "0", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("Training had not begun after 50 env steps and 2 episodes (it begins after initial_count=200 episodes "
            "or when buffer_size=50000 experiences are collected): no model was saved, and TensorBoard has no model "
            "or observed frames.") in result.stdout
