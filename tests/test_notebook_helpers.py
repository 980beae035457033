"""notebooks/helpers.py: what the notebooks share (they run it top to bottom in tests/test_notebooks.py)."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from fn_framework.logger import MonitorFile, read_monitor  # noqa: E402
from notebooks.helpers import plot_curve, run  # noqa: E402


def test_run_prints_lines_as_they_come_without_tensorflows_noise_and_raises_on_failure(capsys) -> None:
    run("-c", "print('step 1'); print('I0000 00:00 cpu_feature_guard'); "
               "print('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR'); "
               "print('step 2')")
    assert capsys.readouterr().out.splitlines() == ["step 1", "step 2"]
    with pytest.raises(RuntimeError, match=r"exit 3\): python -c .*\nlast words"):
        run("-c", "import sys; print('last words'); sys.exit(3)")


def test_plot_curve_reads_the_runs_monitor_csv(tmp_path) -> None:
    folder = tmp_path / "dqn"
    folder.mkdir()
    monitor = MonitorFile(str(folder / "monitor.csv"), "Catcher-v0")
    for episode_return, length in [(-3.0, 120), (1.5, 300), (54.0, 2000)]:
        monitor.write(episode_return, length)
    monitor.close()
    with open(folder / "monitor.csv", "a") as f:
        f.write("a torn row\n")
    returns, lengths, seconds = read_monitor(str(folder / "monitor.csv"))
    np.testing.assert_array_equal(returns, [-3.0, 1.5, 54.0])
    assert list(np.cumsum(lengths)) == [120, 420, 2420] and len(seconds) == 3 and returns.dtype == np.float32
    path = plot_curve(str(folder), "dqn")
    assert path == str(tmp_path / "dqn_curve.png") and (tmp_path / "dqn_curve.png").stat().st_size > 1000
