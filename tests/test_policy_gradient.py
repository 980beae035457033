"""The policy-gradient agent: its loss, its returns, save/load with the scaler, and its script."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from agents.policy_gradient import (  # noqa: E402
    PolicyGradientAgent,
    PolicyGradientTrainer,
    StandardScaling,
    policy_gradient_loss,
)
from agents.rollout import monte_carlo_returns, standardize  # noqa: E402
from fn_framework import Experience  # noqa: E402

SCRIPT = "policy_gradient_agent.py"


def test_loss_on_a_hand_computed_batch() -> None:
    probs = tf.constant([[0.2, 0.8], [0.6, 0.4]])
    loss = policy_gradient_loss(probs, tf.constant([1, 0]), tf.constant([1.0, -1.0]))
    # mean(-log(0.8) * 1, -log(0.6) * -1)
    assert float(loss) == pytest.approx(-0.1438410362, abs=1e-5)


def test_loss_clips_a_zero_probability() -> None:
    loss = policy_gradient_loss(tf.constant([[0.0, 1.0]]), tf.constant([0]), tf.constant([0.5]))
    assert float(loss) == pytest.approx(-np.log(1e-10) * 0.5, rel=1e-5)  # 11.5129..., not inf


def test_discounted_returns_are_monte_carlo() -> None:
    rewards = [1.0, 2.0, 3.0]
    expected = [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3.0]  # 2.75, 3.5, 3
    assert monte_carlo_returns(rewards, 0.5) == pytest.approx(expected)


def test_standardize_matches_standard_scaler() -> None:
    assert standardize([1.0, 2.0, 3.0]) == pytest.approx([-1.2247449, 0.0, 1.2247449], abs=1e-6)
    assert standardize([4.0, 4.0]) == pytest.approx([0.0, 0.0])  # zero std counts as 1


def test_returns_standardised_with_the_recent_episodes(tmp_path) -> None:
    trainer = PolicyGradientTrainer(baseline_episodes=2, log_dir=str(tmp_path))
    assert trainer.standardize_with_recent(np.array([1.0, 3.0])) == pytest.approx([-1.0, 1.0])
    # against [1, 3, 5, 7] (mean 4, std sqrt(5)), not the episode's own statistics
    assert trainer.standardize_with_recent(np.array([5.0, 7.0])) == pytest.approx(np.array([1.0, 3.0]) / np.sqrt(5))
    # the window keeps the last 2 episodes: [5, 7, 0, 0]
    assert trainer.standardize_with_recent(np.zeros(2)) == pytest.approx(np.array([-3.0, -3.0]) / np.sqrt(9.5))


def test_the_trainer_defaults_are_the_books(tmp_path) -> None:
    c = PolicyGradientTrainer(log_dir=str(tmp_path)).config
    assert (c.buffer_size, c.batch_size, c.gamma, c.learning_rate, c.episodes) == (256, 32, 0.9, 0.01, 220)
    assert (c.baseline_episodes, c.input_clip, c.keep_best) == (1, 0.0, False)


def test_the_scaler_clips_when_asked() -> None:
    layer = StandardScaling(clip=5.0)
    out = layer(np.array([[-100.0, -1.0, 1.0, 100.0]], dtype=np.float32)).numpy()
    assert out.tolist() == [[-5.0, -1.0, 1.0, 5.0]]
    assert StandardScaling.from_config(layer.get_config()).clip == 5.0
    assert StandardScaling()(np.array([[100.0]], dtype=np.float32)).numpy().item() == 100.0  # the book's: no clip


def _initialized_agent(input_clip: float = 0.0) -> tuple[PolicyGradientAgent, np.ndarray]:
    rng = np.random.default_rng(0)
    states = rng.normal([0.5, -1.0, 0.1, 2.0], [0.1, 2.0, 0.05, 1.0], size=(64, 4)).astype(np.float32)
    experiences = [Experience(s[None], 0, 1.0, s[None], False) for s in states]
    agent = PolicyGradientAgent([0, 1], input_clip=input_clip)
    agent.initialize(experiences, keras.optimizers.Adam(learning_rate=0.01))
    return agent, states


def test_the_scaler_inside_the_model_is_standard_scaler() -> None:
    from sklearn.preprocessing import StandardScaler

    agent, states = _initialized_agent()
    scaled = agent.model.get_layer("scaler")(states).numpy()
    assert scaled == pytest.approx(StandardScaler().fit_transform(states), abs=1e-4)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_load_gives_identical_outputs(tmp_path, suffix: str) -> None:
    agent, states = _initialized_agent(input_clip=1.0)  # the clip travels with the model
    states = states * 3
    agent.update(states[:8], [0, 1] * 4, standardize(np.arange(8.0)))  # weights away from their init
    path = str(tmp_path / f"pg{suffix}")
    agent.save(path)
    loaded = keras.models.load_model(path, compile=False)  # no custom_objects needed
    np.testing.assert_array_equal(loaded(states).numpy(), agent.model(states).numpy())
    assert np.asarray(PolicyGradientAgent.load(_Env(), path).estimate(states[:1])).sum() == pytest.approx(1.0)


class _Env:
    class action_space:  # noqa: N801  (the attribute the agent reads)
        n = 2


def test_script_trains_saves_and_plays(script, tmp_path) -> None:
    trained = script(SCRIPT, "--preset", "modern", "--episodes", "20", "--seed", "1", "--log-dir", str(tmp_path))
    assert trained.returncode == 0, trained.stderr[-2000:]
    model = tmp_path / "policy_gradient" / "policy_gradient_agent.keras"
    assert model.exists()  # the best model so far
    assert (tmp_path / "policy_gradient" / "policy_gradient_agent_last.keras").exists()
    assert "Best model (score" in trained.stdout
    assert (tmp_path / "policy_gradient" / "monitor.csv").exists()
    played = script(SCRIPT, "--play", "--seed", "1", "--log-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr[-2000:]
    assert played.stdout.count("Get reward") == 5


def test_play_without_a_model_is_one_line_error(script, tmp_path) -> None:
    result = script(SCRIPT, "--play", "--model", str(tmp_path / "missing.keras"), "--log-dir", str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "missing.keras" in errors[0]


def test_initial_count_is_not_offered(script) -> None:
    """Training begins once buffer_size random steps fitted the scaler: --initial-count would change nothing."""
    help_text = script("policy_gradient_agent.py", "--help").stdout
    assert "--buffer-size" in help_text and "--initial-count" not in help_text
    refused = script("policy_gradient_agent.py", "--initial-count", "5")
    assert refused.returncode == 2 and "unrecognized arguments: --initial-count 5" in refused.stderr
