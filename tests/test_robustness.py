"""Nothing lost, nothing cryptic: checkpoints, resume, Ctrl-C, bad input, recordings."""
from __future__ import annotations

import math
import signal
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np
import pytest

from agents.observers import CartPoleObserver
from agents.value_function import ValueFunctionTrainer
from conftest import ROOT
from fn_framework import Trainer
from fn_framework.checkpoint import agent_state, load_checkpoint, restore_agent, save_checkpoint
from fn_framework.env_setup import seed_everything


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The run failed with exactly one ``error:`` line and no traceback; return it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_checkpoint_restores_the_declared_models_optimizer_and_state(tmp_path):
    import keras
    import tensorflow as tf

    from fn_framework import FNAgent
    from fn_framework.trainer_state import TrainerState, state_from, state_values

    class Holder(FNAgent):
        def __init__(self):
            super().__init__(0.5, [0, 1])
            self.model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            self.optimizer = keras.optimizers.Adam(learning_rate=0.1)
            self.scratch = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])  # not declared: not kept

    source = Holder()
    x = tf.constant(np.ones((4, 3), np.float32))
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(source.model(x) ** 2)
        grads = tape.gradient(loss, source.model.trainable_variables)
        source.optimizer.apply_gradients(zip(grads, source.model.trainable_variables))
    source.epsilon, source.initialized = 0.25, True
    state = agent_state(source)
    assert set(state.models) == {"model"} and set(state.optimizers) == {"optimizer"}

    target = Holder()  # fresh weights, unbuilt optimizer
    scratch = target.scratch.get_weights()
    restore_agent(target, state)
    for a, b in zip(target.model.get_weights(), source.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(target.optimizer.iterations.numpy()) == 3
    for a, b in zip(target.optimizer.variables, source.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    assert target.epsilon == 0.25 and target.initialized
    for a, b in zip(target.scratch.get_weights(), scratch):
        np.testing.assert_array_equal(a, b)

    trainer = ValueFunctionTrainer(log_dir=str(tmp_path))
    trainer.reward_log.append(3.0)  # the book's attribute is the state's field
    trainer.total_steps, trainer.best_score = 12, (3.0,)
    trainer.start_time = 1.5  # a plain attribute: not state
    values = state_values(trainer.state)
    assert set(values) == {f.name for f in __import__("dataclasses").fields(TrainerState)}
    restored = state_from(TrainerState, values)
    assert restored.reward_log == [3.0] and restored.total_steps == 12 and restored.best_score == (3.0,)
    with pytest.raises(ValueError, match="no field start_time"):
        state_from(TrainerState, {**values, "start_time": 1.5})


def test_value_function_resume_continues_the_reward_log(tmp_path):
    env = CartPoleObserver(gym.make("CartPole-v1"))
    seed_everything(5, env)
    first = ValueFunctionTrainer(log_dir=str(tmp_path))
    agent = first.train(env, episode_count=50)
    assert agent.initialized
    save_checkpoint(first, agent)

    second = ValueFunctionTrainer(log_dir=str(tmp_path))
    second.resume_state = load_checkpoint(first.logger.path_of("run_state"))
    resumed = second.train(env, episode_count=60)
    assert second.reward_log[:50] == first.reward_log and len(second.reward_log) == 60
    assert second.training and second.training_count == first.training_count + 10
    states = np.random.default_rng(0).normal(size=(3, 4))
    assert resumed.model.predict(states).shape == (3, 2)
    rows = open(first.logger.path_of("monitor.csv")).read().splitlines()[2:]
    assert len(rows) == 60  # the monitor continues too


def test_resume_keeps_each_trainers_declared_state(tmp_path):
    """The policy gradient's baseline (its recent episodes' returns) goes on after a resume, not from empty."""
    from agents.policy_gradient import PolicyGradientTrainer

    env = CartPoleObserver(gym.make("CartPole-v1"))
    seed_everything(2, env)
    first = PolicyGradientTrainer(log_dir=str(tmp_path), baseline_episodes=5)
    agent = first.train(env, episode_count=30)
    assert agent.initialized and len(first.recent_returns) == 5
    save_checkpoint(first, agent)

    second = PolicyGradientTrainer(log_dir=str(tmp_path), baseline_episodes=5)
    second.resume_state = load_checkpoint(first.logger.path_of("run_state"))
    assert list(second.resume_state["trainer"]) == [f.name for f in __import__("dataclasses").fields(second.State)]
    second.train(env, episode_count=32)
    assert len(second.reward_log) == 32 and len(second.recent_returns) == 5  # a fresh deque would hold 2

    import joblib

    path = tmp_path / "policy_gradient" / "run_state" / "state.pkl"
    old = joblib.load(path)
    old.pop("format")  # the layout before typed states
    joblib.dump(old, path)
    with pytest.raises(Exception, match="older version of this project; start afresh with --fresh"):
        load_checkpoint(str(path.parent))


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

    line = one_error_line(script("value_function_agent.py", "--resume", "--log-dir", str(tmp_path / "empty")))
    assert "no checkpoint" in line


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
