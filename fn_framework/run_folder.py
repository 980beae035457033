"""The run folder: one live run at a time, and no earlier run overwritten without being asked."""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

from fn_framework.errors import UserError

LOCK_FILE = "run.lock"


def holds_run(folder: str) -> bool:
    """Whether ``folder`` holds a run: its monitor rows or its checkpoint."""
    return os.path.exists(os.path.join(folder, "monitor.csv")) or os.path.exists(os.path.join(folder, "run_state"))


@contextlib.contextmanager
def run_folder(folder: str, resume: bool, fresh: bool) -> Iterator[None]:
    """Claim the run folder for one live run; never overwrite an earlier run without being asked.

    A new run into a folder that holds one is refused (``--resume`` continues it; ``--fresh``
    moves it aside to ``<folder>.<time>`` and starts anew). A lock file refuses a second live
    run in the same folder; it is removed on every exit, and a lock left by a dead process
    is taken over.
    """
    import time

    if holds_run(folder) and not resume:
        if not fresh:
            raise UserError(f"{folder} holds a run already: continue it with --resume, or start afresh with "
                            "--fresh (the old run is moved aside, not deleted)")
        moved = f"{folder}.{time.strftime('%Y%m%d-%H%M%S')}"
        os.rename(folder, moved)
        print(f"Moved the earlier run to {moved}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create the run folder {folder} ({error.strerror})") from None
    lock = os.path.join(folder, LOCK_FILE)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if _alive(lock):
                raise UserError(f"another run is writing to {folder} now ({lock}); wait for it, "
                                "or give this one another --log-dir") from None
            os.remove(lock)  # left by a run that died
    else:
        raise UserError(f"cannot take the lock {lock}")
    try:
        os.write(fd, str(os.getpid()).encode())
    except OSError as error:  # a full disk: nothing of the run is touched yet
        os.close(fd)
        os.remove(lock)
        raise UserError(f"cannot write to {folder} ({error.strerror}); the run there is left as it was") from None
    os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.remove(lock)


def _alive(lock: str) -> bool:
    try:
        with open(lock) as f:
            pid = int(f.read().strip() or 0)
        if pid <= 0:
            return False
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True  # unreadable or someone else's process: do not take it over
