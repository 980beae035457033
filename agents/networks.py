"""Network pieces the book's agents share: the Catcher CNN trunk and a compiled forward pass."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np
import tensorflow as tf


def cnn_trunk(feature_shape: Sequence[int]) -> keras.Sequential:
    """The book's Catcher CNN up to the 256-unit hidden layer (DQN and A2C share it).

    Conv2D 32 k8 s4, 64 k4 s2, 64 k3 s1 (all ``same`` + relu), Flatten, Dense 256 relu,
    glorot_normal initialisation.
    """
    normal = keras.initializers.GlorotNormal()
    return keras.Sequential(
        [
            keras.Input(shape=tuple(feature_shape)),
            keras.layers.Conv2D(32, 8, strides=4, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Conv2D(64, 4, strides=2, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Conv2D(64, 3, strides=1, padding="same", activation="relu", kernel_initializer=normal),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu", kernel_initializer=normal),
        ]
    )


def compiled_forward(model: keras.Model) -> Callable[[np.ndarray], Any]:
    """A ``tf.function`` forward pass for acting.

    ``model.predict`` costs tens of milliseconds per call in Keras 3 (it builds a
    data pipeline every time); a compiled call costs about a millisecond.
    """

    @tf.function(reduce_retracing=True)
    def forward(x: tf.Tensor) -> Any:
        return model(x, training=False)

    return forward
