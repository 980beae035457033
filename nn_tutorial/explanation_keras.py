"""One Dense layer: its weight and bias shapes, and its output for one input (book: explanation_keras.py).

The book's text writes y = Wx + b with W of shape (4, 2) and x a column (2, 1). Keras stores the transpose:
samples are rows, so x is (1, 2), W is (input, units) = (2, 4), b is (4,) and the layer computes y = x @ W + b.
The blog that retraced the book was surprised that every shape came out "reversed"; this module prints the
shapes the book prints and then recomputes the output by hand with NumPy to show the formula.

Keras 3: ``input_shape=`` on a layer is deprecated, so the model starts with ``keras.Input((2,))``.
"""
from __future__ import annotations

import sys

import numpy as np

from nn_tutorial._common import make_parser, quiet_single_thread


def build():
    """The book's model: ``Dense(units=4)`` on a 2-dimensional input, no activation."""
    import keras

    return keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(units=4)])


def run(seed: int = 0) -> dict:
    """Build the layer, feed one random x; return W, b, x, Keras' y and y computed by hand."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build()
    weight, bias = model.layers[0].get_weights()
    x = np.random.rand(1, 2)  # the book's input: one sample, two features
    y = model.predict(x, verbose=0)
    by_hand = x @ weight + bias  # what Dense computes, written out
    return {"weight": weight, "bias": bias, "x": x, "y": y, "by_hand": by_hand}


def main(argv: list[str] | None = None) -> int:
    args = make_parser(__spec__.name, __doc__, plots=False).parse_args(argv)
    quiet_single_thread()
    r = run(args.seed)
    np.set_printoptions(precision=4, suppress=True)
    print("Weight shape is {}.".format(r["weight"].shape))
    print("Bias shape is {}.".format(r["bias"].shape))
    print("x is ({}) and y is ({}).".format(r["x"].shape, r["y"].shape))
    print("W =\n{}\nb = {}\nx = {}".format(r["weight"], r["bias"], r["x"]))
    print("y (Keras)        = {}".format(r["y"]))
    print("x @ W + b (NumPy) = {}".format(r["by_hand"]))
    print("max |difference| = {:.2e}".format(float(np.max(np.abs(r["y"] - r["by_hand"])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
