"""The book's continuous-action policy gradient: a Gaussian actor and a critic Q(s, a) on Pendulum.

The book's ``FN/policy_gradient_continuous_agent.py`` (latest revision) on TF2 / Keras 3, same networks,
losses and defaults:

* Actor: the states' scaler, Dense 16 relu x3, Dense tanh scaled to the action bound (the book's
  ``dist_model``: the mean), then ``SampleLayer``: Normal(mean, 0.1) clipped to the bounds (the book's
  ``model``, saved and played). ``ActionScaling`` replaces the book's ``Lambda(m * 2)`` (Keras 3 reloads no
  Lambda safely); the scaler is ``agents.policy_gradient``'s ``StandardScaling`` layer (the book pickled it).
* Critic: Q on [scaled s, a], Dense 32 relu x3, Dense 1; mse to ``r + gamma * Q(n_s, a')``, ``a'`` the
  actor's sampled action at ``n_s`` (only *terminated* stops the bootstrap).
* Actor loss: ``-log(clip(N(a; mu(s), 0.1), 1e-10, 1)) * TD error`` per sample (the book multiplied ``(N,)``
  probabilities by an ``(N, 1)`` TD error: an ``(N, N)`` product, mean log-probability times mean TD error).
* One compiled ``tf.function`` (``GradientTape``, ``Adam(clipnorm=1.0)``) replaces ``get_updates`` and
  ``train_on_batch``; acting is a NumPy forward pass, not ``model.predict``.

Beyond the book, off by default (the ``ddpg`` preset): DDPG's actor loss ``-Q(s, mu(s))``, target networks
with soft updates (``tau``), several gradient steps per call.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf
from sklearn.preprocessing import StandardScaler

from agents.networks import ActingForward
from agents.observers import CartPoleObserver
from agents.policy_gradient import StandardScaling
from agents.policy_gradient_continuous_config import PolicyGradientContinuousConfig
from agents.replay import ReplayMemory
from fn_framework import Experience, FNAgent, Trainer, UserError, load_keras_model
from fn_framework.trainer import TrainerState


class _Bounded(keras.layers.Layer):
    """A layer that keeps the action bounds in its config."""

    def __init__(self, low: Any = (-2.0,), high: Any = (2.0,), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.low, self.high = [float(v) for v in np.ravel(low)], [float(v) for v in np.ravel(high)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "low": self.low, "high": self.high}


@keras.saving.register_keras_serializable(package="baby_steps_rl")
class ActionScaling(_Bounded):
    """A tanh output in [-1, 1] to the action bounds: ``center + half * x`` (the book's ``Lambda(m * 2)``)."""

    def call(self, x: Any) -> Any:
        low, high = np.float32(self.low), np.float32(self.high)
        return (high + low) / 2 + (high - low) / 2 * x

    numpy_call = call  # the same arithmetic on NumPy arrays, for NumpyForward


# A name of its own: A2C's SampleLayer holds "baby_steps_rl>SampleLayer" (one name, two classes: wrong loads).
@keras.saving.register_keras_serializable(package="baby_steps_rl", name="ContinuousSampleLayer")
class SampleLayer(_Bounded):
    """The book's SampleLayer: an action drawn from Normal(mean, scale), clipped to [low, high]."""

    def __init__(self, low: Any = (-2.0,), high: Any = (2.0,), scale: float = 0.1, **kwargs: Any) -> None:
        super().__init__(low, high, **kwargs)
        self.scale = float(scale)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}

    def call(self, mu: tf.Tensor) -> tf.Tensor:
        return tf.clip_by_value(mu + self.scale * tf.random.normal(tf.shape(mu)), self.low, self.high)

    def numpy_call(self, mu: np.ndarray) -> np.ndarray:  # call in NumPy for NumpyForward (np.random: --seed fixes it)
        noisy = mu + np.float32(self.scale) * np.random.standard_normal(mu.shape).astype(np.float32)
        return np.clip(noisy, np.float32(self.low), np.float32(self.high))


class PendulumObserver(CartPoleObserver):
    """The book's PendulumObserver: the state as a ``(1, 3)`` float32 row; the action sent as the env's array."""

    def step(self, action: Any) -> Any:
        return super().step(np.asarray(action, np.float32).reshape(self.action_space.shape))


def make_update(agent: "PolicyGradientContinuousAgent") -> Any:
    """``update(s, a, r, n_s, d, gamma, noise) -> (actor loss, critic loss)`` on ``(steps, batch, ...)`` arrays, compiled.

    ``noise`` is a standard normal draw per next action, made in NumPy by the caller: NumPy's stream is
    seeded by ``--seed`` and kept by a checkpoint; a TensorFlow random op's state in a compiled function
    cannot be saved, so a resumed run would draw other noise than the unbroken one.
    """
    actor, critic, target_actor, target_critic = agent.dist_model, agent.critic, agent.target_actor, agent.target_critic
    c, scaler, low, high = agent.config, actor.get_layer("scaler"), agent.low, agent.high
    sigma, target_noise, tau, dpg = c.noise_scale, c.target_noise, c.tau, c.actor_loss == "dpg"
    log_norm = float(np.log(sigma * np.sqrt(2 * np.pi)))

    def q(model: keras.Model, states: tf.Tensor, actions: tf.Tensor) -> tf.Tensor:
        return model(tf.concat([scaler(states), actions], axis=1))[:, 0]

    def step(s, a, r, n_s, d, gamma, noise):  # type: ignore[no-untyped-def]
        next_action = target_actor(n_s, training=False)
        if target_noise > 0:  # the book's next action: its SampleLayer's draw
            next_action = tf.clip_by_value(next_action + target_noise * noise, low, high)
        y = r + gamma * (1.0 - d) * q(target_critic, n_s, next_action)
        with tf.GradientTape() as tape:
            estimated = q(critic, s, a)
            critic_loss = tf.reduce_mean(tf.square(y - estimated))
        td_error = tf.stop_gradient(y - estimated)  # before the critic's step, as the book
        critic_grads = tape.gradient(critic_loss, critic.trainable_variables)
        agent.critic_optimizer.apply_gradients(zip(critic_grads, critic.trainable_variables))
        with tf.GradientTape() as tape:
            mu = actor(s, training=True)
            if dpg:  # DDPG: follow the critic's gradient in the action
                actor_loss = -tf.reduce_mean(q(critic, s, mu))
            else:  # the book's: -log(clip(N(a; mu, sigma), 1e-10, 1)) * TD error, per sample
                log_prob = -tf.square(a - mu) / (2 * sigma**2) - log_norm
                clipped = tf.clip_by_value(tf.exp(log_prob), 1e-10, 1.0)
                actor_loss = tf.reduce_mean(-tf.reduce_sum(tf.math.log(clipped), axis=1) * td_error)
        actor_grads = tape.gradient(actor_loss, actor.trainable_variables)
        agent.actor_optimizer.apply_gradients(zip(actor_grads, actor.trainable_variables))
        for target, online in ((target_actor, actor), (target_critic, critic)):
            for t, o in zip(target.weights, online.weights):
                t.assign(tau * o + (1.0 - tau) * t)  # tau 1: the target is the trained network
        return actor_loss, critic_loss

    def update(s, a, r, n_s, d, gamma, noise):  # type: ignore[no-untyped-def]
        losses = tf.zeros((2,))
        for i in tf.range(tf.shape(s)[0]):
            losses += tf.stack(step(s[i], a[i], r[i], n_s[i], d[i], gamma, noise[i]))
        return losses / tf.cast(tf.shape(s)[0], tf.float32)

    state, action = tf.TensorSpec((None, None, actor.inputs[0].shape[-1])), tf.TensorSpec((None, None, low.size))
    vector = tf.TensorSpec((None, None))
    return tf.function(update, input_signature=[state, action, vector, state, vector, tf.TensorSpec(()), action])


class PolicyGradientContinuousAgent(FNAgent):
    """The book's agent: acts by sampling around the actor's mean; ``greedy_actions`` are the mean.

    Args:
        epsilon: chance of a uniform random action.
        low, high: the action bounds (the book's ``actions``).
        config: the network and update settings (``noise_scale``, ``actor_units``, ``critic_units``,
            ``actor_loss``, ``target_noise``, ``tau``); the book's by default.
    """

    saved_models = ("dist_model", "critic", "target_actor", "target_critic")  # ``model`` shares dist_model's layers
    saved_optimizers = {"actor_optimizer": "dist_model", "critic_optimizer": "critic"}

    def __init__(self, epsilon: float, low: Any, high: Any, config: Optional[PolicyGradientContinuousConfig] = None):
        self.low, self.high = np.asarray(low, np.float32).ravel(), np.asarray(high, np.float32).ravel()
        super().__init__(epsilon, [self.low, self.high])
        self.config = config or PolicyGradientContinuousConfig()
        if self.config.actor_loss not in ("likelihood", "dpg"):
            raise UserError(f"--actor-loss must be likelihood or dpg, not {self.config.actor_loss!r}")
        self.dist_model: Any = None  # the book's name: the actor's mean (self.model adds the SampleLayer)
        self.critic = self.target_actor = self.target_critic = self.actor_optimizer = self.critic_optimizer = None
        self._updater: Any = None
        self._acting, self._greedy = ActingForward(), ActingForward()

    @classmethod
    def load(cls, env: Any, model_path: str, epsilon: float = 0.0001) -> "PolicyGradientContinuousAgent":
        agent = cls(epsilon, env.action_space.low, env.action_space.high)
        agent.model = load_keras_model(model_path)
        if not agent.model.layers or not isinstance(agent.model.layers[-1], SampleLayer):
            raise UserError(f"{model_path} is not a policy_gradient_continuous actor (no SampleLayer)")
        agent.dist_model = keras.Sequential([keras.Input(agent.model.inputs[0].shape[1:]), *agent.model.layers[:-1]])
        agent.initialized = True
        return agent

    def initialize(self, experiences: Any, actor_optimizer: Any, critic_optimizer: Any) -> None:
        """Build the actor (its scaler fitted on these experiences' states), the critic and the update."""
        states = _states(experiences)
        self.make_model(states.shape[1], self.low.size)
        self.dist_model.get_layer("scaler").set_scaler(StandardScaler().fit(states))
        self.target_actor.set_weights(self.dist_model.get_weights())
        self.actor_optimizer, self.critic_optimizer = actor_optimizer, critic_optimizer
        actor_optimizer.build(self.dist_model.trainable_variables)  # built now, so a checkpoint restores them
        critic_optimizer.build(self.critic.trainable_variables)
        self._updater = make_update(self)
        self.initialized = True
        self.weights_changed()
        print("Done initialization. From now, begin training!")

    def make_model(self, feature_size: int, action_size: int) -> None:
        def actor() -> keras.Sequential:
            hidden = [keras.layers.Dense(self.config.actor_units, activation="relu") for _ in range(3)]
            return keras.Sequential([keras.Input((feature_size,)), StandardScaling(name="scaler"), *hidden,
                                     keras.layers.Dense(action_size, activation="tanh"),
                                     ActionScaling(self.low, self.high)])

        def critic() -> keras.Sequential:
            hidden = [keras.layers.Dense(self.config.critic_units, activation="relu") for _ in range(3)]
            return keras.Sequential([keras.Input((feature_size + action_size,)), *hidden, keras.layers.Dense(1)])

        self.dist_model, self.target_actor = actor(), actor()
        self.model = keras.Sequential([keras.Input((feature_size,)), *self.dist_model.layers,
                                       SampleLayer(self.low, self.high, self.config.noise_scale)])
        self.critic, self.target_critic = critic(), critic()
        self.target_critic.set_weights(self.critic.get_weights())

    def policy(self, s: Any) -> np.ndarray:
        """The book's: uniform with chance epsilon (always before training), else the SampleLayer's draw."""
        if np.random.random() < self.epsilon or not self.initialized:
            return np.random.uniform(self.low, self.high).astype(np.float32)
        return self._acting(self.model, np.asarray(s, np.float32).reshape(1, -1))[0]

    def act(self, state: Any, greedy: bool = False) -> np.ndarray:  # type: ignore[override]
        """A float32 action of the action's shape: the sampled one, or (``greedy``) the actor's mean."""
        return self.greedy_actions([state])[0] if greedy else self.policy(state)

    def estimate_batch(self, states: Sequence[Any]) -> np.ndarray:  # the actor's mean action for each state
        return self._greedy(self.dist_model, np.stack([np.ravel(s) for s in states]).astype(np.float32))

    def greedy_actions(self, states: Sequence[Any]) -> np.ndarray:
        if not self.initialized:
            return np.random.uniform(self.low, self.high, (len(states), self.low.size)).astype(np.float32)
        return self.estimate_batch(states)

    def update(self, batch: Experience, gamma: float) -> tuple[float, float]:
        """Gradient steps on stacked batches (``ReplayMemory.sample_batches``); the mean actor and critic losses."""
        steps, size = np.shape(batch.r)
        s, a, n_s = (np.asarray(x, np.float32).reshape(steps, size, -1) for x in (batch.s, batch.a, batch.n_s))
        r, d = np.asarray(batch.r, np.float32), np.asarray(batch.d, np.float32)
        # The target actions' noise (``target_noise``), drawn here: NumPy's stream is what a checkpoint keeps.
        noise = np.random.standard_normal(a.shape).astype(np.float32) if self.config.target_noise > 0 else np.zeros_like(a)
        losses = self._updater(s, a, r, n_s, d, np.float32(gamma), noise).numpy()
        self.weights_changed()
        return float(losses[0]), float(losses[1])

    def weights_changed(self) -> None:
        for acting in (self._acting, self._greedy):
            acting.weights_changed()


def _states(experiences: Any) -> np.ndarray:
    n = len(experiences)
    return np.reshape(experiences.sample(n).s if isinstance(experiences, ReplayMemory) else [e.s for e in experiences],
                      (n, -1)).astype(np.float32)


@dataclasses.dataclass
class PolicyGradientContinuousTrainerState(TrainerState):
    """The loop's state and this episode's losses (TensorBoard, at its end)."""

    losses: list[tuple[float, float]] = dataclasses.field(default_factory=list)


class PolicyGradientContinuousTrainer(Trainer):
    """The book's training: random play until the replay is full, then an update every env step.

    Settings: ``PolicyGradientContinuousConfig`` (the book's defaults, and what the ``ddpg`` preset turns on).
    """

    config_class = PolicyGradientContinuousConfig
    State = PolicyGradientContinuousTrainerState

    def make_experiences(self) -> ReplayMemory:
        return ReplayMemory(self.config.buffer_size)  # the project's replay: float32 action vectors and state rows

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        return PendulumObserver(env)

    @staticmethod
    def load_agent(env: Any, path: str) -> PolicyGradientContinuousAgent:
        return PolicyGradientContinuousAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> FNAgent:
        c, space = self.config, env.action_space
        agent = PolicyGradientContinuousAgent(1.0, space.low, space.high, c)
        self.train_loop(env, agent, episode_count, c.initial_count, render)
        return agent

    def episode_begin(self, episode: int, agent: PolicyGradientContinuousAgent, copy: int = 0) -> None:
        self.losses = []

    def begin_train(self, episode: int, agent: PolicyGradientContinuousAgent) -> None:
        c = self.config
        actor_optimizer = keras.optimizers.Adam(learning_rate=c.actor_learning_rate, clipnorm=c.clipnorm)
        critic_optimizer = keras.optimizers.Adam(learning_rate=c.critic_learning_rate, clipnorm=c.clipnorm)
        agent.initialize(self.experiences, actor_optimizer, critic_optimizer)
        self.logger.set_model(agent.model)
        agent.epsilon = c.epsilon

    def step(self, episode: int, step_count: int, agent: PolicyGradientContinuousAgent, experience: Experience) -> None:
        c = self.config
        if not self.training or self.total_steps % c.train_freq != 0:  # total_steps: the env steps before this one
            return
        losses = agent.update(self.experiences.sample_batches(c.batch_size, c.gradient_steps), c.gamma)
        if self.check_loss(sum(losses)):  # a NaN loss stops the run, keeping the last good model
            self.losses.append(losses)

    def episode_end(self, episode: int, step_count: int, agent: PolicyGradientContinuousAgent, copy: int = 0) -> None:
        for name, value in zip(("loss/actor", "loss/critic"), np.mean(self.losses, axis=0) if self.losses else ()):
            self.logger.write(self.total_steps, name, value)
