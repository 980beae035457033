"""Checkpoints: everything that decides the rest of a run, on disk, so that ``--resume`` goes on as if never stopped.

A checkpoint is taken between two vector steps (every ``checkpoint_steps`` env steps or
``checkpoint_minutes`` of training, and when the loop ends; a run killed before its first one starts over
with ``--resume``, the same run when seeded) and holds, declared rather than found by reflection:

* the trainer's ``state`` (``TrainerState``: the reward log, the counters, the best score and each
  trainer's own fields, its work in progress such as PPO's rollout included);
* of the agent, ``AgentState``: ``initialized``, ``epsilon``, the weights of the models it names in
  ``saved_models`` (a scikit-learn model is kept whole) and the variables of the optimizers in
  ``saved_optimizers`` (Adam's moments and step count);
* the experiences (the book's buffer, the replay memory, A2C's rollout);
* the random streams the agents and the loop draw from: Python's ``random`` and NumPy's global one;
* the loop (``LoopState``): every env copy pickled with its episode in progress and its own random
  stream, each copy's current observation, return and length, the episodes begun, and the env of the
  greedy evaluations.

Compiled functions and loggers are rebuilt, not saved. A kill at any instant leaves the last whole
checkpoint: the large parts go to new files named by a serial, then ``state.pkl``, which names them,
replaces the old one atomically (written and synced before it is renamed), and only then are the
files of the previous checkpoint deleted.
"""
from __future__ import annotations

import dataclasses
import os
import random
import time
from typing import Any, Optional

import joblib
import numpy as np

from fn_framework.run.errors import UserError
from fn_framework.run.folders import atomic_path

FOLDER = "run_state"  # not "checkpoint": TensorBoard takes that name for a TensorFlow checkpoint
STATE_FILE = "state.pkl"
#: The layout of ``state.pkl``; a checkpoint of another layout is refused with one line.
FORMAT = 4  # 4: the loop (env copies, episodes in progress) and the random streams


@dataclasses.dataclass
class AgentState:
    """What a checkpoint keeps of an agent."""

    initialized: bool
    epsilon: float
    #: ``saved_models`` attribute -> its weights (a list of arrays), or the scikit-learn model itself.
    models: dict[str, Any]
    #: ``saved_optimizers`` attribute -> its variables.
    optimizers: dict[str, list[np.ndarray]]


@dataclasses.dataclass
class LoopState:
    """Where the loop stands between two vector steps: what ``reset`` would otherwise start anew."""

    #: The env copies as the agent sees them (copy 0 is the run's own env), each mid-episode.
    envs: list[Any]
    #: Each copy's current observation, its episode's return and length so far.
    obs: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray
    #: Episodes begun so far (the number ``episode_begin`` gives the next one).
    started: int
    #: Copies whose next episode had not begun when the run stopped (its budget, Ctrl-C): a resume begins them.
    pending: list[int] = dataclasses.field(default_factory=list)
    #: The env of the greedy evaluations (its random stream goes on), or None.
    eval_env: Any = None


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


def random_state() -> dict[str, Any]:
    """The global random streams the agents draw from (``--seed`` seeds them)."""
    return {"python": random.getstate(), "numpy": np.random.get_state()}


def restore_random_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])


def save_checkpoint(trainer: Any, agent: Any, loop: Optional[LoopState] = None) -> str:
    """Save ``trainer``, ``agent``, the experiences, the random streams and ``loop`` under ``<run folder>/run_state``."""
    folder = trainer.logger.path_of(FOLDER)
    os.makedirs(folder, exist_ok=True)
    serial = f"{time.time_ns():x}"
    files = {"experiences": f"experiences-{serial}.pkl"}
    with atomic_path(os.path.join(folder, files["experiences"]), sync=True) as tmp:
        joblib.dump(trainer.experiences, tmp)
    if loop is not None:
        files["loop"] = f"loop-{serial}.pkl"
        with atomic_path(os.path.join(folder, files["loop"]), sync=True) as tmp:
            joblib.dump(loop, tmp)
    state = {
        "format": FORMAT,
        "files": files,
        "next_episode": len(trainer.reward_log),
        "trainer_class": type(trainer).__name__,
        "agent_class": type(agent).__name__,
        "trainer": trainer.get_state(),
        "agent": dataclasses.asdict(agent_state(agent)),
        "random": random_state(),
    }
    with atomic_path(os.path.join(folder, STATE_FILE), sync=True) as tmp:
        joblib.dump(state, tmp)
    for name in os.listdir(folder):  # the previous checkpoint's parts, now that the new one is whole
        if name.endswith(".pkl") and name != STATE_FILE and name not in files.values():
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass
    return folder


def has_checkpoint(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, STATE_FILE))


def load_checkpoint(folder: str) -> dict[str, Any]:
    """Read a checkpoint folder; one clear error if it is missing or damaged."""
    state_path = os.path.join(folder, STATE_FILE)
    if not os.path.exists(state_path):
        raise UserError(f"no checkpoint in {folder} to resume from; train without --resume first")
    try:
        state = joblib.load(state_path)
        if isinstance(state, dict) and state.get("format") == FORMAT:
            files = state["files"]
            state["experiences"] = joblib.load(os.path.join(folder, files["experiences"]))
            state["loop"] = joblib.load(os.path.join(folder, files["loop"])) if "loop" in files else None
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
