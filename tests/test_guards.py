"""Faults checked before a run spends time, resumes that never write a row twice, Ctrl-C while playing."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

from tests.conftest import ROOT
from tests.test_robustness import one_error_line


def test_bad_model_paths_are_refused_before_training(script, tmp_path):
    line = one_error_line(script("value_function_agent.py", "--model", str(tmp_path / "model.txt"), "--log-dir", str(tmp_path)))
    assert "cannot save a model to" in line and ".keras" in line
    (tmp_path / "folder.keras").mkdir()
    line = one_error_line(script("policy_gradient_agent.py", "--model", str(tmp_path / "folder.keras"), "--log-dir", str(tmp_path)))
    assert "it is a folder" in line
    assert not (tmp_path / "policy_gradient" / "monitor.csv").exists()  # nothing was trained


def test_render_without_a_display_is_one_line(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "value_function_agent.py"), "--render",
                             "--log-dir", str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert "--render needs a display" in one_error_line(result)


def test_observations_the_agent_cannot_read_are_one_line(script, tmp_path):
    line = one_error_line(script("dqn_agent.py", "--env", "CartPole-v1", "--log-dir", str(tmp_path)))
    assert "this CNN agent needs RGB frames" in line and "--test" in line
    line = one_error_line(script("value_function_agent.py", "--env", "FrozenLake-v1", "--log-dir", str(tmp_path)))
    assert "FrozenLake-v1 gives Discrete(16) observations" in line


def test_resume_refuses_another_agents_checkpoint_and_never_writes_a_row_twice(script, tmp_path):
    assert script("value_function_agent.py", "--episodes", "40", "--seed", "1", "--log-dir", str(tmp_path)).returncode == 0
    folder = tmp_path / "value_function"
    monitor = folder / "monitor.csv"
    with open(monitor, "a") as f:  # a crash after the checkpoint: rows of episodes the resume plays again
        f.write("9.0,9,1.0\n9.0,9,1.1\n")
    resumed = script("value_function_agent.py", "--episodes", "45", "--resume", "--log-dir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(monitor.read_text().splitlines()) == 2 + 45

    monitor.write_text("garbage\x00\n1.0,x,2\n")  # a damaged monitor.csv does not stop a resume
    again = script("value_function_agent.py", "--episodes", "47", "--resume", "--log-dir", str(tmp_path))
    assert again.returncode == 0, again.stderr[-2000:]
    assert monitor.read_text().splitlines()[1] == "r,l,t" and len(monitor.read_text().splitlines()) == 2 + 2

    shutil.copytree(folder / "run_state", tmp_path / "policy_gradient" / "run_state")
    line = one_error_line(script("policy_gradient_agent.py", "--resume", "--log-dir", str(tmp_path)))
    assert "written by ValueFunctionTrainer, not PolicyGradientTrainer" in line


def test_ctrl_c_while_playing_keeps_the_clip(script, tmp_path):
    from PIL import Image

    assert script("value_function_agent.py", "--episodes", "50", "--seed", "2", "--log-dir", str(tmp_path)).returncode == 0
    gif = tmp_path / "clip.gif"
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "value_function_agent.py"), "--play",
                                "--episodes", "100000", "--log-dir", str(tmp_path), "--record", str(gif)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    first = process.stdout.readline()  # the first played episode: playing is under way
    assert "Get reward" in first
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "Recorded" in out
    with Image.open(gif) as image:
        assert image.n_frames > 1
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".clip")]  # no temporary file left
