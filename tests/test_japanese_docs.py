"""The Japanese documents a reader of the book opens: every one README.ja.md links to exists, the benchmarks guide
carries the generated blocks of benchmarks/figures.py and names only scripts and flags that exist, the nn_tutorial
notes state the code's epochs and cover every module, and README.ja.md's shipped-models table is the generator's."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: The Japanese documents README.ja.md must link to (issue #38: every document a reader uses, in Japanese).
JAPANESE = ("benchmarks/README.ja.md", "docs/nn_tutorial_tf2.ja.md", "docs/book_differences.ja.md")
LINK = re.compile(r"\]\(([^)\s]+)\)")
#: A path in code quotes: folder/.../name.ext, no placeholder (``<run>``), no wildcard.
QUOTED_PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:md|py|png|ipynb|txt|json))`")


def text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def targets(document: str) -> set[str]:
    """The files a document links to (markdown links and images) or names in code quotes, from the repository root."""
    body, folder = text(document), Path(document).parent
    out = set()
    for target in LINK.findall(body):
        if re.match(r"^[a-z][a-z+]*:", target) or target.startswith("#"):
            continue  # a URL or an anchor in the same page
        out.add(str(Path(folder, target.split("#")[0])))
    out |= {str(Path(path)) for path in QUOTED_PATH.findall(body) if not path.startswith(("FN/", "hyperparams/"))}
    return out


def shipped_models():
    spec = importlib.util.spec_from_file_location("train_shipped_models", ROOT / "scripts" / "train_shipped_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_ja_links_the_japanese_documents_and_every_document_it_links_exists():
    linked = targets("README.ja.md")
    assert set(JAPANESE) <= linked, set(JAPANESE) - linked
    for document in ("README.ja.md", *JAPANESE):
        missing = sorted(t for t in targets(document) if not (ROOT / t).exists())
        assert not missing, f"{document} links to files that do not exist: {missing}"


def test_the_benchmarks_guide_has_every_generated_block_of_figures_py():
    """Each of figures.py's blocks (the seed sets and one per study) as a pair of marker lines, opening first."""
    from benchmarks import figures

    lines = text("benchmarks/README.ja.md").splitlines()
    for name in ("seeds", *figures.STUDIES):
        begin, end = f"<!-- figures:{name} -->", f"<!-- /figures:{name} -->"
        assert lines.count(begin) == 1 and lines.count(end) == 1, name
        assert lines.index(begin) < lines.index(end), name
    assert {"seeds", "cartpole", "pendulum", "catcher"} <= {"seeds", *figures.STUDIES}


def test_the_benchmarks_guide_names_scripts_flags_and_studies_that_exist():
    body = text("benchmarks/README.ja.md")
    shared = (ROOT / "benchmarks" / "settings.py").read_text()
    commands = re.findall(r"python benchmarks/(\w+\.py)([^`\n]*(?:\\\n[^`\n]*)*)", body)
    assert len(commands) > 10
    for script, rest in commands:
        source = ROOT / "benchmarks" / script
        assert source.is_file(), script
        code = source.read_text() + shared
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest.split("#")[0]):
            assert f'"{flag}"' in code, f"benchmarks/{script} has no {flag}"
    from benchmarks import figures

    measure = next(line for line in body.splitlines() if "python benchmarks/figures.py measure" in line)
    assert all(name in measure for name in figures.STUDIES), measure  # every study's command, on that line
    assert "figures.py render --check" in body and "`--restore`" in body
    assert '"--restore"' in (ROOT / "benchmarks" / "tune_sweep.py").read_text()


def test_the_nn_tutorial_notes_cover_every_module_and_state_the_codes_epochs():
    from nn_tutorial import explanation_keras_boston, explanation_keras_mnist

    notes = text("docs/nn_tutorial_tf2.ja.md")
    modules = sorted(p.stem for p in (ROOT / "nn_tutorial").glob("*.py") if not p.stem.startswith("_"))
    assert len(modules) == 7
    for module in modules:
        assert f"## `{module}.py`" in notes, module
        assert f"python -m nn_tutorial.{module}" in notes, module
    assert f"エポック数は 8 ではなく {explanation_keras_boston.EPOCHS} です" in notes
    assert f"エポック数は 8 ではなく {explanation_keras_mnist.EPOCHS} です" in notes


def block(document: str) -> list[str]:
    body = text(document)
    module = shipped_models()
    return body.split(module.BEGIN + "\n")[1].split("\n" + module.END)[0].splitlines()


def test_the_shipped_models_tables_are_the_generators():
    """README.ja.md's Japanese table, README.md's and models/README.md's are what train_shipped_models.table
    renders from models/README.md's rows and each model's config.json (its env column)."""
    import json

    module = shipped_models()
    rows = module.read_rows()
    assert sorted(rows) == sorted(p.parent.name for p in (ROOT / "models").glob("*/config.json"))
    english = module.table(rows, "en")
    assert english == [line for line in text("models/README.md").splitlines() if line.startswith("|")]
    assert block("README.md") == english
    japanese = module.table(rows, "ja")
    assert block("README.ja.md") == japanese
    assert japanese[0].startswith("| 実行 | 環境 |") and len(japanese) == len(english)
    for line in japanese[2:]:
        run_name, env = (cell.strip().strip("`") for cell in line.split("|")[1:3])
        assert env == json.loads((ROOT / "models" / run_name / "config.json").read_text())["env"]


def test_a_shipped_models_row_the_script_cannot_read_is_refused(tmp_path):
    module = shipped_models()
    readme = tmp_path / "README.md"
    readme.write_text("| run | ... |\n| `dqn` | `python scripts/dqn_agent.py` | many | 1 | `--play` | 5 |\n")
    with pytest.raises(SystemExit, match="cannot read this row"):
        module.read_rows(str(readme))
