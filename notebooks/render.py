"""Run the notebooks in place and keep their outputs, as a reader sees them on GitHub.

    python notebooks/render.py                 # every notebook, with its real budget (about 15 minutes)
    python notebooks/render.py 02_value_function 04_policy_gradient_a2c
    python notebooks/render.py --fast          # NOTEBOOK_FAST budgets: seconds, for trying this script

Each notebook is executed top to bottom by nbclient (its logs go to a temporary folder), its images are
downsized (PNG figures to at most ``MAX_WIDTH`` pixels, GIFs to ``MAX_GIF_WIDTH`` and ``MAX_GIF_FRAMES``) so the file stays under
``MAX_BYTES``, and its metadata records ``baby_steps.digest``: the SHA-256 of its code cells, of
``notebooks/helpers.py`` and of the presets of the agent scripts it runs. ``tests/test_notebooks.py`` recomputes it, so a notebook whose code changed since it
was rendered fails until it is rendered again: the stored outputs are those of the current notebook code.
(The project's own modules may change without a re-render: the tests still execute every notebook.)
"""
from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import io
import os
import platform
import re
import sys
import tempfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAX_WIDTH, MAX_GIF_WIDTH, MAX_GIF_FRAMES, MAX_BYTES = 640, 192, 300, 1_000_000
#: A long training log keeps its first and last lines (the whole log is in the run's folder and TensorBoard).
HEAD_LINES, TAIL_LINES = 40, 60
NAMES = sorted(p[:-6] for p in os.listdir(HERE) if p.endswith(".ipynb"))
#: The project's GitHub ``owner/name``: a placeholder until it has a public home. Set it here (and REPO_URL in the
#: notebooks' first cell), run ``python notebooks/render.py --badges``, and every "Open in Colab" badge works.
REPO = "your-name/baby-steps-of-rl-tf2"
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"


def badge(name: str) -> str:
    return f"{BADGE}(https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{name}.ipynb)"


def set_badge(notebook: Any, name: str) -> None:
    """The first text cell starts with the Colab badge of ``REPO`` (text cells are not in the digest)."""
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    lines = [line for line in first.source.splitlines() if not line.startswith(BADGE)]
    first.source = "\n".join([badge(name), "", *lines]).replace("\n\n\n", "\n\n")


def digest(notebook: Any) -> str:
    """SHA-256 of the notebook's code cells, of helpers.py and of the presets of every agent script it runs:
    what its outputs were made by (a changed preset, such as PPO's env count, needs a new render too)."""
    h = hashlib.sha256()
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for source in code:
        h.update(source.encode() + b"\0")
    with open(os.path.join(HERE, "helpers.py"), "rb") as f:
        h.update(f.read())
    for presets in presets_run(code):
        h.update(presets.encode() + b"\0")
    return h.hexdigest()


def presets_run(code: list[str]) -> list[str]:
    """Every preset (its whole config) of the agent scripts ``scripts/<agent>_agent.py`` the code runs."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from agents.presets import TABLE

    agents = sorted(set(re.findall(r"scripts/(\w+)_agent\.py", "\n".join(code))))
    return [f"{run}/{name}: {config!r}" for agent in agents for run in (agent, f"{agent}_test") if run in TABLE
            for name, config in sorted(TABLE[run].configs.items())]


def shrink(data: str, kind: str) -> str:
    """A base64 PNG or GIF, scaled down to its width limit; a GIF also to at most ``MAX_GIF_FRAMES`` frames
    (every k-th, each shown k times as long: the same speed)."""
    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(base64.b64decode(data)))
    limit = MAX_GIF_WIDTH if kind == "gif" else MAX_WIDTH
    frames = getattr(image, "n_frames", 1)
    if image.width <= limit and frames <= MAX_GIF_FRAMES:
        return data
    width = min(limit, image.width)
    size = (width, max(1, round(image.height * width / image.width)))
    out = io.BytesIO()
    if kind == "gif":
        every = -(-frames // MAX_GIF_FRAMES)
        kept = [frame.convert("P").resize(size, Image.NEAREST)
                for i, frame in enumerate(ImageSequence.Iterator(image)) if i % every == 0]
        kept[0].save(out, format="GIF", save_all=True, append_images=kept[1:], loop=0,
                     duration=image.info.get("duration", 40) * every, optimize=True)
    else:
        image.resize(size, Image.LANCZOS).save(out, format="PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode()


def trim_streams(outputs: list) -> list:
    """One output per run of stdout (or stderr) lines, the middle of a long one cut: a reader scrolls 100 lines,
    not 4,000 (PPO prints a table per update)."""
    merged: list = []
    for output in outputs:
        if output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream" \
                and merged[-1]["name"] == output["name"]:
            merged[-1]["text"] += output["text"]
        else:
            merged.append(output)
    for output in merged:
        if output.get("output_type") == "stream":
            lines = output["text"].splitlines(keepends=True)
            if len(lines) > HEAD_LINES + TAIL_LINES:
                cut = len(lines) - HEAD_LINES - TAIL_LINES
                output["text"] = "".join(lines[:HEAD_LINES] + [f"... ({cut} lines cut here) ...\n"] + lines[-TAIL_LINES:])
    return merged


def local_paths(text: str) -> str:
    """The rendering machine's folders as a reader's clone has them (``.``, ``logs/notebook``)."""
    text = re.sub(r"tensorboard --logdir \S+", "tensorboard --logdir logs/notebook", text)
    return re.sub(r"^project at \S+ ", "project at . ", text, flags=re.M)


def drop_build_noise(text: str) -> str:
    """pip's build warning in a stream (setuptools' editable-install notice, with the build folder's /tmp path):
    the rendering machine's, not the lesson's."""
    return re.sub(r"^\s*\S*pip-build-env-.*?WheelFile\(.*?\n", "", text, flags=re.S | re.M)


def compact(notebook: Any) -> None:
    """The stored outputs made small: streams merged and cut, images shrunk (the digest does not change)."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                output["text"] = drop_build_noise(output["text"])
        cell.outputs = trim_streams([o for o in cell.outputs if o.get("output_type") != "stream" or o["text"]])
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                output["text"] = local_paths(output["text"])
            for kind in ("png", "gif"):
                if f"image/{kind}" in output.get("data", {}):
                    output["data"][f"image/{kind}"] = shrink(output["data"][f"image/{kind}"], kind)


def render(name: str, fast: bool) -> tuple[int, float]:
    """Execute ``name`` in place; returns its size in bytes and the seconds it took."""
    import time

    import nbclient
    import nbformat

    path = os.path.join(HERE, f"{name}.ipynb")
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="render_") as logs:
        os.environ.update(NOTEBOOK_LOG_DIR=logs, BABY_STEPS_RENDER="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
        if fast:
            os.environ["NOTEBOOK_FAST"] = "1"
        else:
            os.environ.pop("NOTEBOOK_FAST", None)
        nbclient.NotebookClient(notebook, timeout=1800, kernel_name="python3",
                                resources={"metadata": {"path": HERE}}).execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":  # the temporary log folder's name changes every run
                output["text"] = output["text"].replace(logs, "logs/notebook")
    compact(notebook)
    import keras
    import tensorflow as tf

    set_badge(notebook, name)
    notebook.metadata["baby_steps"] = {
        "digest": digest(notebook), "fast": fast, "rendered": datetime.date.today().isoformat(),
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__},
    }
    nbformat.write(notebook, path)
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise SystemExit(f"{name}: {size} bytes, over {MAX_BYTES}: shrink its images or budget")
    return size, time.perf_counter() - start


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=NAMES, help=f"notebooks (default: all: {', '.join(NAMES)})")
    parser.add_argument("--fast", action="store_true", help="NOTEBOOK_FAST budgets (seconds)")
    parser.add_argument("--badges", action="store_true", help="only rewrite the Colab badges (after REPO changed)")
    parser.add_argument("--compact", action="store_true", help="only shrink the stored outputs (after a limit changed)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in NAMES]
    if unknown:
        parser.exit(2, f"error: no notebook {unknown[0]!r} in notebooks/ (known: {', '.join(NAMES)})\n")
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as error:
        parser.exit(2, f"error: rendering needs {error.name}, which is not installed: "
                       "pip install -r requirements-notebooks.txt\n")
    if args.badges or args.compact:
        import nbformat

        for name in args.names:
            path = os.path.join(HERE, f"{name}.ipynb")
            notebook = nbformat.read(path, as_version=4)
            if args.badges:
                set_badge(notebook, name)
            if args.compact:
                compact(notebook)
            nbformat.write(notebook, path)
            print(f"{name}: {os.path.getsize(path) / 1e3:.0f} kB")
        return 0
    from fn_framework.run.quiet import import_tensorflow

    import_tensorflow()
    for name in args.names:
        size, seconds = render(name, args.fast)
        print(f"{name}: {size / 1e3:.0f} kB, {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
