"""Nothing lost, nothing cryptic: Ctrl-C, resume, bad input, recordings (what a checkpoint holds: test_checkpoint.py)."""
from __future__ import annotations

import math
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT
from fn_framework import Trainer
from fn_framework.run.checkpoint import load_checkpoint


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The run failed with exactly one ``error:`` line and no traceback; return it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_nan_loss_stops_the_loop():
    trainer = Trainer.__new__(Trainer)
    trainer.diverged, trainer.stop_reason = False, ""
    assert trainer.check_loss(0.5) and not trainer.stop_requested
    assert not trainer.check_loss(math.nan)
    assert trainer.diverged and trainer.stop_requested
    assert not trainer.check_loss(math.inf)


def test_ctrl_c_saves_and_resume_continues(tmp_path):
    command = [sys.executable, str(ROOT / "scripts" / "value_function_agent.py"),
               "--episodes", "400", "--seed", "1", "--log-dir", str(tmp_path)]
    monitor = tmp_path / "value_function" / "monitor.csv"
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while time.time() < deadline:  # wait until training has begun (buffer of 1024 full)
        if monitor.exists() and len(monitor.read_text().splitlines()) > 2 + 60:
            break
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "--resume" in out
    done = len(monitor.read_text().splitlines()) - 2
    assert 60 < done < 400
    assert (tmp_path / "value_function" / "value_function_agent.pkl").is_file()
    assert load_checkpoint(str(tmp_path / "value_function" / "run_state"))["next_episode"] == done

    resumed = subprocess.run(command[:3] + [str(done + 5)] + command[4:] + ["--resume"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming after episode {done}" in resumed.stdout
    assert len(monitor.read_text().splitlines()) - 2 == done + 5


def test_play_records_a_gif(tmp_path, script):
    from PIL import Image

    assert script("value_function_agent.py", "--episodes", "50", "--seed", "2",
                  "--log-dir", str(tmp_path)).returncode == 0
    gif = tmp_path / "clip.gif"
    play = script("value_function_agent.py", "--play", "--log-dir", str(tmp_path), "--record", str(gif))
    assert play.returncode == 0, play.stderr
    steps = sum(float(line.split()[2].rstrip(".")) for line in play.stdout.splitlines()
                if line.startswith("Get reward"))
    with Image.open(gif) as image:
        assert image.size == (600, 400) and image.is_animated
        # Pillow merges identical consecutive frames, so at most one frame per step.
        assert 10 <= image.n_frames <= steps


def test_bad_inputs_give_one_line(tmp_path, script):
    folder = tmp_path / "value_function"
    folder.mkdir()
    (folder / "value_function_agent.pkl").write_bytes(b"\x80\x04garbage")
    line = one_error_line(script("value_function_agent.py", "--play", "--log-dir", str(tmp_path)))
    assert "cannot read the model file" in line

    line = one_error_line(script("value_function_agent.py", "--env", "NoSuchEnv-v9", "--log-dir", str(tmp_path)))
    assert "unknown environment id 'NoSuchEnv-v9'" in line

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    line = one_error_line(script("value_function_agent.py", "--log-dir", str(blocked / "logs")))
    assert f"{blocked} is a file, not a folder" in line  # refused before anything runs

    # --resume where no checkpoint was written yet (a run killed in its first seconds): the run starts over.
    started = script("value_function_agent.py", "--resume", "--episodes", "2", "--log-dir", str(tmp_path / "empty"))
    assert started.returncode == 0 and "No checkpoint in" in started.stdout and "starting the run from its beginning" in started.stdout
    assert len((tmp_path / "empty" / "value_function" / "monitor.csv").read_text().splitlines()) == 2 + 2


def test_model_for_another_environment_is_refused(tmp_path, script):
    assert script("value_function_agent.py", "--episodes", "60", "--seed", "3", "--log-dir", str(tmp_path)).returncode == 0
    line = one_error_line(script("value_function_agent.py", "--play", "--env", "Acrobot-v1",
                                 "--log-dir", str(tmp_path)))
    assert "trained for 4 state features and 2 actions" in line


# --- every script --------------------------------------------------------------------------

def _monitor_rows(path) -> int:
    return len(path.read_text().splitlines()) - 2 if path.exists() else 0


def test_dqn_ctrl_c_keeps_a_loadable_model_and_resume_continues_epsilon(tmp_path):
    import keras

    command = [sys.executable, str(ROOT / "scripts" / "dqn_agent.py"), "--test", "--episodes", "400",
               "--seed", "1", "--log-dir", str(tmp_path)]
    folder = tmp_path / "dqn_test"
    monitor = folder / "monitor.csv"
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and _monitor_rows(monitor) < 205:  # warm-up: 200 episodes
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "--resume" in out
    done = _monitor_rows(monitor)
    assert 205 <= done < 400
    model = keras.models.load_model(folder / "dqn_agent_test.keras", compile=False)
    assert model.output_shape == (None, 2)
    saved = load_checkpoint(str(folder / "run_state"))
    epsilon = saved["agent"].epsilon
    assert saved["next_episode"] == done and 0.001 < epsilon < 0.5
    assert len(saved["experiences"]) > 1000  # the replay memory is kept too

    resumed = subprocess.run(command[:4] + [str(done + 3)] + command[5:] + ["--resume"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming after episode {done}" in resumed.stdout
    assert _monitor_rows(monitor) == done + 3
    after = load_checkpoint(str(folder / "run_state"))
    assert after["next_episode"] == done + 3
    assert after["agent"].epsilon < epsilon  # decayed on from where it stopped, not reset to 0.5


def test_dqn_test_mode_same_seed_same_rewards_and_foreign_models_refused(tmp_path, script):
    runs = []
    for name in ("a", "b"):
        result = script("dqn_agent.py", "--test", "--episodes", "60", "--seed", "3",
                        "--log-dir", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        rows = (tmp_path / name / "dqn_test" / "monitor.csv").read_text().splitlines()[2:]
        runs.append([row.rsplit(",", 1)[0] for row in rows])
    assert runs[0] == runs[1] and len(runs[0]) == 60

    model = str(tmp_path / "a" / "dqn_test" / "dqn_agent_test.keras")
    line = one_error_line(script("dqn_agent.py", "--test", "--play", "--model", model, "--env", "Acrobot-v1"))
    assert "expects observations of shape (1, 4), but this environment gives (1, 6)" in line
    line = one_error_line(script("a2c_agent.py", "--test", "--play", "--model", model, "--env", "CartPole-v1",
                                 "--log-dir", str(tmp_path)))
    assert "was trained by another agent (DeepQNetworkConfig, not ActorCriticConfig)" in line


@pytest.mark.parametrize("name, flags", [
    ("dqn_agent.py", ["--test"]),
    ("a2c_agent.py", ["--test"]),
    ("policy_gradient_agent.py", []),
])
def test_damaged_model_files_and_unknown_envs_give_one_line(name, flags, tmp_path, script):
    damaged = tmp_path / "model.keras"
    damaged.write_bytes(b"PK\x03\x04 truncated")
    line = one_error_line(script(name, *flags, "--play", "--model", str(damaged)))
    assert "cannot read the model file" in line and str(damaged) in line
    line = one_error_line(script(name, *flags, "--env", "Nope-v3", "--log-dir", str(tmp_path)))
    assert "unknown environment id 'Nope-v3'" in line


def test_catcher_play_records_a_gif(tmp_path, script):
    from PIL import Image

    train = script("dqn_agent.py", "--episodes", "2", "--seed", "1", "--log-dir", str(tmp_path))
    assert train.returncode == 0, train.stderr
    gif = tmp_path / "catcher.gif"
    play = script("dqn_agent.py", "--play", "--episodes", "1", "--log-dir", str(tmp_path), "--record", str(gif))
    assert play.returncode == 0, play.stderr
    with Image.open(gif) as image:
        assert image.size == (256, 256) and image.is_animated  # 64x64 frames enlarged 4x
        assert image.n_frames >= 20
        image.seek(image.n_frames // 2)
        frame = np.asarray(image.convert("RGB"))
        assert (frame == 255).all(axis=-1).any()  # the white paddle is drawn


@pytest.mark.parametrize("flags, expected", [
    (["--gamma", "1.5"], "argument --gamma: must be between 0 and 1, got 1.5"),
    (["--epsilon", "1.2"], "argument --epsilon: must be between 0 and 1, got 1.2"),
    (["--log-dir", "/proc/no-such-folder"], "cannot create the run folder /proc/no-such-folder/value_function"),
])
def test_settings_no_run_can_use_are_one_line(flags, expected, tmp_path, script):
    args = flags if "--log-dir" in flags else [*flags, "--log-dir", str(tmp_path)]
    assert expected in one_error_line(script("value_function_agent.py", *args))


@pytest.mark.parametrize("flags, expected", [
    (["--max-episode-steps", "-1"], "argument --max-episode-steps: must be 0 (off) or more, got -1"),
    (["--minutes", "-1"], "argument --minutes: must be at least 0, got -1"),
])
def test_negative_numbers_are_refused_by_argparse(flags, expected, tmp_path, script):
    result = script("value_function_agent.py", *flags, "--log-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and expected in result.stderr


@pytest.mark.parametrize("how", ["stdout into head -1", "stderr closed", "an ascii terminal and a Japanese path"])
def test_a_broken_or_closed_stream_never_costs_the_run(how, tmp_path):
    """``| head -1``, ``2>&-`` and ``PYTHONIOENCODING=ascii``: the run completes and saves everything, quietly."""
    logs = tmp_path / ("日本語" if "Japanese" in how else "logs")
    run = f"{sys.executable} scripts/policy_gradient_agent.py --episodes 30 --seed 1 --log-dir '{logs}'"
    shell = {"stdout into head -1": f"{run} | head -1; exit ${{PIPESTATUS[0]}}",
             "stderr closed": f"{run} 2>&-",
             "an ascii terminal and a Japanese path": f"PYTHONIOENCODING=ascii {run}"}[how]
    result = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr[-2000:]
    folder = logs / "policy_gradient"
    for name in ("policy_gradient_agent.keras", "rewards.png", "run_state/state.pkl"):
        assert (folder / name).exists(), name
    assert len((folder / "monitor.csv").read_text().splitlines()) == 2 + 30
    if "head" in how:
        assert len(result.stdout.splitlines()) == 1


def test_empty_names_are_refused_before_anything_runs(tmp_path, script):
    """``--plot-model ""`` used to start a training run and exit 0; ``--record ""`` was ignored."""
    line = one_error_line(script("dqn_agent.py", "--plot-model", "", "--log-dir", str(tmp_path)))
    assert "--plot-model writes .png, .svg, .pdf files, not ''" in line
    result = script("dqn_agent.py", "--play", "--record", "", "--log-dir", str(tmp_path))
    assert one_error_line(result).startswith("error: cannot record to '': use a .gif or .mp4")
    assert result.stdout == "" and not (tmp_path / "dqn").exists()  # nothing played, nothing written


def test_a_save_cut_short_by_a_kill_leaves_no_temporary_file_behind(tmp_path, script):
    logs = ["--log-dir", str(tmp_path), "--seed", "1"]
    assert script("policy_gradient_agent.py", "--episodes", "5", *logs).returncode == 0
    folder = tmp_path / "policy_gradient"
    torn = [folder / ".policy_gradient_agent.k3j2.tmp.keras", folder / "run_state" / ".state.x81q.tmp.pkl"]
    for path in torn:  # what atomic_path leaves when the process is killed mid-save
        path.write_bytes(b"half a file")
    assert script("policy_gradient_agent.py", "--episodes", "7", "--resume", *logs).returncode == 0
    assert not any(path.exists() for path in torn)
    assert len((folder / "monitor.csv").read_text().splitlines()) == 2 + 7


@pytest.mark.parametrize("flag", ["--n-envs", "--buffer-size", "--gradient-steps", "--steps"])
def test_an_integer_beyond_any_machine_is_one_line_before_anything_runs(flag, tmp_path, script):
    """A 21-digit count was an OverflowError traceback or a hang that ignored SIGTERM."""
    result = script("dqn_agent.py", "--test", flag, "123456789012345678901", "--log-dir", str(tmp_path))
    line = one_error_line(result)
    assert "must be at most 2147483647 (2**31 - 1), got 123456789012345678901" in line
    assert not (tmp_path / "dqn_test").exists()
