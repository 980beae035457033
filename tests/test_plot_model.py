"""``--plot-model PATH``: the diagram of the network --play would play, or one line saying what is missing."""
from __future__ import annotations

import os
import shutil
import sys

import pytest

from fn_framework.run.errors import UserError
from fn_framework.run.plot_model import check_plot_tools, sklearn_graph, write_diagram

PNG = b"\x89PNG\r\n\x1a\n"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@needs_dot
def test_the_shipped_dqn_is_drawn(script, tmp_path):
    pytest.importorskip("pydot")
    out = tmp_path / "diagrams" / "dqn.png"  # a folder still to make
    # No trained model in the run folder: the shipped one is drawn, as --play would play it.
    result = script("dqn_agent.py", "--test", "--plot-model", str(out), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == f"Wrote the diagram of the shipped model models/dqn_test/dqn_agent_test.keras to {out}\n"
    assert result.stderr == ""
    assert out.read_bytes().startswith(PNG) and out.stat().st_size > 5000
    assert not (tmp_path / "logs").exists()  # nothing trained, no run folder


def test_a_missing_dot_is_one_line_naming_what_to_install(script, tmp_path):
    pytest.importorskip("pydot")  # else the line names pydot first (the next test)
    out = tmp_path / "dqn.png"
    result = script("dqn_agent.py", "--shipped", "--plot-model", str(out), env={"PATH": str(tmp_path)})
    assert result.returncode == 2 and not out.exists()
    assert result.stderr == ("error: --plot-model needs Graphviz's dot program, which is not on PATH: apt-get install "
                             "graphviz (Debian, Ubuntu), brew install graphviz (macOS) or conda install graphviz\n")


def test_a_missing_pydot_and_paths_that_cannot_be_written_are_one_line(monkeypatch, tmp_path):
    with pytest.raises(UserError, match=r"writes \.png, \.svg, \.pdf files, not 'model.txt'"):
        check_plot_tools("model.txt")
    (tmp_path / "model.png").mkdir()
    with pytest.raises(UserError, match="writes .png"):
        check_plot_tools(str(tmp_path / "model.png"))
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match=r"cannot write the diagram to .*file/model.png: File exists"):
        check_plot_tools(str(tmp_path / "file" / "model.png"))
    monkeypatch.setitem(sys.modules, "pydot", None)  # import pydot raises ImportError
    with pytest.raises(UserError, match=r"needs pydot, which is not installed: pip install pydot .*apt-get install"):
        check_plot_tools(str(tmp_path / "model.png.svg"))


def fitted_pipeline():
    import numpy as np
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = Pipeline([("scaler", StandardScaler()),
                         ("estimator", MLPRegressor(hidden_layer_sizes=(10, 10), max_iter=5))])
    with pytest.warns(Warning):  # 5 iterations do not converge
        pipeline.fit(np.random.default_rng(0).normal(size=(32, 4)), np.zeros((32, 2)))
    return pipeline


def test_the_value_functions_scikit_learn_network_is_a_graph_of_its_layers(tmp_path):
    pytest.importorskip("pydot")
    pipeline = fitted_pipeline()
    labels = [node.get_label() for node in sklearn_graph(pipeline).get_nodes()]
    assert labels == ["state (4)", "StandardScaler", "hidden 1: Dense 10, relu", "hidden 2: Dense 10, relu",
                      "value of each action: Dense 2, identity"]
    if shutil.which("dot"):
        write_diagram(pipeline, str(tmp_path / "value_function.svg"))
        svg = (tmp_path / "value_function.svg").read_text()
        assert svg.startswith("<?xml") and "hidden 2: Dense 10, relu" in svg and "no Keras model" in svg
        assert os.listdir(tmp_path) == ["value_function.svg"]  # the temporary file is gone
