"""The peer for ``cartpole_solve.py --peer sb3``: Stable-Baselines3 PPO and DQN with RL-Zoo's CartPole-v1 settings.

Optional: needs ``stable-baselines3`` (and torch), which the project does not require. Runs
under the same ``Protocol`` as our agents (told of every vector step by a callback, same eval
cadence in env steps, same greedy evaluator on separate envs, evaluation excluded from the
clock, same caps) and the same thread settings.

Hyperparameters: DLR-RM/rl-baselines3-zoo, ``hyperparams/ppo.yml`` (CartPole-v1, marked
"Tuned") and ``hyperparams/dqn.yml`` (CartPole-v1, "Almost Tuned"), as of zoo commits
208b6fd (ppo.yml) and ce95481 (dqn.yml). ``lin_X`` is the zoo's linear schedule from X to 0
over ``n_timesteps``; ``n_envs`` copies are stepped by a ``DummyVecEnv`` as the zoo does.
The clock starts before the model is built, as ours starts before the trainer builds its agent.
"""
from __future__ import annotations

from typing import Any, Callable

from benchmarks.harness import GreedyEvaluator, Protocol, sb3_callback


def linear(initial: float) -> Callable[[float], float]:
    """RL-Zoo's ``lin_<initial>``: ``progress_remaining * initial`` (1 at the start, 0 at the end)."""
    return lambda progress_remaining: progress_remaining * initial


ZOO: dict[str, dict[str, Any]] = {
    "sb3_ppo": {  # rl-baselines3-zoo hyperparams/ppo.yml, CartPole-v1
        "n_envs": 8,
        "n_timesteps": 100_000,
        "kwargs": dict(
            policy="MlpPolicy", n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
            ent_coef=0.0, learning_rate=linear(0.001), clip_range=linear(0.2),
        ),
    },
    "sb3_dqn": {  # rl-baselines3-zoo hyperparams/dqn.yml, CartPole-v1
        "n_envs": 1,
        "n_timesteps": 50_000,
        "kwargs": dict(
            policy="MlpPolicy", learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
            gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
            exploration_fraction=0.16, exploration_final_eps=0.04, policy_kwargs=dict(net_arch=[256, 256]),
        ),
    },
}


def available() -> bool:
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        return False
    return True


def run_peer(name: str, seed: int, protocol_args: dict[str, Any], eval_episodes: int) -> dict[str, Any]:
    """One SB3 run of ``name`` (``sb3_ppo`` or ``sb3_dqn``); the same result keys as ours."""
    import gymnasium as gym
    from stable_baselines3 import DQN, PPO
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    spec = ZOO[name]
    holder: dict[str, Any] = {}
    evaluator = GreedyEvaluator(lambda: gym.make("CartPole-v1"), eval_episodes, seed + 10_000)

    def act(obs: list[Any]) -> Any:
        import numpy as np

        return holder["model"].predict(np.stack(obs), deterministic=True)[0]

    protocol = Protocol(lambda: evaluator(act), **protocol_args)
    venv = DummyVecEnv(
        [lambda: Monitor(gym.make("CartPole-v1")) for _ in range(spec["n_envs"])]
    )
    algo = PPO if name == "sb3_ppo" else DQN
    protocol.start()
    holder["model"] = algo(env=venv, seed=seed, device="cpu", verbose=0, **spec["kwargs"])
    try:
        holder["model"].learn(total_timesteps=spec["n_timesteps"], callback=sb3_callback(protocol))
        reason = protocol.stop_reason or "budget"  # budget: the zoo's n_timesteps ran out first
    except KeyboardInterrupt:
        reason = "interrupted"
    return result(name, "zoo", seed, protocol, reason)


def result(agent: str, preset: str, seed: int, protocol: Protocol, reason: str) -> dict[str, Any]:
    """One JSON row: solve steps and train seconds, or where the run stopped if it did not solve."""
    steps, train_s = protocol.solved_at if protocol.solved_at else (protocol.steps, protocol.train_s)
    best = max((p["mean_return"] for p in protocol.curve), default=None)
    return {
        "agent": agent, "preset": preset, "seed": seed, "solved": protocol.solved_at is not None,
        "steps": int(steps), "train_s": round(float(train_s), 2), "stop": reason,
        "evals": len(protocol.curve), "best_eval": best,
    }
