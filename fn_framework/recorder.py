"""Save played frames as an animated GIF (Pillow) or MP4 (imageio with ffmpeg)."""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from fn_framework.errors import UserError
from fn_framework.files import atomic_path

#: Frames smaller than this (Catcher's 64 px) are enlarged with NEAREST so a clip is watchable.
MIN_SIDE = 256


def check_record_path(path: str) -> None:
    """Refuse a record path before playing: a known suffix and a folder that can be written."""
    if os.path.splitext(path)[1].lower() not in (".gif", ".mp4"):
        raise UserError(f"cannot record to {path}: use a .gif or .mp4 file name")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise UserError(f"cannot record to {path}: {folder} is not a writable folder")


def save_animation(frames: Sequence[np.ndarray], path: str, fps: int = 30) -> str:
    """Write ``frames`` (``uint8`` ``(h, w, 3)``) to ``path``; the suffix picks the format."""
    from PIL import Image

    if not frames:
        raise UserError("nothing to record: no frame was rendered")
    suffix = os.path.splitext(path)[1].lower()
    scale = max(1, -(-MIN_SIDE // min(frames[0].shape[:2])))
    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
    if scale > 1:
        images = [im.resize((im.width * scale, im.height * scale), Image.NEAREST) for im in images]
    with atomic_path(path) as tmp:
        if suffix == ".gif":
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                           duration=max(1, round(1000 / fps)), loop=0)
        elif suffix == ".mp4":
            try:
                import imageio.v2 as imageio

                with imageio.get_writer(tmp, fps=fps, format="FFMPEG", macro_block_size=1) as writer:
                    for im in images:
                        writer.append_data(np.asarray(im))
            except (ImportError, ValueError, RuntimeError) as error:
                raise UserError(f"cannot write MP4 ({error}); install imageio-ffmpeg or record a .gif") from None
        else:
            raise UserError(f"cannot record to {path}: use a .gif or .mp4 file name")
    return path
