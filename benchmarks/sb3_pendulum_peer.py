"""The peer for ``pendulum_solve.py --peer sb3``: Stable-Baselines3 TD3 and SAC with RL-Zoo's Pendulum-v1 settings.

Optional: needs ``stable-baselines3`` (and torch; ``pip install -r requirements-peer.txt``). Runs
under the same ``Protocol`` as our agent (told of every vector step by a callback, the same
evaluation cadence in env steps, the same greedy evaluator on separate envs, evaluation
excluded from the clock, the same caps) and the same thread settings.

Hyperparameters: DLR-RM/rl-baselines3-zoo at commit 22e3ff2 (2026-04-23; both files last
changed in eec15dc), the ``Pendulum-v1`` entries of

* ``hyperparams/td3.yml``: n_timesteps 20000, gamma 0.98, buffer_size 200000, learning_starts
  10000, noise_type normal, noise_std 0.1, gradient_steps 1, train_freq 1, learning_rate 1e-3,
  net_arch [400, 300] (the rest SB3's TD3 defaults: batch 256, tau 0.005, policy_delay 2,
  target noise 0.2 clipped at 0.5);
* ``hyperparams/sac.yml``: n_timesteps 20000, learning_rate 1e-3 (the rest SB3's SAC defaults:
  buffer 1e6, learning_starts 100, batch 256, tau 0.005, gamma 0.99, ent_coef auto, [256, 256]).

The zoo turns ``noise_type normal`` into ``NormalActionNoise(0, noise_std)`` (``rl_zoo3/exp_manager.py``),
added to SB3's actions scaled to [-1, 1]: 0.2 in Pendulum's torque units. The clock starts
before the model is built, as ours starts before the trainer builds its agent.
"""
from __future__ import annotations

from typing import Any

from benchmarks.harness import GreedyEvaluator, Protocol, sb3_callback
from benchmarks.sb3_peer import available, result  # noqa: F401 (available: this module's API too)

ENV = "Pendulum-v1"
ZOO: dict[str, dict[str, Any]] = {
    "sb3_td3": {  # rl-baselines3-zoo hyperparams/td3.yml, Pendulum-v1
        "n_timesteps": 20_000,
        "noise_std": 0.1,
        "kwargs": dict(policy="MlpPolicy", gamma=0.98, buffer_size=200_000, learning_starts=10_000,
                       gradient_steps=1, train_freq=1, learning_rate=1e-3, policy_kwargs=dict(net_arch=[400, 300])),
    },
    "sb3_sac": {  # rl-baselines3-zoo hyperparams/sac.yml, Pendulum-v1
        "n_timesteps": 20_000,
        "kwargs": dict(policy="MlpPolicy", learning_rate=1e-3),
    },
}


def run_peer(name: str, seed: int, protocol_args: dict[str, Any], eval_episodes: int) -> dict[str, Any]:
    """One SB3 run of ``name`` (``sb3_td3`` or ``sb3_sac``); the same result keys as ours."""
    import gymnasium as gym
    import numpy as np
    from stable_baselines3 import SAC, TD3
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.noise import NormalActionNoise
    from stable_baselines3.common.vec_env import DummyVecEnv


    spec = ZOO[name]
    holder: dict[str, Any] = {}
    evaluator = GreedyEvaluator(lambda: gym.make(ENV), eval_episodes, seed + 10_000)

    def act(obs: list[Any]) -> Any:
        return holder["model"].predict(np.stack(obs), deterministic=True)[0]

    protocol = Protocol(lambda: evaluator(act), **protocol_args)
    venv = DummyVecEnv([lambda: Monitor(gym.make(ENV))])
    kwargs = dict(spec["kwargs"])
    if "noise_std" in spec:
        n = venv.action_space.shape[0]
        kwargs["action_noise"] = NormalActionNoise(mean=np.zeros(n), sigma=spec["noise_std"] * np.ones(n))
    protocol.start()
    holder["model"] = (TD3 if name == "sb3_td3" else SAC)(env=venv, seed=seed, device="cpu", verbose=0, **kwargs)
    try:
        holder["model"].learn(total_timesteps=spec["n_timesteps"], callback=sb3_callback(protocol))
        reason = protocol.stop_reason or "budget"  # budget: the zoo's n_timesteps ran out first
    except KeyboardInterrupt:
        reason = "interrupted"
    return result(name, "zoo", seed, protocol, reason)
