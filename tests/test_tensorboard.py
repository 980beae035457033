"""TensorBoard as a user reads it (TensorBoard's own loader, which honours a resume's purge): every episode of
every copy is a point, the text and images read back, the model's summary is whole, a resume leaves no stale point."""
from __future__ import annotations

import csv
import io

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from fn_framework import Logger


def events(folder):
    return EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0, "images": 0}).Reload()


def text_of(log, name):
    (event,) = log.Tensors(f"{name}/text_summary")
    return event.tensor_proto.string_val[0].decode()


def monitor_rows(folder):
    with open(folder / "monitor.csv", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_scalars_text_and_image_read_back(tmp_path):
    logger = Logger(str(tmp_path), "run")
    logger.plot("Rewards", [1.0, 2.0, 3.0])
    logger.describe("reward", [1.0, 2.0], episode=1)
    assert not list((tmp_path / "run").glob("*tfevents*"))  # no writer, no event file
    for step, value in [(3, 1.5), (5, -2.25), (9, 4.0)]:
        logger.write(step, "reward", value)
    logger.write(9, "stats/epsilon", 0.125)
    logger.write_text("config", "learning_rate = 0.001\n[nested]\n  depth = 2")
    frames = [np.full((6, 5, 4), 0.25 * k, np.float32) for k in range(1, 4)]
    logger.write_image(7, frames)
    logger.flush()

    log = events(tmp_path / "run")
    assert [(e.step, e.value) for e in log.Scalars("reward")] == [(3, 1.5), (5, -2.25), (9, 4.0)]
    assert [(e.step, e.value) for e in log.Scalars("stats/epsilon")] == [(9, 0.125)]
    # One Markdown code block: monospaced in TensorBoard's Text tab.
    assert text_of(log, "config") == "    learning_rate = 0.001\n    [nested]\n      depth = 2"
    (image,) = log.Images("observation")
    # The 3 frames of 6x5 tiled 2 + 1 with 1-pixel mid-gray lines, each frame's last channel scaled to 0..255.
    assert (image.step, image.width, image.height) == (7, 11, 13)
    sheet = np.asarray(Image.open(io.BytesIO(image.encoded_image_string)).convert("L"))
    assert sheet.shape == (13, 11)
    assert (sheet[:6, :5] == 85).all() and (sheet[:6, 6:] == 170).all() and (sheet[7:, :5] == 255).all()
    assert (sheet[6, :] == 128).all() and (sheet[:, 5] == 128).all() and (sheet[7:, 6:] == 128).all()


def test_a_resumed_logger_hides_what_was_written_after_the_checkpoint(tmp_path):
    crashed = Logger(str(tmp_path), "run")
    for step in range(1, 11):  # the checkpoint was taken at env step 6; a crash came at 10
        crashed.write(step, "reward", float(step))
    crashed.flush()
    resumed = Logger(str(tmp_path), "run")
    resumed.resume_from(6)
    assert len(list((tmp_path / "run").glob("*tfevents*"))) == 1  # the purge goes with the first write
    for step in (8, 9):  # the old point at step 7 goes too
        resumed.write(step, "reward", 100.0 + step)
    resumed.flush()
    assert len(list((tmp_path / "run").glob("*tfevents*"))) == 2  # the old file stays as it was
    expected = [(s, float(s)) for s in range(1, 7)] + [(8, 108.0), (9, 109.0)]
    assert [(e.step, e.value) for e in events(tmp_path / "run").Scalars("reward")] == expected
    # The loader of TensorBoard's web app with --load_fast=false purges as well.
    from tensorboard.backend.event_processing import plugin_event_accumulator
    from tensorboard.util.tensor_util import make_ndarray

    app = plugin_event_accumulator.EventAccumulator(str(tmp_path / "run"))
    app.Reload()
    assert [(e.step, float(make_ndarray(e.tensor_proto))) for e in app.Tensors("reward")] == expected


def test_a_resumed_runs_tensorboard_has_one_reward_point_per_monitor_row(tmp_path):
    """A run resumed from its checkpoint a second time, after a resume that wrote events but died before its
    checkpoint: TensorBoard shows what monitor.csv shows, each episode once, none of the dead run's."""
    import gymnasium as gym

    from agents.observers import CartPoleObserver
    from agents.value_function import ValueFunctionTrainer
    from fn_framework.run.checkpoint import load_checkpoint, save_checkpoint
    from fn_framework.run.cli import seed_everything

    env = CartPoleObserver(gym.make("CartPole-v1"))
    seed_everything(4, env)
    first = ValueFunctionTrainer(log_dir=str(tmp_path))
    agent = first.train(env, episode_count=50)
    assert agent.initialized
    checkpoint = save_checkpoint(first, agent)
    died = ValueFunctionTrainer(log_dir=str(tmp_path))
    died.resume_state = load_checkpoint(checkpoint)
    died.train(env, episode_count=60)  # its events of episodes 51..60 are written; its checkpoint never is
    resumed = ValueFunctionTrainer(log_dir=str(tmp_path))
    resumed.resume_state = load_checkpoint(checkpoint)
    resumed.train(env, episode_count=56)

    folder = tmp_path / "value_function"
    rows, log = monitor_rows(folder), events(folder)
    assert len(rows) == 56 and resumed.reward_log[:50] == first.reward_log
    lengths = np.cumsum([int(r["l"]) for r in rows])
    assert died.total_steps > lengths[-1]  # without the purge, TensorBoard would show the dead run's later points
    assert [(e.step, e.value) for e in log.Scalars("reward")] == [
        (int(step), float(np.float32(r["r"]))) for step, r in zip(lengths, rows)]
    assert [e.step for e in log.Scalars("episode")] == [int(step) for step in lengths]


def test_every_episode_of_every_copy_is_a_point_and_the_model_summary_is_whole(script, tmp_path):
    # Four CartPole copies: in random play several end in the same vector step, which shared one step before.
    result = script("a2c_agent.py", "--test", "--n-envs", "4", "--episodes", "60", "--seed", "1",
                    "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    folder = tmp_path / "a2c_test"
    rows, log = monitor_rows(folder), events(folder)
    rewards = log.Scalars("reward")
    assert len(rows) == 60 and len(rewards) == len(rows)
    assert len({e.step for e in rewards}) == len(rewards)  # no two episodes share a step
    assert sorted(float(np.float32(r["r"])) for r in rows) == sorted(e.value for e in rewards)
    steps = [e.step for e in log.Scalars("stats/reward_max")]
    assert steps and steps == sorted(set(steps))
    table = text_of(log, "model").splitlines()
    # Keras's own summary, whole: the Param # column is not cropped off (it is when stdout is no terminal).
    assert table[0].startswith('    Model: "')
    assert all(line.startswith("    ") for line in table)  # one monospaced block
    header = table[2]
    assert "Layer (type)" in header and "Output Shape" in header and "Param #" in header
    rows = {cells[1].strip(): cells[3].strip() for cells in (line.split("│") for line in table) if len(cells) > 4}
    assert {"actor (Dense)", "critic (Dense)", "sequential (Sequential)", "sample (SampleLayer)"} <= set(rows)
    (total,) = [line.split()[2] for line in table if line.strip().startswith("Total params: ")]
    assert sum(int(count.replace(",", "")) for count in rows.values()) == int(total.replace(",", "")) > 0


def test_a_run_stopped_before_training_begins_says_so(script, tmp_path):
    result = script("dqn_agent.py", "--test", "--steps", "50", "--seed", "0", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("Training had not begun after 50 env steps and 2 episodes (it begins after initial_count=200 episodes "
            "or when buffer_size=50000 experiences are collected): no model was saved, and TensorBoard has no model "
            "or observed frames.") in result.stdout


def test_the_summary_writer_is_imported_without_pytorch(tmp_path):
    """tensorboardX's writer imports torch when it is installed (seconds, inside a run's first step): not for us."""
    import os
    import subprocess
    import sys

    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("import os\nopen(os.environ['TORCH_MARK'], 'a').write('imported\\n')\n")
    code = ("import sys; from fn_framework.logger import summary_writer_class; W = summary_writer_class(); "
            "assert W.__name__ == 'SummaryWriter' and 'torch' not in sys.modules; import torch; print('after')")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "TORCH_MARK": str(tmp_path / "mark")}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "after", result.stderr[-2000:]
    assert (tmp_path / "mark").read_text() == "imported\n"  # once: by the test's own import, after the writer's
