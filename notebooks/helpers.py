"""What every notebook does besides its lesson: run a script as in a terminal, plot its curve, show its GIF.

One copy for all six notebooks (their second cell imports it), so a fix lands in each.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from typing import Any

import numpy as np

from fn_framework.logger import read_monitor

#: TensorFlow's C++ start-up lines: noise in a notebook.
_NOISE = ("I0000", "E0000", "W0000", "WARNING: All log messages before absl::InitializeLog()")


def run(*command: str) -> None:
    """Run ``python *command`` and print its lines as they come (a long training shows its progress).

    Raises with the last lines when the command fails, so the notebook stops there.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    last: deque[str] = deque(maxlen=20)
    with subprocess.Popen([sys.executable, *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env) as process:
        for line in process.stdout:
            line = line.rstrip("\n")
            if line.startswith(_NOISE):
                continue
            print(line, flush=True)
            last.append(line)
    if process.returncode != 0:
        raise RuntimeError(f"the command failed (exit {process.returncode}): python {' '.join(command)}\n"
                           + "\n".join(last))


def plot_curve(run_folder: str, name: str) -> str:
    """The learning curve from the run's ``monitor.csv`` (return per episode against env steps), and beside it the
    book's own figure, the ``rewards.png`` its Logger draws (mean and spread per interval), as the book shows it.

    Saved as ``<name>_curve.png`` beside the run folder; returns its path.
    """
    import matplotlib.pyplot as plt

    returns, lengths, _ = read_monitor(os.path.join(run_folder, "monitor.csv"))
    book = os.path.join(run_folder, "rewards.png")
    panels = 2 if os.path.exists(book) else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 3.2), squeeze=False)
    ax = axes[0][0]
    ax.plot(np.cumsum(lengths), returns, ".-")
    ax.set_xlabel("env steps")
    ax.set_ylabel("episode return")
    ax.set_title(f"{name}: every episode (monitor.csv)")
    ax.grid(True)
    if panels == 2:
        axes[0][1].imshow(plt.imread(book))
        axes[0][1].axis("off")
        axes[0][1].set_title("the book's figure: rewards.png")
    path = os.path.join(os.path.dirname(os.path.abspath(run_folder)), f"{name}_curve.png")
    fig.savefig(path, bbox_inches="tight")
    plt.show()
    return path


def show_image(path: str) -> Any:
    """Show a GIF (what `--record` wrote) or a PNG inline."""
    from IPython.display import Image, display

    return display(Image(filename=path))


def open_tensorboard(log_dir: str) -> None:
    """TensorBoard inline where the notebook can (Colab, Jupyter with the extension); else say how to open it.

    A rendered notebook (``notebooks/render.py``) only says how: a server's frame means nothing on GitHub.
    """
    if os.environ.get("BABY_STEPS_RENDER") == "1":
        print("open TensorBoard with: tensorboard --logdir", os.path.relpath(log_dir))
        return
    try:
        from IPython import get_ipython

        shell = get_ipython()
        shell.run_line_magic("load_ext", "tensorboard")
        shell.run_line_magic("tensorboard", f"--logdir {log_dir}")
    except Exception as error:  # no IPython shell or no tensorboard notebook extension here
        print("open TensorBoard with: tensorboard --logdir", log_dir, f"({error})")


def show_model(script: str, path: str, *flags: str) -> None:
    """Draw the network ``script`` just trained (its ``--plot-model``) and show it inline.

    Without pydot or Graphviz the notebook goes on: the script's one ``error:`` line says what to install.
    """
    try:
        run(script, *flags, "--plot-model", path)
    except RuntimeError as error:
        print(str(error).splitlines()[-1])
        return
    show_image(path)
