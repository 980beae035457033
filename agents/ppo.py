"""PPO on vector envs: actor and critic heads on the book's CNN trunk (Catcher), a Dense trunk in test mode.

Beyond the book, which ends at A2C. The algorithm is the PPO paper's as SB3 and CleanRL run it
(``agents/ppo_update.py``); this module is the agent and the trainer:

* ``PPOAgent`` (``agents/ppo_policy.py``) acts for all envs with ONE forward pass (NumPy for the
  Dense test net, a compiled call for the CNN).
* ``PPOTrainer`` runs on the Trainer's loop over ``n_envs`` copies (``fn_framework/trainer.py``;
  copy 0 is the run's env, the others made with its ``env_factory``), which keeps the book's hooks
  and bookkeeping for every episode of every copy; its ``store`` fills the on-policy family's
  ``RolloutBuffer`` (``agents/rollout.py``, GAE included) and learns when it is full. Every
  ``log_interval`` rollouts it prints SB3's table (approx_kl, clip_fraction, ep_reward_mean, ...), and writes the
  same to TensorBoard on the env-step axis.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Optional

import keras
import numpy as np

from agents.ppo_config import PPOConfig
from agents.ppo_update import explained_variance
from agents.rollout import RolloutBuffer, flatten
from fn_framework import Trainer
from fn_framework.trainer import TrainerState
from fn_framework.vector import VectorStep
from agents.ppo_policy import PPOAgent, PPOAgentTest  # noqa: F401 (agents.ppo API)


@dataclasses.dataclass
class PPOTrainerState(TrainerState):
    """The loop's state and the updates done."""

    iterations: int = 0
    #: The last update's numbers (TensorBoard and the printed table).
    stats: dict[str, float] = dataclasses.field(default_factory=dict)


class PPOTrainer(Trainer):
    """Collect ``n_steps`` from each of ``n_envs`` copies, then ``n_epochs`` of minibatch updates; repeat.

    Settings: ``PPOConfig``. The book's hooks: ``begin_train`` when the agent is built,
    ``episode_begin``/``episode_end`` for each episode of each copy (numbered in the order they
    begin and end), ``store`` adds every copy's step to the rollout and updates when it is full.
    ``--render`` while training: copy 0 (the run's env) shows its window.
    """

    config_class = PPOConfig
    State = PPOTrainerState

    def __init__(self, config: Any = None, log_dir: str = "", **kwargs: Any) -> None:
        super().__init__(config, log_dir, **kwargs)
        self._values = self._log_probs = np.zeros(0)  # the sampled actions' values and log-probabilities

    @property
    def trainer_name(self) -> str:
        return "ppo"

    @classmethod
    def observe(cls, env: Any, config: Any) -> Any:
        """Catcher through the book's CatcherObserver; test mode: the raw state vector."""
        from agents.observers import observe_catcher

        return observe_catcher(env, config)

    @staticmethod
    def load_agent(env: Any, path: str) -> PPOAgent:
        return PPOAgent.load(env, path)

    def train(self, env: Any, episode_count: Optional[int] = None, render: bool = False) -> PPOAgent:
        actions = list(range(env.action_space.n))
        agent = PPOAgentTest(actions) if self.config.test_mode else PPOAgent(actions)
        self.train_loop(env, agent, episode_count, render=render)
        return agent

    def make_experiences(self) -> RolloutBuffer:
        """The on-policy family's rollout (``agents/rollout.py``; a checkpoint keeps it: a resumed run goes on
        filling it)."""
        return RolloutBuffer(self.n_copies)

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        c = self.config
        return keras.optimizers.Adam(learning_rate=c.learning_rate, epsilon=1e-5, global_clipnorm=c.max_grad_norm)

    def begin_train(self, episode: int, agent: PPOAgent) -> None:
        c = self.config
        shape = self.observation_shape
        agent.build(shape, self.make_optimizer(), ent_coef=c.ent_coef, vf_coef=c.vf_coef,
                    normalize_advantage=c.normalize_advantage)
        self.logger.set_model(agent.model)

    def reinitialize(self, episode: int, agent: PPOAgent, env: Any) -> None:
        self.begin_train(episode, agent)  # --resume: the checkpoint then restores weights and Adam

    def start_training(self, agent: PPOAgent) -> None:
        self.begin_train(0, agent)  # PPO learns from its first rollout
        self.training = True

    def act_batch(self, agent: PPOAgent, states: np.ndarray) -> np.ndarray:
        actions, self._values, self._log_probs = agent.sample(states)
        return actions

    def store(self, step: VectorStep, episode: int, agent: PPOAgent) -> None:
        """Add the vector step to the rollout (PPO keeps no replay); learn when it holds ``n_steps``."""
        cut_values = np.zeros(self.n_copies)
        truncated = np.flatnonzero(step.truncated)
        if len(truncated):  # bootstrap from V(final observation) at a time limit
            cut_values[truncated] = agent.values(step.next_obs[truncated])
        self.experiences.add(step, self._values, self._log_probs, cut_values)
        if len(self.experiences) == self.config.n_steps:
            self.learn(agent, step.next_obs)

    @property
    def steps_done(self) -> int:
        """Env steps with the rollout's last one (the hooks see ``total_steps`` before it, as the book's do)."""
        return self.total_steps + self.n_copies

    def learn(self, agent: PPOAgent, next_obs: np.ndarray) -> None:
        """One PPO update on the full rollout; then the table."""
        c = self.config
        # ``next_obs`` is where each copy went; where one ended there the loop acts in the reset
        # observation next, but GAE only uses V(next_obs) for steps that did not end.
        rollout = self.experiences
        advantages, returns = rollout.advantages(c.gamma, c.gae_lambda, agent.values(next_obs))
        batch = {name: flatten(rollout.array(name)) for name in ("obs", "actions", "log_probs", "values")}
        batch.update(advantages=flatten(advantages), returns=flatten(returns))
        rollout.clear()
        remaining = max(0.0, 1.0 - self.steps_done / c.steps) if c.steps > 0 else 1.0
        lr = c.learning_rate * (remaining if c.anneal_lr else 1.0)
        clip = c.clip_range * (remaining if c.anneal_clip_range else 1.0)
        agent.optimizer.learning_rate.assign(lr)
        size = len(batch["actions"])
        m = min(c.batch_size, size)
        indices = np.stack([np.random.permutation(size)[: size // m * m].reshape(-1, m) for _ in range(c.n_epochs)])
        self.stats = agent.update(batch, indices.reshape(-1, m), clip, c.clip_range_vf)
        self.iterations += 1
        self.check_loss(self.stats["loss"])
        self.stats.update(explained_variance=explained_variance(batch["values"], batch["returns"]),
                          learning_rate=lr, clip_range=clip)
        self.report()

    def report(self) -> None:
        """SB3's numbers: to TensorBoard every rollout, printed as its table every ``log_interval``."""
        elapsed = time.perf_counter() - self.start_time
        rows = {f"train/{k}": v for k, v in self.stats.items()}
        if self.recent_episodes:
            rows["rollout/ep_reward_mean"] = float(np.mean([r for r, _ in self.recent_episodes]))
            rows["rollout/ep_len_mean"] = float(np.mean([n for _, n in self.recent_episodes]))
        rows["time/fps"] = int((self.steps_done - self.start_steps) / max(elapsed, 1e-9))
        for name, value in rows.items():  # TensorBoard: the tags every agent uses (loss/..., stats/...)
            self.logger.write(self.steps_done, TAGS.get(name, "stats/" + name.split("/")[-1]), value)
        if self.config.log_interval > 0 and self.iterations % self.config.log_interval == 0:
            rows.update({"train/n_updates": self.iterations * self.config.n_epochs, "time/iterations": self.iterations,
                         "time/total_timesteps": self.steps_done, "time/time_elapsed": int(elapsed)})
            print(format_table(rows), flush=True)


#: SB3's names (the printed table) -> this project's TensorBoard tags; the rest go to ``stats/<name>``.
TAGS = {"train/loss": "loss/total", "train/policy_loss": "loss/policy", "train/value_loss": "loss/value",
        "train/entropy_loss": "loss/entropy"}


def format_table(rows: dict[str, Any]) -> str:
    """SB3's console table: ``| name | value |`` rows in sorted order between dashed lines."""
    cells = []
    for name in sorted(rows, key=lambda n: n.split("/")[-1]):
        value = rows[name]
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        cells.append((name.split("/")[-1], text))
    width = max(len(k) for k, _ in cells), max(len(v) for _, v in cells)
    line = "-" * (width[0] + width[1] + 7)
    return "\n".join([line, *(f"| {k:<{width[0]}} | {v:<{width[1]}} |" for k, v in cells), line])

