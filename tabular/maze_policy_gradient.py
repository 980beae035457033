"""Seed 003's maze (not the book's) solved by the policy gradient: print steps per episode, save θ and an animated GIF.

Writes into ``--out``: ``theta.npy`` (the learned θ, NaN at walls, shape (8, 4) like the seed's ``theta_0``),
``steps.csv`` (episode, steps to the goal, policy change) and ``maze.gif``: the seed's animation of the *last*
training episode (``--animate greedy``: the greedy path instead), one frame per entry of the history, that is
the start plus one frame per step. Headless (matplotlib Agg; the GIF is written by Pillow).

    python -m tabular.maze_policy_gradient --seed 0 --out logs/maze
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from tabular.maze import GOAL, MAX_EPISODES, START, STOP_EPSILON, greedy_path, learn

FRAME_MS = 1000  # the seed's FuncAnimation(interval=1000)
# The seed's walls, as the segments it plots ([x0, x1], [y0, y1]); the openings left of 0 and right of 8
# are the entrance and the exit.
WALLS = (
    ([0, 3], [3, 3]), ([0, 3], [0, 0]), ([0, 0], [0, 2]), ([3, 3], [1, 3]),
    ([1, 1], [1, 2]), ([2, 3], [2, 2]), ([2, 1], [1, 1]), ([2, 2], [0, 1]),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of numpy's Generator (default 0)")
    parser.add_argument("--out", type=Path, default=Path("logs/maze"), help="output folder (default logs/maze)")
    parser.add_argument("--max-episodes", type=int, default=MAX_EPISODES, help=f"cap (default {MAX_EPISODES})")
    parser.add_argument("--stop-epsilon", type=float, default=STOP_EPSILON, help="stop once sum|Δπ| is below")
    parser.add_argument("--plus-sign", action="store_true", help="the seed's listing as printed: N(s,a) + πN(s)")
    parser.add_argument("--animate", choices=("last", "greedy"), default="last",
                        help="path in the GIF: the last training episode (the seed's) or the greedy path")
    parser.add_argument("--quiet", action="store_true", help="no line per episode")
    return parser.parse_args(argv)


def draw_frames(states: list[int]) -> list[Image.Image]:
    """The seed's figure (walls, cell numbers with S and G, a grey circle for the agent), one frame per state."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 3))
    fig.subplots_adjust(0.02, 0.02, 0.98, 0.9)
    for xs, ys in WALLS:
        ax.plot(xs, ys, color="k")
    for s in range(9):
        label = {START: "S", GOAL: "G"}.get(s, str(s))
        ax.text(0.5 + s % 3, 2.5 - s // 3, label, size=20, ha="center", va="center")
    (circle,) = ax.plot([0.5], [2.5], marker="o", color="#d3d3d3", markersize=40)
    ax.set_xlim(-0.05, 3.05)
    ax.set_ylim(-0.05, 3.05)
    ax.axis("off")
    frames = []
    for step, s in enumerate(states):
        circle.set_data([s % 3 + 0.5], [2.5 - s // 3])
        ax.set_title(f"step {step}/{len(states) - 1}")  # also keeps every frame distinct for the GIF writer
        fig.canvas.draw()
        frames.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
    plt.close(fig)
    return frames


def save_gif(frames: list[Image.Image], path: Path) -> None:
    """Write the frames as a looping GIF, to a temporary file first and then renamed."""
    tmp = path.with_name(path.stem + ".tmp.gif")
    frames[0].save(tmp, save_all=True, append_images=frames[1:], duration=FRAME_MS, loop=0)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = learn(np.random.default_rng(args.seed), stop_epsilon=args.stop_epsilon,
                   max_episodes=args.max_episodes, plus_sign=args.plus_sign)
    for episode, (steps, pi_delta) in enumerate(zip(result.steps, result.pi_deltas)):
        if not args.quiet:
            print(f"episode: {episode}, steps: {steps}, pi_delta: {pi_delta:.4f}")
    converged = result.pi_deltas[-1] < args.stop_epsilon
    print(f"{len(result.steps)} episodes, " + ("policy change below " if converged else "cap reached before ")
          + f"{args.stop_epsilon:g}; last episode {result.steps[-1]} steps")

    tmp = args.out / "theta.tmp.npy"
    np.save(tmp, result.theta)
    tmp.replace(args.out / "theta.npy")
    table = np.column_stack([np.arange(len(result.steps)), result.steps, result.pi_deltas])
    np.savetxt(args.out / "steps.csv", table, delimiter=",", header="episode,steps,pi_delta", comments="",
               fmt=("%d", "%d", "%.6g"))

    path = greedy_path(result.pi)
    print("greedy path: " + " -> ".join(map(str, path)) + f" ({len(path) - 1} steps)")
    states = [int(s) for s, _ in result.s_a_history] if args.animate == "last" else path
    save_gif(draw_frames(states), args.out / "maze.gif")
    print(f"wrote {args.out / 'theta.npy'}, {args.out / 'steps.csv'} and {args.out / 'maze.gif'} "
          f"({len(states)} frames: the {args.animate} path)")


if __name__ == "__main__":
    main()
