"""The NumPy forward pass the CartPole agents act with: same outputs as Keras, never stale."""
from __future__ import annotations

import keras
import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from agents.dqn import DeepQNetworkAgentTest
from agents.networks import ActingForward, cnn_trunk
from agents.numpy_forward import NumpyForward
from agents.policy_gradient import PolicyGradientAgent
from fn_framework import Experience
from fn_framework.run.checkpoint import agent_state, restore_agent


def _policy_agent(seed: int = 0, clip: float = 5.0) -> PolicyGradientAgent:
    keras.utils.set_random_seed(seed)
    agent = PolicyGradientAgent([0, 1], input_clip=clip)
    agent.make_model(4, keras.optimizers.Adam(learning_rate=0.01))
    scaler = StandardScaler().fit(np.random.default_rng(seed).normal(0.0, 0.1, (256, 4)))
    agent.model.get_layer("scaler").set_scaler(scaler)
    agent.initialized = True
    return agent


def _states(n: int = 64) -> np.ndarray:
    # Up to 30 standard deviations of the fitted scaler: the clip to +-5 is exercised.
    return np.random.default_rng(1).normal(0.0, 1.0, (n, 4)).astype(np.float32)


@pytest.mark.parametrize("clip", [0.0, 5.0])
def test_policy_network_matches_keras(clip: float) -> None:
    model = _policy_agent(clip=clip).model
    x = _states()
    assert NumpyForward.supports(model)
    np.testing.assert_allclose(NumpyForward(model)(x), model(x).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", None])
def test_dense_networks_match_keras(activation: str) -> None:
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((1, 4)),
        keras.layers.Flatten(),  # CartPoleObserver's (1, 4) rows, as DQN's test network takes them
        keras.layers.Dense(16, activation=activation),
        keras.layers.Dense(3, activation=activation, use_bias=False),
    ])
    x = _states()[:, None, :]
    np.testing.assert_allclose(NumpyForward(model)(x), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_a_cnn_is_not_supported_and_acts_compiled() -> None:
    keras.utils.set_random_seed(3)
    model = cnn_trunk((16, 16, 4))
    assert not NumpyForward.supports(model)
    with pytest.raises(ValueError):
        NumpyForward(model)
    x = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 4), dtype=np.uint8)  # the observer's frames
    np.testing.assert_allclose(ActingForward()(model, x), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_policy_agent_acts_with_the_updated_weights() -> None:
    agent = _policy_agent()
    s = _states(1)
    before = agent.estimate(s)
    np.testing.assert_allclose(before, agent.model(s).numpy()[0], rtol=1e-5)
    states = _states(32)
    for _ in range(5):  # reinforce action 1 everywhere
        agent.update(states, [1] * 32, np.ones(32, np.float32))
    after = agent.estimate(s)
    assert after[1] > before[1] + 1e-3  # the updates moved the policy...
    np.testing.assert_allclose(after, agent.model(s).numpy()[0], rtol=1e-5)  # ...and acting saw it


def test_dqn_agent_acts_with_restored_weights() -> None:
    trained, fresh = DeepQNetworkAgentTest(0.0, [0, 1]), DeepQNetworkAgentTest(0.0, [0, 1])
    sample = [Experience(np.zeros((1, 4), np.float32), 0, 0.0, np.zeros((1, 4), np.float32), False)]
    for seed, agent in ((4, trained), (5, fresh)):
        keras.utils.set_random_seed(seed)
        agent.initialize(sample, keras.optimizers.Adam(learning_rate=1e-3))
    s = _states(1)
    stale = fresh.estimate(s)  # takes a snapshot of the fresh weights
    restore_agent(fresh, agent_state(trained))  # --resume puts the trained weights in
    np.testing.assert_allclose(fresh.estimate(s), trained.estimate(s), rtol=1e-5)
    assert np.abs(fresh.estimate(s) - stale).max() > 1e-4
