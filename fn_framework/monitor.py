"""An SB3-compatible ``monitor.csv`` so existing tools can read our runs.

Format (stable_baselines3.common.monitor): a first line ``#{"t_start": ..., "env_id": ...}``,
then the header ``r,l,t`` and one row per episode: return, length, seconds since start.
"""
from __future__ import annotations

import json
import os
import time
from typing import Optional, TextIO

import numpy as np


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
        from fn_framework.files import atomic_path

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
