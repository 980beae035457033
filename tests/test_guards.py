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


def _reward_steps(folder) -> list[int]:  # type: ignore[no-untyped-def]
    """The steps of the ``reward`` scalar in the run's event files, as TensorBoard reads them (a resume's purge too)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    return [e.step for e in events.Scalars("reward")] if "reward" in events.Tags()["scalars"] else []


def test_resume_refuses_another_agents_checkpoint_and_never_writes_a_row_twice(script, tmp_path):
    assert script("value_function_agent.py", "--episodes", "40", "--seed", "1", "--log-dir", str(tmp_path)).returncode == 0
    folder = tmp_path / "value_function"
    monitor = folder / "monitor.csv"
    with open(monitor, "a") as f:  # a crash after the checkpoint: rows of episodes the resume plays again
        f.write("9.0,9,1.0\n9.0,9,1.1\n")
    resumed = script("value_function_agent.py", "--episodes", "45", "--resume", "--log-dir", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(monitor.read_text().splitlines()) == 2 + 45

    assert _reward_steps(folder) == sorted(set(_reward_steps(folder))) and len(_reward_steps(folder)) == 45
    state = tmp_path / "state_at_45"
    shutil.copytree(folder / "run_state", state)
    played = script("value_function_agent.py", "--episodes", "50", "--resume", "--log-dir", str(tmp_path))
    assert played.returncode == 0 and len(_reward_steps(folder)) == 50
    shutil.rmtree(folder / "run_state")  # a crash after episode 50's events, before its checkpoint
    shutil.copytree(state, folder / "run_state")
    with open(sorted(folder.glob("events.out.tfevents.*"))[-1], "ab") as f:
        f.write(b"\x10\x00\x00")  # and a record torn in half
    replayed = script("value_function_agent.py", "--episodes", "50", "--resume", "--log-dir", str(tmp_path))
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    steps = _reward_steps(folder)  # TensorBoard's scalars: each episode once, as in monitor.csv
    assert len(steps) == 50 and steps == sorted(set(steps)) and len(monitor.read_text().splitlines()) == 2 + 50

    monitor.write_text("garbage\x00\n1.0,x,2\n")  # a damaged monitor.csv does not stop a resume
    again = script("value_function_agent.py", "--episodes", "52", "--resume", "--log-dir", str(tmp_path))
    assert again.returncode == 0, again.stderr[-2000:]
    assert monitor.read_text().splitlines()[1] == "r,l,t" and len(monitor.read_text().splitlines()) == 2 + 2

    shutil.copytree(folder / "run_state", tmp_path / "policy_gradient" / "run_state")
    line = one_error_line(script("policy_gradient_agent.py", "--resume", "--log-dir", str(tmp_path)))
    assert "written by ValueFunctionTrainer, not PolicyGradientTrainer" in line


def test_ctrl_c_while_playing_keeps_the_clip(script, tmp_path):
    from PIL import Image

    assert script("value_function_agent.py", "--episodes", "50", "--seed", "2", "--log-dir", str(tmp_path)).returncode == 0
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a scheduler's kill
        gif = tmp_path / f"clip{int(sig)}.gif"
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "value_function_agent.py"), "--play",
                                    "--episodes", "100000", "--log-dir", str(tmp_path), "--record", str(gif)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                   env=dict(os.environ, PYTHONUNBUFFERED="1"))
        first = process.stdout.readline()  # the first played episode: playing is under way
        assert "Get reward" in first
        process.send_signal(sig)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 130, err[-2000:]
        assert "Traceback" not in err and "Recorded" in out and "Interrupted: stopping the play." in out
        assert "Stopping after this step" in err  # the handler's line, written straight to fd 2
        played = out.count("Get reward") + 1
        assert f"Average reward over {played} episodes" in out  # every episode printed is counted
        with Image.open(gif) as image:
            assert image.n_frames > 1
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".clip")]  # no temporary file left


def test_resume_lists_changed_settings_and_refuses_structural_ones(script, tmp_path):
    logs = ["--log-dir", str(tmp_path)]
    assert script("value_function_agent.py", "--episodes", "20", "--seed", "1", *logs).returncode == 0
    line = one_error_line(script("value_function_agent.py", "--resume", "--buffer-size", "64", *logs))
    assert "--resume cannot change buffer_size 1024 -> 64" in line and "--fresh" in line
    resumed = script("value_function_agent.py", "--resume", "--episodes", "25", "--gamma", "0.5", *logs)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "settings changed from the checkpoint's run: episodes: 20 -> 25, gamma: 0.9 -> 0.5" in resumed.stdout
    quiet = script("value_function_agent.py", "--resume", "--episodes", "27", *logs)  # the saved settings: 25, 0.5
    assert quiet.returncode == 0 and "episodes: 25 -> 27" in quiet.stdout and "gamma" not in quiet.stdout

    # A test-mode checkpoint put where the Catcher run's goes: the observations differ.
    assert script("a2c_agent.py", "--test", "--episodes", "15", *logs).returncode == 0
    shutil.copytree(tmp_path / "a2c_test" / "run_state", tmp_path / "a2c" / "run_state")
    line = one_error_line(script("a2c_agent.py", "--resume", "--episodes", "30", *logs))
    assert "learned from observations of shape (4,), this run's are (80, 80, 4)" in line
    assert not (tmp_path / "a2c" / "config.json").exists()  # a refused resume writes no settings


def _fill(disk, free_kb: int) -> None:  # type: ignore[no-untyped-def]
    """Leave ``free_kb`` kB free on ``disk``."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    stats = os.statvfs(disk)
    size = stats.f_bavail * stats.f_frsize - free_kb * 1024
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, size))


def test_a_full_disk_is_one_line_and_keeps_the_last_good_run(script, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True,
                             text=True, check=False)
    if mounted.returncode != 0:
        import pytest

        pytest.skip(f"a full disk needs a small tmpfs, and mounting one is not allowed here: {mounted.stderr.strip()}")
    try:
        logs = ["--log-dir", str(disk)]
        assert script("value_function_agent.py", "--episodes", "60", "--seed", "1", *logs).returncode == 0
        folder = disk / "value_function"
        state = (folder / "run_state" / "state.pkl").read_bytes()
        # Full before the run starts; room for the logs but not the model; for the model but not the checkpoint.
        for free_kb in (0, 24, 48):
            _fill(disk, free_kb)
            line = one_error_line(script("value_function_agent.py", "--resume", "--episodes", "70", *logs))
            assert "No space left on device" in line, (free_kb, line)
            assert (folder / "run_state" / "state.pkl").read_bytes() == state  # the last good checkpoint
            leftovers = [p.name for p in folder.rglob("*") if ".tmp" in p.name]
            assert leftovers == [], leftovers  # the empty lock file beside the folder may stay: it refuses nothing
        (disk / "filler").unlink()
        played = script("value_function_agent.py", "--play", "--episodes", "1", *logs)
        assert played.returncode == 0, played.stderr[-2000:]
        resumed = script("value_function_agent.py", "--resume", "--episodes", "70", *logs)
        assert resumed.returncode == 0 and len((folder / "monitor.csv").read_text().splitlines()) == 2 + 70
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# --- the run folder's lock: the kernel's, released however the run ends ----------------------

def _hold_run_folder(folder) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    """Another process that claims ``folder`` as a run does and holds it until killed."""
    code = ("import sys\nfrom fn_framework.run.folders import run_folder\n"
            "with run_folder(sys.argv[1], resume=True, fresh=False):\n"
            "    print('held', flush=True)\n    sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_the_run_folder_lock_refuses_a_live_holder_and_dies_with_it(tmp_path):
    import pytest

    from fn_framework.run.errors import UserError
    from fn_framework.run.folders import lock_path, run_folder

    folder = tmp_path / "logs" / "run"
    holder = _hold_run_folder(folder)
    try:
        for resume, fresh in ((False, False), (True, False), (False, True)):
            with pytest.raises(UserError) as refused:
                with run_folder(str(folder), resume=resume, fresh=fresh):
                    raise AssertionError("claimed a folder another live process holds")
            assert str(refused.value) == (f"another run is writing to {folder} now; wait for it to end, "
                                          "or give this one another --log-dir")
    finally:
        holder.kill()  # SIGKILL: no finally, no atexit; only the kernel can let go of the lock
        holder.wait(timeout=30)
        holder.stdin.close(), holder.stdout.close()  # type: ignore[union-attr]
    assert holder.returncode == -signal.SIGKILL
    assert os.path.exists(lock_path(str(folder)))  # the lock file stays; the lock does not
    claim = ("import sys\nfrom fn_framework.run.errors import UserError\n"
             "from fn_framework.run.folders import run_folder\n"
             "try:\n    with run_folder(sys.argv[1], resume=True, fresh=False):\n        print('claimed')\n"
             "except UserError as error:\n    print(error)\n")
    with run_folder(str(folder), resume=False, fresh=False):  # taken by this process now: refused to another
        assert folder.is_dir()
        other = subprocess.run([sys.executable, "-c", claim, str(folder)], cwd=ROOT, capture_output=True, text=True,
                               timeout=60)
        assert other.stdout.startswith(f"another run is writing to {folder} now"), other.stdout + other.stderr
    other = subprocess.run([sys.executable, "-c", claim, str(folder)], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert other.stdout == "claimed\n", other.stdout + other.stderr  # released on leaving the block


def test_a_second_live_run_is_refused_and_a_run_killed_with_sigkill_refuses_none(script, tmp_path):
    import time

    logs = ["--log-dir", str(tmp_path)]
    folder = tmp_path / "value_function"
    stderr = tmp_path / "first.err"  # a file, not a pipe: a full pipe would stall the run's progress bar
    with open(stderr, "w") as err:
        first = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "value_function_agent.py"), "--episodes",
                                  "100000", *logs], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    try:
        monitor = folder / "monitor.csv"
        deadline = time.time() + 300
        while not (monitor.exists() and len(monitor.read_text().splitlines()) > 2 + 2):  # training, under the lock
            assert first.poll() is None and time.time() < deadline, stderr.read_text()[-2000:]
            time.sleep(0.5)
        for flag in ("--resume", "--fresh"):  # neither continues nor moves aside a run that is alive
            line = one_error_line(script("value_function_agent.py", flag, "--episodes", "5", *logs))
            assert line == (f"error: another run is writing to {folder} now; wait for it to end, "
                            "or give this one another --log-dir"), line
        assert sorted(p.name for p in tmp_path.iterdir()) == [".value_function.lock", "first.err", "value_function"]
        assert first.poll() is None  # the first run went on untouched
    finally:
        first.kill()  # kill -9, as the OOM killer or a container's end would
        first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    rows = len(monitor.read_text().splitlines())
    # Its lock died with it: --fresh moves the killed run aside (the lock file beside it stays) and starts anew.
    fresh = script("value_function_agent.py", "--fresh", "--episodes", "5", *logs)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    [moved] = [p for p in tmp_path.iterdir() if p.name.startswith("value_function.")]
    assert f"Moved the earlier run to {moved}" in fresh.stdout
    assert len((moved / "monitor.csv").read_text().splitlines()) >= rows  # the killed run's rows, kept
    assert len(monitor.read_text().splitlines()) == 2 + 5


def test_a_stale_pid_file_or_a_leftover_lock_file_refuses_no_run(script, tmp_path):
    from fn_framework.run.folders import lock_path

    logs = ["--log-dir", str(tmp_path)]
    folder = tmp_path / "value_function"
    folder.mkdir()
    # The pid files of the earlier lock, naming live processes: this test's, and pid 1 (a container's first).
    (folder / "run.lock").write_text(str(os.getpid()))
    with open(lock_path(str(folder)), "w") as f:
        f.write("1")
    run = script("value_function_agent.py", "--episodes", "5", *logs)
    assert run.returncode == 0, run.stderr[-2000:]
    assert os.path.exists(lock_path(str(folder)))  # left by the run (on Unix): it refuses no later one
    again = script("value_function_agent.py", "--fresh", "--episodes", "7", *logs)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Moved the earlier run to" in again.stdout
    assert len((folder / "monitor.csv").read_text().splitlines()) == 2 + 7
    line = one_error_line(script("value_function_agent.py", "--episodes", "7", *logs))  # still no overwrite unasked
    assert f"{folder} holds a run already" in line and "--resume" in line and "--fresh" in line


def test_sizes_beyond_memory_are_one_line_that_says_what_they_would_need(script, tmp_path):
    line = one_error_line(script("dqn_agent.py", "--preset", "modern", "--buffer-size", "2000000000",
                                 "--log-dir", str(tmp_path)))
    assert line.startswith("error: buffer_size 2000000000 would need") and "TB of memory" in line
    assert "give buffer_size at most" in line
    line = one_error_line(script("ppo_agent.py", "--n-envs", "2000000000", "--log-dir", str(tmp_path)))
    assert line.startswith("error: n_envs 2000000000 would need") and "give n_envs at most" in line
    assert os.listdir(tmp_path) == []  # refused before the run folder was made


def test_the_memory_bound_is_what_the_replay_would_hold():
    import gymnasium as gym
    import pytest

    from agents.presets import get
    from fn_framework.run.cli import check_memory
    from fn_framework.run.errors import UserError

    class Frames:  # DQN modern's observation: 40x40 frames, 4 stacked
        observation_space = gym.spaces.Box(0, 1, (40, 40, 4), "float32")

    _, config = get("dqn", "modern")
    per = 40 * 40 * 4 * 4 / 4 * (1 + 1 / 16) + 2 * 8 * 4 + 13  # a frame once, its ids, action, reward, done
    check_memory(config, Frames(), available=int(config.buffer_size * per) + 1)
    with pytest.raises(UserError, match=f"give buffer_size at most {config.buffer_size - 1}$"):
        check_memory(config, Frames(), available=int(config.buffer_size * per) - 1)
