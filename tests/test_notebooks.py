"""Every notebook runs top to bottom headless with tiny budgets and leaves its figure and GIF; each is stored
with the outputs of a real run (notebooks/render.py) made by its current code, small, in Japanese and English.

The notebooks' first cell is the one a fresh Jupyter or Colab runs (install from requirements.txt);
here it runs inside this checkout. NOTEBOOK_FAST=1 shrinks every training budget to seconds.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil

import pytest

from tests.conftest import ROOT

nbclient = pytest.importorskip("nbclient", reason="the notebook runner is optional: pip install -r requirements-notebooks.txt")
nbformat = pytest.importorskip("nbformat", reason="pip install -r requirements-notebooks.txt")

#: notebook -> the files it must leave in its log folder
EXPECTED = {
    "00_bandits_maze": ["average_reward.png", "maze_steps.png", "maze.gif"],
    "01_nn_tutorial": ["explanation_keras_boston.png", "explanation_keras_mnist.png"],
    "02_value_function": ["value_function_curve.png", "value_function.gif"],
    "03_dqn_catcher": ["dqn_curve.png", "dqn.gif"],
    "04_policy_gradient_a2c": ["policy_gradient_curve.png", "policy_gradient.gif", "a2c_curve.png", "a2c.gif"],
    "05_ppo": ["ppo_curve.png", "ppo.gif"],
    "06_continuous_pendulum": ["policy_gradient_continuous_curve.png", "policy_gradient_continuous.gif"],
}
#: each agent's network diagram (--plot-model), where pydot and Graphviz are here to draw it
DIAGRAMS = {"02_value_function": ["value_function"], "03_dqn_catcher": ["dqn"], "05_ppo": ["ppo"],
            "04_policy_gradient_a2c": ["policy_gradient", "a2c"], "06_continuous_pendulum": ["policy_gradient_continuous"]}
CAN_DRAW = shutil.which("dot") is not None and importlib.util.find_spec("pydot") is not None


def test_every_notebook_is_listed():
    assert sorted(p[:-6] for p in os.listdir(ROOT / "notebooks") if p.endswith(".ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_leaves_its_figures(name, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_FAST", "1")
    monkeypatch.setenv("NOTEBOOK_LOG_DIR", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:  # run as a fresh copy: the stored outputs are the rendered ones
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    for file_name in EXPECTED[name] + [f"{run}_model.png" for run in DIAGRAMS.get(name, []) if CAN_DRAW]:
        path = tmp_path / file_name
        assert path.exists() and path.stat().st_size > 0, file_name
    images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
              or "image/gif" in o.get("data", {})]
    assert images, "the figures are shown inline"


def test_first_cell_clones_and_installs_on_a_fresh_machine(tmp_path):
    """Colab's case: no checkout around the notebook; the first cell clones the project and installs it."""
    import subprocess

    notebook = nbformat.read(ROOT / "notebooks" / "02_value_function.ipynb", as_version=4)
    setup = next(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "git" in setup and "requirements.txt" in setup
    # A Python of its own whose installs stay in it: the cell installs the clone as an editable package, which in
    # the tests' own environment would point every later test at the clone. It sees the tests' packages (a .pth).
    import site

    python = _isolated_python(tmp_path / "venv", site.getsitepackages()[0])
    env = dict(os.environ, BABY_STEPS_REPO_URL=str(ROOT), NOTEBOOK_LOG_DIR=str(tmp_path / "logs"))
    result = subprocess.run([python, "-c", setup + "\nprint('CWD', os.getcwd())"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    clone = tmp_path / "baby-steps"
    assert f"CWD {clone}" in result.stdout and (clone / "fn_framework" / "trainer.py").exists()
    where = subprocess.run([python, "-c", "import fn_framework; print(fn_framework.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120, check=True).stdout
    assert where.startswith(str(clone))  # installed: importable from any folder


def _isolated_python(folder, packages: str) -> str:
    """A new virtual environment that also sees ``packages`` (a .pth file), so nothing is downloaded."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    own = next(folder.glob("lib/python*/site-packages"))  # POSIX venvs (lib64 may link to it)
    (own / "tests_packages.pth").write_text(packages + "\n")
    return str(folder / "bin" / "python")


def test_every_notebook_sets_up_with_the_same_first_cell():
    """One setup for all: the clone URL and the install are changed in one text, not six drifting copies."""
    setups = {name: next(cell.source for cell in nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4).cells
                         if cell.cell_type == "code") for name in EXPECTED}
    assert len(set(setups.values())) == 1, sorted(setups)


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # hiragana, katakana, kanji


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_text_cell_is_in_japanese_then_english(name):
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    texts = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert texts
    from notebooks.render import BADGE

    for text in texts:
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith(BADGE)]
        assert JAPANESE.search(lines[0]), text[:80]  # Japanese first (after the Colab badge)
        english = [line for line in lines if not JAPANESE.search(line)
                   and len(re.findall(r"\b[A-Za-z]{2,}\b", line)) >= 2]
        assert english or " / " in text, text[:80]  # then the English (or "## 見出し / Heading")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_stored_outputs_come_from_the_current_code_and_stay_small(name):
    from notebooks.render import MAX_BYTES, digest

    path = ROOT / "notebooks" / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    meta = notebook.metadata.get("baby_steps", {})
    assert meta.get("digest") == digest(notebook), f"its code changed since it was rendered: python notebooks/render.py {name}"
    assert not meta["fast"] and path.stat().st_size < MAX_BYTES
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))  # top to bottom, every cell
    outputs = [o for cell in code for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the plots
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "".join(o.get("text", "") for o in outputs)
    assert "/tmp/" not in text and str(ROOT) not in text  # a reader's clone has none of the rendering machine's folders
    if CAN_DRAW or name in DIAGRAMS:
        shown = sum("image/png" in o.get("data", {}) for o in outputs)
        assert shown >= len(DIAGRAMS.get(name, [])) + 1  # the curves and each network's diagram
    if any(e.endswith(".gif") for e in EXPECTED[name]):
        assert any("image/gif" in o.get("data", {}) for o in outputs)  # the played GIF


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_colab_badge_and_the_clone_url_come_from_one_place(name):
    from notebooks.render import REPO, badge

    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    first_text = next(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    setup = next(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert first_text.splitlines()[0] == badge(name)
    assert f'"https://github.com/{REPO}"' in setup  # the first cell clones the same repository


def test_render_refuses_an_unknown_notebook_or_a_missing_runner_in_one_line():
    import subprocess
    import sys

    unknown = subprocess.run([sys.executable, "notebooks/render.py", "nosuch"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: no notebook 'nosuch' in notebooks/")
    code = ("import runpy, sys; sys.modules['nbclient'] = None; sys.argv = ['render.py', '02_value_function']; "
            "runpy.run_path('notebooks/render.py', run_name='__main__')")
    missing = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stderr == (
        "error: rendering needs nbclient, which is not installed: pip install -r requirements-notebooks.txt\n")


def test_the_render_digest_covers_the_presets_a_notebook_runs(monkeypatch):
    """A preset changed since a notebook was rendered (PPO's env count, say) makes its stored outputs stale."""
    import dataclasses

    from agents.presets import TABLE
    from notebooks.render import digest

    notebook = nbformat.read(ROOT / "notebooks" / "05_ppo.ipynb", as_version=4)
    before = digest(notebook)
    presets = TABLE["ppo"]
    changed = presets._replace(configs={**presets.configs,
                                         "fast": dataclasses.replace(presets.configs["fast"], n_envs=8)})
    monkeypatch.setitem(TABLE, "ppo", changed)
    assert digest(notebook) != before
    monkeypatch.undo()
    assert digest(notebook) == before
    other = nbformat.read(ROOT / "notebooks" / "02_value_function.ipynb", as_version=4)
    value_function = digest(other)
    monkeypatch.setitem(TABLE, "ppo", changed)
    assert digest(other) == value_function  # a notebook that does not run PPO is not stale for it
