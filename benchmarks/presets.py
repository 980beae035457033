"""Named hyperparameter presets for the benchmarks, one place for every change from the book.

A preset is what ``cartpole_solve.py`` and ``catcher_learn.py`` pass to the book's trainers:
``trainer`` goes to the trainer's constructor, ``train`` to its ``train(...)`` call, and
``observation`` (Catcher only) is ``CatcherObserver``'s ``(width, height, frame_count)``. Nothing
here needs an option the agents do not already have.

* ``book``: the book's settings, exactly what ``scripts/*_agent.py`` pass (CartPole runs the
  test modes, as the book does). These are the scripts' defaults.
* Other names use what modern practice offers; each says why it differs from the book.
* ``best``: an alias for the fastest measured preset of that agent (``book`` until a run of
  ``cartpole_solve.py``/``catcher_learn.py`` shows another one faster; see README "Results").

``episode_count`` matters only where it is a schedule: DQN decays epsilon linearly over the
training episodes, so its preset keeps the book's count. The other agents get a count no run
reaches, so the benchmark's cap (steps, seconds or minutes) decides when a run stops.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

UNLIMITED_EPISODES = 10**9


@dataclass(frozen=True)
class Preset:
    """Settings of one agent on one task.

    Attributes:
        trainer: keyword arguments of the trainer's constructor.
        train: keyword arguments of ``trainer.train(env, ...)``.
        observation: Catcher's ``CatcherObserver(env, width, height, frame_count)``.
        reason: why it differs from the book (empty for ``book``).
    """

    trainer: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    observation: Optional[tuple[int, int, int]] = None
    reason: str = ""

    def but(self, reason: str, trainer: Optional[dict] = None, train: Optional[dict] = None,
            observation: Optional[tuple[int, int, int]] = None) -> "Preset":
        """This preset with some settings changed (``reason`` says why)."""
        return replace(
            self,
            trainer={**self.trainer, **(trainer or {})},
            train={**self.train, **(train or {})},
            observation=observation or self.observation,
            reason=reason,
        )


# CartPole-v1: the book's CartPole settings (test modes for DQN and A2C) -----------------------
_CARTPOLE_BOOK = {
    "value_function": Preset(train={"episode_count": UNLIMITED_EPISODES}),
    "dqn": Preset(
        trainer={"learning_rate": 1e-3},  # scripts/dqn_agent.py --test
        train={"episode_count": 1200, "initial_count": 200, "test_mode": True},
    ),
    "policy_gradient": Preset(train={"episode_count": UNLIMITED_EPISODES}),
    "a2c": Preset(
        trainer={"learning_rate": 1e-3},  # scripts/a2c_agent.py --test
        train={"episode_count": UNLIMITED_EPISODES, "test_mode": True},
    ),
}

CARTPOLE: dict[str, dict[str, Preset]] = {
    "value_function": {"book": _CARTPOLE_BOOK["value_function"]},
    "dqn": {
        "book": _CARTPOLE_BOOK["dqn"],
        "modern": _CARTPOLE_BOOK["dqn"].but(
            "Double DQN and the Huber loss (van Hasselt 2016; Mnih 2015) tame the over-estimation and "
            "the large TD errors of 500-step episodes; a gradient step every 2 env steps halves the "
            "cost per step (SB3's zoo does 0.5 per step too). The book's episode schedule stays: a "
            "shorter one (300 episodes after 20) was measured to collapse, because epsilon decays per "
            "episode and a failing agent's 10-step episodes use it up in under 4000 steps.",
            trainer={"double": True, "huber": True, "train_freq": 2},
        ),
        "zoo": _CARTPOLE_BOOK["dqn"].but(
            "SB3's DQN schedule with the RL-Zoo CartPole-v1 values (sb3_peer.py), on the book's test "
            "network: 128 gradient steps every 256 env steps, run in one compiled call (the book: one "
            "call per env step), the teacher synced after each of those updates, epsilon 1 -> 0.04 over "
            "the first 8000 env steps (not per episode), batch 64, lr 2.3e-3, Huber loss (SB3's "
            "smooth L1), training after about 1000 random steps (45 episodes).",
            trainer={"learning_rate": 2.3e-3, "batch_size": 64, "buffer_size": 100_000, "initial_epsilon": 1.0,
                     "final_epsilon": 0.04, "train_freq": 256, "gradient_steps": 128,
                     "teacher_update_steps": 128, "exploration_steps": 8000, "huber": True},
            train={"episode_count": UNLIMITED_EPISODES, "initial_count": 45},
        ),
    },
    "policy_gradient": {
        "book": _CARTPOLE_BOOK["policy_gradient"],
        "gamma99": _CARTPOLE_BOOK["policy_gradient"].but(
            "gamma 0.9 sees about 10 steps ahead; CartPole-v1 pays for 500, so 0.99 (the usual choice).",
            trainer={"gamma": 0.99},
        ),
        "script": _CARTPOLE_BOOK["policy_gradient"].but(
            "scripts/policy_gradient_agent.py's defaults (measured there on CartPole-v0): gamma 0.99, "
            "the whole episode per update (500 steps: v1's longest), returns standardised over the last "
            "10 episodes, standardised states clipped to +-5.",
            trainer={"gamma": 0.99, "batch_size": 500, "baseline_episodes": 10, "input_clip": 5.0},
        ),
    },
    "a2c": {"book": _CARTPOLE_BOOK["a2c"]},
}

# Catcher-v0: the book's CNN agents --------------------------------------------------------------
_CATCHER_BOOK = {
    "dqn": Preset(
        trainer={"learning_rate": 1e-4},  # scripts/dqn_agent.py
        train={"episode_count": 1200, "initial_count": 200},
        observation=(80, 80, 4),
    ),
    "a2c": Preset(
        trainer={"learning_rate": 7e-5},  # scripts/a2c_agent.py
        train={"episode_count": UNLIMITED_EPISODES},
        observation=(80, 80, 4),
    ),
}

CATCHER: dict[str, dict[str, Preset]] = {
    "dqn": {
        "book": _CATCHER_BOOK["dqn"],
        "modern": _CATCHER_BOOK["dqn"].but(
            "On 2 CPU cores the CNN's gradient step is the cost: 40x40 frames (the 64x64 game loses "
            "nothing a 3-pixel fruit needs) quarter the convolutions, a gradient step every 4 env steps "
            "(DQN's Atari setting) quarters their number; Double DQN and Huber as on CartPole; epsilon "
            "decays over 300 episodes after 30 random ones so that it reaches its floor within minutes.",
            trainer={"double": True, "huber": True, "train_freq": 4},
            train={"episode_count": 330, "initial_count": 30},
            observation=(40, 40, 4),
        ),
    },
    "a2c": {
        "book": _CATCHER_BOOK["a2c"],
        "small": _CATCHER_BOOK["a2c"].but(
            "40x40 frames quarter the CNN's cost per step and per update on a CPU.",
            observation=(40, 40, 4),
        ),
    },
}

#: ``--preset best``: the fastest measured preset per task and agent (book until measured).
BEST: dict[str, dict[str, str]] = {
    "cartpole": {"value_function": "book", "dqn": "zoo", "policy_gradient": "script", "a2c": "book"},
    "catcher": {"dqn": "modern", "a2c": "book"},  # measured: README "Results"
}

TASKS = {"cartpole": CARTPOLE, "catcher": CATCHER}


def get(task: str, agent: str, name: str = "book") -> tuple[str, Preset]:
    """The preset ``name`` of ``agent`` on ``task`` as ``(resolved name, preset)``; ``best`` resolves."""
    presets = TASKS[task][agent]
    resolved = BEST[task][agent] if name == "best" else name
    if resolved not in presets:
        known = ", ".join(sorted([*presets, "best"]))
        raise SystemExit(f"error: no preset {name!r} for {agent} on {task} (known: {known})")
    return resolved, presets[resolved]


def names(task: str) -> list[str]:
    """Every preset name of ``task`` (for ``--preset`` choices), ``best`` included."""
    return sorted({n for presets in TASKS[task].values() for n in presets} | {"best"})
