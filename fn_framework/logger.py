"""The book's Logger: TensorBoard scalars and images, reward plots, monitor.csv.

Modern replacements for the book's TF1 code: TensorBoard's own event writer (the one
PyTorch's ``SummaryWriter`` uses) instead of ``tf.compat.v1.Summary`` and the Keras
TensorBoard callback. A ``tf.summary`` op per scalar cost 166 us, this writer 35 us (a
CartPole PPO run writes about 600 scalars in a second of training). The summaries are TF
2's (tensors with the scalars, text or images plugin's metadata), so TensorBoard and its
loaders read them as before. The plot is saved as a PNG with matplotlib's Agg backend
instead of ``plt.show()``, which blocks headless runs.
"""
from __future__ import annotations

import os
import time
from typing import Any, Optional, Sequence

import numpy as np

from fn_framework.errors import UserError
from fn_framework.files import atomic_path
from fn_framework.monitor import MonitorFile


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
        self._monitor: Optional[MonitorFile] = None

    # TensorBoard -----------------------------------------------------------
    @property
    def writer(self) -> Any:
        """TensorBoard's event file writer, created on first use; closed (its queue written) when the Logger goes or the process ends."""
        if self._writer is None:
            import weakref

            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writer = EventFileWriter(self.log_dir, filename_suffix=".v2")
            weakref.finalize(self, self._writer.close)
        return self._writer

    def _add(self, step: int, name: str, tensor: Any, metadata: Any) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2

        value = summary_pb2.Summary.Value(tag=name, tensor=tensor, metadata=metadata)
        self.writer.add_event(event_pb2.Event(wall_time=time.time(), step=int(step),
                                              summary=summary_pb2.Summary(value=[value])))

    def set_model(self, model: Any) -> None:
        """Record the model's architecture as a TensorBoard text summary (``model_table``: never cropped)."""
        self.write_text("model", model_table(model))

    def write_text(self, name: str, text: str, step: int = 0) -> None:
        """A monospaced text block (the run's config) in TensorBoard's Text tab."""
        from tensorboard.plugins.text.metadata import create_summary_metadata
        from tensorboard.util.tensor_util import make_tensor_proto

        block = "\n".join(f"    {line}" for line in text.splitlines())
        self._add(step, name, make_tensor_proto(np.array(block, dtype=object)), create_summary_metadata(None, None))
        self.writer.flush()

    def cut_events(self, last_step: int) -> int:
        """Resuming: drop the TensorBoard events written after the checkpoint (``step > last_step``).

        A run that crashed after its checkpoint wrote scalars the resumed run writes again; as
        ``monitor.csv`` is cut back to the checkpoint's rows, the event files are rewritten into
        one without them (the first file's name keeps its place in TensorBoard's order; a torn
        last record is dropped). Returns how many events were dropped.
        """
        import glob

        import tensorflow as tf
        from tensorboard.compat.proto import event_pb2

        files = sorted(glob.glob(os.path.join(self.log_dir, "events.out.tfevents.*")))
        if not files or self._writer is not None:
            return 0
        dropped = 0
        tmp = os.path.join(self.log_dir, ".events.resume.tmp")  # no "tfevents" in it: TensorBoard skips it
        with tf.io.TFRecordWriter(tmp) as out:
            for path in files:
                try:
                    for record in tf.data.TFRecordDataset(path):
                        data = record.numpy()
                        if event_pb2.Event.FromString(data).step > last_step:
                            dropped += 1
                        else:
                            out.write(data)
                except tf.errors.DataLossError:
                    dropped += 1  # the record a crash cut in half
        if dropped == 0:
            os.remove(tmp)
            return 0
        os.replace(tmp, files[0])
        for path in files[1:]:
            os.remove(path)
        return dropped

    def path_of(self, file_name: str) -> str:
        return os.path.join(self.log_dir, file_name)

    def write(self, index: int, name: str, value: float) -> None:
        """Write one scalar ``name`` at step ``index``."""
        from tensorboard.plugins.scalar.metadata import create_summary_metadata
        from tensorboard.util.tensor_util import make_tensor_proto

        self._add(index, name, make_tensor_proto(np.float32(value)), create_summary_metadata(None, None))

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def write_image(self, index: int, frames: Sequence[np.ndarray]) -> None:
        """Write the last channel of each observed state, tiled row by row into one grayscale image at step ``index``.

        One fixed tag, ``observation``, and one image per step, so TensorBoard shows one card per run with
        a step slider (on the env-step axis of the scalars); the book's one image per frame made a card per
        frame. The frames are in the order observed, separated by a 1-pixel mid-gray line.

        The book's scaling: states with negative values are mapped around 128,
        others stretched to the full 0..255 range, both judged on the last frame.
        """
        import io

        from PIL import Image
        from tensorboard.plugins.image.metadata import create_summary_metadata
        from tensorboard.util.tensor_util import make_tensor_proto

        last_frames = [np.asarray(f)[..., -1].astype(np.float32) for f in frames]
        reference = last_frames[-1]
        if np.min(reference) < 0:
            scale, offset = 127.0 / max(float(np.abs(reference).max()), 1e-8), 128.0
        else:
            scale, offset = 255.0 / max(float(np.max(reference)), 1e-8), 0.0
        images = [np.clip(f * scale + offset, 0, 255).astype(np.uint8) for f in last_frames]
        sheet = contact_sheet(images)
        png = io.BytesIO()
        Image.fromarray(sheet).save(png, format="PNG")
        tensor = make_tensor_proto(np.array([str(sheet.shape[1]).encode(), str(sheet.shape[0]).encode(),
                                             png.getvalue()], dtype=object))
        self._add(index, "observation", tensor, create_summary_metadata(None, None))
        self.writer.flush()

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


def model_table(model: Any) -> str:
    """Layers, output shapes and parameter counts as a plain table, whole.

    Keras 3's ``summary`` crops its table to the terminal's width, 80 columns when stdout is
    not a terminal, which cuts off the ``Param #`` column; this table is as wide as it needs.
    """
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for layer in model.layers:
        try:
            shape = str(tuple(layer.output.shape)).replace(",)", ")")
        except (AttributeError, ValueError):  # a layer used twice, or not built
            shape = "?"
        rows.append((f"{layer.name} ({type(layer).__name__})", shape, f"{layer.count_params():,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    line = "-" * (sum(widths) + 6)
    table = [f'Model: "{model.name}"', line]
    for k, row in enumerate(rows):
        table.append(f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   {row[2]:>{widths[2]}}")
        if k == 0:
            table.append(line)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = sum(int(np.prod(w.shape)) for w in model.weights)
    table += [line, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}"]
    return "\n".join(table)


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
