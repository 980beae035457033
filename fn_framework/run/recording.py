"""Save played frames as an animated GIF (Pillow) or MP4 (imageio with ffmpeg)."""
from __future__ import annotations

import itertools
import os
from typing import Any, Iterable, Iterator, Optional

import numpy as np

from fn_framework.run.errors import UserError
from fn_framework.run.folders import atomic_path

#: Frames smaller than this (Catcher's 64 px) are enlarged with NEAREST so a clip is watchable.
MIN_SIDE = 256


def check_record_path(path: str) -> None:
    """Refuse a record path before playing: a known suffix and a folder that can be written."""
    if os.path.splitext(path)[1].lower() not in (".gif", ".mp4"):
        raise UserError(f"cannot record to {path!r}: use a .gif or .mp4 file name")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise UserError(f"cannot record to {path}: {folder} is not a writable folder")


class FrameStore:
    """Played frames kept on disk, not in memory: recording any number of episodes stays bounded.

    The book kept every frame in a list (about 2.5 GB for 5 CartPole episodes at 600x400);
    here each frame is appended to a temporary file and read back one at a time when saved.
    """

    def __init__(self) -> None:
        import tempfile

        self._file = tempfile.TemporaryFile()
        self.shape: Optional[tuple[int, ...]] = None
        self.count = 0

    def append(self, frame: np.ndarray) -> None:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if self.shape is None:
            self.shape = frame.shape
        if frame.shape == self.shape:
            self._file.write(frame.tobytes())
            self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[np.ndarray]:
        size = int(np.prod(self.shape)) if self.shape else 0
        self._file.seek(0)
        for _ in range(self.count):
            yield np.frombuffer(self._file.read(size), dtype=np.uint8).reshape(self.shape)

    def close(self) -> None:
        self._file.close()


def write_gif(images: Iterator[Any], path: str, duration: int) -> None:
    """An endless-loop GIF written frame by frame, so memory stays one frame whatever the clip's length.

    Pillow's ``save(save_all=True)`` keeps every frame until the end. Here each frame gets its own
    adaptive palette (a local colour table, up to 256 colours), so a frame never loses a colour the
    first one did not have.
    """
    from PIL import GifImagePlugin

    first = True
    with open(path, "wb") as f:
        for im in images:
            frame = im.convert("RGB").quantize(colors=256)
            if first:
                header, _ = GifImagePlugin.getheader(frame, info={"loop": 0})
                f.write(b"".join(header))
                first = False
            f.write(b"".join(GifImagePlugin.getdata(frame, duration=duration, include_color_table=True)))
        f.write(b";")  # the GIF trailer


def save_animation(frames: Iterable[np.ndarray], path: str, fps: int = 30) -> str:
    """Write ``frames`` (``uint8`` ``(h, w, 3)``, a list or a ``FrameStore``) to ``path``, one at a time.

    The suffix picks the format: GIF (Pillow) or MP4 (imageio with ffmpeg).
    """
    from PIL import Image

    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise UserError("nothing to record: no frame was rendered")
    suffix = os.path.splitext(path)[1].lower()
    scale = max(1, -(-MIN_SIDE // min(first.shape[:2])))

    def images() -> Iterator[Any]:
        for frame in itertools.chain([first], iterator):
            im = Image.fromarray(np.asarray(frame, dtype=np.uint8))
            yield im.resize((im.width * scale, im.height * scale), Image.NEAREST) if scale > 1 else im

    with atomic_path(path) as tmp:
        if suffix == ".gif":
            write_gif(images(), tmp, duration=max(1, round(1000 / fps)))
        elif suffix == ".mp4":
            try:
                import imageio.v2 as imageio

                with imageio.get_writer(tmp, fps=fps, format="FFMPEG", macro_block_size=1) as writer:
                    for im in images():
                        writer.append_data(np.asarray(im))
            except (ImportError, ValueError, RuntimeError) as error:
                raise UserError(f"cannot write MP4 ({error}); install imageio-ffmpeg or record a .gif") from None
        else:
            raise UserError(f"cannot record to {path}: use a .gif or .mp4 file name")
    return path
