"""An SB3-compatible ``monitor.csv`` so existing tools can read our runs.

Format (stable_baselines3.common.monitor): a first line ``#{"t_start": ..., "env_id": ...}``,
then the header ``r,l,t`` and one row per episode: return, length, seconds since start.
"""
from __future__ import annotations

import json
import os
import time
from typing import Optional, TextIO


class MonitorFile:
    """Append one ``r,l,t`` row per finished episode, flushed at once."""

    FILE_NAME = "monitor.csv"

    def __init__(self, path: str, env_id: str, resume: bool = False) -> None:
        self.path = path
        self.t_start = time.time()
        self._file: Optional[TextIO] = None
        if resume and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                header = json.loads(f.readline()[1:])
            # Keep the old clock so "t" keeps growing across the resumed run.
            self.t_start = float(header["t_start"])
            self._file = open(path, "a", encoding="utf-8")
        else:
            self._file = open(path, "w", encoding="utf-8")
            self._file.write("#" + json.dumps({"t_start": self.t_start, "env_id": env_id}) + "\n")
            self._file.write("r,l,t\n")
            self._file.flush()

    def write(self, episode_return: float, length: int) -> None:
        t = round(time.time() - self.t_start, 6)
        self._file.write(f"{round(float(episode_return), 6)},{int(length)},{t}\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
