"""A run killed with SIGKILL at any instant and resumed, as often as it takes, ends as the unbroken run.

Each case trains with ``--seed`` and an env-step budget twice: once unbroken, once killed (``kill -9``)
at seeded random instants and continued with ``--resume`` until it finishes. The two must end with the
same weights and optimizer variables, bit for bit, and the same ``monitor.csv`` episodes (return and
length; the wall-clock column aside). Checkpoints every 300 env steps put the kills between checkpoints.
"""
from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time

import joblib
import pytest

from fn_framework.run.checkpoint import load_checkpoint
from tests.conftest import ROOT

EVERY = ["--checkpoint-steps", "300", "--seed", "7"]
#: name -> (script, flags, run folder): small budgets that still train (updates begin within them).
CASES = {
    "value_function": ("value_function_agent.py", ["--steps", "2500"], "value_function"),
    "dqn_test": ("dqn_agent.py", ["--test", "--steps", "2500", "--initial-count", "5", "--episodes", "200"],
                 "dqn_test"),
    "dqn_test_4_copies": ("dqn_agent.py", ["--test", "--n-envs", "4", "--steps", "3000", "--initial-count", "5",
                                           "--episodes", "300"], "dqn_test"),
    "dqn_catcher": ("dqn_agent.py", ["--steps", "1200", "--initial-count", "2", "--episodes", "40",
                                     "--buffer-size", "2000", "--max-episode-steps", "200"], "dqn"),
    "policy_gradient": ("policy_gradient_agent.py", ["--steps", "3000"], "policy_gradient"),
    "a2c_test": ("a2c_agent.py", ["--test", "--steps", "3000"], "a2c_test"),
    "a2c_catcher": ("a2c_agent.py", ["--steps", "1200", "--max-episode-steps", "200"], "a2c"),
    "ppo_test": ("ppo_agent.py", ["--test", "--preset", "fast", "--steps", "3072"], "ppo_test"),
    "ppo_catcher": ("ppo_agent.py", ["--steps", "1024", "--n-envs", "4", "--n-steps", "64",
                                     "--max-episode-steps", "200"], "ppo"),
    "policy_gradient_continuous": ("policy_gradient_continuous_agent.py", ["--steps", "1200", "--buffer-size", "400"],
                                   "policy_gradient_continuous"),
}


def command(script: str, flags: list[str], log_dir: str, *more: str) -> list[str]:
    return [sys.executable, str(ROOT / "scripts" / script), *flags, *EVERY, "--log-dir", log_dir, *more]


def outcome(folder) -> tuple[str, str, list[tuple[str, str]]]:
    """The final checkpoint's weights and optimizer variables (hashed) and the monitor's episodes."""
    state = load_checkpoint(str(folder / "run_state"))
    rows = [tuple(row.split(",")[:2]) for row in (folder / "monitor.csv").read_text().splitlines()[2:]]
    return joblib.hash(state["agent"].models), joblib.hash(state["agent"].optimizers), rows


def started_training(process: subprocess.Popen, monitor, since: float) -> bool:
    """Wait until the loop has begun (it writes monitor.csv when it starts, a resumed run too); False if it ended."""
    while process.poll() is None:
        if monitor.exists() and monitor.stat().st_mtime >= since:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_run_killed_at_random_instants_resumes_to_the_same_weights(name, tmp_path):
    script, flags, run = CASES[name]
    whole = subprocess.run(command(script, flags, str(tmp_path / "whole")), capture_output=True, text=True,
                           timeout=600, cwd=ROOT)
    assert whole.returncode == 0, whole.stderr[-3000:]
    monitor = tmp_path / "whole" / run / "monitor.csv"
    train_seconds = float(monitor.read_text().splitlines()[-1].split(",")[2])  # the loop's own seconds
    draw = random.Random(name)
    kills, more, outputs = 0, [], []
    for attempt in range(12):
        since = time.time() - 1
        process = subprocess.Popen(command(script, flags, str(tmp_path / "killed"), *more), cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # three kills, and more (up to 8) while none has yet resumed from a checkpoint taken mid-run: on a loaded
        # machine a seeded instant can fall before the first checkpoint every time
        wanted = kills < 3 or (kills < 8 and not any(step > 0 for step in resumed_steps(outputs)))
        if wanted and started_training(process, tmp_path / "killed" / run / "monitor.csv", since):
            try:
                process.wait(timeout=draw.uniform(0.1, 0.8) * train_seconds)  # a seeded instant of its training
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                kills += 1
        out, err = process.communicate(timeout=600)
        outputs.append(out)
        more = ["--resume"]
        if process.returncode == 0:
            break
        assert process.returncode == -signal.SIGKILL, err[-3000:]
    else:
        pytest.fail("the killed run never finished")
    assert kills >= 1 and any(step > 0 for step in resumed_steps(outputs)), outputs  # it went on from mid-run
    assert outcome(tmp_path / "killed" / run) == outcome(tmp_path / "whole" / run)
    # TensorBoard shows what monitor.csv holds: one reward point per episode, the killed runs' extra ones purged
    episodes = len((tmp_path / "killed" / run / "monitor.csv").read_text().splitlines()) - 2
    assert reward_points(tmp_path / "killed" / run) == reward_points(tmp_path / "whole" / run) == episodes


def resumed_steps(outputs: list[str]) -> list[int]:
    """The env steps each ``--resume`` went on from, as the runs printed them."""
    return [int(step) for out in outputs for step in re.findall(r"Resuming after episode \d+ and (\d+) env steps", out)]


def reward_points(folder) -> int:
    """The episodes' reward scalars TensorBoard loads from a run folder (it purges on a resumed writer's START)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0}).Reload()
    return len(events.Scalars("reward"))


@pytest.mark.parametrize("script, flags, run, budget, half, full", [
    ("policy_gradient_agent.py", [], "policy_gradient", "--episodes", "40", "80"),
    # DQN's epsilon decays over the planned episodes (the book's schedule): its budget here is env steps
    ("dqn_agent.py", ["--test", "--n-envs", "4", "--initial-count", "5", "--episodes", "300"], "dqn_test",
     "--steps", "1500", "3000"),
])
def test_a_run_stopped_by_its_budget_and_resumed_with_more_is_the_longer_run(script, flags, run, budget, half, full,
                                                                             tmp_path):
    """The loop's end is a checkpoint too: half the budget, then ``--resume`` with all of it, as all at once.

    The copies whose next episode the first run never began (an episode ended the budget) begin it on
    resuming, with the hooks the longer run called there.
    """
    whole = subprocess.run(command(script, [*flags, budget, full], str(tmp_path / "whole")), cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr[-3000:]
    for more in ([budget, half], [budget, full, "--resume"]):
        part = subprocess.run(command(script, [*flags, *more], str(tmp_path / "parts")), cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert part.returncode == 0, part.stderr[-3000:]
    assert "Resuming after episode" in part.stdout
    assert outcome(tmp_path / "parts" / run) == outcome(tmp_path / "whole" / run)
