"""README.ja.md: the same two first commands as README.md, and only scripts and flags that exist."""
from __future__ import annotations

import re

from tests.conftest import ROOT


def commands(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", text, re.S)


def test_the_two_commands_are_the_english_readmes():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    japanese = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    assert commands(japanese)[:2] == commands(english)[:2]
    assert "(README.ja.md)" in english.splitlines()[2]  # linked from the top


def test_every_script_and_flag_it_names_exists():
    import importlib

    from fn_framework.run.config import flag
    from fn_framework.run.cli import make_parser

    text = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    for script in set(re.findall(r"scripts/(\w+\.py)", text)):
        assert (ROOT / "scripts" / script).is_file(), script
    known: set[str] = set()
    for script in (ROOT / "scripts").glob("*_agent.py"):  # every script's flags, as --help lists them
        spec = importlib.import_module(f"scripts.{script.stem}").SPEC
        parser = make_parser(spec, spec.presets[spec.name].configs["book"], test=False)
        known |= {option for action in parser._actions for option in action.option_strings}
    sweep = (ROOT / "benchmarks" / "tune_sweep.py").read_text(encoding="utf-8")  # the sweeps' flags, named too
    known |= set(re.findall(r'add_argument\("(--[a-z][a-z-]*)"', sweep))
    named = set(re.findall(r"`(--[a-z][a-z-]*)", text)) | set(re.findall(r"、(--[a-z][a-z-]*)", text))
    assert named and named <= known, named - known
    assert flag("learning_rate") in named
