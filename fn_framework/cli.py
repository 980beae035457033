"""What every script shares: its flags, seeding, env creation and one-line errors."""
from __future__ import annotations

import argparse
import os
import random
import sys
import warnings
from typing import Any, Callable, Optional

import numpy as np

from fn_framework.errors import UserError



def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def make_parser(description: str, default_env: str, test_mode: bool = False) -> argparse.ArgumentParser:
    """The flags of every agent script (``--test`` only where the book has a test mode)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--play", action="store_true", help="play with the trained model")
    if test_mode:
        parser.add_argument("--test", action="store_true", help="train the test mode on CartPole-v0")
    parser.add_argument("--episodes", type=positive_int, default=None,
                        help="training episodes (default: the book's)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed Python, NumPy, TensorFlow and the env (same seed, same reward log)")
    parser.add_argument("--log-dir", default="", help="root folder of logs and models (default: ./logs)")
    parser.add_argument("--model", default=None, help="model file to save/play (default: in the log folder)")
    parser.add_argument("--env", default=None, help=f"Gymnasium environment id (default: {default_env})")
    parser.add_argument("--render", action="store_true", help="show the environment in a window")
    parser.add_argument("--resume", action="store_true",
                        help="continue the last run in the log folder from its checkpoint (--episodes is the total)")
    parser.add_argument("--record", default=None, metavar="PATH",
                        help="with --play: record the played episodes to PATH (.gif, or .mp4 with imageio-ffmpeg)")
    return parser


def seed_everything(seed: Optional[int], env: Any = None) -> None:
    """Seed Python, NumPy, TensorFlow (deterministic ops) and the env's first reset."""
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    if env is not None:
        env.reset(seed=seed)  # later resets without a seed continue this RNG stream
        env.action_space.seed(seed)


def make_env(env_id: str, render: bool = False, record: bool = False, **kwargs: Any) -> Any:
    """``gymnasium.make`` with a window only when asked; one-line error if unknown.

    ``record`` makes the env render ``rgb_array`` frames for ``FNAgent.play(record=...)``.
    Only environments with discrete actions fit the book's agents.
    """
    import gymnasium as gym

    if env_id not in gym.registry:
        import envs  # noqa: F401  (registers our Catcher-v0)
    try:
        with warnings.catch_warnings():
            # CartPole-v0 is the book's choice; Gymnasium's "out of date" warning is noise here.
            warnings.filterwarnings("ignore", message=".*out of date.*")
            mode = "rgb_array" if record else ("human" if render else None)
            env = gym.make(env_id, render_mode=mode, **kwargs)
    except gym.error.Error as error:
        raise UserError(f"unknown environment id {env_id!r} ({error})") from None
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise UserError(f"{env_id} has {env.action_space} actions; the book's agents need discrete actions")
    return env


def require_file(path: str, train_command: str) -> None:
    """Refuse to play without a saved model, saying where we looked and what trains one."""
    if not os.path.exists(path):
        raise UserError(f"no saved model at {path}; train one first with: {train_command}")


def run(main: Callable[[argparse.Namespace], Optional[int]], parser: argparse.ArgumentParser) -> None:
    """Parse the flags, run ``main`` and turn user errors into one line and exit 2."""
    args = parser.parse_args()
    try:
        code = main(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code or 0)


def resume_if_asked(trainer: Any, args: argparse.Namespace) -> None:
    """With ``--resume``, load the trainer's checkpoint so its next train_loop continues it."""
    if getattr(args, "resume", False):
        from fn_framework.checkpoint import FOLDER, load_checkpoint

        trainer.resume_state = load_checkpoint(trainer.logger.path_of(FOLDER))
        done = trainer.resume_state["next_episode"]
        print(f"Resuming after episode {done} from {trainer.logger.path_of(FOLDER)}")


def finish_training(trainer: Any, agent: Any, path: str) -> int:
    """Save the model, a checkpoint, the reward plot and the logs; say where they are.

    Returns the exit status: 130 when the run was interrupted (Ctrl-C/SIGTERM), 3 when
    the loss diverged (the last good model is left as it was), else 0.
    """
    from fn_framework.checkpoint import save_checkpoint

    if trainer.diverged:
        print(f"error: training diverged (NaN/inf loss); the last good model stays at {path}", file=sys.stderr)
    elif agent.initialized:
        agent.save(path)
        print(f"Saved the model to {path}")
    else:
        print("Too few episodes to begin training: no model was saved.")
    if not trainer.diverged:
        print(f"Saved a checkpoint to {save_checkpoint(trainer, agent)}")
    if trainer.reward_log:
        plot = trainer.logger.plot("Rewards", trainer.reward_log, trainer.report_interval)
        print(f"Reward plot: {plot}")
    print(f"Logs in {trainer.logger.log_dir}; view them with: tensorboard --logdir {os.path.dirname(trainer.logger.log_dir)}")
    if trainer.diverged:
        return 3
    if trainer.interrupted:
        command = " ".join(["python", *sys.argv] + ([] if "--resume" in sys.argv else ["--resume"]))
        print(f"Interrupted after {len(trainer.reward_log)} episodes. Continue with: {command}")
        return 130
    return 0
