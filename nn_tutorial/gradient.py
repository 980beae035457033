"""Gradients of f(x, a, b) = x * a + b with ``tf.GradientTape`` (book: gradient.py).

The book used TF1's eager preview:

    TF1: tf.enable_eager_execution(); tfe = tf.contrib.eager
    TF2: (nothing: eager is the default and tf.contrib is gone)

    TF1: return lambda x, a, b: tfe.gradients_function(f)(x, a, b)
    TF2: with tf.GradientTape() as tape: tape.watch(args); y = f(*args)
         return tape.gradient(y, args)

At x = 2, a = 3, b = -1 it prints f = 5 and the gradients [df/dx, df/da, df/db] = [a, x, 1] = [3, 2, 1].
"""
from __future__ import annotations

import sys
from typing import Callable

from nn_tutorial._common import make_parser


def f(x, a, b):
    """The book's function, written with TensorFlow operations."""
    import tensorflow as tf

    return tf.add(tf.multiply(x, a), b)


def grad(func: Callable) -> Callable:
    """Like ``tfe.gradients_function``: a function returning the list of d func / d argument."""
    import tensorflow as tf

    def gradients(*values):
        args = [tf.convert_to_tensor(v, dtype=tf.float32) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(args)  # constants are not watched by default, unlike variables
            y = func(*args)
        return tape.gradient(y, args)

    return gradients


def run(x: float = 2.0, a: float = 3.0, b: float = -1.0) -> dict:
    """f and its three gradients at one point, as tensors (what the book prints) and as floats."""
    y, grads = f(x, a, b), grad(f)(x, a, b)
    return {"f": y, "grads": grads, "f_value": float(y), "grad_values": [float(g) for g in grads]}


def main(argv: list[str] | None = None) -> int:
    make_parser(__spec__.name, __doc__, seed=False, plots=False).parse_args(argv)
    r = run()
    print(r["f"])
    print(r["grads"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
