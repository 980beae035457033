"""The book's own settings (``--preset book``, the scripts' default) learn CartPole as the book says they do.

Each script trains with its book preset and a fixed seed, as a reader runs it; monitor.csv's first and last
50 episodes must show the improvement. A random policy averages about 22 on CartPole. Over ten seeds the
book's policy gradient reaches a last-50 mean of 9-151 (median 89; book_reference.py's transcription of the
book's code: 18-161, median 92) and A2C's test mode 31-54 (the book's code 28-39): benchmarks/README.md,
"The book's settings on CartPole". Round 1's 192 came from tuned settings, which are the ``modern`` and
``tuned`` presets now. These seeds are ones that learn: what is tested is that the book's settings still
learn at all, a regression that went unnoticed once. The value function's is tests/test_value_function.py's.
"""
from __future__ import annotations

import csv

import numpy as np
import pytest

#: script, its flags, the seed, the run folder, and the least last-50 mean and gain over the first 50
CASES = {
    "policy_gradient": ("policy_gradient_agent.py", [], 4, "policy_gradient", 60.0, 2.5),
    "a2c_test": ("a2c_agent.py", ["--test"], 2, "a2c_test", 40.0, 1.7),
    # The book's 1200 episodes take 3 minutes; its epsilon schedule is kept and the run cut at 25 000 steps
    # (about episode 350: the full run averaged 160 over episodes 300-400).
    "dqn_test": ("dqn_agent.py", ["--test", "--steps", "25000"], 1, "dqn_test", 80.0, 3.0),
}


def rewards(path) -> np.ndarray:
    with open(path, encoding="utf-8") as f:
        return np.array([float(row["r"]) for row in csv.DictReader(line for line in f if not line.startswith("#"))])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_book_preset_improves_on_cartpole(name, script, tmp_path):
    file_name, flags, seed, folder, least, gain = CASES[name]
    result = script(file_name, *flags, "--seed", str(seed), "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    log = rewards(tmp_path / folder / "monitor.csv")
    first, last = log[:50].mean(), log[-50:].mean()
    assert first < 30, first  # random play, then the first updates
    assert last >= least and last >= gain * first, (first, last)
