"""One registration per algorithm: found in its config module, and everything else reads it from there."""
from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agents.presets import ALGORITHMS, TABLE, spec
from fn_framework.run.registry import discover

AGENT_SCRIPT = str(Path(__file__).resolve().parents[1] / "scripts" / "agent.py")
BOOK_SCRIPTS = ["a2c", "dqn", "policy_gradient", "policy_gradient_continuous", "ppo", "value_function"]


def _package(tmp_path, monkeypatch, files: dict[str, str], name: str) -> str:
    """A package of agents ``name`` (a new name per test: Python keeps an imported package)."""
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for file_name, text in files.items():
        (package / file_name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


TOY_CONFIG = '''
    from dataclasses import dataclass
    from typing import ClassVar

    from fn_framework.run.config import Presets, TrainerConfig
    from fn_framework.run.registry import Algorithm


    @dataclass(frozen=True)
    class ToyConfig(TrainerConfig):
        TRAINER: ClassVar[str] = "toyagents.toy:ToyTrainer"
        MODEL_FILE: ClassVar[str] = "toy_agent.keras"


    ALGORITHM = Algorithm(name="toy", description="A toy.", presets=Presets({"book": ToyConfig()}, "book", {}))
'''


def test_an_agent_is_registered_by_its_config_module_alone(tmp_path, monkeypatch) -> None:
    package = _package(tmp_path, monkeypatch, {"toy_config.py": TOY_CONFIG, "helpers.py": "ALGORITHM = 1\n",
                                               "other_config.py": "X = 1\n"}, "toyagents")
    found = discover(package)
    assert list(found) == ["toy"] and found["toy"].model_file == "toy_agent.keras"
    assert found["toy"].tables() == {"toy": found["toy"].presets}


def test_two_algorithms_of_one_name_are_refused(tmp_path, monkeypatch) -> None:
    package = _package(tmp_path, monkeypatch, {"toy_config.py": TOY_CONFIG, "toy2_config.py": TOY_CONFIG},
                       "twinagents")
    with pytest.raises(ValueError, match="two algorithms are named 'toy'"):
        discover(package)


@pytest.mark.parametrize("name", BOOK_SCRIPTS)
def test_each_book_script_is_its_registration(name: str) -> None:
    script = importlib.import_module(f"scripts.{name}_agent")
    algorithm = ALGORITHMS[name]
    assert script.SPEC == spec(name)
    assert script.SPEC.model_file == type(TABLE[name].configs["book"]).MODEL_FILE
    assert script.SPEC.test_mode == (f"{name}_test" in TABLE) == (algorithm.test_presets is not None)


def test_the_table_is_every_registration_and_its_test_mode() -> None:
    assert sorted(ALGORITHMS) == BOOK_SCRIPTS
    assert sorted(TABLE) == sorted([*BOOK_SCRIPTS, "a2c_test", "dqn_test", "ppo_test"])


def test_the_trainer_saves_to_its_registered_model_file(tmp_path) -> None:
    pytest.importorskip("keras")
    from fn_framework.run.registry import trainer_class

    for name in BOOK_SCRIPTS:
        config = TABLE[name].configs["book"]
        trainer = trainer_class(config)(config, log_dir=str(tmp_path))
        assert trainer.model_path == str(tmp_path / trainer.trainer_name / type(config).MODEL_FILE)


def test_the_agent_script_lists_the_agents_and_refuses_an_unknown_one() -> None:
    listed = subprocess.run([sys.executable, AGENT_SCRIPT, "--list"], capture_output=True, text=True)
    assert listed.returncode == 0 and [line.split()[0] for line in listed.stdout.splitlines()] == BOOK_SCRIPTS
    unknown = subprocess.run([sys.executable, AGENT_SCRIPT, "sarsa"], capture_output=True, text=True)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: no agent 'sarsa' (known: a2c, dqn,")


def test_the_agent_script_trains_like_the_book_script(tmp_path) -> None:
    flags = ["--episodes", "3", "--seed", "1"]
    book_script = AGENT_SCRIPT.replace("agent.py", "value_function_agent.py")
    for command in ([AGENT_SCRIPT, "value_function"], [book_script]):
        folder = tmp_path / Path(command[0]).name
        done = subprocess.run([sys.executable, *command, *flags, "--log-dir", str(folder)], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    rows = [[line.split(",")[:2] for line in (tmp_path / script / "value_function" / "monitor.csv").read_text()
             .splitlines()[2:]] for script in ("agent.py", "value_function_agent.py")]
    assert rows[0] == rows[1] and len(rows[0]) == 3
