"""Checks made before a run starts, and saves that a second signal cannot cut: nothing lost, no traceback."""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator

from fn_framework.errors import UserError

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


def check_resume(state: dict[str, Any], trainer: Any, agent_name: str, env: Any = None) -> None:
    """Refuse a checkpoint written by another trainer (another agent or mode) or for other observations."""
    saved = state.get("trainer_class")
    if saved != type(trainer).__name__:
        raise UserError(f"the checkpoint in {trainer.logger.log_dir} was written by {saved}, not "
                        f"{type(trainer).__name__} ({agent_name}); resume it with its own script")
    shape = state.get("trainer", {}).get("observation_shape", ("value", ()))[1]
    if env is not None and shape and tuple(shape) != tuple(env.observation_space.shape):
        raise UserError(f"the checkpoint in {trainer.logger.log_dir} learned from observations of shape "
                        f"{tuple(shape)}, this run's are {tuple(env.observation_space.shape)} (another mode or "
                        "frame size); resume with the settings it was trained with, or start afresh with --fresh")


#: Settings a resumed run cannot change: its model, its observations or its stored experiences depend on them.
FIXED_ON_RESUME = ("env", "test_mode", "frame_width", "frame_height", "frame_count", "n_envs", "n_steps",
                   "buffer_size")


def check_resume_settings(saved: Any, config: Any) -> list[str]:
    """The settings a resume changes from the checkpoint's run, as ``name: old -> new``; refuse the fixed ones."""
    import dataclasses

    changed = [(f.name, getattr(saved, f.name), getattr(config, f.name)) for f in dataclasses.fields(config)
               if getattr(saved, f.name) != getattr(config, f.name)]
    fixed = [f"{name} {old!r} -> {new!r}" for name, old, new in changed if name in FIXED_ON_RESUME]
    if fixed:
        raise UserError(f"--resume cannot change {', '.join(fixed)} (the checkpoint's run depends on them); "
                        "drop those settings, or start afresh with --fresh")
    return [f"{name}: {old!r} -> {new!r}" for name, old, new in changed]


@contextlib.contextmanager
def protected(what: str) -> Iterator[None]:
    """Let ``what`` (the final saves) finish whatever signals arrive; a signal during it exits 130 after.

    Atomic saves already leave the old file whole; this also keeps a second Ctrl-C from
    cutting a save in half and leaving its temporary file behind.
    """
    from fn_framework.signals import handling, say

    received: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        received.append(signum)
        say(f"\nStill {what}: it finishes first, then the run exits.\n")

    with handling(handler):
        yield
    if received:
        sys.exit(130)


LOCK_FILE = "run.lock"


def holds_run(folder: str) -> bool:
    """Whether ``folder`` holds a run: its monitor rows or its checkpoint."""
    return os.path.exists(os.path.join(folder, "monitor.csv")) or os.path.exists(os.path.join(folder, "run_state"))


@contextlib.contextmanager
def run_folder(folder: str, resume: bool, fresh: bool) -> Iterator[None]:
    """Claim the run folder for one live run; never overwrite an earlier run without being asked.

    A new run into a folder that holds one is refused (``--resume`` continues it; ``--fresh``
    moves it aside to ``<folder>.<time>`` and starts anew). A lock file refuses a second live
    run in the same folder; it is removed on every exit, and a lock left by a dead process
    is taken over.
    """
    import time

    if holds_run(folder) and not resume:
        if not fresh:
            raise UserError(f"{folder} holds a run already: continue it with --resume, or start afresh with "
                            "--fresh (the old run is moved aside, not deleted)")
        moved = f"{folder}.{time.strftime('%Y%m%d-%H%M%S')}"
        os.rename(folder, moved)
        print(f"Moved the earlier run to {moved}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create the run folder {folder} ({error.strerror})") from None
    lock = os.path.join(folder, LOCK_FILE)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if _alive(lock):
                raise UserError(f"another run is writing to {folder} now ({lock}); wait for it, "
                                "or give this one another --log-dir") from None
            os.remove(lock)  # left by a run that died
    else:
        raise UserError(f"cannot take the lock {lock}")
    try:
        os.write(fd, str(os.getpid()).encode())
    except OSError as error:  # a full disk: nothing of the run is touched yet
        os.close(fd)
        os.remove(lock)
        raise UserError(f"cannot write to {folder} ({error.strerror}); the run there is left as it was") from None
    os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(lock)


def _alive(lock: str) -> bool:
    try:
        with open(lock) as f:
            pid = int(f.read().strip() or 0)
        if pid <= 0:
            return False
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True  # unreadable or someone else's process: do not take it over
