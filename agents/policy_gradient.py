"""The book's policy-gradient agent (REINFORCE) on CartPole, in TF2 / Keras 3.

Follows the book's latest revision: each episode's own experiences train the policy
once at its end (no replay), with standardised discounted returns as weights.

Changes from the book, where its APIs are gone:

* The state ``StandardScaler`` lives *inside* the model as a ``StandardScaling`` layer
  holding the fitted ``mean_`` and ``scale_`` as weights, so one ``.keras``/``.h5`` file
  (and a ``--resume`` checkpoint) carries it, and ``keras.models.load_model`` needs no
  ``custom_objects`` once this module is imported (the book pickled the scaler beside
  the model).
* The update is a compiled ``tf.function`` with ``tf.GradientTape`` instead of
  ``optimizer.get_updates`` and a placeholder graph; ``Adam(learning_rate=0.01)``
  replaces the removed ``lr=``; acting uses a compiled forward pass, not ``predict``.
"""
from __future__ import annotations

import random
from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler

from agents.networks import compiled_forward
from agents.returns import discounted_returns, standardize
from fn_framework import Experience, FNAgent, Trainer, load_keras_model


@keras.saving.register_keras_serializable(package="baby_steps_rl")
class StandardScaling(keras.layers.Layer):
    """``StandardScaler.transform`` as a layer: ``(x - mean_) / scale_`` with the fitted values as weights."""

    def build(self, input_shape: Sequence[Any]) -> None:
        size = (int(input_shape[-1]),)
        self.mean = self.add_weight(shape=size, initializer="zeros", trainable=False, name="mean")
        self.scale = self.add_weight(shape=size, initializer="ones", trainable=False, name="scale")

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return (x - self.mean) / self.scale

    def set_scaler(self, scaler: StandardScaler) -> None:
        self.mean.assign(scaler.mean_.astype(np.float32))
        self.scale.assign(scaler.scale_.astype(np.float32))  # 1 where the variance is 0, as sklearn does


def policy_gradient_loss(probs: tf.Tensor, actions: tf.Tensor, returns: tf.Tensor) -> tf.Tensor:
    """The book's loss: ``mean(-log(clip(p(a|s), 1e-10, 1)) * G)``."""
    one_hot = tf.one_hot(actions, tf.shape(probs)[1], dtype=probs.dtype)
    selected = tf.reduce_sum(one_hot * probs, axis=1)
    clipped = tf.clip_by_value(selected, 1e-10, 1.0)
    return tf.reduce_mean(-tf.math.log(clipped) * tf.cast(returns, probs.dtype))


class PolicyGradientAgent(FNAgent):
    """A softmax policy ``Dense 10 relu - 10 relu - softmax`` on standardised states.

    Acts by sampling from its probabilities (``estimate_probs``), so no epsilon.
    """

    def __init__(self, actions: Sequence[int]) -> None:
        super().__init__(epsilon=0.0, actions=actions)
        self.estimate_probs = True
        self.optimizer: Any = None
        self._forward: Any = None
        self._updater: Any = None

    @classmethod
    def load(cls, env: Any, model_path: str) -> "PolicyGradientAgent":
        agent = cls(list(range(env.action_space.n)))
        agent.model = load_keras_model(model_path)
        agent._forward = compiled_forward(agent.model)
        agent.initialized = True
        return agent

    def initialize(self, experiences: Sequence[Experience], optimizer: keras.optimizers.Optimizer) -> None:
        """Build the model with the states' scaler fitted on this first buffer."""
        states = np.vstack([e.s for e in experiences])
        self.make_model(states.shape[1], optimizer)
        self.model.get_layer("scaler").set_scaler(StandardScaler().fit(states))
        self.initialized = True
        print("Done initialization. From now, begin training!")

    def make_model(self, feature_size: int, optimizer: keras.optimizers.Optimizer) -> None:
        self.model = keras.Sequential(
            [
                keras.Input(shape=(feature_size,)),
                StandardScaling(name="scaler"),
                keras.layers.Dense(10, activation="relu"),
                keras.layers.Dense(10, activation="relu"),
                keras.layers.Dense(len(self.actions), activation="softmax"),
            ]
        )
        self._forward = compiled_forward(self.model)
        self.optimizer = optimizer  # an attribute, so that a checkpoint keeps Adam's moments
        self.set_updater(optimizer)

    def set_updater(self, optimizer: keras.optimizers.Optimizer) -> None:
        model = self.model

        @tf.function(reduce_retracing=True)
        def updater(states: tf.Tensor, actions: tf.Tensor, rewards: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                loss = policy_gradient_loss(model(states, training=True), actions, rewards)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        self._updater = updater

    def estimate(self, s: np.ndarray) -> np.ndarray:
        return self._forward(np.asarray(s, dtype=np.float32)).numpy()[0]

    def update(self, states: np.ndarray, actions: Sequence[int], rewards: np.ndarray) -> float:
        loss = self._updater(
            tf.constant(states, tf.float32),
            tf.constant(np.asarray(actions), tf.int32),
            tf.constant(rewards, tf.float32),
        )
        return float(loss)


class PolicyGradientTrainer(Trainer):
    """Collect ``buffer_size`` experiences to fit the scaler; then learn from each episode.

    The defaults are the book's. ``batch_size`` steps are sampled from each episode
    (all of them when it is shorter); the script trains with ``gamma=0.99`` and
    ``batch_size=200`` (see scripts/policy_gradient_agent.py for the measurements).
    """

    def __init__(
        self,
        buffer_size: int = 256,
        batch_size: int = 32,
        gamma: float = 0.9,
        learning_rate: float = 0.01,
        report_interval: int = 10,
        log_dir: str = "",
    ) -> None:
        super().__init__(buffer_size, batch_size, gamma, report_interval, log_dir)
        self.learning_rate = learning_rate

    def train(
        self, env: Any, episode_count: int = 220, initial_count: int = -1, render: bool = False
    ) -> PolicyGradientAgent:
        agent = PolicyGradientAgent(list(range(env.action_space.n)))
        self.train_loop(env, agent, episode_count, initial_count, render)
        return agent

    def episode_begin(self, episode: int, agent: PolicyGradientAgent) -> None:
        if agent.initialized:
            # The book's latest revision: no replay, only this episode (a list, so long
            # episodes of other envs are kept whole).
            self.experiences = []

    def make_batch(self, policy_experiences: Sequence[Experience]) -> tuple[np.ndarray, list[int], np.ndarray]:
        """A random batch of the episode, its returns standardised within the batch."""
        length = min(self.batch_size, len(policy_experiences))
        batch = random.sample(list(policy_experiences), length)
        states = np.vstack([e.s for e in batch])
        actions = [e.a for e in batch]
        rewards = standardize([e.r for e in batch])
        return states, actions, rewards

    def episode_end(self, episode: int, step_count: int, agent: PolicyGradientAgent) -> None:
        if not agent.initialized:
            if len(self.experiences) == self.buffer_size:
                agent.initialize(self.experiences, self.make_optimizer())
                self.logger.set_model(agent.model)
            return
        experiences = self.get_recent(step_count)
        returns = discounted_returns([e.r for e in experiences], self.gamma)
        policy_experiences = [e._replace(r=g) for e, g in zip(experiences, returns)]
        loss = agent.update(*self.make_batch(policy_experiences))
        if self.check_loss(loss):
            self.logger.write(episode, "loss", loss)

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(learning_rate=self.learning_rate)

    def reinitialize(self, episode: int, agent: PolicyGradientAgent, env: Any) -> None:
        """``--resume``: rebuild the model; the checkpoint then restores weights and scaler."""
        agent.make_model(int(env.observation_space.shape[-1]), self.make_optimizer())
        agent.initialized = True
