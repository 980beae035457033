"""A training run in its claimed folder: its settings saved (or checked against the checkpoint's), ``--resume``, the loop."""
from __future__ import annotations

import argparse
import os
from typing import Any

from fn_framework.config import settings_for_run
from fn_framework.finish import finish_training
from fn_framework.signals import protected


def train(run_name: str, args: argparse.Namespace, config: Any, trainer: Any, env_for: Any, env: Any,
          eval_env: Any) -> int:
    """Train in the claimed run folder: save the settings, resume if asked, run the loop, save at the end.

    ``env`` is the loop's copy 0 (the run seeded it), ``env_for`` makes the other copies,
    ``eval_env`` (or None) plays the greedy evaluations.
    """
    changes = settings_for_run(os.path.dirname(trainer.model_path), config, args.resume)
    if changes:
        print("Resuming with settings changed from the checkpoint's run: " + ", ".join(changes))
    trainer.env_factory, trainer.eval_env = env_for, eval_env
    if args.resume:
        from fn_framework.checkpoint import FOLDER, check_resume, load_checkpoint

        folder = trainer.logger.path_of(FOLDER)
        trainer.resume_state = load_checkpoint(folder)
        check_resume(trainer.resume_state, trainer, run_name, env)
        print(f"Resuming after episode {trainer.resume_state['next_episode']} from {folder}")
    if args.test:
        print("Train on test mode")
    agent = trainer.train(env, render=args.render)
    with protected("saving the model and the checkpoint"):
        return finish_training(trainer, agent)
