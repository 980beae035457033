"""What a checkpoint costs with a full Catcher replay: seconds per checkpoint, bytes, share of a run at a cadence.

The book's DQN on Catcher (its replay of 50 000 transitions, (80, 80, 4) frame stacks) plays at random through
the real loop until the replay is full (no training: the figure is the checkpoint's, not the updates'), then
builds the agent's CNN and Adam, and writes the run's checkpoint ``--repeats`` times as the loop would: the
replay memory, the env copy mid-episode, the random streams, the weights and Adam's slots.

    python benchmarks/checkpoint_cost.py                       # 50 000 transitions, 3 checkpoints
    python benchmarks/checkpoint_cost.py --size 10000 --cadence-minutes 2

The last line printed is one JSON object: size, fill_s, checkpoint_s (each), bytes, share (the checkpoint's
seconds over the cadence's minutes: the fraction of a run's wall time spent checkpointing at that cadence).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def folder_bytes(folder: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50000, help="replay transitions (the book's buffer_size)")
    parser.add_argument("--repeats", type=int, default=3, help="checkpoints to time")
    parser.add_argument("--cadence-minutes", type=float, default=None,
                        help="the cadence to judge (default: the config's checkpoint_minutes)")
    args = parser.parse_args()

    from fn_framework.run.quiet import import_tensorflow

    import_tensorflow()
    import envs  # noqa: F401  (registers Catcher-v0)
    from agents.dqn import DeepQNetworkTrainer
    from agents.dqn_config import DeepQNetworkConfig
    from fn_framework.run.cli import make_env, seed_everything

    config = DeepQNetworkConfig(buffer_size=args.size, steps=args.size, episodes=10**6, initial_count=10**6,
                                checkpoint_minutes=0)
    cadence = args.cadence_minutes if args.cadence_minutes is not None else DeepQNetworkConfig().checkpoint_minutes
    with tempfile.TemporaryDirectory() as logs:
        trainer = DeepQNetworkTrainer(config, log_dir=logs)
        env = trainer.observe(make_env(config.env), config)
        seed_everything(0, env)
        start = time.perf_counter()
        agent = trainer.train(env)  # random play until the replay is full (the step budget)
        fill_s = time.perf_counter() - start
        trainer.begin_train(0, agent)  # the CNN, its teacher and Adam, as a training run has them
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            folder = trainer.checkpoint(agent, trainer.last_loop)
            seconds.append(time.perf_counter() - start)
        size = folder_bytes(folder)
    median = statistics.median(seconds)
    share = median / (60 * cadence) if cadence > 0 else None
    print(f"replay of {len(trainer.experiences)} transitions filled in {fill_s:.1f} s; checkpoint {size / 1e6:.1f} MB "
          f"in {', '.join(f'{s:.2f}' for s in seconds)} s (median {median:.2f} s)")
    if share is not None:
        print(f"at one checkpoint every {cadence:g} minutes: {100 * share:.2f} % of a run's wall time")
    print(json.dumps({"size": len(trainer.experiences), "fill_s": round(fill_s, 2),
                      "checkpoint_s": [round(s, 3) for s in seconds], "bytes": size,
                      "cadence_minutes": cadence, "share": None if share is None else round(share, 5)}))


if __name__ == "__main__":
    main()
