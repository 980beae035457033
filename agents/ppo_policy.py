"""PPO's agent: actor and critic heads on a shared trunk (the book's CNN; Dense 64-64 tanh in test mode).

It acts for all envs with ONE forward pass: NumPy for the Dense test net (no TensorFlow call),
a compiled call for the CNN; actions are sampled in NumPy from the logits, so a seeded run is
reproducible. The model is plain Keras layers (no Lambda, no custom layer): its ``.keras``/``.h5``
file loads without ``custom_objects``. The trainer is ``agents/ppo.py``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from agents.networks import as_states, cnn_trunk, compiled_forward
from agents.numpy_forward import NumpyForward
from agents.ppo_update import STATS, make_update
from fn_framework import FNAgent, load_keras_model


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class PPOAgent(FNAgent):
    """``model(states) -> [logits, value]``: heads ``actor`` and ``critic`` on a shared ``trunk``."""

    def __init__(self, actions: Sequence[int]) -> None:
        super().__init__(epsilon=0.0, actions=actions)
        self.optimizer: Any = None
        self._update: Any = None
        self._pass: Optional[Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = None

    @classmethod
    def load(cls, env: Any, model_path: str) -> "PPOAgent":
        agent = cls(list(range(env.action_space.n)))
        agent.model = load_keras_model(model_path)
        agent.initialized = True
        return agent

    def build(self, feature_shape: Sequence[int], optimizer: keras.optimizers.Optimizer, **loss_settings: Any) -> None:
        """Make the model, its acting pass and its compiled update (also when resuming)."""
        self.make_model(feature_shape)
        self.optimizer = optimizer  # an attribute, so that a checkpoint keeps Adam's moments
        optimizer.build(self.model.trainable_variables)
        self._update = make_update(self.model, optimizer, tuple(feature_shape), **loss_settings)
        self.initialized = True

    def make_trunk(self, feature_shape: Sequence[int]) -> keras.Sequential:
        return cnn_trunk(feature_shape)

    def make_model(self, feature_shape: Sequence[int]) -> None:
        trunk = self.make_trunk(feature_shape)
        trunk.name = "trunk"
        inputs = keras.Input(shape=tuple(feature_shape), dtype=trunk.inputs[0].dtype)  # uint8 frames on Catcher
        features = trunk(inputs)
        # CleanRL's and SB3's head initialisation: orthogonal, gain 0.01 for the policy, 1 for the value.
        logits = keras.layers.Dense(len(self.actions), kernel_initializer=keras.initializers.Orthogonal(0.01),
                                    name="actor")(features)
        value = keras.layers.Dense(1, kernel_initializer=keras.initializers.Orthogonal(1.0), name="critic")(features)
        self.model = keras.Model(inputs=inputs, outputs=[logits, value])
        self._pass = None

    # Acting: one forward pass for all envs ------------------------------------------------
    def forward(self, states: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(logits, values)`` of a batch of states as NumPy arrays."""
        if self._pass is None:
            self._pass = self._make_pass()
        return self._pass(as_states(states))

    def _make_pass(self) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        trunk = self.model.get_layer("trunk")
        if not NumpyForward.supports(trunk):
            forward = compiled_forward(self.model)

            def compiled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                logits, values = forward(x)
                return logits.numpy(), values.numpy().reshape(-1)

            return compiled
        features = NumpyForward(trunk)
        wa, ba = (np.asarray(w, np.float32) for w in self.model.get_layer("actor").get_weights())
        wc, bc = (np.asarray(w, np.float32) for w in self.model.get_layer("critic").get_weights())

        def numpy_pass(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            h = features(x)
            return h @ wa + ba, (h @ wc + bc).reshape(-1)

        return numpy_pass

    def weights_changed(self) -> None:
        self._pass = None  # the NumPy pass takes a new snapshot at the next call

    def sample(self, states: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(actions, values, log_probs)``: one action per state drawn from the policy, by NumPy's RNG."""
        logits, values = self.forward(states)
        log_probs = _log_softmax(logits.astype(np.float64))
        cdf = np.cumsum(np.exp(log_probs), axis=-1)
        u = np.random.random((len(cdf), 1)) * cdf[:, -1:]
        actions = np.minimum((cdf <= u).sum(axis=-1), len(self.actions) - 1)
        return actions, values, log_probs[np.arange(len(actions)), actions]

    def values(self, states: Any) -> np.ndarray:
        return self.forward(states)[1]

    def policy(self, s: Any) -> int:
        if not self.initialized:
            return int(np.random.randint(len(self.actions)))
        return int(self.sample(as_states(s)[None])[0][0])

    def estimate(self, s: Any) -> np.ndarray:
        return self.estimate_batch([s])[0]

    def estimate_batch(self, states: Sequence[Any]) -> np.ndarray:
        """The actor's logits: their argmax is the greedy action."""
        return self.forward(np.stack([np.asarray(s) for s in states]))[0]

    def update(self, batch: dict[str, np.ndarray], indices: np.ndarray, clip_range: float,
               clip_range_vf: float) -> dict[str, float]:
        means = self._update(
            tf.constant(as_states(batch["obs"])), tf.constant(batch["actions"], tf.int32),
            *(tf.constant(batch[k], tf.float32) for k in ("log_probs", "advantages", "returns", "values")),
            tf.constant(indices, tf.int32), tf.constant(clip_range, tf.float32), tf.constant(clip_range_vf, tf.float32),
        )
        self.weights_changed()
        return dict(zip(STATS, (float(v) for v in means.numpy())))


class PPOAgentTest(PPOAgent):
    """Test mode: a ``Dense 64 tanh - 64 tanh`` trunk (SB3's MlpPolicy layers), orthogonal init gain sqrt 2."""

    def make_trunk(self, feature_shape: Sequence[int]) -> keras.Sequential:
        layers: list[Any] = [keras.Input(shape=tuple(feature_shape))]
        if len(feature_shape) > 1:
            layers.append(keras.layers.Flatten())
        init = keras.initializers.Orthogonal(np.sqrt(2))
        layers += [keras.layers.Dense(64, activation="tanh", kernel_initializer=init) for _ in range(2)]
        return keras.Sequential(layers)
