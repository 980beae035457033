"""docs/book_map.md cites our code by name, every name it cites exists, and it is written in Japanese too.

The map cites our code in one form only, inside backticks: a path and a dotted name,
``fn_framework/trainer.py: Trainer.train_loop``; a bare path (``agents/replay.py``) names a file or
folder. Each cited file is parsed with ``ast`` (no module is imported: no TensorFlow here) and the
name is looked up among its top-level classes, functions and assignments, then, for each further
part, among that class's methods, class attributes and nested classes. A name is found only where it
is defined: an inherited method is cited on the class that defines it, an imported one in the module
that defines it.

Line numbers of our code go stale at the next edit, so the map cites none: a line number may follow
only a path of the book's ``FN/`` folder (``FN/dqn_agent.py`` l.108).
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "book_map.md"

#: The top-level folders of this repository: a path that begins with one of them is ours.
OUR_ROOTS = ("agents", "benchmarks", "docs", "envs", "fn_framework", "models", "nn_tutorial", "notebooks",
             "scripts", "tabular", "tests")

SPAN = re.compile(r"`([^`\n]+)`")
#: The one form of a named reference: ``path.py: Name.attr``.
NAMED = re.compile(r"(?P<path>[\w./-]+\.py): (?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
#: A path of ours inside a code span (not the tail of a longer path such as ``FN/nn_tutorial/...``).
OUR_PATH = re.compile(r"(?<![\w/.-])(?P<path>(?:%s)/[\w.*/-]*)" % "|".join(OUR_ROOTS))
MODULE_RUN = re.compile(r"python -m (?P<module>[\w.]+)")
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
URL = re.compile(r"https?://\S+")
#: A line-number citation: ``x.py:12``, ``x.py#L12``, ``l.12``, ``ll.12``, ``line 12``, ``lines 12``, ``12 行目``.
LINE_CITATION = re.compile(r"\.py(?::|#L)\d|\bl{1,2}\.\s?\d|\blines?\s+\d|\d+\s*行目")
#: Any file path (ours or the book's) that a line number could belong to.
ANY_PY_PATH = re.compile(r"(?<![\w/.-])[\w.-]+(?:/[\w.-]+)*\.py\b")
KANA = re.compile(r"[\u3040-\u30ff]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,]+[a-z][a-z'-]*){5,}")


# Parsing the map --------------------------------------------------------------
def spans(text: str) -> list[str]:
    return SPAN.findall(text)


def named_references(text: str) -> list[tuple[str, str]]:
    """Every ``(path, dotted name)`` the map cites."""
    return [(m["path"], m["name"]) for span in spans(text) for m in [NAMED.fullmatch(span)] if m]


def malformed_references(text: str) -> list[str]:
    """Code spans that cite a Python file with a colon but not in the one form (``x.py:12``, ``x.py::t``, lists)."""
    return [span for span in spans(text) if ".py:" in span and not NAMED.fullmatch(span)]


def path_references(text: str) -> list[str]:
    """Every path of ours in a code span: the files of the named references and the bare paths."""
    return [m["path"] for span in spans(text) for m in OUR_PATH.finditer(span)]


def module_references(text: str) -> list[str]:
    """Modules run as ``python -m package.module``."""
    return [m["module"] for span in spans(text) for m in MODULE_RUN.finditer(span)]


# Resolving names with ast -------------------------------------------------------
def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []  # PRESETS["fast"] = ..., obj.attr = ...: no new name


def defined_names(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    """The names a module or class body defines: classes, functions, assignments (also under if/try/with)."""
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(dict.fromkeys(_target_names(target), node))
        elif isinstance(node, ast.AnnAssign):
            names.update(dict.fromkeys(_target_names(node.target), node))
        elif isinstance(node, ast.If):
            names.update(defined_names(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            names.update(defined_names(node.body + handlers + node.orelse + node.finalbody))
        elif isinstance(node, ast.With):
            names.update(defined_names(node.body))
    return names


def resolves(root: Path, path: str, dotted: str) -> bool:
    """``dotted`` is defined in the Python file ``root/path`` (each part after the first inside a class)."""
    file = root / path
    if not file.is_file():
        return False
    scope = ast.parse(file.read_text(encoding="utf-8"), filename=str(file)).body
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        node = defined_names(scope).get(part)
        if node is None:
            return False
        if i < len(parts) - 1:
            if not isinstance(node, ast.ClassDef):
                return False  # only a class has members to look into
            scope = node.body
    return True


def path_exists(root: Path, path: str) -> bool:
    """A file or folder of ours; a glob (``agents/*_config.py``) must match at least one file."""
    if "*" in path:
        return any(root.glob(path))
    return (root / path).exists()


# Checking ---------------------------------------------------------------------
def unresolved(text: str, root: Path = ROOT) -> list[str]:
    """Every reference of the map that does not exist in ``root``, with why."""
    problems = []
    for path, name in named_references(text):
        if not path.startswith(tuple(f"{r}/" for r in OUR_ROOTS)):
            problems.append(f"{path}: {name}: not a path of this repository")
        elif not (root / path).is_file():
            problems.append(f"{path}: {name}: no such file")
        elif not resolves(root, path, name):
            problems.append(f"{path}: {name}: no such name in the file")
    for path in path_references(text):
        if not path_exists(root, path):
            problems.append(f"{path}: no such file or folder")
    for module in module_references(text):
        base = root / Path(*module.split("."))
        if not (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()):
            problems.append(f"python -m {module}: no such module")
    for target in LINK.findall(text):
        if not target.startswith(("http://", "https://", "#")) and not (DOC.parent / target.split("#")[0]).exists():
            problems.append(f"link {target}: no such file")
    return problems


def line_citations_of_our_code(text: str) -> list[str]:
    """Line numbers that do not follow a path of the book's ``FN/`` folder on the same line."""
    found = []
    for line in text.splitlines():
        line = URL.sub("", line)
        for m in LINE_CITATION.finditer(line):
            if m.group().startswith(".py"):
                found.append(f"{m.group()!r} in: {line.strip()[:120]}")
                continue
            before = ANY_PY_PATH.findall(line[: m.start()])
            if not before or not before[-1].startswith("FN/"):
                found.append(f"{m.group()!r} after {before[-1] if before else 'no file'!r}: {line.strip()[:120]}")
    return found


def sections(text: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of every heading of the map, the body up to the next heading."""
    parts = re.split(r"^(#{1,6} .*)$", text, flags=re.M)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


def prose(body: str) -> str:
    """A section's words: without code spans and web addresses."""
    return SPAN.sub(" ", URL.sub(" ", body))


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text(encoding="utf-8")


# The map ----------------------------------------------------------------------
def test_the_map_cites_our_code_by_name(text: str) -> None:
    named = named_references(text)
    assert len(named) >= 100, f"only {len(named)} references of the form `path.py: Name` were found"
    files = {path for path, _ in named}
    assert {"fn_framework/agent.py", "fn_framework/trainer.py", "fn_framework/logger.py", "agents/dqn.py",
            "agents/a2c.py", "agents/policy_gradient.py", "agents/value_function.py"} <= files


def test_every_reference_is_in_the_one_form(text: str) -> None:
    assert malformed_references(text) == []


def test_every_path_and_name_exists(text: str) -> None:
    assert unresolved(text) == []


def test_no_line_number_of_our_code(text: str) -> None:
    assert line_citations_of_our_code(text) == []
    assert re.search(r"\bl\.\d", text), "the book's line numbers (FN/... l.N) are kept"


def test_every_section_is_in_japanese_then_english(text: str) -> None:
    found = sections(text)
    assert len(found) >= 8
    for heading, body in found:
        words = prose(body)
        assert JAPANESE.search(heading) and " / " in heading, f"{heading}: a heading is 日本語 / English"
        assert len(KANA.findall(words)) >= 20, f"{heading}: no Japanese text"
        assert ENGLISH_SENTENCE.search(words), f"{heading}: no English text"
        first_japanese, first_english = JAPANESE.search(words), ENGLISH_SENTENCE.search(words)
        assert first_japanese.start() < first_english.start(), f"{heading}: the Japanese comes first"


def test_table_headers_are_japanese_and_english(text: str) -> None:
    headers = [line for line, after in zip(text.splitlines(), text.splitlines()[1:]) if after.startswith("| ---")]
    assert len(headers) >= 6
    for header in headers:
        cells = [c.strip() for c in header.strip("|").split("|")]
        worded = [c for c in cells if re.search(r"[A-Za-z]{3}", c) or JAPANESE.search(c)]
        bilingual = [c for c in worded if JAPANESE.search(c) and " / " in c]
        assert len(bilingual) >= len(worded) - 1, header  # at most one cell of a plain name (§, issue)


# The checks themselves catch what they are for -----------------------------------------
def test_a_removed_name_is_caught(text: str, tmp_path: Path) -> None:
    """A copy of the trainer without ``train_loop``: the map's reference to it no longer resolves."""
    reference = "fn_framework/trainer.py: Trainer.train_loop"
    assert f"`{reference}`" in text
    copy = tmp_path / "fn_framework" / "trainer.py"
    copy.parent.mkdir()
    shutil.copy(ROOT / "fn_framework" / "trainer.py", copy)
    assert resolves(tmp_path, "fn_framework/trainer.py", "Trainer.train_loop")
    copy.write_text(copy.read_text(encoding="utf-8").replace("def train_loop(", "def run_loop("), encoding="utf-8")
    assert not resolves(tmp_path, "fn_framework/trainer.py", "Trainer.train_loop")
    assert resolves(tmp_path, "fn_framework/trainer.py", "Trainer.run_loop")


def test_broken_references_in_a_copy_of_the_map_are_caught(text: str) -> None:
    broken = (text.replace("`agents/dqn.py: DeepQNetworkAgent.update_teacher`", "`agents/dqn.py: DeepQNetworkAgent.sync`")
              .replace("`agents/replay.py`", "`agents/replay_memory.py`")
              .replace("`fn_framework/run/checkpoint.py`", "`fn_framework/checkpoint.py`")
              .replace("`tests/test_dqn.py: test_book_net_keeps_relu_output`", "`tests/test_dqn.py: test_gone`"))
    assert broken != text
    problems = "\n".join(unresolved(broken))
    for expected in ("DeepQNetworkAgent.sync", "agents/replay_memory.py", "fn_framework/checkpoint.py", "test_gone"):
        assert expected in problems
    assert malformed_references("`agents/dqn.py: DeepQNetworkAgent.update / estimate` `agents/dqn.py:54`") == [
        "agents/dqn.py: DeepQNetworkAgent.update / estimate", "agents/dqn.py:54"]


def test_names_resolve_by_kind(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "m.py").write_text(
        "import os\nfrom x import y\nA, (B, C) = 1, (2, 3)\nD: int = 4\nP = {}\nP['q'] = 5\n"
        "if True:\n    E = 6\n"
        "class K:\n    f: int = 0\n    g = 1\n    def h(self):\n        self.i = 2\n"
        "    class N:\n        def j(self): ...\n"
        "def k():\n    l = 3\n", encoding="utf-8")
    for name in ("A", "B", "C", "D", "P", "E", "K", "K.f", "K.g", "K.h", "K.N", "K.N.j", "k"):
        assert resolves(tmp_path, "agents/m.py", name), name
    for name in ("os", "y", "q", "K.i", "k.l", "K.h.x", "Z", "K.N.z"):
        assert not resolves(tmp_path, "agents/m.py", name), name


def test_line_numbers_of_our_code_are_caught() -> None:
    assert line_citations_of_our_code("`FN/dqn_agent.py` l.47, l.85 and `FN/a2c_agent.py` l.173-186") == []
    for cited in ("`agents/dqn.py` l.54", "`agents/dqn.py: DeepQNetworkAgent` (l.54-55)", "see fn_framework/trainer.py:170",
                  "`FN/dqn_agent.py` l.47 and `agents/dqn.py` line 54", "l.12 of the loop", "`agents/dqn.py` の 54 行目"):
        assert line_citations_of_our_code(cited), cited
