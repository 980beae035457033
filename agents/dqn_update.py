"""DQN's update as one compiled call: the teacher's TD targets and a GradientTape step.

The book called ``model.predict`` twice, filled the targets in a Python loop and called
``train_on_batch``; here the teacher's values, the targets and the gradient step all run in
one ``tf.function``. The loss is the book's: mse (or, beyond the book, Huber) over every
action's output, the targets being the model's own estimates except at the taken action,
so the gradient is the same as on the taken action alone.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import tensorflow as tf

from agents.networks import fuses_well


def td_target(
    rewards: Any, terminated: Any, teacher_next: Any, online_next: Any, gamma: Any, double: bool = False
) -> tf.Tensor:
    """``r + gamma * max_a teacher(n_s)``, just ``r`` where the episode *terminated*.

    A time-limit truncation is not terminal (``Experience.d`` is False), so it still
    bootstraps. With ``double`` the online model picks the action and the teacher
    values it (van Hasselt et al., 2016): ``teacher(n_s)[argmax_a model(n_s)]``.
    """
    teacher_next = tf.convert_to_tensor(teacher_next, tf.float32)
    if double:
        best = tf.argmax(online_next, axis=1, output_type=tf.int32)
        future = tf.gather(teacher_next, best, axis=1, batch_dims=1)
    else:
        future = tf.reduce_max(teacher_next, axis=1)
    alive = 1.0 - tf.cast(terminated, tf.float32)
    return tf.cast(rewards, tf.float32) + tf.cast(gamma, tf.float32) * future * alive


def make_train_step(
    model: keras.Model,
    teacher: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    feature_shape: Sequence[int],
    n_actions: int,
    double: bool = False,
    huber: bool = False,
) -> Callable[..., tf.Tensor]:
    """``step(s, a, r, n_s, d, gamma) -> loss``: one gradient step, or one per stacked batch.

    States come in the network's input shape and dtype (float32, or the replay's uint8
    frames channels-last, which the network scales). Arrays of shape ``(steps, batch, ...)``
    run ``steps`` gradient steps in one call (a graph loop), all against the same teacher;
    the loss is their mean.
    """
    loss_fn = keras.losses.Huber() if huber else keras.losses.MeanSquaredError()

    def signature(stacked: bool) -> list[tf.TensorSpec]:
        lead = (None, None) if stacked else (None,)
        state, vector = tf.TensorSpec((*lead, *feature_shape), model.inputs[0].dtype), tf.TensorSpec(lead, tf.float32)
        actions = tf.TensorSpec(lead, tf.int32)
        return [state, actions, vector, state, vector, tf.TensorSpec((), tf.float32)]

    def train_step(s, a, r, n_s, d, gamma):  # type: ignore[no-untyped-def]
        online_next = model(n_s, training=False) if double else None
        target = td_target(r, d, teacher(n_s, training=False), online_next, gamma, double)
        with tf.GradientTape() as tape:
            estimated = model(s, training=True)
            # The book's targets: the estimates themselves, the TD target at the taken action.
            taken = tf.one_hot(a, n_actions) > 0.5
            targets = tf.where(taken, target[:, None], tf.stop_gradient(estimated))
            loss = loss_fn(targets, estimated)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def train_steps(s, a, r, n_s, d, gamma):  # type: ignore[no-untyped-def]
        """One ``train_step`` per stacked batch, in one call (a graph loop)."""
        def body(i, total):  # type: ignore[no-untyped-def]
            return i + 1, total + train_step(s[i], a[i], r[i], n_s[i], d[i], gamma)

        count = tf.shape(a)[0]
        _, total = tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    # One batch or stacked batches: one compiled function for each (traced when used). XLA fuses the many
    # small ops of a Dense net's graph loop; on the CNN it is slower, so convolutional models keep
    # TensorFlow's own graph. No AutoGraph: the loop is a tf.while_loop already, and converting the step's
    # Python source (Keras's clipping and apply included) was most of the first call. The optimizer is
    # built before the first trace (DQNAgent.initialize), so the update is traced once.
    compiled = {stacked: tf.function(train_steps if stacked else train_step, input_signature=signature(stacked),
                                     jit_compile=stacked and fuses_well(model), autograph=False)
                for stacked in (False, True)}

    def dispatch(s, a, *rest):  # type: ignore[no-untyped-def]
        return compiled[a.ndim == 2](s, a, *rest)

    return dispatch
