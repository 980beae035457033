"""The fused Adam step (agents/fused_adam.py) is Keras's Adam step, clipping included."""
from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from agents import fused_adam


def _model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)])


def _train(optimizer: keras.optimizers.Optimizer, fused: bool, steps: int = 12) -> tuple[list[np.ndarray], int, bool]:
    """The weights after ``steps`` compiled Adam steps, the optimizer's step count, and whether the kernel ran."""
    model = _model(3)
    optimizer.build(model.trainable_variables)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(steps, 16, 4)) * 3, tf.float32)
    y = tf.constant(rng.normal(size=(steps, 16, 2)) * 5, tf.float32)

    @tf.function
    def step(x: tf.Tensor, y: tf.Tensor) -> None:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        if fused:
            fused_adam.apply_gradients(optimizer, grads, model.trainable_variables)
        else:
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

    for k in range(steps):
        if k == steps // 2:
            optimizer.learning_rate.assign(optimizer.learning_rate * 0.5)  # as PPO anneals it
        step(x[k], y[k])
    ops = {op.type for op in step.get_concrete_function(x[0], y[0]).graph.get_operations()}
    return [np.asarray(w) for w in model.get_weights()], int(optimizer.iterations.numpy()), "ResourceApplyAdam" in ops


@pytest.mark.parametrize("clip", [{}, {"global_clipnorm": 0.5}, {"clipnorm": 0.3}, {"clipvalue": 0.05}])
def test_fused_step_equals_keras_adam(clip: dict) -> None:
    settings = dict(learning_rate=3e-2, epsilon=1e-5, **clip)
    keras_weights, keras_steps, _ = _train(keras.optimizers.Adam(**settings), fused=False)
    fused_weights, fused_steps, kernel = _train(keras.optimizers.Adam(**settings), fused=True)
    start = [np.asarray(w) for w in _model(3).get_weights()]
    assert kernel and fused_steps == keras_steps == 12
    for before, ours, theirs in zip(start, fused_weights, keras_weights):
        assert np.abs(theirs - before).max() > 1e-2  # the weights moved
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=3e-6)  # clipvalue: 1 weight of 32 differs by 1.1e-6


def test_what_the_kernel_cannot_run_takes_keras_apply() -> None:
    assert fused_adam.fusable(keras.optimizers.Adam(1e-3, global_clipnorm=1.0))
    assert fused_adam.fusable(keras.optimizers.Adam(1e-3, clipvalue=1.0))  # DQN's
    for optimizer in (keras.optimizers.Adam(amsgrad=True), keras.optimizers.Adam(weight_decay=1e-2),
                      keras.optimizers.AdamW(), keras.optimizers.RMSprop(),
                      keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9))):
        assert not fused_adam.fusable(optimizer)
    keras_weights, _, _ = _train(keras.optimizers.Adam(3e-2, amsgrad=True), fused=False)
    fallback_weights, _, kernel = _train(keras.optimizers.Adam(3e-2, amsgrad=True), fused=True)
    assert not kernel
    for ours, theirs in zip(fallback_weights, keras_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
