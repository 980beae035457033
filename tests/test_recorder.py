"""Recording: the GIF is written frame by frame, its frames and timing intact, memory bounded."""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from fn_framework.run.recording import save_animation

ROOT = Path(__file__).resolve().parents[1]


def _frame(i: int) -> np.ndarray:
    frame = np.full((400, 600, 3), 255, np.uint8)  # CartPole's size and a few colours
    frame[100:150, (i * 10) % 560 : (i * 10) % 560 + 40] = (200, 30, 30)
    frame[300:] = (0, 0, 0)
    return frame


def test_gif_round_trips_frames_duration_and_loop(tmp_path) -> None:
    path = str(tmp_path / "clip.gif")
    # The first frame is black (Catcher's reset frame): later frames keep colours it does not have.
    frames = [np.zeros_like(_frame(0))] + [_frame(i) for i in range(1, 30)]
    save_animation(frames, path, fps=25)
    with Image.open(path) as gif:
        assert gif.n_frames == 30 and gif.info["duration"] == 40 and gif.info["loop"] == 0
        for k in (0, 1, 13, 29):
            gif.seek(k)
            assert np.array_equal(np.asarray(gif.convert("RGB")), frames[k])


_MEASURE = "import numpy as np\n" + inspect.getsource(_frame) + """
import resource, sys
import numpy as np
from fn_framework.run.recording import FrameStore, save_animation
store = FrameStore()
for i in range(int(sys.argv[1])):
    store.append(_frame(i))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
save_animation(store, sys.argv[2])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def test_gif_memory_does_not_grow_with_the_clip(tmp_path) -> None:
    # The peak resident memory added by saving (MB), in a fresh process: Pillow's save_all kept
    # every palette frame (+149 MB for 600 CartPole frames); streamed, it stays about one frame.
    grown = []
    for count in (20, 600):
        out = subprocess.run([sys.executable, "-c", _MEASURE, str(count), str(tmp_path / f"{count}.gif")],
                             cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
        grown.append(float(out.stdout.split()[-1]))
    assert grown[1] < 40 and grown[1] < grown[0] + 20, grown
