"""Checkpoints for ``--resume``: a trainer, its agent and its experiences, on disk.

What is kept is found, not listed: every plain attribute of the trainer and the agent
(counters, epsilon, reward log, best reward...), the weights of every Keras model
attribute (the model, DQN's teacher), the variables of every Keras optimizer
attribute (Adam's moments and step count) and every scikit-learn object (the value
function's pipeline, a state scaler). Compiled functions and loggers are rebuilt, not
saved. The experiences (the book's buffer or DQN's replay memory) go in a second file.
Both files are written atomically; ``state.pkl`` last, so it always matches.
"""
from __future__ import annotations

import os
from collections import deque
from typing import Any

import joblib
import numpy as np

from fn_framework.errors import UserError
from fn_framework.files import atomic_path

FOLDER = "run_state"  # not "checkpoint": TensorBoard takes that name for a TensorFlow checkpoint
_PLAIN = (bool, int, float, str, type(None), list, tuple, dict, np.ndarray, np.generic)
_SKIP = {"logger", "experiences", "resume_state", "stop_reason", "diverged", "agent", "eval_env", "train_env",
         "model_path", "env_factory", "episode_target", "callbacks"}


def capture_state(obj: Any) -> dict[str, Any]:
    """The attributes of ``obj`` worth saving (see the module docstring)."""
    import keras
    from sklearn.base import BaseEstimator

    state: dict[str, Any] = {}
    seen: set[int] = set()
    for name, value in vars(obj).items():
        if name in _SKIP or id(value) in seen:
            continue
        if isinstance(value, keras.Model):
            seen.add(id(value))  # a second reference to the same model is saved once
            state[name] = ("keras_weights", value.get_weights())
        elif isinstance(value, keras.optimizers.Optimizer):
            state[name] = ("optimizer", [np.array(v) for v in value.variables])
        elif isinstance(value, BaseEstimator) or (isinstance(value, _PLAIN) and _is_plain(value)):
            state[name] = ("value", value)
    return state


def restore_state(obj: Any, state: dict[str, Any]) -> None:
    """Put ``capture_state``'s values back into ``obj`` (its models must already exist)."""
    optimizers = []
    for name, (kind, value) in state.items():
        if kind == "value":
            setattr(obj, name, value)
        elif kind == "keras_weights" and getattr(obj, name, None) is not None:
            getattr(obj, name).set_weights(value)
        else:
            optimizers.append((name, value))
    for name, values in optimizers:  # after the weights: building needs the model
        optimizer = getattr(obj, name)
        if len(optimizer.variables) != len(values):
            optimizer.build(obj.model.trainable_variables)
        for variable, value in zip(optimizer.variables, values):
            variable.assign(value)
    weights_changed = getattr(obj, "weights_changed", None)
    if callable(weights_changed):
        weights_changed()


def save_checkpoint(trainer: Any, agent: Any) -> str:
    """Save ``trainer``, ``agent`` and the experiences under ``<run folder>/run_state``."""
    folder = trainer.logger.path_of(FOLDER)
    os.makedirs(folder, exist_ok=True)
    with atomic_path(os.path.join(folder, "experiences.pkl")) as tmp:
        joblib.dump(trainer.experiences, tmp)
    state = {
        "next_episode": len(trainer.reward_log),
        "trainer_class": type(trainer).__name__,
        "agent_class": type(agent).__name__,
        "trainer": capture_state(trainer),
        "agent": capture_state(agent),
    }
    with atomic_path(os.path.join(folder, "state.pkl")) as tmp:
        joblib.dump(state, tmp)
    return folder


def load_checkpoint(folder: str) -> dict[str, Any]:
    """Read a checkpoint folder; one clear error if it is missing or damaged."""
    state_path = os.path.join(folder, "state.pkl")
    if not os.path.exists(state_path):
        raise UserError(f"no checkpoint in {folder} to resume from; train without --resume first")
    try:
        state = joblib.load(state_path)
        state["experiences"] = joblib.load(os.path.join(folder, "experiences.pkl"))
    except Exception as error:  # pickle raises many types for a damaged file
        raise UserError(f"cannot read the checkpoint in {folder} ({type(error).__name__}: {error})") from None
    return state


def _is_plain(value: Any) -> bool:
    """Plain data all the way down (no Keras objects hiding in a list or dict)."""
    if isinstance(value, (list, tuple, deque)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


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


def check_resume_settings(saved: Any, config: Any) -> list[str]:
    """The settings a resume changes from the checkpoint's run, as ``name: old -> new``; refuse the fixed ones.

    Fixed: the fields declared ``setting(..., fixed=True)`` (the model, the observations or the stored
    experiences depend on them).
    """
    import dataclasses

    from fn_framework.valid import fixed_on_resume

    changed = [(f.name, getattr(saved, f.name), getattr(config, f.name)) for f in dataclasses.fields(config)
               if getattr(saved, f.name) != getattr(config, f.name)]
    fixed = [f"{name} {old!r} -> {new!r}" for name, old, new in changed if fixed_on_resume(type(config), name)]
    if fixed:
        raise UserError(f"--resume cannot change {', '.join(fixed)} (the checkpoint's run depends on them); "
                        "drop those settings, or start afresh with --fresh")
    return [f"{name}: {old!r} -> {new!r}" for name, old, new in changed]
