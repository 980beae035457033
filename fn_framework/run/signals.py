"""Stopping a run at a step boundary on Ctrl-C/SIGTERM, and the progress bar."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, Callable, Iterator


@contextlib.contextmanager
def stop_on_signal(request_stop: Callable[[], bool]) -> Iterator[None]:
    """First Ctrl-C/SIGTERM: ``request_stop()`` (the loop finishes its step and leaves).

    ``request_stop`` returns whether a stop was already requested; then the second signal
    exits at once with status 130. Handlers are only installed in the main thread (Python
    allows no other) and are restored afterwards.
    """
    def handler(signum: int, frame: Any) -> None:
        if request_stop():
            say("\nInterrupted again: exiting now.\n")
            os._exit(130)
        say("\nStopping after this step and saving (press Ctrl-C again to quit at once)...\n")

    with handling(handler):
        yield


def say(message: str) -> None:
    """Write from a signal handler: straight to file descriptor 2, not through ``sys.stderr``.

    Python's buffered streams are not reentrant (the ``io`` docs, "Reentrancy"): a handler that
    writes to ``sys.stderr`` while the main thread is inside a write to it raises RuntimeError
    in the middle of the run. ``os.write`` keeps no such state.
    """
    try:
        os.write(2, message.encode("utf-8", "replace"))
    except OSError:  # stderr closed: nothing to say it on
        pass


@contextlib.contextmanager
def handling(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """``handler`` for Ctrl-C and SIGTERM inside the block, the previous ones after it.

    Only in the main thread: Python allows signal handlers nowhere else.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def progress(total: int, initial: int = 0) -> Any:
    """A tqdm bar over episodes; silent when stderr is not a terminal (CI logs)."""
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="ep", disable=None, dynamic_ncols=True, leave=False)


@contextlib.contextmanager
def protected(what: str) -> Iterator[None]:
    """Let ``what`` (the final saves) finish whatever signals arrive; a signal during it exits 130 after.

    Atomic saves already leave the old file whole; this also keeps a second Ctrl-C from
    cutting a save in half and leaving its temporary file behind.
    """
    received: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        received.append(signum)
        say(f"\nStill {what}: it finishes first, then the run exits.\n")

    with handling(handler):
        yield
    if received:
        sys.exit(130)
