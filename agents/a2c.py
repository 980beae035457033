"""The book's advantage actor-critic (A2C) agent: Catcher with a CNN, CartPole in test mode.

Follows the book's latest revision: ``stop_gradient`` on the critic's estimate in the
advantage, so the policy loss does not train the critic.

Changes from the book, where its APIs are gone or its code was wrong:

* Updates are a compiled ``tf.function`` with ``tf.GradientTape`` instead of
  placeholders and ``optimizer.get_updates``; ``Adam(learning_rate=..., clipnorm=5.0)``
  replaces ``lr=``; acting uses a compiled forward pass, not ``model.predict``.
* ``SampleLayer`` is registered with Keras, so ``keras.models.load_model`` reads our
  ``.keras``/``.h5`` files without ``custom_objects`` (importing this module is enough).
* The advantage is per sample: the book subtracted a ``(N, 1)`` estimate from ``(N,)``
  returns, which broadcasts to ``(N, N)``.
* n-step returns bootstrap from the critic wherever an episode piece stops without a
  terminal state: at the batch's end (as in the book) and at a time-limit truncation
  inside the batch (the book's gym ended the episode with ``done=True`` there, so its
  return stopped at the limit); episode ends are marked so no return crosses into the
  next episode.

Beyond the book: ``--n-envs N`` steps N copies of Catcher as one vector env (the Trainer's vector
loop): one forward pass acts for all, and each batch's n-step returns are computed per copy. The
``fast`` preset (lr 7e-4, 8 envs) learns Catcher; with the book's lr 7e-5 the policy hardly moves
(benchmarks/README.md).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from agents.a2c_config import ActorCriticConfig
from agents.networks import as_states, cnn_trunk, compiled_forward
from agents.rollout import RolloutBuffer, flatten, standardize
from fn_framework import Experience, FNAgent, Trainer, load_keras_model
from fn_framework.trainer import TrainerState
from fn_framework.vector import VectorStep


# The book's loss ------------------------------------------------------------------------------

def categorical_entropy(logits: tf.Tensor) -> tf.Tensor:
    """Entropy of ``softmax(logits)`` per row, computed stably (OpenAI baselines, as in the book)."""
    a0 = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
    ea0 = tf.exp(a0)
    z0 = tf.reduce_sum(ea0, axis=-1, keepdims=True)
    p0 = ea0 / z0
    return tf.reduce_sum(p0 * (tf.math.log(z0) - a0), axis=-1)


def actor_critic_loss(
    action_evals: tf.Tensor,
    estimateds: tf.Tensor,
    actions: tf.Tensor,
    values: tf.Tensor,
    value_loss_weight: float = 1.0,
    entropy_weight: float = 0.1,
) -> dict[str, tf.Tensor]:
    """The book's loss and its parts, keyed by their TensorBoard tags.

    ``policy + value_loss_weight * mse(values, estimateds) - entropy_weight * entropy``,
    where policy is ``mean(cross_entropy(logits, a) * stop_gradient(values - estimateds))``.
    """
    estimateds = tf.reshape(estimateds, [-1])
    values = tf.cast(values, estimateds.dtype)
    neg_logs = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=action_evals, labels=actions)
    advantages = values - tf.stop_gradient(estimateds)  # the policy loss must not train the critic
    policy_loss = tf.reduce_mean(neg_logs * advantages)
    value_loss = tf.reduce_mean(tf.square(values - estimateds))
    entropy = tf.reduce_mean(categorical_entropy(action_evals))
    loss = policy_loss + value_loss_weight * value_loss - entropy_weight * entropy
    return {
        "loss/total": loss,
        "loss/policy": policy_loss,
        "loss/value": value_loss,
        "stats/neg_logs": tf.reduce_mean(neg_logs),
        "stats/advantage": tf.reduce_mean(advantages),
        "stats/entropy": entropy,
    }


@keras.saving.register_keras_serializable(package="baby_steps_rl")
class SampleLayer(keras.layers.Layer):
    """Sample one action per row from logits by Gumbel-max: ``argmax(logits - log(-log(U)))``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_dim = 1  # one action from the evaluations (the book's attribute)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        # minval > 0: log(0) would make a -inf noise term.
        noise = tf.random.uniform(tf.shape(x), minval=np.finfo(np.float32).tiny, maxval=1.0)
        return tf.argmax(x - tf.math.log(-tf.math.log(noise)), axis=1)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple:
        return (input_shape[0],)

    def get_config(self) -> dict:
        return super().get_config()


def gumbel_max(logits: np.ndarray) -> np.ndarray:
    """``SampleLayer``'s draw in NumPy: one action per row, ``argmax(logits - log(-log(U)))``."""
    noise = np.random.uniform(np.finfo(np.float32).tiny, 1.0, size=logits.shape).astype(np.float32)
    return np.argmax(logits - np.log(-np.log(noise)), axis=1)


class ActorCriticAgent(FNAgent):
    """Actor logits and critic value on the book's CNN; outputs ``[actions, action_evals, values]``.

    Acts with ``SampleLayer``'s sampled action (drawn in NumPy: ``policy_batch``), so no epsilon.
    """

    def __init__(self, actions: Sequence[int]) -> None:
        super().__init__(epsilon=0.0, actions=actions)
        self.optimizer: Any = None
        self._forward: Any = None
        self._updater: Any = None

    @classmethod
    def load(cls, env: Any, model_path: str) -> "ActorCriticAgent":
        agent = cls(list(range(env.action_space.n)))
        agent.model = load_keras_model(model_path)  # SampleLayer is registered by this module
        agent._forward = compiled_forward(agent.model)
        agent.initialized = True
        return agent

    def initialize(
        self, experiences: Sequence[Experience], optimizer: keras.optimizers.Optimizer, **loss_weights: float
    ) -> None:
        """Build the model for the experiences' state shape; ``loss_weights`` go to ``set_updater``."""
        self.build(np.asarray(experiences[0].s).shape, optimizer, **loss_weights)
        print("Done initialization. From now, begin training!")

    def build(
        self, feature_shape: Sequence[int], optimizer: keras.optimizers.Optimizer, **loss_weights: float
    ) -> None:
        """Make the model, its compiled forward pass and its updater (also when resuming)."""
        self.make_model(feature_shape)
        self._forward = compiled_forward(self.model)
        self.optimizer = optimizer  # an attribute, so that a checkpoint keeps Adam's moments
        self.set_updater(optimizer, **loss_weights)
        self.initialized = True

    def make_trunk(self, feature_shape: Sequence[int]) -> keras.Sequential:
        return cnn_trunk(feature_shape)

    def make_model(self, feature_shape: Sequence[int]) -> None:
        normal = keras.initializers.GlorotNormal()
        trunk = self.make_trunk(feature_shape)
        inputs = keras.Input(shape=tuple(feature_shape), dtype=trunk.inputs[0].dtype)  # uint8 frames on Catcher
        features = trunk(inputs)
        action_evals = keras.layers.Dense(len(self.actions), kernel_initializer=normal, name="actor")(features)
        actions = SampleLayer(name="sample")(action_evals)
        values = keras.layers.Dense(1, kernel_initializer=normal, name="critic")(features)
        self.model = keras.Model(inputs=inputs, outputs=[actions, action_evals, values])

    def set_updater(
        self, optimizer: keras.optimizers.Optimizer, value_loss_weight: float = 1.0, entropy_weight: float = 0.1
    ) -> None:
        model = self.model

        @tf.function(reduce_retracing=True)
        def updater(states: tf.Tensor, actions: tf.Tensor, values: tf.Tensor) -> dict[str, tf.Tensor]:
            with tf.GradientTape() as tape:
                _, action_evals, estimateds = model(states, training=True)
                losses = actor_critic_loss(
                    action_evals, estimateds, actions, values, value_loss_weight, entropy_weight
                )
            grads = tape.gradient(losses["loss/total"], model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return losses

        self._updater = updater

    def policy(self, s: Any) -> int:
        if not self.initialized:
            return int(np.random.randint(len(self.actions)))
        return int(self.policy_batch([s])[0])

    def policy_batch(self, states: Sequence[Any]) -> np.ndarray:
        """A sampled action for each state, one forward pass (the loop with several copies).

        ``SampleLayer``'s Gumbel-max draw, made in NumPy on the actor's logits: NumPy's stream is
        seeded by ``--seed`` and kept by a checkpoint, where the layer's TensorFlow random op has a
        state no checkpoint can hold (a resumed run would draw other actions than the unbroken one).
        """
        if not self.initialized:
            return np.random.randint(len(self.actions), size=len(states))
        _, action_evals, _ = self._forward(as_states(states))
        return gumbel_max(action_evals.numpy())

    def estimate(self, s: Any) -> float:
        """The critic's value of one state."""
        return float(self.estimate_values(np.asarray([s]))[0])

    def estimate_batch(self, states: Sequence[Any]) -> np.ndarray:
        """The actor's logits: their argmax is the greedy action."""
        _, action_evals, _ = self._forward(as_states(np.stack(states)))
        return action_evals.numpy()

    def estimate_values(self, states: np.ndarray) -> np.ndarray:
        _, _, values = self._forward(as_states(states))
        return values.numpy().reshape(-1)

    def update(self, states: np.ndarray, actions: np.ndarray, values: np.ndarray) -> dict[str, float]:
        losses = self._updater(
            tf.constant(as_states(states)), tf.constant(actions, tf.int32), tf.constant(values, tf.float32)
        )
        return {k: float(v) for k, v in losses.items()}


class ActorCriticAgentTest(ActorCriticAgent):
    """The book's test mode: a ``Dense 10 - 10`` trunk for CartPole's state vector."""

    def make_trunk(self, feature_shape: Sequence[int]) -> keras.Sequential:
        normal = keras.initializers.GlorotNormal()
        return keras.Sequential(
            [
                keras.Input(shape=tuple(feature_shape)),
                keras.layers.Dense(10, kernel_initializer=normal, activation="relu"),
                keras.layers.Dense(10, kernel_initializer=normal, activation="relu"),
            ]
        )


@dataclasses.dataclass
class ActorCriticTrainerState(TrainerState):
    """The loop's state and the rollout's bookkeeping."""

    #: Per copy: the largest reward of its current episode (TensorBoard's stats/reward_max).
    reward_max: np.ndarray = dataclasses.field(default_factory=lambda: np.full(1, -np.inf))
    #: The last update's losses (TensorBoard, at each episode's end).
    losses: dict[str, float] = dataclasses.field(default_factory=dict)


class ActorCriticTrainer(Trainer):
    """The book's flow: fill ``buffer_size`` to initialize, then update every ``batch_size`` steps.

    Settings: ``ActorCriticConfig``. The model with the best episode reward so far is
    saved (atomically) to ``model_path``, as in the book (``keep_best``).
    """

    config_class = ActorCriticConfig
    State = ActorCriticTrainerState

    @property
    def trainer_name(self) -> str:
        return "a2c"  # the book's file names (a2c_agent.*), not "actor_critic"

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        """Catcher through the book's CatcherObserver; test mode: the raw state vector, as in the book."""
        from agents.observers import observe_catcher

        return observe_catcher(env, config)

    @staticmethod
    def load_agent(env: Any, path: str) -> ActorCriticAgent:
        return ActorCriticAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> ActorCriticAgent:
        actions = list(range(env.action_space.n))
        agent = ActorCriticAgentTest(actions) if self.config.test_mode else ActorCriticAgent(actions)
        self.train_loop(env, agent, episode_count, render=render)
        return agent

    def fresh_state(self) -> ActorCriticTrainerState:
        return ActorCriticTrainerState(reward_max=np.full(self.n_copies, -np.inf))

    def make_experiences(self) -> RolloutBuffer:
        """The on-policy family's rollout (``agents/rollout.py``): whole vector steps, not a deque."""
        return RolloutBuffer(self.n_copies)

    def store(self, step: VectorStep, episode: int, agent: ActorCriticAgent) -> None:
        """The book's ``step``: store every copy's transition; initialize once ``buffer_size`` are stored, then
        update every ``batch_size`` (the vector step is what it learns from, so it is done where the step is stored).
        """
        self.reward_max = np.maximum(self.reward_max, step.rewards)
        cut_values = np.zeros(self.n_copies)
        truncated = np.flatnonzero(step.truncated)
        if agent.initialized and len(truncated):  # a time limit is not a terminal state: bootstrap from the critic
            cut_values[truncated] = agent.estimate_values(as_states(step.next_obs[truncated]))
        self.experiences.add(step, cut_values=cut_values)
        collected = len(self.experiences) * self.n_copies
        if not agent.initialized:
            if collected < self.config.buffer_size:
                return  # store experiences until there are enough to initialize
            first = Experience(self.experiences.rows["obs"][0][0], 0, 0.0, None, False)  # its state's shape is read
            agent.initialize([first], self.make_optimizer(), **self.loss_weights())
            self.logger.set_model(agent.model)
            self.training = True
        else:
            if collected < self.config.batch_size:
                return  # store experiences until there are enough to update
            self.losses = agent.update(*self.make_batch(agent, step.next_obs))
            self.check_loss(self.losses["loss/total"])
        self.experiences.clear()

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(learning_rate=self.config.learning_rate, clipnorm=5.0)

    def loss_weights(self) -> dict[str, float]:
        return {"entropy_weight": self.config.entropy_weight, "value_loss_weight": self.config.value_loss_weight}

    def reinitialize(self, episode: int, agent: ActorCriticAgent, env: Any) -> None:
        """``--resume``: rebuild the model; the checkpoint then restores its weights."""
        agent.build(env.observation_space.shape, self.make_optimizer(), **self.loss_weights())

    def make_batch(self, agent: ActorCriticAgent, next_obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States, actions and n-step returns (standardised, as in the book) of the rollout.

        The returns are GAE's at lambda = 1 without values: each copy's walk back from its last step,
        bootstrapped from the critic's value of ``next_obs`` where it did not terminate (the book's
        ``agent.estimate(last.n_s)``) and stopped at every episode end inside the batch.
        """
        rollout = self.experiences
        last_values = np.zeros(self.n_copies)
        going_on = np.flatnonzero(~rollout.rows["terminated"][-1])
        if len(going_on):
            last_values[going_on] = agent.estimate_values(as_states(next_obs[going_on]))
        _, returns = rollout.advantages(self.config.gamma, 1.0, last_values)
        values = flatten(returns)
        if self.config.standardize_returns:
            values = standardize(values)
        return as_states(flatten(rollout.array("obs"))), flatten(rollout.array("actions")), values

    def episode_end(self, episode: int, step_count: int, agent: ActorCriticAgent, copy: int = 0) -> None:
        reward_max, self.reward_max[copy] = self.reward_max[copy], -np.inf
        if not agent.initialized or self.diverged:
            return
        self.logger.write(self.episode_step(copy), "stats/reward_max", float(reward_max))
        for name, value in self.losses.items():
            self.logger.write(self.episode_step(copy), name, value)
