"""Seed 003's bandit experiment (not the book's): ε-greedy(0.1) and UCB1, 1000 sims x 250 steps, arms 0.3/0.5/0.9.

Writes ``average_reward.png`` (average reward against step, both algorithms, as the seed's plot) and
``average_reward.csv`` (one row per step) into ``--out``, and prints the average over the last steps.
Headless: the seed's ``plt.show()`` is replaced by saving the figure.

    python -m tabular.bandit_experiment --seed 0 --out logs/bandit
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from tabular.bandit import NUM_SIMS, NUM_TIME, run_experiment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of numpy's Generator (default 0)")
    parser.add_argument("--out", type=Path, default=Path("logs/bandit"), help="output folder (default logs/bandit)")
    parser.add_argument("--sims", type=int, default=NUM_SIMS, help="simulations (default the seed's 1000)")
    parser.add_argument("--steps", type=int, default=NUM_TIME, help="steps per simulation (default the seed's 250)")
    return parser.parse_args(argv)


def plot(means: dict[str, np.ndarray], path: Path) -> None:
    """The seed's figure: one line of average reward per algorithm against the step (1-based)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    for label, mean in means.items():
        ax.plot(np.arange(1, len(mean) + 1), mean, label=label)
    ax.set_xlabel("Step")
    ax.set_ylabel("Average Reward")
    ax.legend(loc="best")
    tmp = path.with_name(path.stem + ".tmp.png")  # written whole, then renamed
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rewards = run_experiment(args.seed, args.sims, args.steps)
    seconds = time.perf_counter() - start
    means = {label: r.mean(axis=0) for label, r in rewards.items()}
    plot(means, args.out / "average_reward.png")
    header = "step," + ",".join(means)
    table = np.column_stack([np.arange(1, args.steps + 1), *means.values()])
    np.savetxt(args.out / "average_reward.csv", table, delimiter=",", header=header, comments="", fmt="%.6g")
    first = max(1, args.steps - 50)  # steps 200..250 with the seed's 250 steps
    print(f"{args.sims} simulations x {args.steps} steps in {seconds:.3f} s (seed {args.seed})")
    for label, mean in means.items():
        print(f"{label}: average reward over steps {first}-{args.steps} = {mean[first - 1:].mean():.4f}")
    print(f"wrote {args.out / 'average_reward.png'} and {args.out / 'average_reward.csv'}")


if __name__ == "__main__":
    main()
