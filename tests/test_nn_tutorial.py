"""The book's nn_tutorial, ported: the numbers each module prints, checked against hand-computed ones.

Training runs once per module (module-scoped fixtures); the command-line runs use tiny epoch counts, and only
two start a fresh interpreter, because each TensorFlow start-up costs seconds on a busy CPU.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn_tutorial import (
    explanation_keras,
    explanation_keras_batch,
    explanation_keras_boston,
    explanation_keras_mnist,
    explanation_tf,
    explanation_tf_batch,
    gradient,
)

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    assert path.is_file(), path
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5_000


@pytest.fixture(scope="module")
def digits() -> dict:
    return explanation_keras_mnist.run(seed=0)


@pytest.fixture(scope="module")
def regression() -> dict:
    return explanation_keras_boston.run(seed=0)


def test_digits_cnn_accuracy(digits, tmp_path):
    assert digits["accuracy"] >= 0.95
    assert digits["accuracy"] == pytest.approx(np.mean(digits["predicts"] == digits["actual"]))
    assert len(digits["actual"]) == math.ceil(1797 * 0.33)  # the book's test_size=0.33 of 1797 digits
    assert_png(explanation_keras_mnist.plot(digits, str(tmp_path)))


def test_regression_r2_near_linear_regression(regression, tmp_path):
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    linear = LinearRegression().fit(regression["X_train"], regression["y_train"])
    linear_r2 = r2_score(regression["y_test"], linear.predict(regression["X_test"]))
    assert linear_r2 > 0.3
    assert regression["r2"] >= 0.9 * linear_r2, (regression["r2"], linear_r2)
    assert len(regression["y_test"]) == math.ceil(442 * 0.33)  # the book's test_size=0.33
    assert_png(explanation_keras_boston.plot(regression, str(tmp_path)))


def test_dense_layer_shapes_and_output():
    r = explanation_keras.run(seed=1)
    assert r["weight"].shape == (2, 4) and r["bias"].shape == (4,)
    assert r["x"].shape == (1, 2) and r["y"].shape == (1, 4)
    (x1, x2), w, b = r["x"][0], r["weight"], r["bias"]
    by_hand = [x1 * w[0, j] + x2 * w[1, j] + b[j] for j in range(4)]
    np.testing.assert_allclose(r["y"][0], by_hand, rtol=1e-5, atol=1e-6)


def test_dense_layer_with_known_weights():
    model = explanation_keras.build()
    model.layers[0].set_weights([np.array([[1, 2, 3, 4], [5, 6, 7, 8]], "float32"),
                                 np.array([0.5, 0, 0, -1], "float32")])
    y = model.predict(np.array([[1.0, 2.0]]), verbose=0)
    # y_j = 1 * W[0, j] + 2 * W[1, j] + b_j
    np.testing.assert_allclose(y, [[1 + 10 + 0.5, 2 + 12, 3 + 14, 4 + 16 - 1]])


def test_same_seed_same_layer():
    first, second = explanation_keras.run(seed=4), explanation_keras.run(seed=4)
    np.testing.assert_array_equal(first["weight"], second["weight"])
    np.testing.assert_array_equal(first["y"], second["y"])


def test_two_layer_batch():
    r = explanation_keras_batch.run(seed=2)
    assert r["batch"].shape == (3, 2) and r["y"].shape == (3, 4)
    np.testing.assert_allclose(r["y"], r["by_hand"], rtol=1e-5, atol=1e-6)
    model = explanation_keras_batch.build()
    assert [layer.units for layer in model.layers] == [4, 4]


def test_tf_linear_against_numpy():
    r = explanation_tf.run(seed=3)
    assert r["a"].shape == (4, 2) and r["b"].shape == (4, 1) and r["x"].shape == (2, 1)
    assert r["y"].shape == (4, 1) and r["y"].dtype == np.float64
    by_hand = [[r["a"][i, 0] * r["x"][0, 0] + r["a"][i, 1] * r["x"][1, 0] + r["b"][i, 0]] for i in range(4)]
    np.testing.assert_allclose(r["y"], by_hand, rtol=1e-12)


def test_tf_batch_against_numpy():
    r = explanation_tf_batch.run(seed=5)
    assert r["y"].shape == (3, 4, 1)
    np.testing.assert_allclose(r["y"], [r["a"] @ x + r["b"] for x in r["batch"]], rtol=1e-12)
    np.testing.assert_allclose(r["one_call"], r["y"], rtol=1e-12)


@pytest.mark.parametrize("x, a, b", [(2.0, 3.0, -1.0), (-1.5, 0.5, 4.0)])
def test_gradient_by_hand(x, a, b):
    r = gradient.run(x, a, b)
    # f = x * a + b, so df/dx = a, df/da = x, df/db = 1
    assert r["f_value"] == pytest.approx(x * a + b)
    assert r["grad_values"] == pytest.approx([a, x, 1.0])


def test_gradient_prints_the_books_values(capsys):
    assert gradient.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "tf.Tensor(5.0, shape=(), dtype=float32)"
    assert "numpy=3.0" in out[1] and "numpy=2.0" in out[1] and "numpy=1.0" in out[1]


@pytest.mark.parametrize("module, args, png", [
    (explanation_keras, [], None),
    (explanation_keras_batch, [], None),
    (explanation_keras_mnist, ["--epochs", "1"], "explanation_keras_mnist.png"),
    (explanation_tf_batch, [], None),
])
def test_main_in_process(module, args, png, tmp_path, capsys):
    assert module.main(["--out", str(tmp_path), "--seed", "0", *args]) == 0
    assert capsys.readouterr().out
    if png:
        assert_png(tmp_path / png)
    else:
        assert not any(tmp_path.iterdir())  # the book plots nothing here


def run_module(name: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", f"nn_tutorial.{name}", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_boston_as_a_command(tmp_path):
    done = run_module("explanation_keras_boston", "--out", str(tmp_path), "--epochs", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Epoch 2/2 - loss:" in done.stdout and "R^2 on the test split" in done.stdout
    assert_png(tmp_path / "explanation_keras_boston.png")


def test_tf_as_a_command(tmp_path):
    done = run_module("explanation_tf", "--out", str(tmp_path), "--seed", "3")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0] == "(4, 1)"
    assert not any(tmp_path.iterdir())
