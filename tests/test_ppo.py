"""PPO: GAE and the clipped loss by hand, vector rollouts across autoresets, save/load/play, seeds, its script."""
from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from agents.ppo import PPOAgent, PPOAgentTest, PPOTrainer  # noqa: E402
from agents.ppo_config import TEST_PRESETS  # noqa: E402
from agents.ppo import ppo_loss  # noqa: E402
from agents.rollout import RolloutBuffer, gae  # noqa: E402
from fn_framework.vector import VectorEpisodes, VectorStep, make_vector_env  # noqa: E402

SCRIPT = "ppo_agent.py"


# GAE ------------------------------------------------------------------------------------------------

def test_gae_by_hand_with_a_truncation_and_a_termination() -> None:
    # One env, 5 steps: episode A = steps 0-1, truncated (V(final obs) = 4); episode B = steps 2-3,
    # terminated; episode C = step 4, cut by the rollout's end (V(next obs) = 3). gamma = lambda = 0.5.
    rewards = np.ones((5, 1))
    values = np.array([[0.5], [1.0], [1.5], [2.0], [2.5]])
    next_values = np.array([[1.0], [4.0], [2.0], [9.9], [3.0]])  # 9.9: after a termination, never used
    terminated = np.array([[False], [False], [False], [True], [False]])
    ends = np.array([[False], [True], [False], [True], [False]])
    # deltas r + 0.5 V' (1 - term) - V: 1.0, 2.0, 0.5, -1.0, 0.0;  A_t = delta_t + 0.25 (1 - end_t) A_t+1
    advantages, returns = gae(rewards, values, next_values, terminated, ends, 0.5, 0.5)
    assert advantages[:, 0] == pytest.approx([1.5, 2.0, 0.25, -1.0, 0.0])
    assert returns[:, 0] == pytest.approx([2.0, 3.0, 1.75, 1.0, 2.5])

    # The same rollout through the buffer: V(final obs) of the truncation, V(last obs) after it.
    rollout = RolloutBuffer(1)
    flags = [(False, False), (False, True), (False, False), (True, False), (False, False)]
    for t, (term, trunc) in enumerate(flags):
        step = VectorStep(np.zeros((1, 1)), np.zeros(1, int), rewards[t], np.zeros((1, 1)), np.array([term]),
                          np.array([trunc]), np.ones(1, bool))
        rollout.add(step, values[t], np.zeros(1), np.array([4.0 if trunc else 0.0]))
    advantages, returns = rollout.advantages(0.5, 0.5, np.array([3.0]))
    assert advantages[:, 0] == pytest.approx([1.5, 2.0, 0.25, -1.0, 0.0])
    assert returns[:, 0] == pytest.approx([2.0, 3.0, 1.75, 1.0, 2.5])


# The clipped loss -------------------------------------------------------------------------------------

LN2 = float(np.log(2.0))


def _loss(**kwargs):  # type: ignore[no-untyped-def]
    # pi = 0.5 for every action; old pi of the taken actions 0.25, 1.0, 0.5: ratios 2, 0.5, 1.
    batch = dict(
        logits=tf.zeros((3, 2)), values=tf.constant([[1.0], [2.0], [1.0]]), actions=tf.constant([0, 1, 0]),
        old_log_probs=tf.constant(np.log([0.25, 1.0, 0.5]), tf.float32), advantages=tf.constant([1.0, -1.0, 0.5]),
        returns=tf.constant([2.0, 2.0, 1.0]), old_values=tf.constant([0.0, 2.5, 1.0]), clip_range=0.2,
        ent_coef=0.01, vf_coef=0.5, normalize_advantage=False,
    )
    batch.update(kwargs)
    return {k: float(v) for k, v in ppo_loss(**batch).items()}


def test_clipped_loss_on_a_known_batch() -> None:
    losses = _loss()
    # min(2 * 1, 1.2 * 1) = 1.2; min(0.5 * -1, 0.8 * -1) = -0.8; ratio 1: 0.5  ->  -(1.2 - 0.8 + 0.5) / 3
    assert losses["policy_loss"] == pytest.approx(-0.3, abs=1e-6)
    assert losses["value_loss"] == pytest.approx(1 / 3, abs=1e-6)  # (2 - 1)^2, 0, 0
    assert losses["entropy_loss"] == pytest.approx(-LN2, abs=1e-6)
    assert losses["loss"] == pytest.approx(-0.3 - 0.01 * LN2 + 0.5 / 3, abs=1e-6)
    # ((2 - 1) - ln 2 + (0.5 - 1) - ln 0.5 + 0) / 3 = 0.5 / 3; two of three ratios outside [0.8, 1.2]
    assert losses["approx_kl"] == pytest.approx(0.5 / 3, abs=1e-6)
    assert losses["clip_fraction"] == pytest.approx(2 / 3, abs=1e-6)


def test_value_clipping_and_advantage_normalisation() -> None:
    # V' = 0 + clip(1 - 0, +-0.5) = 0.5 -> (2 - 0.5)^2 = 2.25; 2.5 + clip(-0.5) = 2.0 -> 0; 1 -> 0
    assert _loss(clip_range_vf=0.5)["value_loss"] == pytest.approx(0.75, abs=1e-6)
    # (A - 1/6) / std (unbiased, 1.040833): 0.800641, -1.120897, 0.320256
    # -> min(1.601282, 0.960769), min(-0.560449, -0.896718), 0.320256
    normalised = _loss(normalize_advantage=True)
    assert normalised["policy_loss"] == pytest.approx(-(0.960769 - 0.896718 + 0.320256) / 3, abs=1e-5)


# Vector envs across autoreset boundaries --------------------------------------------------------------

class ScriptedEnv(gym.Env):
    """Episodes of known lengths (2, 3, 1, ...); obs ``[episode, t]``; even episodes terminate, odd ones truncate."""

    LENGTHS = (2, 3, 1, 4)

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-1e6, 1e6, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.episode, self.t = -1, 0

    def _obs(self) -> np.ndarray:
        return np.array([self.episode, self.t], np.float32)

    def reset(self, *, seed=None, options=None):  # type: ignore[no-untyped-def]
        super().reset(seed=seed)
        self.episode, self.t = self.episode + 1, 0
        return self._obs(), {}

    def step(self, action):  # type: ignore[no-untyped-def]
        self.t += 1
        end = self.t == self.LENGTHS[self.episode % len(self.LENGTHS)]
        return self._obs(), 1.0, end and self.episode % 2 == 0, end and self.episode % 2 == 1, {}


def _expected_lengths(count: int) -> list[int]:
    return [ScriptedEnv.LENGTHS[i % len(ScriptedEnv.LENGTHS)] for i in range(count)]


@pytest.mark.parametrize("mode, autoreset", [("sync", AutoresetMode.SAME_STEP), ("sync", AutoresetMode.NEXT_STEP),
                                             ("async", AutoresetMode.SAME_STEP)])
def test_no_transition_spans_two_episodes(mode: str, autoreset: AutoresetMode) -> None:
    envs = VectorEpisodes(make_vector_env(ScriptedEnv, 2, mode, autoreset))
    envs.reset(seed=[0, 1])
    finished: list[list[int]] = [[], []]
    for _ in range(20):
        step = envs.step(np.zeros(2, int))
        for i in range(2):
            if not step.valid[i]:  # NEXT_STEP's reset step: no transition
                assert autoreset == AutoresetMode.NEXT_STEP and step.obs[i][1] > 0 and envs.obs[i][1] == 0
                continue
            assert step.next_obs[i][0] == step.obs[i][0] and step.next_obs[i][1] == step.obs[i][1] + 1
            length = _expected_lengths(int(step.obs[i][0]) + 1)[-1]
            assert bool(step.ends[i]) == (step.next_obs[i][1] == length)
            assert bool(step.terminated[i]) == (step.ends[i] and step.obs[i][0] % 2 == 0)
            if step.ends[i] and autoreset == AutoresetMode.SAME_STEP:
                assert list(envs.obs[i]) == [step.obs[i][0] + 1, 0]  # acts next in the new episode's first obs
        for i, _, length in step.episodes:
            finished[i].append(length)
    envs.close()
    for lengths in finished:
        assert len(lengths) >= 4 and lengths == _expected_lengths(len(lengths))


def _test_config(**overrides):  # type: ignore[no-untyped-def]
    return dataclasses.replace(TEST_PRESETS["fast"], n_envs=2, n_steps=6, batch_size=4, n_epochs=2, log_interval=0,
                               **overrides)


def test_ppo_rollouts_store_transitions_within_episodes(tmp_path) -> None:
    rollouts = []

    class Recording(PPOTrainer):
        def learn(self, agent, next_obs):  # type: ignore[no-untyped-def]
            r = self.experiences
            rollouts.append((r.array("obs"), r.array("ends"), r.array("terminated"), r.array("cut_values"),
                             next_obs.copy()))
            super().learn(agent, next_obs)

    trainer = Recording(_test_config(steps=24), log_dir=str(tmp_path))
    trainer.env_factory = ScriptedEnv
    trainer.train(ScriptedEnv())
    assert len(rollouts) == 2 and trainer.total_steps == 24
    for obs, ends, terminated, final_values, last in rollouts:
        following = np.concatenate([obs[1:], last[None]])  # last: where each copy went after the rollout
        for t in range(len(obs)):
            for i in range(2):
                episode, step = obs[t, i]
                if ends[t, i]:
                    assert list(following[t, i]) == [episode + 1, 0] or t == len(obs) - 1
                    assert bool(terminated[t, i]) == (episode % 2 == 0)
                    assert (final_values[t, i] != 0) == (episode % 2 == 1)  # V(final obs) at a truncation only
                else:
                    assert list(following[t, i]) == [episode, step + 1]
    rows = (tmp_path / "ppo" / "monitor.csv").read_text().splitlines()[2:]
    lengths = sorted(int(row.split(",")[1]) for row in rows)
    assert lengths == sorted(_expected_lengths(len(rows) // 2) * 2) and len(rows) == len(trainer.reward_log)


def test_the_benchmarks_protocol_is_a_callback_counting_every_copys_steps(tmp_path) -> None:
    from benchmarks.harness import Protocol, run_trainer

    evaluated_at = []
    trainer = PPOTrainer(_test_config(), log_dir=str(tmp_path))
    trainer.env_factory = ScriptedEnv
    protocol = Protocol(lambda: evaluated_at.append(trainer.total_steps) or 0.0, eval_every_steps=5, cap_steps=30,
                        final_eval=True)
    assert run_trainer(trainer, ScriptedEnv(), protocol) == "cap"
    # 2 copies: 2 env steps per vector step; evaluations when a multiple of 5 is passed, and at the cap
    assert protocol.steps == trainer.total_steps == 30 and evaluated_at == [6, 10, 16, 20, 26, 30]
    rows = (tmp_path / "ppo" / "monitor.csv").read_text().splitlines()[2:]
    assert len(rows) == len(trainer.reward_log) > 0  # the run's own callbacks ran too


# The agent --------------------------------------------------------------------------------------------

def _random_states(n: int, shape: tuple) -> np.ndarray:
    """Random states as the observers give them: uint8 frames for (h, w, k), float32 vectors otherwise."""
    rng = np.random.default_rng(0)
    if len(shape) == 3:
        return rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    return rng.random((n, *shape), dtype=np.float32)


def _agent(agent_class: type, shape: tuple) -> PPOAgent:
    agent = agent_class([0, 1] if shape == (4,) else [0, 1, 2])  # CartPole's 2 actions, Catcher's 3
    agent.build(shape, keras.optimizers.Adam(1e-3, epsilon=1e-5, global_clipnorm=0.5), ent_coef=0.01, vf_coef=0.5,
                normalize_advantage=True)
    return agent


def test_numpy_acting_pass_matches_the_model_and_sampling_is_seeded() -> None:
    agent = _agent(PPOAgentTest, (4,))
    states = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    logits, values = agent.forward(states)
    expected_logits, expected_values = agent.model(states)
    np.testing.assert_allclose(logits, expected_logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(values, expected_values.numpy().reshape(-1), atol=1e-5)
    np.random.seed(3)
    first = agent.sample(states)
    np.random.seed(3)
    second = agent.sample(states)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    log_probs = tf.nn.log_softmax(expected_logits).numpy()[np.arange(8), first[0]]
    np.testing.assert_allclose(first[2], log_probs, atol=1e-5)


@pytest.mark.parametrize("agent_class, shape, suffix", [(PPOAgentTest, (4,), ".keras"), (PPOAgentTest, (4,), ".h5"),
                                                        (PPOAgent, (40, 40, 4), ".h5")])
def test_save_load_play(tmp_path, agent_class: type, shape: tuple, suffix: str) -> None:
    agent = _agent(agent_class, shape)
    states = _random_states(8, shape)
    batch = {"obs": states, "actions": np.arange(8) % len(agent.actions), "log_probs": np.full(8, -1.1), "advantages": np.arange(8.0),
             "returns": np.ones(8), "values": np.zeros(8)}
    stats = agent.update(batch, np.arange(8).reshape(2, 4), 0.2, 0.0)
    assert np.isfinite(stats["loss"]) and stats["approx_kl"] >= 0
    path = str(tmp_path / f"ppo{suffix}")
    agent.save(path)
    loaded = keras.models.load_model(path, compile=False)  # no custom_objects: plain Keras layers
    for before, after in zip(agent.model(states), loaded(states)):
        np.testing.assert_array_equal(after.numpy(), before.numpy())
    if shape == (4,):
        env = gym.make("CartPole-v1", max_episode_steps=20)
        played = PPOAgent.load(env, path)
        np.testing.assert_allclose(played.estimate_batch(list(states)), agent.forward(states)[0], atol=1e-5)
        assert len(played.play(env, episode_count=2, render=False)) == 2


# The script -------------------------------------------------------------------------------------------

def test_script_trains_with_a_step_budget_is_seeded_resumes_and_plays(script, tmp_path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    flags = ["--test", "--preset", "fast", "--steps", "1024", "--seed", "3", "--log-interval", "2"]
    runs = []
    for name in ("a", "b"):
        trained = script(SCRIPT, *flags, "--log-dir", str(tmp_path / name))
        assert trained.returncode == 0, trained.stderr[-2000:]
        rows = (tmp_path / name / "ppo_test" / "monitor.csv").read_text().splitlines()[2:]
        runs.append([row.rsplit(",", 1)[0] for row in rows])
    assert runs[0] == runs[1] and len(runs[0]) > 10  # same seed, same episodes (return, length)
    assert "The budget is spent after 1024 env steps" in trained.stdout
    for column in ("approx_kl", "clip_fraction", "ep_reward_mean", "explained_variance", "fps", "value_loss"):
        assert f"| {column}" in trained.stdout
    folder = tmp_path / "b" / "ppo_test"
    assert (folder / "ppo_agent_test.keras").exists() and (folder / "run_state" / "state.pkl").exists()
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0}).Reload()
    assert [e.step for e in events.Scalars("stats/approx_kl")] == [512, 1024]  # env steps: 16 envs x 32 per rollout
    assert len(events.Scalars("reward")) == len(runs[1])

    resumed = script(SCRIPT, "--test", "--resume", "--steps", "1536", "--log-dir", str(tmp_path / "b"))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"Resuming after episode {len(runs[1])}" in resumed.stdout
    assert "The budget is spent after 1536 env steps" in resumed.stdout
    rows = (folder / "monitor.csv").read_text().splitlines()[2:]
    assert len(rows) > len(runs[1]) and [row.rsplit(",", 1)[0] for row in rows[: len(runs[1])]] == runs[1]

    played = script(SCRIPT, "--test", "--play", "--seed", "1", "--log-dir", str(tmp_path / "b"))
    assert played.returncode == 0, played.stderr[-2000:]
    assert played.stdout.count("Get reward") == 5


def test_flags_ppo_never_reads_are_not_offered(script):
    """PPO keeps no experience buffer and learns from its first rollout: --buffer-size would change nothing."""
    help_text = script("ppo_agent.py", "--help").stdout
    assert "--n-steps" in help_text and "--buffer-size" not in help_text and "--initial-count" not in help_text
    refused = script("ppo_agent.py", "--buffer-size", "5")
    assert refused.returncode == 2 and refused.stderr.startswith("error: unrecognized arguments: --buffer-size 5")
    assert "buffer_size" not in script("ppo_agent.py", "--print-config").stdout
