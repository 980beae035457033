"""Every setting's valid values, declared beside the field, and one check for all of them.

A config field is declared ``gamma: float = setting(0.9, low=0.0, high=1.0)``; a subclass that
only changes the default (``gamma: float = 0.99``) keeps the range of the first declaration.
``check_config`` runs in ``TrainerConfig.__post_init__``, so a setting no run can use is refused
(one ``UserError``: the scripts print it as one ``error:`` line) wherever a config is made: from
flags, a preset, a saved ``config.json``, the benchmarks' ``--set`` or a sweep's ``--search``.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import numbers
import typing
from typing import Any, Optional, Sequence

from fn_framework.errors import UserError


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


def type_problem(kind: type, value: Any) -> Optional[str]:
    """Why ``value`` is not a ``kind`` (an int is a float; a bool is no number)."""
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
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
