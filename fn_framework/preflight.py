"""Checks made before a run starts: the model path can be saved to, a window can open. One line, no traceback."""
from __future__ import annotations

import os
import sys

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
