"""Every setting's valid values live beside its field, and a value no run can use is one ``error:`` line."""
from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest

from agents.presets import TABLE
from fn_framework.run.errors import UserError
from fn_framework.run.config import apply_overrides, field_types, valid_of
from tests.conftest import ROOT

CONFIGS = sorted({type(p.configs["book"]) for p in TABLE.values()}, key=lambda c: c.__name__)
FREE_TEXT = {"env"}  # any registered Gymnasium id: make_env refuses an unknown one in one line


def bad_values(kind: type, valid) -> list:
    """Values of the wrong type, non-finite, and on the wrong side of each bound of ``valid``."""
    values = {bool: ["yes", 1], int: [2.5, "3", True], float: ["x", math.nan, math.inf, None], str: [3]}[kind]
    if valid.low is not None:
        values.append(valid.low - 1)
    if valid.high is not None:
        values.append(valid.high + 0.5 if kind is float else valid.high + 1)
    if valid.above is not None:
        values.append(valid.above)
    if valid.choices is not None:
        values.append("nonsense")
    return values


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_number_and_choice_declares_its_valid_values(cls):
    for name, kind in field_types(cls).items():
        if kind is bool or name in FREE_TEXT:
            continue
        valid = valid_of(cls, name)
        assert valid.describe() != "any", f"{cls.__name__}.{name} has no range: declare it with setting(...)"


@pytest.mark.parametrize("run_name", sorted(TABLE))
def test_every_field_refuses_what_no_run_can_use_and_keeps_every_preset(run_name):
    for preset in TABLE[run_name].configs.values():
        assert dataclasses.replace(preset) == preset  # every preset passes its own checks
    book = TABLE[run_name].configs["book"]
    cls = type(book)
    for name, kind in field_types(cls).items():
        for value in bad_values(kind, valid_of(cls, name)):
            with pytest.raises(UserError, match=name):
                dataclasses.replace(book, **{name: value})


def test_rules_between_fields_and_overrides_from_the_benchmarks():
    dqn = TABLE["dqn"].configs["book"]
    with pytest.raises(UserError, match="batch_size .* at most buffer_size"):
        dataclasses.replace(dqn, batch_size=64, buffer_size=32)
    assert apply_overrides(dqn, {"learning_rate": 1}).learning_rate == 1.0  # an int is a float
    with pytest.raises(UserError, match="did you mean gamma"):
        apply_overrides(dqn, {"gama": 0.9})
    with pytest.raises(UserError, match="--search: double must be true or false"):
        apply_overrides(dqn, {"double": "maybe"}, source="--search")


@pytest.mark.parametrize("argv,flag", [
    (["--gamma", "1.5"], "--gamma"), (["--learning-rate", "0"], "--learning-rate"),
    (["--episodes", "-3"], "--episodes"), (["--batch-size", "x"], "--batch-size"),
    (["--minutes", "nan"], "--minutes"), (["--vector-mode", "fork"], "--vector-mode"), (["--n-envs", "0"], "--n-envs"),
])
def test_a_script_refuses_a_bad_flag_in_one_line_before_anything_runs(argv, flag, tmp_path, capsys):
    from fn_framework.run import cli as run
    from scripts.policy_gradient_agent import SPEC

    with pytest.raises(SystemExit) as exit_info:
        run.main(SPEC, [*argv, "--log-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: argument {flag}: ") and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # nothing was written


def test_benchmark_set_is_one_error_line_before_any_run(tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/cartpole_solve.py", "--agent", "dqn", "--set", "gama=0.9",
                             "--log-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == "error: dqn: --set: DeepQNetworkConfig has no setting 'gama' (did you mean gamma?)"


def test_fields_a_resume_cannot_change_are_declared_beside_them():
    from fn_framework.run.config import fixed_on_resume

    ppo = type(TABLE["ppo"].configs["book"])
    fixed = {name for name in field_types(ppo) if fixed_on_resume(ppo, name)}
    assert fixed == {"env", "test_mode", "frame_width", "frame_height", "frame_count", "n_envs", "n_steps",
                     "buffer_size"}
    dqn = type(TABLE["dqn"].configs["book"])  # env is redeclared there with Catcher's default: still fixed
    assert fixed_on_resume(dqn, "env") and not fixed_on_resume(dqn, "learning_rate")
