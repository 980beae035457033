"""A run's life, written once for every agent: flags, train, play, resume, record.

A script is its ``RunSpec`` (made from its agent's registration, ``agents.presets.spec``) and one
call of ``main``. The rules every agent shares live here:

* flags: the run's own (``--play --test --preset --print-config --seed --log-dir --model
  --resume --record --render --max-episode-steps``) plus one per config field, its default
  from the chosen preset (``book`` unless ``--preset``) and its help from the field's
  docstring;
* the run folder: ``<log-dir>/<name>`` (``<name>_test`` in the book's test mode), so every
  agent and mode has its own curves, ``monitor.csv``, plot and checkpoint;
* the model path: ``--model`` or the run folder's model file (``*_test`` in test mode);
  with ``keep_best`` the best model is kept there and the final one goes to ``*_last``;
* ``--play`` plays ``--episodes`` episodes (default 5); ``--record`` needs ``--play``;
* the settings of a training run are saved beside its model (``config.json``): ``--play`` and
  ``--resume`` start from them unless ``--preset`` is given.
"""
from __future__ import annotations

import argparse
import dataclasses
import errno
import os
import random
import sys
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from fn_framework.run.config import (
    CONFIG_FILE,
    add_config_flags,
    format_config,
    given_settings,
    load_config,
    resolve_preset,
    settings_for_run,
)
from fn_framework.run.errors import OneLineParser, UserError
from fn_framework.run.folders import run_folder
from fn_framework.run.quiet import import_tensorflow
from fn_framework.run.registry import trainer_class as config_trainer
from fn_framework.run.signals import protected

PLAY_EPISODES = 5  # FNAgent.play's default, as in the book
#: Trained agents shipped with the repository: ``models/<run>/<model file>`` beside its ``config.json``.
SHIPPED_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "models")


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """What one script is.

    Args:
        name: the run's name: its presets' key and run folder (``dqn``; ``dqn_test`` in test mode).
        model_file: the model's file name in the run folder (``dqn_agent.keras``).
        description: the first line of ``--help``.
        presets: the preset table (``agents.presets.TABLE``).
        test_mode: the script has the book's ``--test`` (its presets under ``<name>_test``).
    """

    name: str
    model_file: str
    description: str
    presets: dict[str, Any]
    test_mode: bool = False

    def run_name(self, test: bool) -> str:
        return f"{self.name}_test" if test else self.name

    def play_path(self, root: str, test: bool, model: Optional[str], shipped: bool) -> tuple[str, bool]:
        """The model ``--play`` plays and whether it is the shipped one.

        ``--shipped`` chooses the repository's trained agent; without ``--model`` it is also
        played when the run folder holds no trained model yet.
        """
        trained = self.model_path(root, test, model)
        bundled = self.model_path(SHIPPED_ROOT, test, None)
        if shipped or (not model and not os.path.exists(trained) and os.path.exists(bundled)):
            return bundled, True
        return trained, False

    def model_path(self, root: str, test: bool, model: Optional[str]) -> str:
        """``--model`` or the run folder's model file: the one rule for every agent."""
        if model:
            return os.path.abspath(model)
        base, ext = os.path.splitext(self.model_file)
        file_name = f"{base}_test{ext}" if test else self.model_file
        return os.path.join(os.path.abspath(root or "logs"), self.run_name(test), file_name)


def make_parser(spec: RunSpec, config: Any, test: bool) -> argparse.ArgumentParser:
    """The script's flags: the run's own, then one per field of ``config``."""
    parser = OneLineParser(description=spec.description)
    parser.add_argument("--play", action="store_true", help="play with the saved model (--episodes: how many, default 5)")
    parser.add_argument("--greedy", action="store_true",
                        help="with --play: take the best action (default: the book's policy, epsilon-greedy or sampling)")
    parser.add_argument("--shipped", action="store_true",
                        help="with --play: the trained agent shipped in models/ (played anyway when none is trained yet)")
    if spec.test_mode:
        parser.add_argument("--test", action="store_true", help="the book's test mode (CartPole, a Dense network)")
    presets, best, _ = spec.presets[spec.run_name(test)]
    parser.add_argument("--preset", default="book", choices=[*presets, "best"],
                        help=f"start from these settings (default: book; best: {best})")
    parser.add_argument("--print-config", action="store_true", help="print the resolved settings and exit")
    parser.add_argument("--seed", type=_seed, default=None,
                        help="seed Python, NumPy, TensorFlow and the env (same seed, same reward log)")
    parser.add_argument("--log-dir", default="", help="root folder of the run folders (default: ./logs)")
    parser.add_argument("--model", default=None, help="model file to save/play (default: in the run folder)")
    parser.add_argument("--render", action="store_true", help="show the environment in a window")
    parser.add_argument("--fresh", action="store_true",
                        help="train anew although the run folder holds a run (the old one is moved aside)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in the run folder from its checkpoint (--episodes is the total)")
    parser.add_argument("--record", default=None, metavar="PATH",
                        help="with --play: record the played episodes to PATH (.gif, or .mp4 with imageio-ffmpeg)")
    parser.add_argument("--max-episode-steps", type=_non_negative, default=0, metavar="N",
                        help="cut every episode at N steps (0: the env's own limit)")
    parser.add_argument("--plot-model", default=None, metavar="PATH", help="write a diagram of the network "
                        "--play would play to PATH (.png, .svg, .pdf; needs pydot and Graphviz) and exit")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up log lines (hidden otherwise; BABY_STEPS_VERBOSE=1 too)")
    add_config_flags(parser, config)
    return parser


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (off) or more, got {value}")
    return value


def parse(spec: RunSpec, argv: Optional[Sequence[str]] = None) -> tuple[argparse.Namespace, Any]:
    """The flags and the resolved config: the preset's, then every setting given on the command line."""
    pre = argparse.ArgumentParser(add_help=False)
    for name in ("--test", "--play", "--resume", "--shipped"):
        pre.add_argument(name, action="store_true")
    for name in ("--preset", "--log-dir", "--model", "--plot-model"):
        pre.add_argument(name, default=None)
    known, _ = pre.parse_known_args(argv)
    known.play = known.play or known.plot_model is not None  # --plot-model draws the model --play would play
    test = bool(spec.test_mode and known.test)
    presets = spec.presets[spec.run_name(test)].configs
    try:
        _, config = resolve_preset(spec.presets, spec.run_name(test), known.preset or "book")
    except UserError:  # an unknown name: argparse's choices say which exist
        config = presets["book"]
    if known.play:
        model, _ = spec.play_path(known.log_dir or "", test, known.model, known.shipped)
    else:
        model = spec.model_path(known.log_dir or "", test, known.model)
    saved = os.path.join(os.path.dirname(model), CONFIG_FILE)
    if (known.play or known.resume) and known.preset is None and os.path.exists(saved):
        config = load_config(saved, config)  # play or continue with the settings the model was trained with
    args = make_parser(spec, config, test).parse_args(argv)
    args.test = test
    return args, dataclasses.replace(config, **given_settings(args, config))


#: A write the disk refused (full, over quota, read-only): one ``error:`` line, never a traceback.
WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


class ForgivingStream:
    """A standard stream whose failures never cost the run: a broken pipe or a closed stream makes later
    writes go nowhere, and text the stream's encoding cannot hold is written with replacements.

    ``python scripts/dqn_agent.py | head -1`` closes the pipe after one line; without this, the next
    progress line raised ``BrokenPipeError`` in the middle of training and nothing was saved.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            return self.write(text.encode(encoding, "replace").decode(encoding))
        except (OSError, ValueError):  # EPIPE, a closed file: from now on, nowhere
            self.stream = _nowhere(self.stream)
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = _nowhere(self.stream)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the stream's own
        return getattr(self.stream, name)


def _nowhere(stream: Any) -> Any:
    """``os.devnull`` in place of a broken stream, its file descriptor too (Python's exit flush stays quiet)."""
    devnull = open(os.devnull, "w")
    try:
        os.dup2(devnull.fileno(), stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return devnull


def keep_streams() -> None:
    """Standard output and error as ``ForgivingStream``s (a missing one, as when closed with ``2>&-``: devnull)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, ForgivingStream):
            setattr(sys, name, ForgivingStream(stream if stream is not None else open(os.devnull, "w")))


def main(spec: RunSpec, argv: Optional[Sequence[str]] = None) -> None:
    """Run the script; a ``UserError`` becomes one ``error:`` line and exit status 2."""
    keep_streams()
    try:
        args, config = parse(spec, argv)
        if args.print_config:
            print(format_config(config))
            sys.exit(0)
        code = run(spec, args, config)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        where = f" writing {error.filename}" if error.filename else ""
        print(f"error: {error.strerror}{where}: the run stopped; its last saved model and checkpoint are kept "
              "(make room, then continue with --resume)", file=sys.stderr)
        sys.exit(1)
    sys.exit(code or 0)


def run(spec: RunSpec, args: argparse.Namespace, config: Any) -> int:
    """Train, or play with ``--play``; returns the exit status."""
    if args.record is not None and not args.play:
        raise UserError("--record records played episodes: add --play (or drop --record)")
    if args.plot_model is not None:  # before TensorFlow loads: a missing pydot or dot is one line
        from fn_framework.run.plot_model import check_plot_tools, plot_model_run

        check_plot_tools(args.plot_model)
        return plot_model_run(spec, args, config)
    if args.shipped and not args.play:
        raise UserError("--shipped chooses the model to play: add --play")
    path = spec.model_path(args.log_dir, args.test, args.model)
    script = os.path.join("scripts", os.path.basename(sys.argv[0]))
    train_command = " ".join(["python", script, *(["--test"] if args.test else [])])
    if args.play:  # before TensorFlow loads, whose start-up lines would bury the one-line error
        path, shipped = spec.play_path(args.log_dir, args.test, args.model, args.shipped)
        if not os.path.exists(path):
            raise UserError(f"no saved model at {path}; train one first with: {train_command}")
        from fn_framework.run.recording import check_record_path

        if args.record is not None:  # an empty name too: refused, never silently ignored
            check_record_path(args.record)
        if shipped:
            print(f"Playing the trained agent shipped with the repository: {os.path.relpath(path)} "
                  f"(models/README.md says how it was trained; train your own with: {train_command})")
    else:
        check_model_path(path)
    check_display(args.render)


    import_tensorflow()  # its start-up lines hidden (--verbose keeps them), after the checks above
    trainer_class = config_trainer(config)
    env_kwargs = {"max_episode_steps": args.max_episode_steps} if args.max_episode_steps > 0 else {}

    def env_for(record: bool = False, render: bool = False) -> Any:
        raw = make_env(config.env, render, record, actions=type(config).ACTIONS, **env_kwargs)
        return trainer_class.observe(raw, config)

    # The run's env: the one played, or the loop's copy 0 (the one window under --render); then the evaluations'.
    env = env_for(record=args.record is not None, render=args.render)
    eval_env = env_for() if not args.play and config.eval_every > 0 else None
    if eval_env is not None and args.seed is not None:
        eval_env.reset(seed=args.seed + 10_000)
    seed_everything(args.seed, env)
    if args.play:
        agent = trainer_class.load_agent(env, path)
        episodes = config.episodes if "episodes" in vars(args) else PLAY_EPISODES
        rewards = agent.play(env, episodes, render=args.render, record=args.record, greedy=args.greedy)
        if rewards:
            print(f"Average reward over {len(rewards)} episodes: {sum(rewards) / len(rewards):.1f}")
        return 130 if agent.play_interrupted else 0

    check_memory(config, env)
    folder = os.path.join(os.path.abspath(args.log_dir or "logs"), spec.run_name(args.test))
    with run_folder(folder, resume=args.resume, fresh=args.fresh):
        return train(spec.run_name(args.test), args, config, trainer_class(config, log_dir=args.log_dir,
                     run_name=spec.run_name(args.test), model_path=path), env_for, env, eval_env)


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its container's limit (cgroup v2) if lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 2**63
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        total = min(total, int(limit)) if limit.isdigit() else total
    except (OSError, ValueError):
        pass
    return total


def check_memory(config: Any, env: Any, available: Optional[int] = None) -> None:
    """Refuse, before the run folder is touched, a size whose arrays cannot fit in this machine's memory.

    What a size needs, from the observation the run's env gives: a replay memory (DQN, the continuous agent)
    holds ``buffer_size`` transitions of frames (stored once each, as ``agents/replay.py`` does), ids, action,
    reward and done; each env copy holds its frame stack and ``n_steps`` observations of rollout (A2C, PPO).
    A lower bound: the networks, TensorFlow and Python come on top.
    """
    available = machine_memory() if available is None else available
    shape = getattr(env.observation_space, "shape", None) or (1,)
    frame_count = max(int(getattr(config, "frame_count", 1) or 1), 1)
    observation = 4 * int(np.prod(shape))  # float32, or less as uint8
    sizes = []
    if getattr(type(config), "REPLAY", False):
        per = observation / frame_count * (1 + 1 / 16) + 2 * 8 * frame_count + 8 + 4 + 1
        sizes.append(("buffer_size", int(config.buffer_size), per))
    copies = int(getattr(config, "n_envs", 1))
    sizes.append(("n_envs", copies, observation * (2 + int(getattr(config, "n_steps", 1) or 1))))
    for name, value, per in sizes:
        if value * per > available:
            raise UserError(f"{name} {value} would need {_bytes(value * per)} of memory at least ({_bytes(per)} "
                            f"each), and this machine has {_bytes(available)}: give {name} at most "
                            f"{max(int(available // per), 1)}")


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


#: The model formats each kind of agent saves.
MODEL_SUFFIXES = {".keras", ".h5", ".pkl"}


def check_model_path(path: str) -> None:
    """Refuse a model path that cannot be saved to, before any training is spent on it."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in MODEL_SUFFIXES:
        raise UserError(f"cannot save a model to {path}: use a {', '.join(sorted(MODEL_SUFFIXES))} file name")
    if os.path.isdir(path):
        raise UserError(f"cannot save the model to {path}: it is a folder")
    folder = os.path.dirname(os.path.abspath(path))
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UserError(f"cannot save the model to {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK):
        raise UserError(f"cannot save the model to {path}: {existing} is not a writable folder")


def check_display(render: bool) -> None:
    """``--render`` needs a screen: refuse it in one line where none can open (SDL would crash)."""
    if render and sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UserError("--render needs a display, and none is set (DISPLAY); run without --render, "
                        "or --play --record clip.gif to watch the agent")


def train(run_name: str, args: argparse.Namespace, config: Any, trainer: Any, env_for: Any, env: Any,
          eval_env: Any) -> int:
    """Train in the claimed run folder: save the settings, resume if asked, run the loop, save at the end.

    ``env`` is the loop's copy 0 (the run seeded it), ``env_for`` makes the other copies,
    ``eval_env`` (or None) plays the greedy evaluations.
    """
    trainer.env_factory, trainer.eval_env = env_for, eval_env
    if args.resume:  # every check that can refuse the resume comes before anything is written
        from fn_framework.run.checkpoint import FOLDER, check_resume, has_checkpoint, load_checkpoint

        folder = trainer.logger.path_of(FOLDER)
        if has_checkpoint(folder):
            trainer.resume_state = load_checkpoint(folder)
            check_resume(trainer.resume_state, trainer, run_name, env)
            print(f"Resuming after episode {trainer.resume_state['next_episode']} "
                  f"and {trainer.resume_state['trainer']['total_steps']} env steps from {folder}")
        else:  # killed before its first checkpoint: nothing was kept, so the run starts over (the same, seeded)
            print(f"No checkpoint in {folder} yet: starting the run from its beginning")
            trainer.logger.resume_from(0)  # TensorBoard drops what the killed run wrote
    changes = settings_for_run(os.path.dirname(trainer.model_path), config, args.resume)
    if changes:
        print("Resuming with settings changed from the checkpoint's run: " + ", ".join(changes))
    if args.test:
        print("Train on test mode")
    agent = trainer.train(env, render=args.render)
    with protected("saving the model and the checkpoint"):
        return finish_training(trainer, agent)


def begins(config: Any) -> str:
    """When training begins, in the settings' words (the book's rule: a full buffer or initial_count episodes)."""
    buffer = f"when buffer_size={config.buffer_size} experiences are collected"
    return f"after initial_count={config.initial_count} episodes or {buffer}" if config.initial_count > 0 else buffer


def finish_training(trainer: Any, agent: Any) -> int:
    """Save the final model, a checkpoint, the reward plot and the logs; say where they are.

    Returns the exit status: 130 when the run was interrupted (Ctrl-C/SIGTERM), 3 when
    the loss diverged (the last good model is left as it was), else 0 (a spent budget too).
    """
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
            print(f"Saved a checkpoint to {trainer.checkpoint(agent, trainer.last_loop)}")
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


def make_env(env_id: str, render: bool = False, record: bool = False, actions: str = "discrete", **kwargs: Any) -> Any:
    """``gymnasium.make`` with a window only when asked; one-line error if unknown.

    ``record`` makes the env render ``rgb_array`` frames for ``FNAgent.play(record=...)``.
    ``actions`` is what the agent takes (the config's ``ACTIONS``): ``discrete`` (the book's
    agents but one) or ``box`` (the continuous actor-critic); another env is refused in one line. Environments of this
    project (Catcher-v0) are registered by ``import envs`` (``agents.presets`` does it; ``envs:Catcher-v0`` anywhere).
    """
    import gymnasium as gym

    try:
        with warnings.catch_warnings():
            # CartPole-v0 is the book's choice; Gymnasium's "out of date" warning is noise here.
            warnings.filterwarnings("ignore", message=".*out of date.*")
            mode = "rgb_array" if record else ("human" if render else None)
            env = gym.make(env_id, render_mode=mode, **kwargs)
    except gym.error.DependencyNotInstalled as error:
        raise UserError(f"{env_id} needs an optional dependency that is not installed: {error}") from None
    except gym.error.Error as error:
        raise UserError(f"unknown environment id {env_id!r} ({error})") from None
    wanted = {"discrete": gym.spaces.Discrete, "box": gym.spaces.Box}[actions]
    if not isinstance(env.action_space, wanted):
        kind = "continuous (Box)" if actions == "box" else "discrete"
        raise UserError(f"{env_id} has {env.action_space} actions; this agent needs {kind} actions")
    return env
