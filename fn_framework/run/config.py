"""One dataclass of settings per agent: field docstrings become ``--help``, presets are ``replace``s.

A config holds every setting a trainer, its agent and its observer take, with the book's
value as the default. Each field is documented by the string literal under it (as CleanRL
and tyro do); ``field_docs`` reads those strings from the source, so the documentation
is written once and shows up in ``--help``, ``--print-config`` and the table of
differences from the book. ``BOOK`` lists, for the fields whose default is *not* the
book's, the book's value (the field's docstring says why ours differs).

Every setting's valid values are declared beside the field: ``gamma: float = setting(0.9, low=0.0,
high=1.0)``; a subclass that only changes the default (``gamma: float = 0.99``) keeps the range of
the first declaration. ``check_config`` runs in ``TrainerConfig.__post_init__``, so a setting no
run can use is refused (one ``UserError``: the scripts print it as one ``error:`` line) wherever a
config is made: from flags, a preset, a saved ``config.json``, the benchmarks' ``--set`` or a
sweep's ``--search``.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import functools
import inspect
import math
import numbers
import os
import textwrap
import typing
from typing import Any, ClassVar, Optional, Sequence

from fn_framework.run.errors import UserError


@dataclasses.dataclass(frozen=True)
class Valid:
    """The values a field takes: ``low <= x <= high``, ``x > above``, or one of ``choices``."""

    low: Optional[float] = None
    high: Optional[float] = None
    above: Optional[float] = None
    choices: Optional[Sequence[Any]] = None

    def problem(self, value: Any) -> Optional[str]:
        """Why ``value`` is not valid (``None`` when it is)."""
        if self.choices is not None and value not in self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.above is not None and not value > self.above:
            return f"greater than {self.above:g}" + (f" and at most {self.high:g}" if self.high is not None else "")
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            if self.high is None:
                return f"at least {self.low:g}"
            return f"between {self.low:g} and {self.high:g}" if self.low is not None else f"at most {self.high:g}"
        return None

    def describe(self) -> str:
        """``[0, 1]``, ``> 0``, ``>= 1``, ``sync|async``: for ``--help`` and the docs."""
        if self.choices is not None:
            return "|".join(map(str, self.choices))
        if self.above is not None:
            return f"> {self.above:g}" + (f", <= {self.high:g}" if self.high is not None else "")
        if self.low is not None and self.high is not None:
            return f"[{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f">= {self.low:g}"
        return f"<= {self.high:g}" if self.high is not None else "any"


ANY = Valid()


def setting(default: Any, *, low: Optional[float] = None, high: Optional[float] = None,
            above: Optional[float] = None, choices: Optional[Sequence[Any]] = None, fixed: bool = False) -> Any:
    """A config field with its valid values (see ``Valid``); ``fixed``: a ``--resume`` cannot change it."""
    return dataclasses.field(default=default, metadata={"valid": Valid(low, high, above, choices), "fixed": fixed})


def valid_of(cls: type, name: str) -> Valid:
    """The ``Valid`` of field ``name``: the most derived class that declares one for it."""
    for klass in cls.__mro__:
        fields = klass.__dict__.get("__dataclass_fields__", {})
        if name in fields and "valid" in fields[name].metadata:
            return fields[name].metadata["valid"]
    return ANY


@functools.lru_cache(maxsize=None)
def field_types(cls: type) -> dict[str, type]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


#: The largest integer setting: a count of env steps, copies, experiences or gradient steps beyond it needs
#: more memory or time than any machine has, and NumPy or TensorFlow would fail on it with a traceback (an
#: OverflowError, "Maximum allowed dimension exceeded") or a hang that ignores SIGTERM.
INT_LIMIT = 2**31 - 1


def type_problem(kind: type, value: Any) -> Optional[str]:
    """Why ``value`` is not a ``kind`` (an int is a float; a bool is no number; no int beyond ``INT_LIMIT``)."""
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if ok and abs(int(value)) > INT_LIMIT:
            return f"at most {INT_LIMIT} (2**31 - 1)"
    elif kind is float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if ok and not math.isfinite(float(value)):
            return "a finite number"
    else:
        ok = isinstance(value, kind)
    return None if ok else {bool: "true or false", int: "an integer", float: "a number"}.get(kind, kind.__name__)


def check_config(config: Any) -> None:
    """Refuse the first field whose value has the wrong type or is out of its range."""
    cls = type(config)
    for name, kind in field_types(cls).items():
        value = getattr(config, name)
        wanted = type_problem(kind, value) or (None if kind is bool else valid_of(cls, name).problem(value))
        if wanted:
            raise UserError(f"{name} must be {wanted}, not {value!r}")


def apply_overrides(config: Any, overrides: dict[str, Any], source: str = "--set") -> Any:
    """``config`` with ``overrides`` (a benchmark's ``--set``, a sweep's sample), each field known and checked.

    An int given for a float field becomes a float; anything else of the wrong type is refused.
    """
    types = field_types(type(config))
    for name, value in overrides.items():
        if name not in types:
            near = difflib.get_close_matches(name, types, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise UserError(f"{source}: {type(config).__name__} has no setting {name!r}{hint}")
    fixed = {k: float(v) if types[k] is float and isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
             for k, v in overrides.items()}
    try:
        return dataclasses.replace(config, **fixed)
    except UserError as error:
        raise UserError(f"{source}: {error}") from None


@dataclasses.dataclass(frozen=True)
class TrainerConfig:
    """What every trainer takes: the env, the budgets, the buffer, evaluation and keeping the best."""

    env: str = setting("CartPole-v0", fixed=True)
    """Gymnasium environment id."""
    episodes: int = setting(200, low=1)
    """Training episodes (with --play: episodes played, default 5)."""
    steps: int = setting(0, low=0)
    """Budget: stop after this many env steps in all (0: no limit)."""
    minutes: float = setting(0.0, low=0)
    """Budget: stop after this many minutes of this invocation (0: no limit)."""
    initial_count: int = setting(-1, low=-1)
    """Begin training after this many episodes if positive, else when the buffer is full."""
    buffer_size: int = setting(1024, low=1, fixed=True)
    """Experiences kept; training begins when they fill it."""
    batch_size: int = setting(32, low=1)
    """Experiences per update."""
    gamma: float = setting(0.9, low=0, high=1)
    """Discount factor."""
    report_interval: int = setting(10, low=1)
    """Episodes between the book's 'At episode N, reward is ...' lines."""
    observe_interval: int = setting(0, low=0)
    """Write observed frames to TensorBoard every N training episodes (0: never)."""
    keep_best: bool = False
    """Keep the best model at the model path while training; the final one goes to *_last."""
    eval_every: int = setting(0, low=0)
    """Play greedy evaluation episodes every N env steps (0: never); with keep_best they pick the best model."""
    eval_episodes: int = setting(5, low=1)
    """Greedy episodes per evaluation."""
    checkpoint_minutes: float = setting(2.0, low=0)
    """Write a checkpoint every N minutes of training (0: only at the end); a killed run loses at most that."""
    checkpoint_steps: int = setting(0, low=0)
    """Also write a checkpoint every N env steps (0: by minutes only); --resume goes on from the last one."""

    #: The book's value of every field whose default differs from it (the docstring says why).
    BOOK: ClassVar[dict[str, Any]] = {}
    #: ``"module:Class"`` of the trainer that takes this config (imported when a run starts).
    TRAINER: ClassVar[str] = "fn_framework.trainer:Trainer"
    #: The model's file name in the run folder (``dqn_agent.keras``).
    MODEL_FILE: ClassVar[str] = ""
    #: Updates sample batch_size experiences from a replay memory of buffer_size (DQN, the continuous agent).
    REPLAY: ClassVar[bool] = False
    #: The action spaces the agent takes: ``discrete`` or ``box`` (continuous).
    ACTIONS: ClassVar[str] = "discrete"
    #: Fields of the shared config this agent's trainer never reads: no flag offers them, ``--print-config``
    #: leaves them out (a flag that changes nothing is a trap).
    UNUSED: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        """Settings no run can use are refused here, once for every agent (one ``error:`` line)."""
        check_config(self)
        self.check()

    def check(self) -> None:
        """Rules between fields (each field's own range is beside it, ``fn_framework.run.config``)."""
        if self.REPLAY and self.batch_size > self.buffer_size:
            raise UserError(f"batch_size ({self.batch_size}) must be at most buffer_size ({self.buffer_size}): "
                            "each update samples its batch from the replay memory")

    def episodes_schedule(self) -> bool:
        """Whether the episode count shapes a schedule (DQN's epsilon decay), not just a stop."""
        return False


@dataclasses.dataclass(frozen=True)
class VectorConfig(TrainerConfig):
    """For the trainers that can step several copies of the env as one (``fn_framework/trainer.py``)."""

    n_envs: int = setting(1, low=1, fixed=True)
    """Env copies stepped as one vector env, acting with one forward pass for all (1: the book's single env)."""
    vector_mode: str = setting("sync", choices=("sync", "async"))
    """sync: the copies step in this process (Gymnasium SyncVectorEnv); async: one subprocess each (AsyncVectorEnv)."""


@functools.lru_cache(maxsize=None)
def field_docs(cls: type) -> dict[str, str]:
    """``{field: docstring}`` from the string literal under each field, base classes first."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass) or klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, following in zip(body, body[1:]):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_config_flags(parser: argparse.ArgumentParser, config: Any) -> None:
    """One flag per field, its help from the docstring and its default from ``config``.

    Defaults are not stored in the namespace (``SUPPRESS``), so ``config_from_args`` knows
    which settings the user gave.
    """
    group = parser.add_argument_group(f"settings ({type(config).__name__}; --print-config shows them all)")
    docs = field_docs(type(config))
    for name, kind in field_types(type(config)).items():
        if name in type(config).UNUSED:
            continue
        default = getattr(config, name)
        valid = valid_of(type(config), name)
        values = "" if kind is bool or valid.describe() == "any" else f"; {valid.describe()}"
        help_text = f"{docs.get(name, '')} (default: {default}{values})".replace("%", "%%")
        if kind is bool:
            group.add_argument(flag(name), action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
        else:
            group.add_argument(flag(name), type=_parser_of(kind, valid), default=argparse.SUPPRESS,
                               metavar=kind.__name__.upper(), help=help_text)


def _parser_of(kind: type, valid: Any) -> Any:
    """The flag's type: the field's type, then its range (argparse names the flag in the error)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        problem = type_problem(kind, value) or valid.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(f"must be {problem}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def given_settings(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    """The settings the command line gave (fields present in ``args``)."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(config) if hasattr(args, f.name)}


def format_config(config: Any) -> str:
    """``name = value  # doc`` per field: what ``--print-config`` prints and TensorBoard shows."""
    docs = field_docs(type(config))
    lines = [f"# {type(config).__name__}"]
    for f in dataclasses.fields(config):
        if f.name in type(config).UNUSED:
            continue
        book = type(config).BOOK
        note = f" (book: {book[f.name]!r})" if f.name in book else ""
        lines.append(f"{f.name} = {getattr(config, f.name)!r}  # {docs.get(f.name, '')}{note}")
    return "\n".join(lines)


def differences(name: str, config: Any, book: Any) -> list[tuple[str, str, Any, Any, str]]:
    """Rows ``(agent, field, book value, ours, why)`` where ``config`` differs from ``book``.

    ``book`` is the book's settings (a config whose ``BOOK`` values are applied); the
    reason is the field's docstring.
    """
    docs = field_docs(type(config))
    rows = []
    for f in dataclasses.fields(config):
        ours, theirs = getattr(config, f.name), getattr(book, f.name)
        if ours != theirs:
            rows.append((name, f.name, theirs, ours, docs.get(f.name, "")))
    return rows


def book_settings(config: Any) -> Any:
    """``config`` with the book's value put back in every field listed in ``BOOK``."""
    return dataclasses.replace(config, **type(config).BOOK)


class Presets(typing.NamedTuple):
    """One run's presets: configs by name (``book`` first), what ``best`` stands for, why each differs."""

    configs: dict[str, Any]
    best: str
    notes: dict[str, str]


def resolve_preset(table: dict[str, Presets], run_name: str, name: str) -> tuple[str, Any]:
    """``(resolved name, config)`` of preset ``name`` in ``table[run_name]``; ``best`` resolves."""
    presets, best, _ = table[run_name]
    resolved = best if name == "best" else name
    if resolved not in presets:
        raise UserError(f"no preset {name!r} for {run_name} (known: {', '.join([*presets, 'best'])})")
    return resolved, presets[resolved]


CONFIG_FILE = "config.json"


def save_config(config: Any, folder: str) -> str:
    """Write the run's settings beside its model: ``--play`` and ``--resume`` start from them."""
    import json

    from fn_framework.run.folders import atomic_path

    path = os.path.join(folder, CONFIG_FILE)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump({"config": type(config).__name__, **dataclasses.asdict(config)}, f, indent=1)
    return path


def load_config(path: str, base: Any) -> Any:
    """``base`` with the settings saved in ``path`` (fields it does not know are left out)."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the run's settings in {path} ({error}); pass --preset to choose them") from None
    if saved.get("config") != type(base).__name__:
        raise UserError(f"the run in {os.path.dirname(path)} was trained by another agent ({saved.get('config')}, "
                        f"not {type(base).__name__}); give this agent's model or --preset")
    names = {f.name for f in dataclasses.fields(base)}
    return dataclasses.replace(base, **{k: v for k, v in saved.items() if k in names})


def check_resume_settings(saved: Any, config: Any) -> list[str]:
    """The settings a resume changes from the checkpoint's run, as ``name: old -> new``; refuse the fixed ones.

    Fixed: the fields declared ``setting(..., fixed=True)`` (the model, the observations or the stored
    experiences depend on them).
    """
    changed = [(f.name, getattr(saved, f.name), getattr(config, f.name)) for f in dataclasses.fields(config)
               if getattr(saved, f.name) != getattr(config, f.name)]
    fixed = [f"{name} {old!r} -> {new!r}" for name, old, new in changed if fixed_on_resume(type(config), name)]
    if fixed:
        raise UserError(f"--resume cannot change {', '.join(fixed)} (the checkpoint's run depends on them); "
                        "drop those settings, or start afresh with --fresh")
    return [f"{name}: {old!r} -> {new!r}" for name, old, new in changed]


def settings_for_run(folder: str, config: Any, resume: bool) -> list[str]:
    """Save the run's settings in ``folder``; resuming, first refuse the fixed ones changed since the saved run.

    Returns the changes a resume makes, as ``name: old -> new``.
    """
    saved = os.path.join(folder, CONFIG_FILE)
    changes = check_resume_settings(load_config(saved, config), config) if resume and os.path.exists(saved) else []
    save_config(config, folder)
    return changes


def fixed_on_resume(cls: type, name: str) -> bool:
    """Whether field ``name`` was declared ``fixed``: the checkpoint's model, observations or memory depend on it."""
    for klass in cls.__mro__:
        fields = klass.__dict__.get("__dataclass_fields__", {})
        if name in fields and "fixed" in fields[name].metadata:
            return bool(fields[name].metadata["fixed"])
    return False
