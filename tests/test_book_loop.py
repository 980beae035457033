"""The book's single env is copy 0 of the one loop (n = 1): its episodes are those of the book's own loop.

``tests/data/book_loop_rows.json`` holds the ``monitor.csv`` rows (return, length) that the book's
episode loop (``Trainer.train_loop`` before the loops were one, commit 77c399b) wrote for each book
preset on seed 3, training included (each run's buffer fills within its episodes). The one loop must
write the same rows: the same actions, the same resets, the same updates at the same steps.

A2C's rows after its random play were recorded again when its sampled action moved from SampleLayer's
TensorFlow random op to the same Gumbel-max draw in NumPy (a checkpoint can keep NumPy's stream, not
the op's): its first 9 episodes, played before training began, are the old loop's rows unchanged.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

GOLDEN = json.loads((ROOT / "tests" / "data" / "book_loop_rows.json").read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_book_preset_writes_the_book_loops_rows(name, tmp_path):
    run = GOLDEN[name]
    result = subprocess.run([sys.executable, *run["command"], "--log-dir", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "begin training" in result.stdout  # the rows cover training, not only random play
    [monitor] = tmp_path.glob("*/monitor.csv")
    rows = [[float(r.split(",")[0]), int(r.split(",")[1])] for r in monitor.read_text().splitlines()[2:]]
    assert rows == run["rows"]  # monitor.csv writes what Python would print: exact
