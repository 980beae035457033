"""A small Dense network's forward pass in NumPy, for acting one state at a time.

On the CartPole networks (a few hundred weights) the arithmetic is nothing and the fixed
cost of a TensorFlow call is everything: a compiled ``tf.function`` forward pass pays for
converting its input, dispatching the graph and converting its output back, the same pass
in NumPy is a few small matrix products. Acting once per env step, that difference is most
of a CartPole run's wall time (measured: benchmarks/README.md, "What made the difference").

``NumpyForward(model)`` evaluates a Keras model made of ``Flatten``, ``Dense`` (linear, relu,
tanh, sigmoid or softmax) and layers that define ``numpy_call(x, *weights)`` (the policy
gradient's ``StandardScaling``) from a snapshot of its weights. The snapshot must be
refreshed whenever the weights change (``refresh()``); the agents drop theirs after every
update and after a checkpoint restore (``FNAgent.weights_changed``) and take a new one at
their next action. Other models (the Catcher CNNs) are not supported: ``supports(model)``
says which, and those agents keep their compiled forward pass.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softmax": _softmax,
}


def _activation_name(layer: Any) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") if activation is not None else "linear"


def _layer_supported(layer: Any) -> bool:
    import keras

    if isinstance(layer, (keras.layers.InputLayer, keras.layers.Flatten)):
        return True
    if isinstance(layer, keras.layers.Dense):
        return _activation_name(layer) in ACTIVATIONS
    return callable(getattr(layer, "numpy_call", None))


class NumpyForward:
    """``model``'s forward pass in NumPy (float32), from a snapshot of its weights.

    Call ``refresh()`` after the model's weights change.
    """

    def __init__(self, model: Any) -> None:
        if not self.supports(model):
            raise ValueError(f"NumpyForward does not support {model.name}'s layers")
        self.model = model
        self._steps: list[Callable[[np.ndarray], np.ndarray]] = []
        self.refresh()

    @staticmethod
    def supports(model: Any) -> bool:
        """A single-input, single-output sequence of supported layers."""
        import keras

        if not isinstance(model, keras.Sequential):
            return False
        return all(_layer_supported(layer) for layer in model.layers)

    def refresh(self) -> None:
        """Take a new snapshot of the model's weights (one read for the whole model)."""
        flat, i = self.model.get_weights(), 0
        self._steps = []
        for layer in self.model.layers:
            n = len(layer.weights)
            weights = [np.asarray(w, np.float32) for w in flat[i : i + n]]
            i += n
            self._steps.append(_step(layer, weights))

    def __call__(self, x: Any) -> np.ndarray:
        """The model's output for the batch ``x``."""
        h = np.asarray(x, np.float32)
        for step in self._steps:
            h = step(h)
        return h


def _step(layer: Any, weights: list[np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """One layer as a function of its input, its weights bound."""
    import keras

    if isinstance(layer, keras.layers.InputLayer):
        return lambda h: h
    if isinstance(layer, keras.layers.Flatten):
        return lambda h: h.reshape(h.shape[0], -1)
    if isinstance(layer, keras.layers.Dense):
        activation = ACTIVATIONS[_activation_name(layer)]
        kernel = weights[0]
        if layer.use_bias:
            bias = weights[1]
            return lambda h: activation(h @ kernel + bias)
        return lambda h: activation(h @ kernel)
    return lambda h: layer.numpy_call(h, *weights)
