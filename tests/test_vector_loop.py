"""The Trainer's vector loop for the book's agents: ``--n-envs`` for A2C and the policy gradient."""
from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from agents.a2c import ActorCriticTrainer  # noqa: E402
from agents.a2c_config import TEST_PRESETS as A2C_TEST  # noqa: E402
from agents.policy_gradient import PolicyGradientTrainer  # noqa: E402
from fn_framework import FNAgent  # noqa: E402
from fn_framework.vector import VectorStep  # noqa: E402
from tests.test_ppo import ScriptedEnv, _expected_lengths  # noqa: E402

class _ConstantCritic:
    initialized = True

    def estimate_values(self, states: np.ndarray) -> np.ndarray:
        return np.full(len(states), 10.0)


def test_a2c_returns_per_copy_stop_at_each_copys_episode_ends(tmp_path) -> None:
    trainer = ActorCriticTrainer(A2C_TEST["book"], log_dir=str(tmp_path), gamma=0.5, n_envs=2,
                                 standardize_returns=False)
    trainer.experiences = trainer.make_experiences()
    s = np.zeros((2, 4), np.float32)
    # copy 0: terminates at step 1, a new episode at step 2; copy 1: truncated at step 0, then goes on.
    terminated = [[False, False], [True, False], [False, False]]
    truncated = [[False, True], [False, False], [False, False]]
    for t in range(3):
        trainer.store(VectorStep(s, np.array([t, t]), np.ones(2), s, np.array(terminated[t]), np.array(truncated[t]),
                                 np.ones(2, bool)), 0, _ConstantCritic())
    states, actions, values = trainer.make_batch(_ConstantCritic(), s)
    # copy 0: 1 + 0.5 * 1, 1 (terminal), 1 + 0.5 * V;  copy 1: 1 + 0.5 * V (truncated), 1 + 0.5 * 6, 1 + 0.5 * V
    assert values == pytest.approx([1.5, 6.0, 1.0, 4.0, 6.0, 6.0])
    assert list(actions) == [0, 0, 1, 1, 2, 2] and states.shape == (6, 4)


def test_a2c_on_vector_envs_counts_every_episode_of_every_copy(tmp_path) -> None:
    trainer = ActorCriticTrainer(A2C_TEST["book"], log_dir=str(tmp_path), n_envs=3, buffer_size=6, batch_size=6,
                                 steps=60, keep_best=False)
    trainer.env_factory = ScriptedEnv
    updates = []
    original = ActorCriticTrainer.make_batch

    def recording(self, agent, next_obs):  # type: ignore[no-untyped-def]
        batch = original(self, agent, next_obs)
        updates.append(batch)
        return batch

    trainer.make_batch = recording.__get__(trainer)  # type: ignore[method-assign]
    trainer.train(ScriptedEnv())
    assert trainer.total_steps == 60 and trainer.budget_spent
    assert len(updates) == 60 // 6 - 1  # the first 6 transitions initialize the model
    assert all(states.shape == (6, 2) for states, _, _ in updates)
    rows = (tmp_path / "a2c" / "monitor.csv").read_text().splitlines()[2:]
    lengths = [int(row.split(",")[1]) for row in rows]
    # 20 steps of each copy: its episodes 2, 3, 1, 4, 2, 3, 1, 4 steps long, each one row.
    assert sorted(lengths) == sorted(_expected_lengths(8) * 3) and len(trainer.reward_log) == 24


def test_policy_gradient_learns_each_copys_own_episode(tmp_path) -> None:
    learned: list[np.ndarray] = []

    class Recording(PolicyGradientTrainer):
        def make_batch(self, states, actions, returns):  # type: ignore[no-untyped-def]
            learned.append(np.array(states))
            return super().make_batch(states, actions, returns)

    trainer = Recording(log_dir=str(tmp_path), n_envs=2, buffer_size=4, steps=80, batch_size=500)
    trainer.env_factory = ScriptedEnv
    trainer.train(ScriptedEnv())
    assert len(learned) >= 10
    for states in learned:  # one episode of one copy: [episode, t] for t = first..length-1
        episode = int(states[0, 0])
        length = ScriptedEnv.LENGTHS[episode % len(ScriptedEnv.LENGTHS)]
        assert set(states[:, 0]) == {episode}
        assert list(states[:, 1]) == list(range(length - len(states), length))
    assert sum(len(s) == ScriptedEnv.LENGTHS[int(s[0, 0]) % 4] for s in learned) >= len(learned) - 2  # whole ones
    # Both copies end their episodes in the same steps: each one's episode is learned, none lost to the other's.
    assert len(learned) >= trainer.training_count - 3  # the episode that began training, two cut by it


class _Fixed(FNAgent):
    def estimate_batch(self, states):  # type: ignore[no-untyped-def]
        return np.tile([0.2, 0.8], (len(states), 1))


def test_policy_batch_samples_probabilities_and_explores_with_epsilon() -> None:
    np.random.seed(0)
    agent = _Fixed(epsilon=0.0, actions=[0, 1])
    agent.initialized = True
    agent.estimate_probs = True
    assert agent.policy_batch([None] * 20000).mean() == pytest.approx(0.8, abs=0.01)
    agent.estimate_probs, agent.epsilon = False, 0.5
    assert agent.policy_batch([None] * 20000).mean() == pytest.approx(0.75, abs=0.01)  # 0.5 + 0.5 * 1/2


def _monitor(script, tmp_path, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    result = script("a2c_agent.py", "--test", "--n-envs", "2", "--episodes", "30", "--seed", "1",
                    "--log-dir", str(tmp_path / name), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = (tmp_path / name / "a2c_test" / "monitor.csv").read_text().splitlines()[2:]
    return [",".join(row.split(",")[:2]) for row in rows]


def test_n_envs_script_run_is_seeded(script, tmp_path) -> None:
    first = _monitor(script, tmp_path, "a")
    assert 30 <= len(first) <= 31  # copies may end episodes at the same step
    assert first == _monitor(script, tmp_path, "b")


def test_render_shows_one_window_not_one_per_copy(tmp_path) -> None:
    """``--render --n-envs 3``: the run's env (made with the window) is copy 0; the other two have none."""
    made: list[bool] = []
    run_env = ScriptedEnv()
    stepped: list[int] = []
    original_step = run_env.step
    run_env.step = lambda action: (stepped.append(1), original_step(action))[1]  # type: ignore[method-assign]

    def factory(render: bool = False) -> ScriptedEnv:
        made.append(render)
        return ScriptedEnv()

    trainer = ActorCriticTrainer(A2C_TEST["book"], log_dir=str(tmp_path), n_envs=3, buffer_size=6, batch_size=6,
                                 steps=12, keep_best=False)
    trainer.env_factory = factory
    trainer.train(run_env, render=True)
    assert made == [False, False] and len(stepped) == 4 and trainer.total_steps == 12
