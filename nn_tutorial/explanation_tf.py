"""y = Ax + b in TensorFlow 2: eager tensors and a ``tf.function`` (book: explanation_tf.py).

The book built a TF1 graph, then ran it in a session, feeding x through a placeholder. TF2 runs operations at
once (eager) and compiles a Python function into a graph with ``tf.function``; line by line:

    TF1: x = tf.compat.v1.placeholder(tf.float64, shape=(2, 1))
    TF2: @tf.function(input_signature=[tf.TensorSpec(shape=(2, 1), dtype=tf.float64)])   # x is the argument

    TF1: y = tf.matmul(a, x) + b
    TF2: def linear(x): return tf.matmul(a, x) + b

    TF1: with tf.Session() as sess:
    TF2: (nothing: there is no session; the function is called directly)

    TF1: init = tf.global_variables_initializer(); sess.run(init)
    TF2: (nothing: a tf.Variable holds its value from the moment it is created)

    TF1: y_output = sess.run(y, feed_dict={x: x_value})
    TF2: y_output = linear(tf.constant(x_value)).numpy()

Unchanged: a = tf.Variable(np.random.rand(4, 2)) and b = tf.Variable(np.random.rand(4, 1)), float64.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable

import numpy as np

from nn_tutorial._common import make_parser, quiet_single_thread

if TYPE_CHECKING:
    import tensorflow as tf


def make_linear(rng: np.random.Generator) -> tuple[Callable, tf.Variable, tf.Variable]:
    """The compiled y = Ax + b for one (2, 1) input, and its variables A (4, 2) and b (4, 1)."""
    import tensorflow as tf

    a = tf.Variable(rng.random((4, 2)))  # weight (row=4 x col=2)
    b = tf.Variable(rng.random((4, 1)))  # bias (row=4 x col=1)

    @tf.function(input_signature=[tf.TensorSpec(shape=(2, 1), dtype=tf.float64)])  # was: the placeholder x
    def linear(x):
        return tf.matmul(a, x) + b  # output y (row=4 x col=1)

    return linear, a, b


def run(seed: int = 0) -> dict:
    """Compute y for one random x (2, 1); return A, b, x and y."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    linear, a, b = make_linear(rng)
    x_value = rng.random((2, 1))  # make input to x
    y_output = linear(tf.constant(x_value)).numpy()  # was: sess.run(y, feed_dict={x: x_value})
    return {"a": a.numpy(), "b": b.numpy(), "x": x_value, "y": y_output}


def main(argv: list[str] | None = None) -> int:
    args = make_parser(__spec__.name, __doc__, plots=False).parse_args(argv)
    quiet_single_thread()
    r = run(args.seed)
    np.set_printoptions(precision=4, suppress=True)
    print(r["y"].shape)  # the book's line: will be (4, 1)
    print("y =\n{}".format(r["y"]))
    print("A @ x + b (NumPy) =\n{}".format(r["a"] @ r["x"] + r["b"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
