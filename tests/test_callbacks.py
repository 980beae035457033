"""The loop's callbacks: told of every step and episode in order, able to stop a run, the budgets."""
from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from fn_framework import Trainer  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402

from fn_framework.run.callbacks import Budget, Callback, TensorBoard  # noqa: E402
from tests.test_framework import RandomAgent, ScriptedEnv  # noqa: E402


class Recording(Callback):
    """Writes down what it is told; stops the run at ``stop_at`` env steps."""

    def __init__(self, stop_at: int = 0) -> None:
        self.events: list[tuple] = []
        self.stop_at = stop_at

    def on_training_start(self, trainer) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("start", trainer.total_steps))

    def on_step(self, trainer, step) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("step", trainer.total_steps))
        if self.stop_at and trainer.total_steps >= self.stop_at:
            trainer.stop("enough")

    def on_episode_end(self, trainer, copy, episode_return, length) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("episode", trainer.total_steps, length, episode_return == trainer.reward_log[-1]))

    def on_training_end(self, trainer) -> None:  # type: ignore[no-untyped-def]
        self.events.append(("end", trainer.total_steps))


def test_a_callback_is_told_every_step_and_episode_in_order(tmp_path) -> None:
    trainer = Trainer(buffer_size=2, log_dir=str(tmp_path))
    trainer.callbacks = [recording := Recording()]
    trainer.train_loop(ScriptedEnv([2, 3]), RandomAgent(0.0, [0, 1]), episode=2)
    assert recording.events == [("start", 0), ("step", 1), ("step", 2), ("episode", 2, 2, True),
                                ("step", 3), ("step", 4), ("step", 5), ("episode", 5, 3, True), ("end", 5)]


def test_a_callback_stops_the_run_after_its_step(tmp_path) -> None:
    trainer = Trainer(buffer_size=2, log_dir=str(tmp_path))
    trainer.callbacks = [Recording(stop_at=3)]
    trainer.train_loop(ScriptedEnv([2, 3, 2]), RandomAgent(0.0, [0, 1]), episode=3)
    assert trainer.total_steps == 3 and trainer.stop_reason == "enough" and trainer.reward_log == [2.0]
    assert not trainer.interrupted and not trainer.budget_spent
    rows = (tmp_path / "trainer" / "monitor.csv").read_text().splitlines()[2:]
    assert len(rows) == 1  # the episode that ended is bookkept; the one cut short is not


def test_a_spent_budget_stops_a_resumed_run_before_its_first_step(tmp_path) -> None:
    trainer = Trainer(log_dir=str(tmp_path))
    trainer.total_steps, trainer.stop_reason, trainer.start_time = 40, "", 0.0
    Budget(steps=40).on_training_start(trainer)
    assert trainer.budget_spent
    trainer.stop_reason = ""
    Budget(steps=41).on_training_start(trainer)
    assert not trainer.stop_requested


def test_copy_0_is_observed_until_its_episode_ends() -> None:
    """Two copies: copy 1's episode ends (count 1 -> 2) while copy 0 is observed; copy 0's frames go on."""
    written: list[tuple[int, list[float]]] = []
    logger = SimpleNamespace(write=lambda *a: None, write_image=lambda i, f: written.append((i, [x[0] for x in f])))
    trainer = SimpleNamespace(training=True, training_count=1, total_steps=0, reward_log=[], logger=logger,
                              episode_step=lambda copy: trainer.total_steps)
    board = TensorBoard(observe_every=2)
    board.was_training = True

    def step(obs0: float) -> None:
        trainer.total_steps += 1
        board.on_step(trainer, SimpleNamespace(obs=np.array([[obs0], [-1.0]])))

    def episode_end(copy: int) -> None:
        board.on_episode_end(trainer, copy, 1.0, 1)
        trainer.training_count += 1

    step(10.0)
    step(11.0)
    episode_end(1)  # count 2 now: copy 0 is observed already
    step(12.0)
    episode_end(0)  # copy 0's observed episode: 3 frames; count 3
    step(20.0)
    episode_end(1)  # count 4
    step(21.0)
    step(22.0)
    episode_end(0)  # observed from count 4 on: 2 frames; count 5 is not observed
    step(30.0)
    episode_end(0)
    assert written == [(3, [10.0, 11.0, 12.0]), (6, [21.0, 22.0])]
