"""What every tutorial module shares: the command line, seeding, and saving a figure headless."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_OUT = os.path.join("logs", "nn_tutorial")


def make_parser(module: str, doc: str | None, *, seed: bool = True, epochs: int | None = None,
                plots: bool = True) -> argparse.ArgumentParser:
    """One flag set for all modules, so the same command shape runs each of them."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=(doc or "").strip().splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="folder for PNGs" + ("" if plots else " (this module plots nothing)"))
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="seed NumPy, Python and TensorFlow")
    if epochs is not None:
        parser.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {epochs})")
    return parser


def quiet_single_thread() -> None:
    """TensorFlow loaded without its start-up lines (``--verbose`` keeps them), with one inter-op thread.

    One inter-op thread: runs repeat exactly and do not fight other jobs for cores (a no-op once TF started).
    """
    from fn_framework.run.quiet import import_tensorflow

    tf = import_tensorflow()

    try:
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised, e.g. main() called in-process after other TF work
        pass


def save_figure(fig, out: str | os.PathLike, name: str) -> Path:
    """Write ``fig`` to ``out/name`` through a temporary file, so a crash never leaves half a PNG."""
    path = Path(out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png", dpi=100)
    os.replace(tmp, path)
    return path
