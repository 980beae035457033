"""What a training run leaves when it ends, however it ends: the final model, a checkpoint, the plot, where the logs are."""
from __future__ import annotations

import os
import sys
from typing import Any

from fn_framework.errors import UserError


def begins(config: Any) -> str:
    """When training begins, in the settings' words (the book's rule: a full buffer or initial_count episodes)."""
    buffer = f"when buffer_size={config.buffer_size} experiences are collected"
    return f"after initial_count={config.initial_count} episodes or {buffer}" if config.initial_count > 0 else buffer


def finish_training(trainer: Any, agent: Any) -> int:
    """Save the final model, a checkpoint, the reward plot and the logs; say where they are.

    Returns the exit status: 130 when the run was interrupted (Ctrl-C/SIGTERM), 3 when
    the loss diverged (the last good model is left as it was), else 0 (a spent budget too).
    """
    from fn_framework.checkpoint import save_checkpoint

    config = trainer.config
    path = trainer.final_model_path
    if trainer.diverged:
        print(f"error: training diverged (NaN/inf loss); the last good model stays at {trainer.model_path}",
              file=sys.stderr)
    elif agent.initialized:
        if config.keep_best and trainer.best_saved:
            score = " / ".join(f"{v:g}" for v in trainer.best_score)
            print(f"Best model (score {score}) in {trainer.model_path}")
        try:
            agent.save(path)
        except OSError as error:  # a full disk: the atomic save left the last good model as it was
            raise UserError(f"cannot save the model to {path} ({error.strerror or error}); "
                            f"the last good model and checkpoint are kept") from None
        print(f"Saved the {'final ' if config.keep_best else ''}model to {path}")
    else:
        print(f"Training had not begun after {trainer.total_steps} env steps and {len(trainer.reward_log)} episodes "
              f"(it begins {begins(config)}): no model was saved, and TensorBoard has no model or observed frames.")
    if not trainer.diverged:
        try:
            print(f"Saved a checkpoint to {save_checkpoint(trainer, agent)}")
        except OSError as error:
            raise UserError(f"cannot save the checkpoint ({error.strerror or error}); the last good one is kept") from None
    if trainer.reward_log:
        plot = trainer.logger.plot("Rewards", trainer.reward_log, config.report_interval)
        print(f"Reward plot: {plot}")
    log_dir = trainer.logger.log_dir
    print(f"Logs in {log_dir}; view them with: tensorboard --logdir {os.path.dirname(log_dir)}")
    if trainer.budget_spent:
        print(f"The budget is spent after {trainer.total_steps} env steps and {len(trainer.reward_log)} episodes.")
    if trainer.diverged:
        return 3
    if trainer.interrupted:
        command = " ".join(["python", *sys.argv] + ([] if "--resume" in sys.argv else ["--resume"]))
        print(f"Interrupted after {len(trainer.reward_log)} episodes. Continue with: {command}")
        return 130
    return 0
