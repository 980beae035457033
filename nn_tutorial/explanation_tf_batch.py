"""y = Ax + b for a batch of 3, fed one x at a time as the book did (book: explanation_tf_batch.py).

The book's graph took a single (2, 1) x, so a batch needed a Python loop of ``sess.run`` calls; the loop is
kept, with the session replaced as in ``explanation_tf`` (see its docstring for the TF1 -> TF2 lines):

    TF1: y_output = sess.run(y, feed_dict={x: x_value})      # inside: for x_value in batch
    TF2: y_output = linear(tf.constant(x_value)).numpy()

The loop is what Keras removes: ``explanation_keras_batch`` feeds all rows in one call. This module also shows
that one broadcasting ``tf.matmul(a, batch) + b`` on the stacked (3, 2, 1) batch gives the same (3, 4, 1).
"""
from __future__ import annotations

import sys

import numpy as np

from nn_tutorial._common import make_parser, quiet_single_thread
from nn_tutorial.explanation_tf import make_linear


def run(seed: int = 0, batch_size: int = 3) -> dict:
    """Feed ``batch_size`` random x one by one; return A, b, the batch, the stacked y and the one-call y."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    linear, a, b = make_linear(rng)
    batch = [rng.random((2, 1)) for _ in range(batch_size)]  # make batch
    y_outputs = [linear(tf.constant(x_value)).numpy() for x_value in batch]  # execute, one x at a time
    y_output = np.array(y_outputs)
    one_call = (tf.matmul(a, tf.constant(np.array(batch))) + b).numpy()  # a broadcasts over the batch
    return {"a": a.numpy(), "b": b.numpy(), "batch": np.array(batch), "y": y_output, "one_call": one_call}


def main(argv: list[str] | None = None) -> int:
    args = make_parser(__spec__.name, __doc__, plots=False).parse_args(argv)
    quiet_single_thread()
    r = run(args.seed)
    np.set_printoptions(precision=4, suppress=True)
    print(r["y"].shape)  # the book's line: will be (3, 4, 1)
    print("y[:, :, 0] =\n{}".format(r["y"][..., 0]))
    print("one batched tf.matmul gives the same: {}".format(bool(np.allclose(r["y"], r["one_call"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
