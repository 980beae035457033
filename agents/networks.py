"""Network pieces the book's agents share: the Catcher CNN trunk and a compiled forward pass."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np
import tensorflow as tf


def cnn_trunk(feature_shape: Sequence[int]) -> keras.Sequential:
    """The book's Catcher CNN up to the 256-unit hidden layer (DQN, A2C and PPO share it).

    It takes the observer's ``uint8`` frames and divides them by 255 (the one place that
    does: the book's observer did), then Conv2D 32 k8 s4, 64 k4 s2, 64 k3 s1 (all ``same``
    + relu), Flatten, Dense 256 relu, glorot_normal initialisation.
    """
    normal = keras.initializers.GlorotNormal()
    return keras.Sequential(
        [
            keras.Input(shape=tuple(feature_shape), dtype="uint8"),
            keras.layers.Rescaling(1.0 / 255.0, name="frames"),
            keras.layers.Conv2D(32, 8, strides=4, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Conv2D(64, 4, strides=2, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Conv2D(64, 3, strides=1, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu", kernel_initializer=normal),
        ]
    )


def as_states(states: Any) -> np.ndarray:
    """States as the networks take them: ``uint8`` frames as they are, anything else as ``float32``."""
    states = np.asarray(states)
    return states if states.dtype == np.uint8 else states.astype(np.float32, copy=False)


def compiled_forward(model: keras.Model) -> Callable[[np.ndarray], Any]:
    """A ``tf.function`` forward pass for acting.

    ``model.predict`` builds a data pipeline at every call in Keras 3, which costs far
    more than a small model's arithmetic; a compiled call runs the traced graph alone.
    """

    @tf.function(reduce_retracing=True)
    def forward(x: tf.Tensor) -> Any:
        return model(x, training=False)

    return forward


def fuses_well(model: keras.Model) -> bool:
    """Whether XLA (``jit_compile``) speeds up a graph loop of ``model``'s gradient steps: Dense nets, not CNNs.

    A Dense net's gradient step is many small ops, which XLA fuses into few kernels, paid for once by a
    longer compile; on the Catcher CNN XLA made the update slower, so convolutional models keep
    TensorFlow's own kernels (measured: benchmarks/README.md, "XLA for DQN's gradient-step loop").
    """
    return not any(isinstance(layer, keras.layers.Conv2D) for layer in _layers(model))


def _layers(model: Any) -> list[Any]:
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        found.extend(_layers(layer))
    return found


class ActingForward:
    """The forward pass an agent acts with: NumPy for small Dense models, else compiled.

    ``NumpyForward`` (no TensorFlow call: a few NumPy products) where it supports the model, the
    CartPole networks; ``compiled_forward`` otherwise (the Catcher CNNs). A new model
    (built, loaded or replaced) gets a new pass; call ``weights_changed()`` after an update
    or a restore so that the NumPy pass takes a new snapshot before the next call.
    """

    def __init__(self) -> None:
        self._model: Any = None
        self._numpy: Any = None
        self._compiled: Any = None
        self._fresh = False

    def __call__(self, model: keras.Model, x: np.ndarray) -> np.ndarray:
        """``model``'s output for the batch ``x`` as a NumPy array."""
        if model is not self._model:
            from agents.numpy_forward import NumpyForward

            self._model, self._fresh = model, True
            self._numpy = NumpyForward(model) if NumpyForward.supports(model) else None
            self._compiled = None if self._numpy is not None else compiled_forward(model)
        if self._numpy is None:
            return self._compiled(x).numpy()
        if not self._fresh:
            self._numpy.refresh()
            self._fresh = True
        return self._numpy(x)

    def weights_changed(self) -> None:
        self._fresh = False
