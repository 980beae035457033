"""What the notebooks' text says about the runs they make is what the code gives: env counts of the presets they
run, the nn_tutorial's epochs, the book preset's measured DQN figures. Reads the notebooks as JSON: nothing runs."""
from __future__ import annotations

import json
import re

import pytest

from agents.differences import BOOK_EPOCHS
from agents.presets import TABLE
from nn_tutorial import explanation_keras_boston, explanation_keras_mnist
from tests.conftest import ROOT


def cells(name: str, kind: str) -> str:
    notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == kind)


def numbers(pattern: str, text: str) -> list[int]:
    found = [int(n) for match in re.finditer(pattern, text) for n in match.groups()]
    assert found, f"the text no longer says {pattern!r}: update this test with it"
    return found


@pytest.mark.parametrize("name, run, patterns", [
    ("05_ppo", "ppo", [r"Catcher を (\d+) 個同時に", r"(\d+) Catcher envs stepped together"]),
    ("04_policy_gradient_a2c", "a2c", [r"(\d+) 個の環境を同時に", r"and (\d+) envs stepped together",
                                       r"Catcher を (\d+) 個並べて", r"--n-envs (\d+)", r"(\d+) copies of Catcher"]),
])
def test_the_env_count_is_the_presets(name, run, patterns):
    assert "['--preset', 'fast'" in cells(name, "code")  # the preset whose count the text states
    text = cells(name, "markdown")
    for pattern in patterns:
        assert set(numbers(pattern, text)) == {TABLE[run].configs["fast"].n_envs}, pattern


def test_the_nn_tutorial_epochs_are_the_codes():
    text = cells("01_nn_tutorial", "markdown")
    ours = [explanation_keras_boston.EPOCHS, explanation_keras_mnist.EPOCHS]
    assert numbers(r"回帰が (\d+)、CNN が (\d+)", text) == ours
    assert numbers(r"trains for (\d+) epochs, the CNN for (\d+)", text) == ours
    assert set(numbers(r"--epochs (\d+)", text)) == {BOOK_EPOCHS}
    assert "書籍のグラフ" not in text and "the book's plots" not in text  # the regression is on other data


def test_the_book_dqn_figures_are_the_benchmarks():
    text = cells("03_dqn_catcher", "markdown")
    benchmarks = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert "54.0 after 6 minutes (45 000 env steps), 55.7 at 15 minutes" in benchmarks
    assert "6 分（環境の 45 000 ステップ）で 54.0、15 分で 55.7" in text
    assert "54.0 after 6 minutes (45 000 env steps) and 55.7 at 15 minutes" in text
    assert "hours" not in text and "何時間" not in text


@pytest.mark.parametrize("name, scale", [
    ("02_value_function", "200 が満点"), ("03_dqn_catcher", "`Get reward 8.0` は満点のプレイ"),
    ("04_policy_gradient_a2c", "約 55 が満点"), ("05_ppo", "`Get reward 8.0` は満点のプレイ"),
    ("06_continuous_pendulum", "0 が最高"),
])
def test_each_learning_curve_is_shown_beside_the_books_figure_with_its_score_scale(name, scale):
    notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    sources = [("".join(cell["source"]), cell["cell_type"]) for cell in notebook["cells"]]
    curves = [i for i, (source, kind) in enumerate(sources) if kind == "code" and "plot_curve(" in source]
    assert curves and all("rewards.png" in sources[i + 1][0] and sources[i + 1][1] == "markdown" for i in curves)
    assert scale in cells(name, "markdown")
    helpers = (ROOT / "notebooks" / "helpers.py").read_text(encoding="utf-8")
    assert '"rewards.png"' in helpers.split("def plot_curve", 1)[1].split("def show_image", 1)[0]
    if "`Get reward 8.0`" in scale:  # the perfect score of the play the notebook records: 300 steps
        assert "'--max-episode-steps', '300'" in cells(name, "code")
