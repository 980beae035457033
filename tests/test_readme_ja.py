"""README.ja.md: the same two first commands as README.md; both READMEs name only scripts and flags that exist."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT


def commands(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", text, re.S)


def test_the_two_commands_are_the_english_readmes():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    japanese = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    assert commands(japanese)[:2] == commands(english)[:2]
    assert "(README.ja.md)" in english.splitlines()[2]  # linked from the top


@pytest.mark.parametrize("readme", ["README.ja.md", "README.md"])
def test_every_script_and_flag_it_names_exists(readme):
    import importlib

    from fn_framework.run.config import flag
    from fn_framework.run.cli import make_parser

    text = (ROOT / readme).read_text(encoding="utf-8")
    for script in set(re.findall(r"scripts/(\w+\.py)", text)):
        assert (ROOT / "scripts" / script).is_file(), script
    known: set[str] = set()
    for script in (ROOT / "scripts").glob("*_agent.py"):  # every script's flags, as --help lists them
        spec = importlib.import_module(f"scripts.{script.stem}").SPEC
        parser = make_parser(spec, spec.presets[spec.name].configs["book"], test=False)
        known |= {option for action in parser._actions for option in action.option_strings}
    tools = [*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "nn_tutorial").glob("*.py"),
             *(ROOT / "tabular").glob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    for tool in tools:  # the benchmarks', sweeps', tutorials' and scripts' own flags, named too
        known |= set(re.findall(r'add_argument\(\s*"(--[a-z][a-z_-]*)"', tool.read_text(encoding="utf-8")))
    known |= {"--logdir", "--load_fast"}  # TensorBoard's own
    if "--list" in (ROOT / "agents" / "presets.py").read_text(encoding="utf-8"):
        known.add("--list")  # scripts/agent.py's listing, read before the agent's own parser
    named = set(re.findall(r"`(--[a-z][a-z_-]*)", text)) | set(re.findall(r"、(--[a-z][a-z_-]*)", text))
    assert named and named <= known, named - known
    assert flag("learning_rate") in named
