"""A trainer's state: the typed record of a run's progress that a checkpoint saves and ``--resume`` puts back.

The book keeps its counters as the trainer's attributes (``self.reward_log``, ``self.training``,
``self.training_count``); here they live in one dataclass, ``trainer.state``, and the trainer's
attributes of the same names read and write it (``StateField``), so the book's code reads as it
did and a checkpoint saves exactly the fields declared, nothing found by reflection. A trainer
with more progress to keep declares a subclass (``DQNTrainerState``) as its ``State``.
"""
from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any


@dataclasses.dataclass
class TrainerState:
    """The loop's progress: the book's reward log and counters, the best model's score."""

    #: Every finished episode's reward, in the order they ended (the book's).
    reward_log: list[float] = dataclasses.field(default_factory=list)
    #: Env steps taken, over every copy.
    total_steps: int = 0
    #: Training has begun (the book's flag: a full buffer, or ``initial_count`` episodes).
    training: bool = False
    #: Episodes ended since training began (the book's).
    training_count: int = 0
    #: The observations' shape as the agent sees them (a resume with other observations is refused).
    observation_shape: tuple[int, ...] = ()
    #: The kept model's score (``keep_best``), compared as a tuple; () before the first.
    best_score: tuple[float, ...] = ()
    #: A best model has been written to ``model_path``.
    best_saved: bool = False
    #: The last 100 episodes' ``(return, length)``: SB3's ``ep_rew_mean``/``ep_len_mean``.
    recent_episodes: deque[tuple[float, int]] = dataclasses.field(default_factory=lambda: deque(maxlen=100))


class StateField:
    """``trainer.<name>`` is ``trainer.state.<name>``: the book's attribute names over one typed record."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, trainer: Any, owner: type | None = None) -> Any:
        if trainer is None:
            return self
        return getattr(trainer.state, self.name)

    def __set__(self, trainer: Any, value: Any) -> None:
        setattr(trainer.state, self.name, value)


def install_fields(cls: type, state_class: type) -> None:
    """Give ``cls`` a ``StateField`` for each field of ``state_class`` it does not have yet."""
    for field in dataclasses.fields(state_class):
        if not isinstance(cls.__dict__.get(field.name), StateField):
            descriptor = StateField()
            descriptor.__set_name__(cls, field.name)
            setattr(cls, field.name, descriptor)


def state_values(state: TrainerState) -> dict[str, Any]:
    """The fields as a plain dict (what a checkpoint pickles: a renamed class does not make it unreadable)."""
    return {field.name: getattr(state, field.name) for field in dataclasses.fields(state)}


def state_from(state_class: type, values: dict[str, Any]) -> TrainerState:
    """``state_class`` from ``state_values``'s dict; ValueError for a field it does not declare."""
    names = {field.name for field in dataclasses.fields(state_class)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"{state_class.__name__} has no field {', '.join(unknown)}")
    state = state_class(**values)
    if isinstance(state.recent_episodes, (list, tuple)):
        state.recent_episodes = deque(state.recent_episodes, maxlen=100)
    state.best_score, state.observation_shape = tuple(state.best_score), tuple(state.observation_shape)
    return state
