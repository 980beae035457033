"""The book's FNAgent: the common shape of every function-approximation agent, and playing episodes with it.

``rollout`` is the one way to play episodes outside training: ``--play``, the trainers' greedy
evaluations and the benchmarks' evaluator (one episode on each of a few envs at once, acting for
all of them with one call, as SB3's ``evaluate_policy`` does). Training has its own loop
(``fn_framework/trainer.py``).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence

import numpy as np

from fn_framework.experience import Experience
from fn_framework.run.errors import UserError
from fn_framework.run.folders import atomic_path
from fn_framework.run.signals import stop_on_signal


class FNAgent:
    """An agent that acts by ``policy(s)`` from a learned ``model``.

    ``estimate(s)`` returns action values (epsilon-greedy acting) or, when
    ``estimate_probs`` is True, action probabilities (sampling).
    """

    #: What a checkpoint keeps (``fn_framework/run/checkpoint.py``): these models' weights (a
    #: scikit-learn model whole) and these optimizers' variables, each with the model it trains.
    saved_models: tuple[str, ...] = ("model",)
    saved_optimizers: dict[str, str] = {"optimizer": "model"}

    def __init__(self, epsilon: float, actions: Sequence[int]) -> None:
        self.epsilon = epsilon
        self.actions = list(actions)
        self.model: Any = None
        self.estimate_probs = False
        self.initialized = False

    # Persistence -------------------------------------------------------------
    def save(self, model_path: str) -> None:
        """Save the Keras model atomically (``.keras`` by default, legacy ``.h5`` too).

        No optimizer state is saved: Keras 3 cannot reload an ``.h5`` model compiled
        with a string loss, and playing needs only the weights.
        """
        kwargs = {"include_optimizer": False} if model_path.endswith(".h5") else {}
        with atomic_path(model_path) as tmp:
            self.model.save(tmp, **kwargs)

    @classmethod
    def load(cls, env: Any, model_path: str, epsilon: float = 0.0001) -> "FNAgent":
        actions = list(range(env.action_space.n))
        agent = cls(epsilon, actions)
        agent.model = load_keras_model(model_path)
        agent.initialized = True
        return agent

    # The parts each agent writes ----------------------------------------------
    def initialize(self, experiences: Sequence[Experience], *args: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement initialize(experiences).")

    def estimate(self, s: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement estimate(s).")

    def update(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement update(...).")

    def weights_changed(self) -> None:
        """The model's weights were set from outside ``update`` (a ``--resume`` restore).

        Agents that act from a cached copy of the weights drop it here.
        """

    # Acting ----------------------------------------------------------------
    def act(self, state: Any, greedy: bool = False) -> int:
        """The action for one state: the book's ``policy`` or, ``greedy``, the best estimate."""
        if not greedy:
            return self.policy(state)
        return int(self.greedy_actions([state])[0])

    def greedy_actions(self, states: Sequence[Any]) -> np.ndarray:
        """The greedy action of each state (random until initialized); one forward pass per batch."""
        if not self.initialized:
            return np.random.default_rng().integers(0, len(self.actions), size=len(states))
        return np.asarray(self.estimate_batch(states)).argmax(axis=-1)

    def estimate_batch(self, states: Sequence[Any]) -> np.ndarray:
        """``estimate`` of each state; agents with a batched forward pass override this."""
        return np.array([self.estimate(s) for s in states])

    def policy(self, s: Any) -> int:
        """Epsilon-greedy on ``estimate`` (or sample from it); random until initialized."""
        if np.random.random() < self.epsilon or not self.initialized:
            return int(np.random.randint(len(self.actions)))
        estimates = self.estimate(s)
        if self.estimate_probs:
            probs = np.asarray(estimates, dtype=np.float64)
            probs = probs / probs.sum()  # float32 softmax rarely sums to 1 within NumPy's tolerance
            return int(np.random.choice(self.actions, size=1, p=probs)[0])
        return int(np.argmax(estimates))

    def policy_batch(self, states: Sequence[Any]) -> np.ndarray:
        """``policy`` for each state with one forward pass: how the loop acts for several copies."""
        n = len(states)
        if not self.initialized:
            return np.random.randint(len(self.actions), size=n)
        estimates = np.asarray(self.estimate_batch(states), dtype=np.float64)
        if self.estimate_probs:
            probs = estimates / estimates.sum(axis=1, keepdims=True)
            picks = (probs.cumsum(axis=1) > np.random.random((n, 1))).argmax(axis=1)
        else:
            picks = estimates.argmax(axis=1)
            explore = np.random.random(n) < self.epsilon
            picks[explore] = np.random.randint(len(self.actions), size=int(explore.sum()))
        return np.asarray(self.actions)[picks]

    def play(
        self, env: Any, episode_count: int = 5, render: bool = True, record: Optional[str] = None,
        greedy: bool = False,
    ) -> list[float]:
        """Play ``episode_count`` episodes; print and return each episode's reward.

        The book's ``policy`` acts (epsilon-greedy or sampling); ``greedy`` takes the best action.

        With ``record`` (a ``.gif`` or ``.mp4`` path) every frame is kept and saved;
        the env must then be made with ``render_mode="rgb_array"``. Ctrl-C or SIGTERM stops
        after the current step (``play_interrupted``); the clip of what was played is saved.
        """
        if hasattr(self.model, "inputs"):  # a Keras model: refuse one made for another env
            check_model_fits(self.model, env)
        from fn_framework.run.recording import FrameStore

        frames = FrameStore()
        draw = render or record is not None
        rewards = []
        stop = [False]

        def request_stop() -> bool:  # Ctrl-C/SIGTERM: finish this step, keep what was played and its clip
            already, stop[0] = stop[0], True
            return already

        def grab() -> None:
            if draw and env.render_mode is not None:
                frame = env.render()
                if record is not None and frame is not None:
                    frames.append(np.asarray(frame))

        with stop_on_signal(request_stop):  # the training loop's mechanism: a flag, never an exception mid-step
            for _ in range(episode_count):
                [episode_reward] = rollout([env], lambda obs: [self.act(obs[0], greedy=greedy)], before_step=grab,
                                           stopped=lambda: stop[0])
                if episode_reward is not None:
                    print(f"Get reward {episode_reward}.")
                    rewards.append(episode_reward)
                if stop[0]:
                    break
        self.play_interrupted = stop[0]
        if stop[0]:
            print("Interrupted: stopping the play.")
        if record is not None and len(frames) > 0:
            from fn_framework.run.recording import save_animation
            from fn_framework.run.signals import protected

            with protected("writing the recording"):  # a second Ctrl-C does not cut the clip in half
                print(f"Recorded {len(frames)} frames to {save_animation(frames, record)}")
        frames.close()
        return rewards


def load_keras_model(model_path: str) -> Any:
    """Load a ``.keras`` or ``.h5`` model for inference; one clear error if it can't be read."""
    if not os.path.exists(model_path):
        raise UserError(f"no model at {model_path}")
    import keras

    try:
        return keras.models.load_model(model_path, compile=False)
    except Exception as error:  # Keras raises many types for a damaged file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"cannot read the model file {model_path} (damaged or not a Keras model: {reason[:200]})") from None


def check_model_fits(model: Any, env: Any, model_path: str = "the model") -> None:
    """Refuse a model trained for another environment (observation shape or action count).

    An observation may also be one row of the model's input, ``(1, *input)``: the
    book's CartPoleObserver hands the agents such rows, which they feed as a batch.
    """
    expected_in = tuple(env.observation_space.shape)
    model_in = tuple(model.inputs[0].shape[1:])
    if model_in != expected_in and expected_in != (1, *model_in):
        raise UserError(
            f"{model_path} expects observations of shape {model_in}, but this environment gives {expected_in}"
        )
    if env.observation_space.dtype == np.uint8 and model.inputs[0].dtype != "uint8":
        raise UserError(f"{model_path} takes frames scaled to [0, 1] (it was trained before the frames stayed uint8 "
                        "up to the network, whose first layer now divides by 255); train it again")
    space = env.action_space
    n_actions = int(space.n) if hasattr(space, "n") else int(np.prod(space.shape))  # Box: the action's size
    outputs = [int(o.shape[-1]) for o in model.outputs if o.shape[-1] not in (None, 1)]
    if outputs and n_actions not in outputs:
        raise UserError(f"{model_path} was trained for {outputs[0]} actions, but this environment has {n_actions}")


def rollout(envs: Sequence[Any], act: Callable[[list[Any]], Sequence[Any]], seeds: Optional[Sequence[Any]] = None,
            before_step: Optional[Callable[[], None]] = None,
            stopped: Optional[Callable[[], bool]] = None) -> list[Optional[float]]:
    """Play one episode on each env; return each one's return (None where ``stopped()`` came first).

    ``act`` gets every env's current observation (those already done too: one batch shape) and
    returns one action per env. ``seeds``: each env's reset seed (None: it goes on with its stream).
    ``before_step`` runs before every step (``--play`` grabs its frame there).
    """
    n = len(envs)
    obs = [env.reset(seed=s)[0] for env, s in zip(envs, seeds or [None] * n)]
    returns, done = np.zeros(n), np.zeros(n, bool)
    while not done.all():
        if stopped is not None and stopped():
            break
        if before_step is not None:
            before_step()
        actions = act(obs)
        for i, env in enumerate(envs):
            if not done[i]:
                obs[i], reward, terminated, truncated, _ = env.step(as_action(env.action_space, actions[i]))
                returns[i] += float(reward)
                done[i] = terminated or truncated
    return [float(r) if d else None for r, d in zip(returns, done)]


def as_action(space: Any, action: Any) -> Any:
    """What the env's ``step`` takes: an int for a discrete space, an array of its dtype for a Box."""
    if hasattr(space, "n"):
        return int(action)
    return np.asarray(action, dtype=space.dtype)
