"""The A2C agent: its loss, n-step returns, SampleLayer, save/load and its script."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from agents.a2c import (  # noqa: E402
    ActorCriticAgent,
    ActorCriticAgentTest,
    ActorCriticTrainer,
    SampleLayer,
    actor_critic_loss,
)
from agents.rollout import RolloutBuffer, standardize  # noqa: E402
from fn_framework import Experience  # noqa: E402
from fn_framework.vector import VectorStep  # noqa: E402

SCRIPT = "a2c_agent.py"


def test_loss_on_a_hand_computed_batch() -> None:
    losses = actor_critic_loss(
        action_evals=tf.constant([[1.0, 2.0], [0.5, -0.5]]),
        estimateds=tf.constant([[0.5], [-1.0]]),
        actions=tf.constant([1, 1]),
        values=tf.constant([1.0, -2.0]),
    )
    # neg_logs = [0.31326169, 1.31326169], advantages = [0.5, -1.0],
    # entropy of softmax([1, 2]) = entropy of softmax([0.5, -0.5]) = 0.58220311.
    expected = {
        "loss/policy": -0.5783154219,
        "loss/value": 0.625,
        "stats/neg_logs": 0.8132616875,
        "stats/advantage": -0.25,
        "stats/entropy": 0.5822031089,
        "loss/total": -0.5783154219 + 1.0 * 0.625 - 0.1 * 0.5822031089,
    }
    for name, value in expected.items():
        assert float(losses[name]) == pytest.approx(value, abs=1e-5), name


def test_policy_loss_does_not_train_the_critic() -> None:
    estimateds = tf.Variable([[0.5], [-1.0]])
    with tf.GradientTape() as tape:
        losses = actor_critic_loss(tf.constant([[1.0, 2.0], [0.5, -0.5]]), estimateds, tf.constant([1, 1]),
                                   tf.constant([1.0, -2.0]))
    assert tape.gradient(losses["loss/policy"], estimateds) is None


def _one_copy(rewards, terminated, truncated, cut_value=0.0) -> RolloutBuffer:  # type: ignore[no-untyped-def]
    """A rollout of one copy; ``cut_value``: the critic's V(final observation) where it was truncated."""
    buffer = RolloutBuffer(1)
    s = np.zeros((1, 1))
    for r, d, t in zip(rewards, terminated, truncated):
        buffer.add(VectorStep(s, np.zeros(1, int), np.array([r]), s, np.array([d]), np.array([t]), np.ones(1, bool)),
                   cut_values=np.array([cut_value if t else 0.0]))
    return buffer


def test_n_step_returns_bootstrap_unless_terminated() -> None:
    # A2C's n-step returns are GAE at lambda = 1 without values.
    rewards, no = [1.0, 2.0, 3.0], [False] * 3
    # Terminated last step: no future. 3, 2 + 0.5 * 3, 1 + 0.5 * 3.5
    _, returns = _one_copy(rewards, [False, False, True], no).advantages(0.5, 1.0, np.array([4.0]))
    assert returns[:, 0] == pytest.approx([2.75, 3.5, 3.0])
    # Cut by the batch's end: the critic's V(n_s) = 4 is the future.
    _, returns = _one_copy(rewards, no, no).advantages(0.5, 1.0, np.array([4.0]))
    assert returns[:, 0] == pytest.approx([3.25, 4.5, 5.0])


def test_n_step_returns_restart_at_an_episode_end_inside_the_batch() -> None:
    rewards, no = [1.0, 2.0, 3.0, 4.0], [False] * 4
    # A truncation at step 1 bootstraps from V(final observation) = 6; the next episode's return does not leak in.
    truncated = _one_copy(rewards, [False, False, False, True], [False, True, False, False], cut_value=6.0)
    assert truncated.advantages(0.5, 1.0, np.array([9.0]))[1][:, 0] == pytest.approx([3.5, 5.0, 5.0, 4.0])
    # A termination at step 1 has no future.
    terminated = _one_copy(rewards, [False, True, False, True], no)
    assert terminated.advantages(0.5, 1.0, np.array([9.0]))[1][:, 0] == pytest.approx([2.0, 2.0, 5.0, 4.0])


class _ConstantCritic:
    initialized = True

    def estimate_values(self, states: np.ndarray) -> np.ndarray:
        return np.full(len(states), 10.0)


def test_make_batch_marks_episode_ends(tmp_path) -> None:
    """The one env (n = 1) as the loop stores it: an episode truncated after 2 steps, then one that terminates."""
    trainer = ActorCriticTrainer(gamma=0.5, log_dir=str(tmp_path))
    trainer.experiences = trainer.make_experiences()
    s = np.zeros((1, 4), np.float32)
    for a, d, t in [(0, False, False), (0, False, True), (1, True, False)]:
        trainer.store(VectorStep(s, np.array([a]), np.ones(1), s, np.array([d]), np.array([t]), np.ones(1, bool)),
                      0, _ConstantCritic())
    states, actions, values = trainer.make_batch(_ConstantCritic(), s)
    # [1 + 0.5 * (1 + 0.5 * 10), 1 + 0.5 * 10, 1] = [4, 6, 1], then standardised
    assert values == pytest.approx(standardize([4.0, 6.0, 1.0]))
    assert list(actions) == [0, 0, 1] and states.shape == (3, 4)


def test_sample_layer_samples_with_softmax_frequencies() -> None:
    tf.random.set_seed(0)
    logits = np.array([0.0, 1.0, 2.0], np.float32)
    draws = 20000
    actions = SampleLayer()(tf.constant(np.tile(logits, (draws, 1)))).numpy()
    frequencies = np.bincount(actions, minlength=3) / draws
    expected = np.exp(logits) / np.exp(logits).sum()  # 0.090, 0.245, 0.665
    # 4 standard errors of a frequency (at most 0.0035 for 20 000 draws)
    assert frequencies == pytest.approx(expected, abs=0.014)
    chi2 = float((((frequencies - expected) * draws) ** 2 / (expected * draws)).sum())
    assert chi2 < 13.8  # chi-square, 2 degrees of freedom, p = 0.001


def _random_states(n: int, shape: tuple) -> np.ndarray:
    """Random states as the observers give them: uint8 frames for (h, w, k), float32 vectors otherwise."""
    rng = np.random.default_rng(0)
    if len(shape) == 3:
        return rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    return rng.random((n, *shape), dtype=np.float32)


def _agent(agent_class: type, shape: tuple) -> ActorCriticAgent:
    agent = agent_class([0, 1, 2])
    s = _random_states(1, shape)[0]
    experiences = [Experience(s, 0, 0.0, s, False)]
    agent.initialize(experiences, keras.optimizers.Adam(learning_rate=1e-3, clipnorm=5.0))
    return agent


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("agent_class,shape", [(ActorCriticAgentTest, (4,)), (ActorCriticAgent, (80, 80, 4))])
def test_save_load_gives_identical_outputs(tmp_path, suffix: str, agent_class: type, shape: tuple) -> None:
    agent = _agent(agent_class, shape)
    states = _random_states(6, shape)
    agent.update(states, np.array([0, 1, 2, 0, 1, 2]), standardize(np.arange(6.0)))
    path = str(tmp_path / f"a2c{suffix}")
    agent.save(path)
    loaded = keras.models.load_model(path, compile=False)  # no custom_objects needed
    assert isinstance(loaded.get_layer("sample"), SampleLayer)
    for before, after in zip(agent.model(states)[1:], loaded(states)[1:]):  # logits and values
        np.testing.assert_array_equal(after.numpy(), before.numpy())
    action = agent_class.load(_Env(), path).policy(states[0])
    assert action in (0, 1, 2)


class _Env:
    class action_space:  # noqa: N801  (the attribute the agent reads)
        n = 3


def test_test_mode_script_trains_saves_and_plays(script, tmp_path) -> None:
    trained = script(SCRIPT, "--test", "--episodes", "20", "--seed", "1", "--log-dir", str(tmp_path))
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert (tmp_path / "a2c_test" / "a2c_agent_test.keras").exists()
    played = script(SCRIPT, "--test", "--play", "--seed", "1", "--log-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr[-2000:]
    assert played.stdout.count("Get reward") == 5  # --play's one rule: --episodes, default 5


def test_catcher_script_trains_and_saves(script, tmp_path) -> None:
    model = tmp_path / "catcher.h5"
    # About 170 steps per random episode: the 256-step buffer fills during the second or third.
    trained = script(SCRIPT, "--episodes", "3", "--seed", "1", "--log-dir", str(tmp_path), "--model", str(model))
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert "Done initialization" in trained.stdout and model.exists()
    loaded = keras.models.load_model(str(model), compile=False)
    assert [tuple(o.shape) for o in loaded.outputs] == [(None,), (None, 3), (None, 1)]


def test_play_without_a_model_is_one_line_error(script, tmp_path) -> None:
    # (without --model, --play would fall back to the model shipped in models/: tests/test_shipped_models.py)
    result = script(SCRIPT, "--test", "--play", "--model", str(tmp_path / "a2c_agent_test.keras"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "a2c_agent_test.keras" in errors[0]
    catcher = script(SCRIPT, "--play", "--model", str(tmp_path / "a2c_agent.keras"))
    assert "no saved model at" in catcher.stderr and catcher.returncode == 2


def test_each_custom_layer_has_a_registered_name_of_its_own() -> None:
    import keras

    import agents.a2c
    import agents.policy_gradient_continuous  # its SampleLayer must not take A2C's name

    assert keras.saving.get_registered_object("baby_steps_rl>SampleLayer") is agents.a2c.SampleLayer
    assert (keras.saving.get_registered_object("baby_steps_rl>ContinuousSampleLayer")
            is agents.policy_gradient_continuous.SampleLayer)
