"""Files of a run: the run folder (one live run at a time, no earlier run overwritten unasked) and atomic writes."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

from fn_framework.run.errors import UserError


def lock_path(folder: str) -> str:
    """The lock file of the run folder ``folder``: ``.<name>.lock`` beside it, not inside it.

    Beside, so that ``--fresh`` can move the folder aside while the lock is held (Windows
    renames no folder with an open file inside it) and no other run can slip in between.
    """
    folder = os.path.normpath(folder)
    return os.path.join(os.path.dirname(folder), f".{os.path.basename(folder)}.lock")


def holds_run(folder: str) -> bool:
    """Whether ``folder`` holds a run: its monitor rows or its checkpoint."""
    return os.path.exists(os.path.join(folder, "monitor.csv")) or os.path.exists(os.path.join(folder, "run_state"))


@contextlib.contextmanager
def run_folder(folder: str, resume: bool, fresh: bool) -> Iterator[None]:
    """Claim the run folder for one live run; never overwrite an earlier run without being asked.

    An OS lock (``filelock``: ``flock`` on Unix, a byte-range lock on Windows) on :func:`lock_path`
    refuses a second live run in the same folder. The kernel drops it when the process ends,
    however it ends (even ``kill -9``), so no dead run can refuse a later one; the empty lock
    file may stay (filelock keeps it on Unix) and is taken again by the next run.
    Under the lock, a new run into a folder that holds one is refused (``--resume`` continues
    it; ``--fresh`` moves it aside to ``<folder>.<time>`` and starts anew).
    """
    import time

    from filelock import FileLock, Timeout

    folder = os.path.normpath(folder)
    try:
        os.makedirs(os.path.dirname(folder), exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create the run folder {folder} ({error.strerror})") from None
    lock = FileLock(lock_path(folder))
    try:
        lock.acquire(timeout=0)  # never wait: say so at once
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        raise UserError(f"another run is writing to {folder} now; wait for it to end, "
                        "or give this one another --log-dir") from None
    except OSError as error:  # a full disk, a read-only or unwritable folder: nothing of the run is touched yet
        raise UserError(f"cannot write to {folder} ({error.strerror or error}); "
                        "the run there is left as it was") from None
    try:
        if holds_run(folder) and not resume:
            if not fresh:
                raise UserError(f"{folder} holds a run already: continue it with --resume, or start afresh with "
                                "--fresh (the old run is moved aside, not deleted)")
            moved = f"{folder}.{time.strftime('%Y%m%d-%H%M%S')}"
            try:
                os.rename(folder, moved)
            except OSError as error:
                raise UserError(f"cannot move the earlier run in {folder} aside to {moved} "
                                f"({error.strerror or error}); it is left as it was") from None
            print(f"Moved the earlier run to {moved}")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create the run folder {folder} ({error.strerror})") from None
        remove_torn_writes(folder)
        yield
    finally:
        lock.release()


def remove_torn_writes(folder: str) -> None:
    """Delete the temporary files of saves a killed process never finished (``atomic_path``'s ``.name.*.tmp.ext``).

    Called with the folder's lock held: no live run is writing them.
    """
    for root, _, names in os.walk(folder):
        for name in names:
            if name.startswith(".") and ".tmp" in name:
                try:
                    os.remove(os.path.join(root, name))
                except OSError:
                    pass


@contextlib.contextmanager
def atomic_path(path: str, sync: bool = False) -> Iterator[str]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    The temporary name keeps the suffix (``.keras``, ``.h5``, ``.png``...) because
    several writers choose their format from it. On an exception the temporary file
    is removed and ``path`` is left as it was. ``sync``: the file's bytes reach the disk
    before the rename (a checkpoint survives a power cut, not only a killed process).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    base, suffix = os.path.splitext(os.path.basename(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=f".tmp{suffix}", dir=directory)
    os.close(fd)
    os.remove(tmp)  # writers such as Keras refuse to overwrite without asking
    try:
        yield tmp
        if sync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
