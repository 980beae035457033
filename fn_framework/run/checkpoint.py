"""Checkpoints for ``--resume``: a trainer, its agent and its experiences, on disk.

What is kept is declared, not found: the trainer's ``state`` (``fn_framework/trainer.py``:
the reward log, the counters, the best score, and each trainer's own fields), and of the agent
``AgentState``: ``initialized``, ``epsilon``, the weights of the models it names in
``saved_models`` (a scikit-learn model is kept whole) and the variables of the optimizers in
``saved_optimizers`` (Adam's moments and step count). Compiled functions and loggers are
rebuilt, not saved. The experiences (the book's buffer or DQN's replay memory) go in a second
file. Both files are written atomically; ``state.pkl`` last, so it always matches.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any

import joblib
import numpy as np

from fn_framework.run.errors import UserError
from fn_framework.run.folders import atomic_path
from fn_framework.trainer import state_values

FOLDER = "run_state"  # not "checkpoint": TensorBoard takes that name for a TensorFlow checkpoint
#: The layout of ``state.pkl``; a checkpoint of another layout is refused with one line.
FORMAT = 3  # 3: the replay memory keeps each env copy's last state


@dataclasses.dataclass
class AgentState:
    """What a checkpoint keeps of an agent."""

    initialized: bool
    epsilon: float
    #: ``saved_models`` attribute -> its weights (a list of arrays), or the scikit-learn model itself.
    models: dict[str, Any]
    #: ``saved_optimizers`` attribute -> its variables.
    optimizers: dict[str, list[np.ndarray]]


def agent_state(agent: Any) -> AgentState:
    """The agent's ``AgentState``: its declared models and optimizers (those not built yet are left out)."""
    import keras

    models: dict[str, Any] = {}
    for name in agent.saved_models:
        model = getattr(agent, name, None)
        if model is not None:
            models[name] = model.get_weights() if isinstance(model, keras.Model) else model
    optimizers = {name: [np.array(v) for v in getattr(agent, name).variables]
                  for name in agent.saved_optimizers if getattr(agent, name, None) is not None}
    return AgentState(bool(agent.initialized), float(agent.epsilon), models, optimizers)


def restore_agent(agent: Any, state: AgentState) -> None:
    """Put ``agent_state``'s values back into ``agent`` (its models must already exist: ``reinitialize``)."""
    import keras

    agent.initialized, agent.epsilon = state.initialized, state.epsilon
    for name, value in state.models.items():
        model = getattr(agent, name, None)
        if isinstance(model, keras.Model):
            model.set_weights(value)
        else:
            setattr(agent, name, value)
    for name, values in state.optimizers.items():  # after the weights: building needs the model
        optimizer = getattr(agent, name)
        if len(optimizer.variables) != len(values):
            optimizer.build(getattr(agent, agent.saved_optimizers[name]).trainable_variables)
        for variable, value in zip(optimizer.variables, values):
            variable.assign(value)
    agent.weights_changed()


def save_checkpoint(trainer: Any, agent: Any) -> str:
    """Save ``trainer``, ``agent`` and the experiences under ``<run folder>/run_state``."""
    folder = trainer.logger.path_of(FOLDER)
    os.makedirs(folder, exist_ok=True)
    with atomic_path(os.path.join(folder, "experiences.pkl")) as tmp:
        joblib.dump(trainer.experiences, tmp)
    state = {
        "format": FORMAT,
        "next_episode": len(trainer.reward_log),
        "trainer_class": type(trainer).__name__,
        "agent_class": type(agent).__name__,
        "trainer": state_values(trainer.state),
        "agent": dataclasses.asdict(agent_state(agent)),
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
        if isinstance(state, dict) and state.get("format") == FORMAT:
            state["experiences"] = joblib.load(os.path.join(folder, "experiences.pkl"))
    except Exception as error:  # pickle raises many types for a damaged file
        raise UserError(f"cannot read the checkpoint in {folder} ({type(error).__name__}: {error})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise UserError(f"the checkpoint in {folder} was written by an older version of this project; "
                        "start afresh with --fresh")
    state["agent"] = AgentState(**state["agent"])
    return state


def check_resume(state: dict[str, Any], trainer: Any, agent_name: str, env: Any = None) -> None:
    """Refuse a checkpoint written by another trainer (another agent or mode) or for other observations."""
    saved = state.get("trainer_class")
    if saved != type(trainer).__name__:
        raise UserError(f"the checkpoint in {trainer.logger.log_dir} was written by {saved}, not "
                        f"{type(trainer).__name__} ({agent_name}); resume it with its own script")
    shape = state["trainer"].get("observation_shape", ())
    if env is not None and shape and tuple(shape) != tuple(env.observation_space.shape):
        raise UserError(f"the checkpoint in {trainer.logger.log_dir} learned from observations of shape "
                        f"{tuple(shape)}, this run's are {tuple(env.observation_space.shape)} (another mode or "
                        "frame size); resume with the settings it was trained with, or start afresh with --fresh")
