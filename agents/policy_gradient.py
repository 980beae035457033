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
  replaces the removed ``lr=``; acting uses a NumPy forward pass of the model
  (``agents.numpy_forward``: no TensorFlow call per step), not ``predict``.

Beyond the book, off by default and turned on by the ``modern`` preset (benchmarks/README.md
has the measurements): returns standardised against the last episodes
(``baseline_episodes``), clipped standardised states (``input_clip``) and keeping the
best model (``keep_best``); see ``PolicyGradientTrainer``.
"""
from __future__ import annotations

import dataclasses
import random
from collections import deque
from typing import Any, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler

from agents.networks import ActingForward
from agents.policy_gradient_config import PolicyGradientConfig
from agents.rollout import RolloutBuffer, flatten, monte_carlo_returns, standardize
from fn_framework import Experience, FNAgent, Trainer, load_keras_model
from fn_framework.trainer import TrainerState
from fn_framework.vector import VectorStep


@keras.saving.register_keras_serializable(package="baby_steps_rl")
class StandardScaling(keras.layers.Layer):
    """``StandardScaler.transform`` as a layer: ``(x - mean_) / scale_`` with the fitted values as weights.

    ``clip > 0`` also clips the result to ``[-clip, clip]`` (0, the book: no clipping).
    """

    def __init__(self, clip: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clip = float(clip)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "clip": self.clip}

    def build(self, input_shape: Sequence[Any]) -> None:
        size = (int(input_shape[-1]),)
        self.mean = self.add_weight(shape=size, initializer="zeros", trainable=False, name="mean")
        self.scale = self.add_weight(shape=size, initializer="ones", trainable=False, name="scale")

    def call(self, x: tf.Tensor) -> tf.Tensor:
        scaled = (x - self.mean) / self.scale
        if self.clip > 0:
            scaled = tf.clip_by_value(scaled, -self.clip, self.clip)
        return scaled

    def numpy_call(self, x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """``call`` in NumPy, for ``NumpyForward`` (the weights are its snapshot)."""
        scaled = (x - mean) / scale
        return np.clip(scaled, -self.clip, self.clip) if self.clip > 0 else scaled

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
    ``input_clip > 0`` clips the standardised states to ``[-input_clip, input_clip]``
    (0, the book: no clipping); a loaded model keeps the clip it was trained with.
    """

    def __init__(self, actions: Sequence[int], input_clip: float = 0.0) -> None:
        super().__init__(epsilon=0.0, actions=actions)
        self.input_clip = input_clip
        self.estimate_probs = True
        self.optimizer: Any = None
        self._acting = ActingForward()
        self._updater: Any = None

    @classmethod
    def load(cls, env: Any, model_path: str) -> "PolicyGradientAgent":
        agent = cls(list(range(env.action_space.n)))
        agent.model = load_keras_model(model_path)
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
                StandardScaling(clip=self.input_clip, name="scaler"),
                keras.layers.Dense(10, activation="relu"),
                keras.layers.Dense(10, activation="relu"),
                keras.layers.Dense(len(self.actions), activation="softmax"),
            ]
        )
        self.optimizer = optimizer  # an attribute, so that a checkpoint keeps Adam's moments
        self.set_updater(optimizer)

    def set_updater(self, optimizer: keras.optimizers.Optimizer) -> None:
        model = self.model

        # One trace for every episode length (a new batch size would otherwise retrace).
        signature = [
            tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32),
            tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((None,), tf.float32),
        ]

        @tf.function(input_signature=signature)
        def updater(states: tf.Tensor, actions: tf.Tensor, rewards: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                loss = policy_gradient_loss(model(states, training=True), actions, rewards)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        self._updater = updater

    def estimate(self, s: np.ndarray) -> np.ndarray:
        return self._acting(self.model, np.asarray(s, dtype=np.float32))[0]

    def estimate_batch(self, states: Sequence[np.ndarray]) -> np.ndarray:
        return self._acting(self.model, np.vstack(states).astype(np.float32))

    def update(self, states: np.ndarray, actions: Sequence[int], rewards: np.ndarray) -> float:
        loss = self._updater(
            tf.constant(states, tf.float32),
            tf.constant(np.asarray(actions), tf.int32),
            tf.constant(rewards, tf.float32),
        )
        self.weights_changed()
        return float(loss)

    def weights_changed(self) -> None:
        self._acting.weights_changed()


@dataclasses.dataclass
class PolicyGradientTrainerState(TrainerState):
    """The loop's state and the baseline's recent returns."""

    #: The returns of the last ``baseline_episodes`` episodes (their mean and std standardise the next).
    recent_returns: deque[np.ndarray] = dataclasses.field(default_factory=deque)


class PolicyGradientTrainer(Trainer):
    """Collect ``buffer_size`` experiences to fit the scaler; then learn from each episode.

    The defaults are the book's: ``batch_size`` steps are sampled from each episode
    (all of them when it is shorter) and the last model is the one kept. Beyond the
    book (``PolicyGradientConfig``; the ``modern`` preset turns them on, measured in
    benchmarks/README.md):

    * ``baseline_episodes``: standardise the episode's returns with the mean and
      standard deviation of the returns of the last N episodes (this one included)
      instead of its own. The book's per-episode standardisation gives every episode,
      long or short, half positive and half negative weights, so a long episode teaches
      no more than a short one; against the recent episodes' mean, the actions of a
      better-than-recent episode are mostly reinforced and those of a worse one mostly
      discouraged. Each update still uses only the newest episode (on-policy), in
      order when ``batch_size`` covers it. The returns are not kept in a ``--resume``
      checkpoint (the window refills).
    * ``input_clip``: clip the standardised states (see ``PolicyGradientAgent``).
    * ``keep_best`` with ``best_rule = "recent"``: the model is saved whenever the mean
      reward of the last ``report_interval`` episodes beats the best so far; a tie keeps
      the saved model, the first to reach CartPole-v0's cap: replacing it on ties would
      keep the last model at the cap, which played no better and sometimes worse
      (benchmarks/README.md).
    """

    config_class = PolicyGradientConfig
    State = PolicyGradientTrainerState
    best_rule = "recent"

    def __init__(self, config: Any = None, log_dir: str = "", **kwargs: Any) -> None:
        super().__init__(config, log_dir, **kwargs)

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        from agents.observers import CartPoleObserver

        return CartPoleObserver(env)

    @staticmethod
    def load_agent(env: Any, path: str) -> PolicyGradientAgent:
        return PolicyGradientAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> PolicyGradientAgent:
        agent = PolicyGradientAgent(list(range(env.action_space.n)), input_clip=self.config.input_clip)
        self.train_loop(env, agent, episode_count, render=render)
        return agent

    def fresh_state(self) -> PolicyGradientTrainerState:
        return PolicyGradientTrainerState(recent_returns=deque(maxlen=self.config.baseline_episodes))

    def make_experiences(self) -> RolloutBuffer:
        """The on-policy family's rollout (``agents/rollout.py``): each copy's episode is its last steps there.

        The book's ``episode_begin`` empties its list once training began, so that ``get_recent`` gives
        the episode; with several copies playing at once the rollout keeps every copy's steps instead and
        drops them once no episode needs them (``trim``, before each step is stored).
        """
        return RolloutBuffer(self.n_copies)

    def store(self, step: VectorStep, episode: int, agent: PolicyGradientAgent) -> None:
        """Add the step; once training, first drop the steps of the episodes learned (all of last step's ends)."""
        if agent.initialized:  # before, the random play's steps are kept: the scaler is fitted on them
            self.experiences.trim()
        self.experiences.add(step)

    def make_batch(self, states: np.ndarray, actions: np.ndarray,
                   returns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A random batch of the episode, its returns standardised within the batch.

        With ``baseline_episodes > 1`` the returns come already standardised (see the
        class docstring) and a batch covering the whole episode keeps its order.
        """
        length = min(self.config.batch_size, len(actions))
        if self.config.baseline_episodes > 1 and length == len(actions):
            picked = list(range(length))
        else:
            picked = random.sample(range(len(actions)), length)  # the book's random.sample of the experiences
        if self.config.baseline_episodes > 1:
            return states[picked], actions[picked], returns[picked]
        return states[picked], actions[picked], standardize(returns[picked])

    def episode_end(self, episode: int, step_count: int, agent: PolicyGradientAgent, copy: int = 0) -> None:
        rollout = self.experiences
        if not agent.initialized:  # random play teaches nothing: fit the scaler once buffer_size steps are played
            if len(rollout) * self.n_copies >= self.config.buffer_size:
                states = flatten(rollout.array("obs"))[-self.config.buffer_size:]  # the book's full deque
                agent.initialize([Experience(s, 0, 0.0, None, False) for s in states], self.make_optimizer())
                self.logger.set_model(agent.model)
                self.training = True
                rollout.clear()  # the rest of the copies' episodes is on-policy
            return
        episode_steps = rollout.get_recent(copy, step_count)  # the book's get_recent(step_count)
        if not len(episode_steps["rewards"]):
            return  # a copy whose random-play steps were dropped at initialization
        returns = monte_carlo_returns(episode_steps["rewards"], self.config.gamma)
        if self.config.baseline_episodes > 1:
            returns = self.standardize_with_recent(returns)
        states = episode_steps["obs"].reshape(len(returns), -1)
        loss = agent.update(*self.make_batch(states, episode_steps["actions"], returns))
        if self.check_loss(loss):
            self.logger.write(self.episode_step(copy), "loss/policy", loss)

    def standardize_with_recent(self, returns: np.ndarray) -> np.ndarray:
        """``(G - mean) / std`` with the statistics of the last ``baseline_episodes`` episodes' returns."""
        self.recent_returns.append(np.asarray(returns, dtype=np.float64))
        recent = np.concatenate(list(self.recent_returns))
        std = recent.std()
        return (np.asarray(returns, dtype=np.float64) - recent.mean()) / (std if std > 0 else 1.0)

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(learning_rate=self.config.learning_rate)

    def reinitialize(self, episode: int, agent: PolicyGradientAgent, env: Any) -> None:
        """``--resume``: rebuild the model; the checkpoint then restores weights and scaler."""
        agent.input_clip = self.config.input_clip
        agent.make_model(int(env.observation_space.shape[-1]), self.make_optimizer())
        agent.initialized = True
