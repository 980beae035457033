"""The book's Deep Q-Network: a CNN Q(s, a) on Catcher with experience replay and a teacher.

Modern replacements for the book's Keras 2 code, same networks, loss and defaults:

* One gradient step is one call of a compiled ``tf.function`` (``make_train_step``, at the end of this module):
  the teacher's values, the TD targets and the ``GradientTape`` step all run in the
  graph, with the book's loss. The book called ``model.predict`` twice, filled the
  targets in a Python loop and called ``train_on_batch``.
* Acting uses a compiled forward pass (the CNN) or a NumPy one (the small test network;
  ``agents.numpy_forward``) instead of ``model.predict``, which builds a data pipeline at
  every call.
* ``keras.optimizers.Adam(learning_rate=...)`` (``lr=`` is gone), ``clipvalue=1.0`` kept.
* The teacher starts as a copy of the model (the book's ``clone_model`` left it with
  other random weights until the first ``update_teacher``).

Options beyond the book, off by default: Double DQN targets (``double``) and the Huber
loss (``huber``).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from agents.dqn_config import DeepQNetworkConfig
from agents.networks import ActingForward, as_states, cnn_trunk, fuses_well
from agents.replay import ReplayMemory
from fn_framework import Experience, FNAgent, Trainer
from fn_framework.trainer import TrainerState


class DeepQNetworkAgent(FNAgent):
    """The book's DQN agent: CNN Q-values, epsilon-greedy acting, a teacher for the targets.

    Args:
        epsilon: exploration rate.
        actions: the action ids.
        double: Double DQN targets (beyond the book).
        huber: Huber loss instead of mse (beyond the book).
    """

    saved_models = ("model", "_teacher_model")
    saved_optimizers = {"_optimizer": "model"}

    def __init__(self, epsilon: float, actions: Sequence[int], double: bool = False, huber: bool = False) -> None:
        super().__init__(epsilon, actions)
        self.double = double
        self.huber = huber
        self._teacher_model: Any = None
        self._optimizer: Any = None
        self._train_step: Optional[Callable[..., Any]] = None
        self._acting = ActingForward()

    def initialize(self, experiences: Sequence[Experience], optimizer: keras.optimizers.Optimizer) -> None:
        feature_shape = tuple(np.shape(experiences[0].s))
        self.make_model(feature_shape)
        self._teacher_model = keras.models.clone_model(self.model)
        self.update_teacher()
        optimizer.build(self.model.trainable_variables)  # now: the update is traced once, not again to build it
        self._optimizer = optimizer
        self._train_step = make_train_step(
            self.model, self._teacher_model, optimizer, feature_shape, len(self.actions), self.double, self.huber
        )
        self.initialized = True
        print("Done initialization. From now, begin training!")

    def make_model(self, feature_shape: Sequence[int]) -> None:
        """The book's CNN: ``cnn_trunk`` (3 conv + Dense 256) and a linear Dense per action."""
        model = cnn_trunk(feature_shape)
        model.add(keras.layers.Dense(len(self.actions), kernel_initializer=keras.initializers.GlorotNormal()))
        self.model = model

    def estimate(self, s: Any) -> np.ndarray:
        return self._acting(self.model, as_states(s)[None])[0]

    def estimate_batch(self, states: Sequence[Any]) -> np.ndarray:
        return self._acting(self.model, as_states(np.stack(states)))

    def update(self, experiences: Any, gamma: float) -> float:
        """One gradient step on a batch; returns the loss.

        ``experiences`` is an Experience of arrays (``ReplayMemory.sample``) or, as in
        the book, a list of Experiences. States go to the network as they come: image
        stacks are channels-last ``uint8``, the observer's and the replay's layout.
        Stacked batches (``ReplayMemory.sample_batches``: arrays of shape
        ``(steps, batch, ...)``) run one gradient step per batch in a single compiled
        call, all against the same teacher; the loss is their mean.
        """
        batch = experiences if isinstance(experiences, Experience) else _stack(experiences)
        s, n_s = as_states(batch.s), as_states(batch.n_s)  # uint8 frames: the network scales them
        a, r, d = np.asarray(batch.a, np.int32), np.asarray(batch.r, np.float32), np.asarray(batch.d, np.float32)
        loss = float(self._train_step(s, a, r, n_s, d, np.float32(gamma)))
        self.weights_changed()
        return loss

    def weights_changed(self) -> None:
        self._acting.weights_changed()

    def update_teacher(self) -> None:
        for teacher, weight in zip(self._teacher_model.weights, self.model.weights):
            teacher.assign(weight)

class DeepQNetworkAgentTest(DeepQNetworkAgent):
    """The book's test mode on CartPole: Dense 64 relu, Dense n_actions (``Flatten`` first
    takes CartPoleObserver's ``(1, 4)`` rows; it has no weights).

    ``book_net=True`` keeps the book's relu on the output layer. The default output is
    linear, the smallest change that learns: a relu cannot output a negative Q-value,
    and once a unit's input turns negative its gradient is zero for good (it "dies"), so
    an action's Q-value can stop learning for the rest of the run. The runs of both
    (``scripts/dqn_agent.py --test --seed N``): benchmarks/README.md, "Figures that used
    to live in the code".
    """

    def __init__(
        self, epsilon: float, actions: Sequence[int], double: bool = False, huber: bool = False, book_net: bool = False
    ) -> None:
        super().__init__(epsilon, actions, double, huber)
        self.book_net = book_net

    def make_model(self, feature_shape: Sequence[int]) -> None:
        normal = keras.initializers.GlorotNormal()
        self.model = keras.Sequential(
            [
                keras.Input(shape=tuple(feature_shape)),
                keras.layers.Flatten(),
                keras.layers.Dense(64, activation="relu", kernel_initializer=normal),
                keras.layers.Dense(
                    len(self.actions), activation="relu" if self.book_net else None, kernel_initializer=normal
                ),
            ]
        )


@dataclasses.dataclass
class DQNTrainerState(TrainerState):
    """The loop's state and DQN's schedule."""

    gradient_step_count: int = 0
    #: Env steps since training began (``exploration_steps``' epsilon schedule).
    training_steps: int = 0
    #: The book's: the episodes epsilon still decays over (the run's, less those before training).
    training_episode: int = 0
    #: This episode's summed TD loss and its updates (TensorBoard's loss/td).
    loss: float = 0.0
    updates: int = 0


class DeepQNetworkTrainer(Trainer):
    """The book's DQN training: replay, epsilon decay, a teacher synced every few episodes.

    Settings: ``DeepQNetworkConfig`` (the book's defaults; beyond the book, off by
    default, the schedule of Stable-Baselines3's DQN: ``gradient_steps`` per update in one
    compiled call, the teacher synced every ``teacher_update_steps`` gradient steps and
    epsilon decayed over ``exploration_steps`` env steps; ``n_envs`` copies of the env
    stepped as one, acting with one forward pass, every copy's transitions replayed, and
    ``train_freq`` and ``exploration_steps`` counted in env steps of all copies).

    The best model (an episode's reward beats the best so far; a tie at CartPole's cap
    replaces it when the recent episodes did better on average, otherwise the first lucky
    200, often an early weak model, would be kept) goes to ``model_path`` while training
    runs; the final one to ``last_model_path``.
    """

    config_class = DeepQNetworkConfig
    State = DQNTrainerState

    def __init__(self, config: Any = None, log_dir: str = "", **kwargs: Any) -> None:
        self.frame_count = 1  # set from the env in train(); make_experiences() reads it
        self.image_states = False  # (height, width, frames) observations: stored as uint8 frames
        super().__init__(config, log_dir, **kwargs)

    @property
    def trainer_name(self) -> str:
        """Logs and models go to ``logs/dqn`` (shorter than the book's ``deep_q_network``)."""
        return "dqn"

    def make_experiences(self) -> ReplayMemory:
        return ReplayMemory(self.config.buffer_size, self.frame_count, copies=self.n_copies)

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        from agents.observers import CartPoleObserver, observe_catcher

        return observe_catcher(env, config, CartPoleObserver)

    @staticmethod
    def load_agent(env: Any, path: str) -> DeepQNetworkAgent:
        return DeepQNetworkAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> DeepQNetworkAgent:
        c = self.config
        actions = list(range(env.action_space.n))
        options = {"double": c.double, "huber": c.huber}
        if c.test_mode:
            agent: DeepQNetworkAgent = DeepQNetworkAgentTest(1.0, actions, book_net=c.book_net, **options)
        else:
            agent = DeepQNetworkAgent(1.0, actions, **options)
        shape = env.observation_space.shape
        self.image_states = len(shape) == 3
        self.frame_count = shape[-1] if self.image_states else 1  # stacked image frames
        episodes = c.episodes if episode_count is None else episode_count
        self.train_loop(env, agent, episodes, min(c.initial_count, episodes // 2), render)
        return agent

    def fresh_state(self) -> DQNTrainerState:
        return DQNTrainerState(training_episode=self.episode_target)  # the book's: epsilon decays over the episodes

    def episode_begin(self, episode: int, agent: DeepQNetworkAgent, copy: int = 0) -> None:
        self.loss = 0.0
        self.updates = 0

    def begin_train(self, episode: int, agent: DeepQNetworkAgent) -> None:
        optimizer = keras.optimizers.Adam(learning_rate=self.config.learning_rate, clipvalue=1.0)
        agent.initialize(self.experiences, optimizer)
        self.logger.set_model(agent.model)
        agent.epsilon = self.config.initial_epsilon
        self.training_episode -= episode

    def step(self, episode: int, step_count: int, agent: DeepQNetworkAgent, experience: Experience) -> None:
        if not self.training:
            return
        c = self.config
        n = self.n_copies
        self.training_steps += n
        if c.exploration_steps > 0:
            progress = min(self.training_steps / c.exploration_steps, 1.0)
            agent.epsilon = c.initial_epsilon + progress * (c.final_epsilon - c.initial_epsilon)
        # Updates due in this vector step's env steps [total_steps, total_steps + n): one per train_freq-th step.
        # (total_steps counts the env steps before this one; n = 1: the step where total_steps % train_freq == 0.)
        t, f = self.total_steps, c.train_freq
        updates = (t + n - 1) // f - (t - 1) // f
        if updates == 0:
            return
        steps = updates * c.gradient_steps
        if steps > 1:
            batch = self.experiences.sample_batches(c.batch_size, steps)
        else:
            batch = self.experiences.sample(c.batch_size)
        loss = agent.update(batch, c.gamma)
        if self.check_loss(loss):  # a NaN loss stops the run, keeping the last good model
            self.loss += loss
            self.updates += 1
        before, self.gradient_step_count = self.gradient_step_count, self.gradient_step_count + steps
        if c.teacher_update_steps > 0 and (
            self.gradient_step_count // c.teacher_update_steps > before // c.teacher_update_steps
        ):
            agent.update_teacher()

    def episode_end(self, episode: int, step_count: int, agent: DeepQNetworkAgent, copy: int = 0) -> None:
        """Log loss and epsilon, sync the teacher, decay epsilon (the loop keeps the best model)."""
        if not self.training:
            return
        c = self.config
        self.logger.write(self.total_steps, "loss/td", self.loss / max(self.updates, 1))
        self.logger.write(self.total_steps, "stats/epsilon", agent.epsilon)
        if c.teacher_update_steps == 0 and self.is_event(self.training_count, c.teacher_update_freq):
            agent.update_teacher()
        if c.exploration_steps == 0:
            decay = (c.initial_epsilon - c.final_epsilon) / max(self.training_episode, 1)
            agent.epsilon = max(agent.epsilon - decay, c.final_epsilon)


def _stack(experiences: Sequence[Experience]) -> Experience:
    return Experience(
        np.array([e.s for e in experiences]),
        np.array([e.a for e in experiences]),
        np.array([e.r for e in experiences]),
        np.array([e.n_s for e in experiences]),
        np.array([e.d for e in experiences]),
    )


# The update: one compiled call (the book's predict, target loop and train_on_batch) ----------------

def td_target(
    rewards: Any, terminated: Any, teacher_next: Any, online_next: Any, gamma: Any, double: bool = False
) -> tf.Tensor:
    """``r + gamma * max_a teacher(n_s)``, just ``r`` where the episode *terminated*.

    A time-limit truncation is not terminal (``Experience.d`` is False), so it still
    bootstraps. With ``double`` the online model picks the action and the teacher
    values it (van Hasselt et al., 2016): ``teacher(n_s)[argmax_a model(n_s)]``.
    """
    teacher_next = tf.convert_to_tensor(teacher_next, tf.float32)
    if double:
        best = tf.argmax(online_next, axis=1, output_type=tf.int32)
        future = tf.gather(teacher_next, best, axis=1, batch_dims=1)
    else:
        future = tf.reduce_max(teacher_next, axis=1)
    alive = 1.0 - tf.cast(terminated, tf.float32)
    return tf.cast(rewards, tf.float32) + tf.cast(gamma, tf.float32) * future * alive


def make_train_step(
    model: keras.Model,
    teacher: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    feature_shape: Sequence[int],
    n_actions: int,
    double: bool = False,
    huber: bool = False,
) -> Callable[..., tf.Tensor]:
    """``step(s, a, r, n_s, d, gamma) -> loss``: one gradient step, or one per stacked batch.

    States come in the network's input shape and dtype (float32, or the replay's uint8
    frames channels-last, which the network scales). Arrays of shape ``(steps, batch, ...)``
    run ``steps`` gradient steps in one call (a graph loop), all against the same teacher;
    the loss is their mean.
    """
    loss_fn = keras.losses.Huber() if huber else keras.losses.MeanSquaredError()

    def signature(stacked: bool) -> list[tf.TensorSpec]:
        lead = (None, None) if stacked else (None,)
        state, vector = tf.TensorSpec((*lead, *feature_shape), model.inputs[0].dtype), tf.TensorSpec(lead, tf.float32)
        actions = tf.TensorSpec(lead, tf.int32)
        return [state, actions, vector, state, vector, tf.TensorSpec((), tf.float32)]

    def train_step(s, a, r, n_s, d, gamma):  # type: ignore[no-untyped-def]
        online_next = model(n_s, training=False) if double else None
        target = td_target(r, d, teacher(n_s, training=False), online_next, gamma, double)
        with tf.GradientTape() as tape:
            estimated = model(s, training=True)
            # The book's targets: the estimates themselves, the TD target at the taken action.
            taken = tf.one_hot(a, n_actions) > 0.5
            targets = tf.where(taken, target[:, None], tf.stop_gradient(estimated))
            loss = loss_fn(targets, estimated)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def train_steps(s, a, r, n_s, d, gamma):  # type: ignore[no-untyped-def]
        """One ``train_step`` per stacked batch, in one call (a graph loop)."""
        def body(i, total):  # type: ignore[no-untyped-def]
            return i + 1, total + train_step(s[i], a[i], r[i], n_s[i], d[i], gamma)

        count = tf.shape(a)[0]
        _, total = tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    # One batch or stacked batches: one compiled function for each (traced when used). XLA fuses the many
    # small ops of a Dense net's graph loop; on the CNN it is slower, so convolutional models keep
    # TensorFlow's own graph. No AutoGraph: the loop is a tf.while_loop already, and converting the step's
    # Python source (Keras's clipping and apply included) was most of the first call. The optimizer is
    # built before the first trace (DQNAgent.initialize), so the update is traced once.
    compiled = {stacked: tf.function(train_steps if stacked else train_step, input_signature=signature(stacked),
                                     jit_compile=stacked and fuses_well(model), autograph=False)
                for stacked in (False, True)}

    def dispatch(s, a, *rest):  # type: ignore[no-untyped-def]
        return compiled[a.ndim == 2](s, a, *rest)

    return dispatch
