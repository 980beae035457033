"""``--plot-model PATH``: the diagram of the network --play would play, or one line saying what is missing."""
from __future__ import annotations

import shutil

import pytest

from fn_framework.errors import UserError
from fn_framework.plot_model import check_plot_tools

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_shipped_dqn_is_drawn_or_the_missing_tool_is_named(script, tmp_path):
    out = tmp_path / "dqn.png"
    result = script("dqn_agent.py", "--test", "--shipped", "--plot-model", str(out))
    if shutil.which("dot") is None:  # a machine without Graphviz: the one line says what to install
        assert result.returncode == 2 and result.stderr.startswith("error: --plot-model needs")
        assert "graphviz" in result.stderr.lower()
        return
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Wrote the diagram of the shipped model models/dqn_test/dqn_agent_test.keras" in result.stdout
    assert out.read_bytes().startswith(PNG) and out.stat().st_size > 5000


def test_missing_tools_and_wrong_formats_are_one_line(monkeypatch):
    with pytest.raises(UserError, match=r"writes \.png, \.svg, \.pdf files"):
        check_plot_tools("model.txt")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="Graphviz's dot program, which is not on PATH: .*apt-get install graphviz"):
        check_plot_tools("model.png")


def test_the_value_functions_scikit_learn_network_is_a_graph_of_its_layers():
    import numpy as np
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from fn_framework.plot_model import sklearn_graph

    pipeline = Pipeline([("scaler", StandardScaler()), ("estimator", MLPRegressor(hidden_layer_sizes=(10, 10),
                                                                                   max_iter=5))])
    pipeline.fit(np.random.default_rng(0).normal(size=(32, 4)), np.zeros((32, 2)))
    labels = [node.get_label() for node in sklearn_graph(pipeline).get_nodes()]
    assert labels == ["state (4)", "StandardScaler", "hidden 1: Dense 10, relu", "hidden 2: Dense 10, relu",
                      "value of each action: Dense 2, identity"]
