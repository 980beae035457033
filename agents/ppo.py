"""PPO on vector envs: actor and critic heads on the book's CNN trunk (Catcher), a Dense trunk in test mode.

Beyond the book, which ends at A2C: the algorithm of the PPO paper (Schulman et al. 2017) as SB3 and
CleanRL run it, in the book's framework, laid out as the book's agent files are:

* ``PPOAgent``: ``model(states) -> [logits, value]``. It acts for all envs with ONE forward pass
  (NumPy for the Dense test net, a compiled call for the CNN) and samples in NumPy, so a seeded run
  is reproducible; the model is plain Keras layers, so its file loads without ``custom_objects``.
* ``PPOTrainer`` runs on the Trainer's loop over ``n_envs`` copies (``fn_framework/trainer.py``;
  copy 0 is the run's env, the others made with its ``env_factory``), which keeps the book's hooks
  and bookkeeping for every episode of every copy; its ``store`` fills the on-policy family's
  ``RolloutBuffer`` (``agents/rollout.py``, GAE included) and learns when it is full. Every
  ``log_interval`` rollouts it prints SB3's table (approx_kl, clip_fraction, ep_reward_mean, ...),
  and writes the same to TensorBoard on the env-step axis.
* ``ppo_loss`` (the clipped surrogate, the optionally clipped value loss, the entropy bonus and
  SB3's diagnostics) and ``make_update``: every epoch's minibatches of one rollout in one compiled
  ``tf.function``; the minibatch indices come from NumPy, so a seeded run draws the same ones.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from agents.a2c import categorical_entropy
from agents.networks import as_states, cnn_trunk, compiled_forward
from agents.numpy_forward import NumpyForward
from agents.ppo_config import PPOConfig
from agents.rollout import RolloutBuffer, flatten
from fn_framework import FNAgent, Trainer, load_keras_model
from fn_framework.trainer import TrainerState
from fn_framework.vector import VectorStep


# The agent ------------------------------------------------------------------------------------

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


# The trainer ----------------------------------------------------------------------------------

@dataclasses.dataclass
class PPOTrainerState(TrainerState):
    """The loop's state and the updates done."""

    iterations: int = 0
    #: The last update's numbers (TensorBoard and the printed table).
    stats: dict[str, float] = dataclasses.field(default_factory=dict)


class PPOTrainer(Trainer):
    """Collect ``n_steps`` from each of ``n_envs`` copies, then ``n_epochs`` of minibatch updates; repeat.

    Settings: ``PPOConfig``. The book's hooks: ``begin_train`` when the agent is built,
    ``episode_begin``/``episode_end`` for each episode of each copy (numbered in the order they
    begin and end), ``store`` adds every copy's step to the rollout and updates when it is full.
    ``--render`` while training: copy 0 (the run's env) shows its window.
    """

    config_class = PPOConfig
    State = PPOTrainerState

    def __init__(self, config: Any = None, log_dir: str = "", **kwargs: Any) -> None:
        super().__init__(config, log_dir, **kwargs)
        self._values = self._log_probs = np.zeros(0)  # the sampled actions' values and log-probabilities

    @property
    def trainer_name(self) -> str:
        return "ppo"

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        """Catcher through the book's CatcherObserver; test mode: the raw state vector."""
        from agents.observers import observe_catcher

        return observe_catcher(env, config)

    @staticmethod
    def load_agent(env: Any, path: str) -> PPOAgent:
        return PPOAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> PPOAgent:
        actions = list(range(env.action_space.n))
        agent = PPOAgentTest(actions) if self.config.test_mode else PPOAgent(actions)
        self.train_loop(env, agent, episode_count, render=render)
        return agent

    def make_experiences(self) -> RolloutBuffer:
        """The on-policy family's rollout (``agents/rollout.py``; a checkpoint keeps it: a resumed run goes on
        filling it)."""
        return RolloutBuffer(self.n_copies)

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        c = self.config
        return keras.optimizers.Adam(learning_rate=c.learning_rate, epsilon=1e-5, global_clipnorm=c.max_grad_norm)

    def begin_train(self, episode: int, agent: PPOAgent) -> None:
        c = self.config
        shape = self.observation_shape
        agent.build(shape, self.make_optimizer(), ent_coef=c.ent_coef, vf_coef=c.vf_coef,
                    normalize_advantage=c.normalize_advantage)
        self.logger.set_model(agent.model)

    def reinitialize(self, episode: int, agent: PPOAgent, env: Any) -> None:
        self.begin_train(episode, agent)  # --resume: the checkpoint then restores weights and Adam

    def start_training(self, agent: PPOAgent) -> None:
        self.begin_train(0, agent)  # PPO learns from its first rollout
        self.training = True

    def act_batch(self, agent: PPOAgent, states: np.ndarray) -> np.ndarray:
        actions, self._values, self._log_probs = agent.sample(states)
        return actions

    def store(self, step: VectorStep, episode: int, agent: PPOAgent) -> None:
        """Add the vector step to the rollout (PPO keeps no replay); learn when it holds ``n_steps``."""
        cut_values = np.zeros(self.n_copies)
        truncated = np.flatnonzero(step.truncated)
        if len(truncated):  # bootstrap from V(final observation) at a time limit
            cut_values[truncated] = agent.values(step.next_obs[truncated])
        self.experiences.add(step, self._values, self._log_probs, cut_values)
        if len(self.experiences) == self.config.n_steps:
            self.learn(agent, step.next_obs)

    @property
    def steps_done(self) -> int:
        """Env steps with the rollout's last one (the hooks see ``total_steps`` before it, as the book's do)."""
        return self.total_steps + self.n_copies

    def learn(self, agent: PPOAgent, next_obs: np.ndarray) -> None:
        """One PPO update on the full rollout; then the table."""
        c = self.config
        # ``next_obs`` is where each copy went; where one ended there the loop acts in the reset
        # observation next, but GAE only uses V(next_obs) for steps that did not end.
        rollout = self.experiences
        advantages, returns = rollout.advantages(c.gamma, c.gae_lambda, agent.values(next_obs))
        batch = {name: flatten(rollout.array(name)) for name in ("obs", "actions", "log_probs", "values")}
        batch.update(advantages=flatten(advantages), returns=flatten(returns))
        rollout.clear()
        remaining = max(0.0, 1.0 - self.steps_done / c.steps) if c.steps > 0 else 1.0
        lr = c.learning_rate * (remaining if c.anneal_lr else 1.0)
        clip = c.clip_range * (remaining if c.anneal_clip_range else 1.0)
        agent.optimizer.learning_rate.assign(lr)
        size = len(batch["actions"])
        m = min(c.batch_size, size)
        indices = np.stack([np.random.permutation(size)[: size // m * m].reshape(-1, m) for _ in range(c.n_epochs)])
        self.stats = agent.update(batch, indices.reshape(-1, m), clip, c.clip_range_vf)
        self.iterations += 1
        self.check_loss(self.stats["loss"])
        self.stats.update(explained_variance=explained_variance(batch["values"], batch["returns"]),
                          learning_rate=lr, clip_range=clip)
        self.report()

    def report(self) -> None:
        """SB3's numbers: to TensorBoard every rollout, printed as its table every ``log_interval``."""
        elapsed = time.perf_counter() - self.start_time
        rows = {f"train/{k}": v for k, v in self.stats.items()}
        if self.recent_episodes:
            rows["rollout/ep_reward_mean"] = float(np.mean([r for r, _ in self.recent_episodes]))
            rows["rollout/ep_len_mean"] = float(np.mean([n for _, n in self.recent_episodes]))
        rows["time/fps"] = int((self.steps_done - self.start_steps) / max(elapsed, 1e-9))
        for name, value in rows.items():  # TensorBoard: the tags every agent uses (loss/..., stats/...)
            self.logger.write(self.steps_done, TAGS.get(name, "stats/" + name.split("/")[-1]), value)
        if self.config.log_interval > 0 and self.iterations % self.config.log_interval == 0:
            rows.update({"train/n_updates": self.iterations * self.config.n_epochs, "time/iterations": self.iterations,
                         "time/total_timesteps": self.steps_done, "time/time_elapsed": int(elapsed)})
            print(format_table(rows), flush=True)


#: SB3's names (the printed table) -> this project's TensorBoard tags; the rest go to ``stats/<name>``.
TAGS = {"train/loss": "loss/total", "train/policy_loss": "loss/policy", "train/value_loss": "loss/value",
        "train/entropy_loss": "loss/entropy"}


def format_table(rows: dict[str, Any]) -> str:
    """SB3's console table: ``| name | value |`` rows in sorted order between dashed lines."""
    cells = []
    for name in sorted(rows, key=lambda n: n.split("/")[-1]):
        value = rows[name]
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        cells.append((name.split("/")[-1], text))
    width = max(len(k) for k, _ in cells), max(len(v) for _, v in cells)
    line = "-" * (width[0] + width[1] + 7)
    return "\n".join([line, *(f"| {k:<{width[0]}} | {v:<{width[1]}} |" for k, v in cells), line])


# The loss and the update (the PPO paper's, as SB3 and CleanRL run them) ---------------------------

#: The update's diagnostics, in the order the compiled update returns their means (SB3's names).
STATS = ("loss", "policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction")


def explained_variance(predicted: np.ndarray, target: np.ndarray) -> float:
    """``1 - Var(target - predicted) / Var(target)`` (SB3's; nan when the target does not vary)."""
    var = float(np.var(target))
    return float("nan") if var == 0 else 1.0 - float(np.var(np.asarray(target) - np.asarray(predicted))) / var


def ppo_loss(
    logits: tf.Tensor,
    values: tf.Tensor,
    actions: tf.Tensor,
    old_log_probs: tf.Tensor,
    advantages: tf.Tensor,
    returns: tf.Tensor,
    old_values: tf.Tensor,
    clip_range: Any,
    clip_range_vf: Any = 0.0,
    ent_coef: float = 0.0,
    vf_coef: float = 0.5,
    normalize_advantage: bool = True,
) -> dict[str, tf.Tensor]:
    """SB3's PPO loss on one minibatch and its diagnostics (``STATS``).

    ``policy_loss = -mean(min(ratio * A, clip(ratio, 1 - c, 1 + c) * A))`` with
    ``ratio = exp(log pi(a|s) - old log pi(a|s))``; ``value_loss = mean((returns - V')^2)`` where
    ``V'`` is ``V`` or, with ``clip_range_vf > 0``, the rollout's value plus the clipped change;
    ``entropy_loss = -mean(entropy)``; ``loss = policy + ent_coef * entropy_loss + vf_coef * value``.
    """
    values = tf.reshape(values, [-1])
    advantages = tf.cast(advantages, tf.float32)
    if normalize_advantage:
        n = tf.cast(tf.size(advantages), tf.float32)
        centred = advantages - tf.reduce_mean(advantages)
        std = tf.sqrt(tf.reduce_sum(tf.square(centred)) / tf.maximum(n - 1.0, 1.0))  # unbiased, as torch's std
        advantages = tf.where(n > 1.0, centred / (std + 1e-8), advantages)
    log_probs = tf.gather(tf.nn.log_softmax(logits), actions, axis=1, batch_dims=1)
    log_ratio = log_probs - old_log_probs
    ratio = tf.exp(log_ratio)
    clip_range = tf.cast(clip_range, tf.float32)
    surrogate = tf.minimum(ratio * advantages, tf.clip_by_value(ratio, 1.0 - clip_range, 1.0 + clip_range) * advantages)
    policy_loss = -tf.reduce_mean(surrogate)
    clip_range_vf = tf.cast(clip_range_vf, tf.float32)
    clipped = old_values + tf.clip_by_value(values - old_values, -clip_range_vf, clip_range_vf)
    predicted = tf.where(clip_range_vf > 0.0, clipped, values)
    value_loss = tf.reduce_mean(tf.square(returns - predicted))
    entropy_loss = -tf.reduce_mean(categorical_entropy(logits))
    loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss
    return {
        "loss": loss,
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy_loss": entropy_loss,
        "approx_kl": tf.reduce_mean((ratio - 1.0) - log_ratio),  # SB3's and CleanRL's estimator
        "clip_fraction": tf.reduce_mean(tf.cast(tf.abs(ratio - 1.0) > clip_range, tf.float32)),
    }


def make_update(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    feature_shape: Sequence[int],
    ent_coef: float,
    vf_coef: float,
    normalize_advantage: bool,
) -> Callable[..., tf.Tensor]:
    """``update(states, actions, log_probs, advantages, returns, values, indices, clip, clip_vf) -> means``.

    The rollout's arrays are flat (``n_envs * n_steps`` rows); ``indices`` is ``(minibatches,
    batch_size)``: every epoch's minibatches, each one a gradient step (the optimizer clips the
    global gradient norm). Returns the mean of each of ``STATS`` over the minibatches.
    """
    variables = model.trainable_variables
    vector = tf.TensorSpec((None,), tf.float32)
    signature = [
        tf.TensorSpec((None, *feature_shape), model.inputs[0].dtype), tf.TensorSpec((None,), tf.int32), vector, vector,
        vector,
        vector, tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((), tf.float32), tf.TensorSpec((), tf.float32),
    ]

    # An explicit graph loop, autograph off: converting this source costs more than the loop saves.
    @tf.function(input_signature=signature, autograph=False)
    def update(states, actions, log_probs, advantages, returns, values, indices, clip_range, clip_range_vf):  # type: ignore[no-untyped-def]
        def minibatch(k, sums):  # type: ignore[no-untyped-def]
            batch = indices[k]
            with tf.GradientTape() as tape:
                logits, estimated = model(tf.gather(states, batch), training=True)
                parts = ppo_loss(
                    logits, estimated, tf.gather(actions, batch), tf.gather(log_probs, batch),
                    tf.gather(advantages, batch), tf.gather(returns, batch), tf.gather(values, batch),
                    clip_range, clip_range_vf, ent_coef, vf_coef, normalize_advantage,
                )
            grads = tape.gradient(parts["loss"], variables)
            optimizer.apply_gradients(zip(grads, variables))
            return k + 1, sums + tf.stack([parts[name] for name in STATS])

        count = tf.shape(indices)[0]
        _, sums = tf.while_loop(lambda k, _: k < count, minibatch, (tf.constant(0), tf.zeros(len(STATS))))
        return sums / tf.cast(tf.maximum(count, 1), tf.float32)

    return update
