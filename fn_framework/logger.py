"""The book's Logger: TensorBoard scalars, text and images, reward plots, monitor.csv.

Modern replacements for the book's TF1 code: tensorboardX's ``SummaryWriter`` (the one PyTorch's
``torch.utils.tensorboard`` grew from) instead of ``tf.compat.v1.Summary`` and the Keras TensorBoard callback;
a resumed run opens it with ``purge_step``, so TensorBoard hides what a crash wrote after the
checkpoint. The model's architecture is Keras's own ``model.summary()``. The plot is saved as a
PNG with matplotlib's Agg backend instead of ``plt.show()``, which blocks headless runs.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any, Iterator, Optional, Sequence, TextIO

import numpy as np

from fn_framework.run.errors import UserError
from fn_framework.run.folders import atomic_path


def summary_writer_class() -> Any:
    """tensorboardX's ``SummaryWriter``, imported without PyTorch.

    tensorboardX's writer module imports ``torch`` whenever it is installed, only to accept torch tensors,
    which the Logger never passes; that import takes seconds and would land inside the first training
    step of every run on a machine with PyTorch (one with Stable-Baselines3, say). ``sys.modules["torch"]
    = None`` makes that ``import torch`` fail as if it were not installed, for the duration of the import.
    """
    import sys

    if "torch" in sys.modules or "tensorboardX.writer" in sys.modules:  # already paid, or nothing to pay
        from tensorboardX import SummaryWriter

        return SummaryWriter
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        from tensorboardX import SummaryWriter
    finally:
        del sys.modules["torch"]
    return SummaryWriter


class Logger:
    """Write a run's logs under ``<log_dir or ./logs>/<dir_name>``.

    The default root is ``logs`` in the working directory (the book used the package
    folder, which is read-only once installed).
    """

    def __init__(self, log_dir: str = "", dir_name: str = "") -> None:
        root = log_dir if log_dir else os.path.join(os.getcwd(), "logs")
        self.log_dir = os.path.join(root, dir_name) if dir_name else root
        try:
            os.makedirs(self.log_dir, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create the log folder {self.log_dir} ({error.strerror})") from None
        if not os.access(self.log_dir, os.W_OK):
            raise UserError(f"the log folder {self.log_dir} is not writable")
        self._writer: Any = None
        self._close_writer: Any = None
        self._purge_step: Optional[int] = None
        self._monitor: Optional[MonitorFile] = None

    # TensorBoard -----------------------------------------------------------
    #: The writer's thread writes its file to disk this often (seconds): a live TensorBoard sees
    #: the run's scalars, text and images this late at most; ``flush`` writes everything at once.
    flush_seconds = 10

    @property
    def writer(self) -> Any:
        """tensorboardX's ``SummaryWriter``, created on first use (a run that writes nothing leaves no
        event file); closed, its queue written, by ``flush``, when the Logger goes or the process ends.
        """
        if self._writer is None:
            import weakref

            SummaryWriter = summary_writer_class()
            # tensorboardX names the file by the second and the host; two writers of one second in one
            # folder would share it: the fraction of the second and the process keep them apart, in order
            suffix = f".{time.time_ns() % 10**9:09d}.{os.getpid()}"
            self._writer = SummaryWriter(self.log_dir, purge_step=self._purge_step,
                                         flush_secs=self.flush_seconds, filename_suffix=suffix)
            if self._purge_step is not None:
                # TensorBoard's Python loader (``--load_fast=false``) takes a run's first SessionLog START for
                # the start of the run and purges on the next one only: a second START makes it purge too
                from tensorboardX.proto.event_pb2 import Event, SessionLog

                self._writer.file_writer.add_event(Event(session_log=SessionLog(status=SessionLog.START)),
                                                   step=self._purge_step)
            self._writer.purge_step = self._purge_step = None  # the file holds it: a reopened writer must not repeat it
            self._close_writer = weakref.finalize(self, self._writer.close)
        return self._writer

    def resume_from(self, step: int) -> None:
        """Resuming a run checkpointed at env step ``step``: TensorBoard drops the events a crash wrote after it.

        Events are written at env steps, so the ones past ``step`` are the crashed run's, which the resumed
        run writes again (``monitor.csv`` is cut back to the checkpoint's rows likewise). The next writer
        opens with ``purge_step=step + 1``: tensorboardX writes a SessionLog START there, on which
        TensorBoard's Python loaders (``EventAccumulator``, ``--load_fast=false``) drop the events read
        before it whose step is ``step + 1`` or more. The old event files stay as they are. TensorBoard's
        default loader, its Rust data server, ignores SessionLog: it drops a tag's points from the step of
        that tag's next point on, so an old point before the resumed run's first one of its tag stays.
        """
        self.flush()  # a writer already open: the next one begins with the purge
        self._purge_step = int(step) + 1

    def set_model(self, model: Any) -> None:
        """Record the model's architecture, Keras's ``model.summary()`` whole, as a TensorBoard text summary."""
        self.write_text("model", model_summary(model))

    def write_text(self, name: str, text: str, step: int = 0) -> None:
        """A monospaced text block (the run's config) in TensorBoard's Text tab (tag ``<name>/text_summary``).

        TensorBoard renders text as Markdown: every line indented by 4 spaces makes one code block.
        """
        self.writer.add_text(name, "\n".join(f"    {line}" for line in text.splitlines()), int(step))

    def path_of(self, file_name: str) -> str:
        return os.path.join(self.log_dir, file_name)

    def write(self, index: int, name: str, value: float) -> None:
        """Write one scalar ``name`` at step ``index``."""
        self.writer.add_scalar(name, float(value), int(index))

    def flush(self) -> None:
        """Write every event so far to disk: the file is closed (tensorboardX's own ``flush`` leaves its
        queue unwritten); a later write opens another file in the folder, which TensorBoard reads after it."""
        if self._writer is not None:
            self._close_writer()
            self._writer = self._close_writer = None

    def write_image(self, index: int, frames: Sequence[np.ndarray]) -> None:
        """Write the last channel of each observed state, tiled row by row into one grayscale image at step ``index``.

        One fixed tag, ``observation``, and one image per step, so TensorBoard shows one card per run with
        a step slider (on the env-step axis of the scalars); the book's one image per frame made a card per
        frame. The frames are in the order observed, separated by a 1-pixel mid-gray line.

        The book's scaling: states with negative values are mapped around 128,
        others stretched to the full 0..255 range, both judged on the last frame.
        """
        last_frames = [np.asarray(f)[..., -1].astype(np.float32) for f in frames]
        reference = last_frames[-1]
        if np.min(reference) < 0:
            scale, offset = 127.0 / max(float(np.abs(reference).max()), 1e-8), 128.0
        else:
            scale, offset = 255.0 / max(float(np.max(reference)), 1e-8), 0.0
        images = [np.clip(f * scale + offset, 0, 255).astype(np.uint8) for f in last_frames]
        self.writer.add_image("observation", contact_sheet(images), int(index), dataformats="HW")

    # Console and figures ---------------------------------------------------
    def describe(self, name: str, values: Sequence[float], episode: int = -1, step: int = -1) -> None:
        """Print the book's ``At episode N, reward is m (+/-s)``."""
        from tqdm import tqdm

        mean = np.round(np.mean(values), 3)
        std = np.round(np.std(values), 3)
        desc = f"{name} is {mean} (+/-{std})"
        if episode > 0:
            tqdm.write(f"At episode {episode}, {desc}")
        elif step > 0:
            tqdm.write(f"At step {step}, {desc}")

    def plot(self, name: str, values: Sequence[float], interval: int = 10, show: bool = False) -> str:
        """Draw the book's mean +/- std figure per ``interval`` episodes; save it as PNG.

        Returns the PNG's path. A window opens only with ``show=True``.
        """
        import matplotlib

        if not show:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        values = np.asarray(values, dtype=np.float64)
        indices = list(range(0, len(values), interval))
        means = np.array([np.mean(values[i : i + interval]) for i in indices])
        stds = np.array([np.std(values[i : i + interval]) for i in indices])
        fig = plt.figure()
        plt.title(f"{name} History")
        plt.grid()
        plt.fill_between(indices, means - stds, means + stds, alpha=0.1, color="g")
        plt.plot(indices, means, "o-", color="g", label=f"{name.lower()} per {interval} episode")
        plt.legend(loc="best")
        path = self.path_of(f"{name.lower()}.png")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
        if show:
            plt.show()
        plt.close(fig)
        return path

    # monitor.csv -------------------------------------------------------------
    def start_monitor(self, env_id: str, resume_rows: Optional[int] = None) -> None:
        """Open ``monitor.csv`` (resuming: keep its first ``resume_rows`` rows, the checkpoint's episodes)."""
        self.close_monitor()
        self._monitor = MonitorFile(self.path_of(MonitorFile.FILE_NAME), env_id, resume_rows)

    def write_episode(self, episode_return: float, length: int) -> None:
        if self._monitor is not None:
            self._monitor.write(episode_return, length)

    def close_monitor(self) -> None:
        if self._monitor is not None:
            self._monitor.close()
            self._monitor = None


#: The width of ``model_summary``'s table: room for long layer names, never a cropped ``Param #`` column.
MODEL_SUMMARY_WIDTH = 120


def model_summary(model: Any, line_length: int = MODEL_SUMMARY_WIDTH) -> str:
    """Keras's ``model.summary()`` as plain text, whole: every layer, its output shape and ``Param #``.

    Keras draws the table with rich, whose console crops it to the terminal's width: 80 columns when
    stdout is not a terminal (115 in Jupyter), which cuts off the ``Param #`` column. The console is
    told the table's width (``COLUMNS``) while Keras draws; with ``print_fn`` it writes no markup,
    only the table's box-drawing characters.
    """
    lines: list[str] = []
    with _environment(COLUMNS=str(line_length), JUPYTER_COLUMNS=str(line_length)):
        model.summary(line_length=line_length, print_fn=lambda text, **kwargs: lines.append(text))
    return "\n".join(line.rstrip() for line in "\n".join(lines).splitlines())


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the ``with`` block, as they were after it."""
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def contact_sheet(images: Sequence[np.ndarray], separator: int = 128) -> np.ndarray:
    """Tile equally sized 2-d ``uint8`` images row by row into a near-square grid, 1-pixel ``separator`` lines between."""
    height, width = images[0].shape
    columns = int(np.ceil(np.sqrt(len(images))))
    rows = int(np.ceil(len(images) / columns))
    sheet = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), separator, dtype=np.uint8)
    for k, image in enumerate(images):
        top, left = (k // columns) * (height + 1), (k % columns) * (width + 1)
        sheet[top : top + height, left : left + width] = image
    return sheet


class MonitorFile:
    """Append one ``r,l,t`` row per finished episode, flushed at once."""

    FILE_NAME = "monitor.csv"

    def __init__(self, path: str, env_id: str, resume_rows: Optional[int] = None) -> None:
        """A new file, or with ``resume_rows`` the old one cut to its first rows (the checkpoint's episodes).

        A crash after the last checkpoint leaves rows of episodes the resumed run plays again;
        cutting them keeps one row per episode. A damaged file keeps the rows that still read.
        """
        self.path = path
        self.t_start = time.time()
        self._file: Optional[TextIO] = None
        rows: list[str] = []
        if resume_rows is not None and os.path.exists(path):
            rows, t_start = _read(path)
            rows = rows[:resume_rows]
            self.t_start = t_start if t_start is not None else self.t_start  # "t" keeps growing across resumes
        from fn_framework.run.folders import atomic_path

        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write("#" + json.dumps({"t_start": self.t_start, "env_id": env_id}) + "\n")
            f.write("r,l,t\n" + "".join(row + "\n" for row in rows))
        self._file = open(path, "a", encoding="utf-8")

    def write(self, episode_return: float, length: int) -> None:
        t = round(time.time() - self.t_start, 6)
        self._file.write(f"{round(float(episode_return), 6)},{int(length)},{t}\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _read(path: str) -> tuple[list[str], Optional[float]]:
    """The well-formed ``r,l,t`` rows of a monitor file and its ``t_start`` (None if unreadable)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    t_start = None
    try:
        t_start = float(json.loads(lines[0][1:])["t_start"])
    except (IndexError, ValueError, KeyError, TypeError):
        pass
    rows = []
    for line in lines[1:]:
        parts = line.split(",")
        try:
            if len(parts) == 3:
                float(parts[0]), int(parts[1]), float(parts[2])
                rows.append(line)
        except ValueError:
            continue
    return rows, t_start


def read_monitor(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``monitor.csv``'s episodes: returns, lengths and seconds since the start (damaged rows skipped)."""
    rows, _ = _read(path)
    parts = [row.split(",") for row in rows]
    return (np.array([float(p[0]) for p in parts], np.float32), np.array([int(p[1]) for p in parts], np.int64),
            np.array([float(p[2]) for p in parts], np.float64))
