"""The book's two-layer network on a batch of 3 inputs (book: explanation_keras_batch.py).

A Keras model takes many samples at once: a batch of shape (3, 2) gives an output of shape (3, 4), one row per
sample, computed in one call. Compare ``explanation_tf_batch``, where the TF1 graph was fed one x at a time.
"""
from __future__ import annotations

import sys

import numpy as np

from nn_tutorial._common import make_parser, quiet_single_thread


def build():
    """Dense(4, sigmoid) on a 2-dimensional input, then Dense(4): the book's 2-layer network."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(units=4, activation="sigmoid"),
        keras.layers.Dense(units=4),
    ])


def run(seed: int = 0) -> dict:
    """Feed a random batch of 3; return the batch, Keras' output and the same output computed by hand."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build()
    batch = np.random.rand(3, 2)  # batch size = 3, each x has 2 dimensions
    y = model.predict(batch, verbose=0)
    (w1, b1), (w2, b2) = (layer.get_weights() for layer in model.layers)
    hidden = 1.0 / (1.0 + np.exp(-(batch @ w1 + b1)))  # sigmoid
    return {"batch": batch, "y": y, "by_hand": hidden @ w2 + b2}


def main(argv: list[str] | None = None) -> int:
    args = make_parser(__spec__.name, __doc__, plots=False).parse_args(argv)
    quiet_single_thread()
    r = run(args.seed)
    np.set_printoptions(precision=4, suppress=True)
    print("batch shape {}\n{}".format(r["batch"].shape, r["batch"]))
    print("y shape {}\n{}".format(r["y"].shape, r["y"]))
    print(r["y"].shape)  # the book's line: will be (3, 4)
    print("max |y - by hand| = {:.2e}".format(float(np.max(np.abs(r["y"] - r["by_hand"])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
