"""Checkpoints: what one holds (the declared models, optimizers and trainer state) and what a resume continues."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from agents.observers import CartPoleObserver
from agents.value_function import ValueFunctionTrainer
from fn_framework.run.checkpoint import agent_state, load_checkpoint, restore_agent, save_checkpoint
from fn_framework.run.cli import seed_everything


def test_checkpoint_restores_the_declared_models_optimizer_and_state(tmp_path):
    import keras
    import tensorflow as tf

    from fn_framework import FNAgent
    from fn_framework.trainer import TrainerState, state_from

    class Holder(FNAgent):
        def __init__(self):
            super().__init__(0.5, [0, 1])
            self.model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            self.optimizer = keras.optimizers.Adam(learning_rate=0.1)
            self.scratch = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])  # not declared: not kept

    source = Holder()
    x = tf.constant(np.ones((4, 3), np.float32))
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(source.model(x) ** 2)
        grads = tape.gradient(loss, source.model.trainable_variables)
        source.optimizer.apply_gradients(zip(grads, source.model.trainable_variables))
    source.epsilon, source.initialized = 0.25, True
    state = agent_state(source)
    assert set(state.models) == {"model"} and set(state.optimizers) == {"optimizer"}

    target = Holder()  # fresh weights, unbuilt optimizer
    scratch = target.scratch.get_weights()
    restore_agent(target, state)
    for a, b in zip(target.model.get_weights(), source.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(target.optimizer.iterations.numpy()) == 3
    for a, b in zip(target.optimizer.variables, source.optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    assert target.epsilon == 0.25 and target.initialized
    for a, b in zip(target.scratch.get_weights(), scratch):
        np.testing.assert_array_equal(a, b)

    trainer = ValueFunctionTrainer(log_dir=str(tmp_path))
    trainer.reward_log.append(3.0)  # the book's attribute is the state's field
    trainer.total_steps, trainer.best_score = 12, (3.0,)
    trainer.start_time = 1.5  # a plain attribute: not state
    values = trainer.get_state()
    assert set(values) == {f.name for f in __import__("dataclasses").fields(TrainerState)}
    restored = state_from(TrainerState, values)
    assert restored.reward_log == [3.0] and restored.total_steps == 12 and restored.best_score == (3.0,)
    with pytest.raises(ValueError, match="no field start_time"):
        state_from(TrainerState, {**values, "start_time": 1.5})


def test_value_function_resume_continues_the_reward_log(tmp_path):
    env = CartPoleObserver(gym.make("CartPole-v1"))
    seed_everything(5, env)
    first = ValueFunctionTrainer(log_dir=str(tmp_path))
    agent = first.train(env, episode_count=50)
    assert agent.initialized
    save_checkpoint(first, agent)

    second = ValueFunctionTrainer(log_dir=str(tmp_path))
    second.resume_state = load_checkpoint(first.logger.path_of("run_state"))
    resumed = second.train(env, episode_count=60)
    assert second.reward_log[:50] == first.reward_log and len(second.reward_log) == 60
    assert second.training and second.training_count == first.training_count + 10
    states = np.random.default_rng(0).normal(size=(3, 4))
    assert resumed.model.predict(states).shape == (3, 2)
    rows = open(first.logger.path_of("monitor.csv")).read().splitlines()[2:]
    assert len(rows) == 60  # the monitor continues too


def test_resume_keeps_each_trainers_declared_state(tmp_path):
    """The policy gradient's baseline (its recent episodes' returns) goes on after a resume, not from empty."""
    from agents.policy_gradient import PolicyGradientTrainer

    env = CartPoleObserver(gym.make("CartPole-v1"))
    seed_everything(2, env)
    first = PolicyGradientTrainer(log_dir=str(tmp_path), baseline_episodes=5)
    agent = first.train(env, episode_count=30)
    assert agent.initialized and len(first.recent_returns) == 5
    save_checkpoint(first, agent)

    second = PolicyGradientTrainer(log_dir=str(tmp_path), baseline_episodes=5)
    second.resume_state = load_checkpoint(first.logger.path_of("run_state"))
    assert list(second.resume_state["trainer"]) == [f.name for f in __import__("dataclasses").fields(second.State)]
    second.train(env, episode_count=32)
    assert len(second.reward_log) == 32 and len(second.recent_returns) == 5  # a fresh deque would hold 2

    import joblib

    path = tmp_path / "policy_gradient" / "run_state" / "state.pkl"
    old = joblib.load(path)
    old.pop("format")  # the layout before typed states
    joblib.dump(old, path)
    with pytest.raises(Exception, match="older version of this project; start afresh with --fresh"):
        load_checkpoint(str(path.parent))
