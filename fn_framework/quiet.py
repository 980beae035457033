"""A quiet start: TensorFlow's C++ start-up lines are hidden unless asked for.

On a CPU machine ``import tensorflow`` prints seven lines before a script's first one (absl's
"log messages before absl::InitializeLog()", ``oneDNN custom operations are on``, ``Could not
find cuda drivers``, twice, as two libraries load, and cpu_feature_guard's two) and the first op
adds ``failed call to cuInit``. ``TF_CPP_MIN_LOG_LEVEL=3`` hides the cpu_feature_guard and cuInit
lines but not the others: absl writes them before logging is set up, whatever the level. So

* ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3 (a user's own value wins; only a fatal error shows);
* ``import tensorflow`` runs with file descriptor 2 sent through a small filter process that
  drops the C++ log lines (``I0000 ...] text``) and passes everything else on as it comes: a
  Python warning, a traceback, and a fatal C++ error (``F0000 ...``) that aborts the process
  (a separate process still has the line when this one dies);
* Python's absl logger (``WARNING:absl:...``) is set to errors only once TensorFlow has loaded.

``--verbose`` on the command line or ``BABY_STEPS_VERBOSE=1`` keeps all of TensorFlow's lines.
``fn_framework/__init__.py`` calls :func:`quiet_start` first, so every script (each imports
``fn_framework`` before TensorFlow) and every notebook that imports the project starts quiet.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

VERBOSE_ENV = "BABY_STEPS_VERBOSE"
#: Set beside TF_CPP_MIN_LOG_LEVEL when we chose it, so that a verbose child process can take it back.
_OURS = "BABY_STEPS_TF_LOG_LEVEL"
QUIET_LEVEL = "3"  # 2 still lets "failed call to cuInit" (an ERROR line) through
#: TensorFlow's C++ log lines below FATAL (``I0000 00:00:1796.7   27 port.cc:153] ...``), absl's pre-init
#: notice, and the second line of cpu_feature_guard's message.
NOISE = re.compile(r"^([IWE]\d{4} \d\d:\d\d:\S+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::InitializeLog"
                   r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags)")
#: The filter process: stdin's lines to stdout, less NOISE (argv[1]), each as it comes; Ctrl-C is the script's.
_FILTER = ("import re, signal, sys\n"
           "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
           "noise = re.compile(sys.argv[1].encode())\n"
           "for line in sys.stdin.buffer:\n"
           "    if not noise.match(line):\n"
           "        sys.stdout.buffer.write(line)\n"
           "        sys.stdout.buffer.flush()\n")


def wants_verbose(argv: Optional[Sequence[str]] = None, environ: Optional[dict[str, str]] = None) -> bool:
    """``--verbose`` among the arguments (before ``--``) or ``BABY_STEPS_VERBOSE`` set to a true value."""
    args = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if environ is None else environ
    args = args[:args.index("--")] if "--" in args else args
    return "--verbose" in args or environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def quiet_start(argv: Optional[Sequence[str]] = None) -> bool:
    """Hide TensorFlow's start-up lines unless verbose; returns whether the start is quiet.

    Must run before TensorFlow is imported (later it changes nothing of what was printed).
    """
    if wants_verbose(argv):
        if os.environ.get(_OURS) is not None and os.environ.get("TF_CPP_MIN_LOG_LEVEL") == os.environ[_OURS]:
            del os.environ["TF_CPP_MIN_LOG_LEVEL"]  # a quiet parent's choice, not the user's
        os.environ.pop(_OURS, None)
        return False
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = os.environ[_OURS] = QUIET_LEVEL
    if "tensorflow" not in sys.modules and not any(isinstance(f, _QuietImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImport())
    return True


class _QuietImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual but runs its import with the C++ lines filtered out; then steps aside."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)  # the other finders, as if this one was never there
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """The real loader, its ``exec_module`` inside :func:`filtered_stderr`; it hands itself back after."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__loader__ = module.__spec__.loader = self.loader  # what TensorFlow and importlib see later
        with filtered_stderr():
            self.loader.exec_module(module)
        import absl.logging  # comes with TensorFlow

        absl.logging.set_verbosity(absl.logging.ERROR)


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Send fd 2 through the filter process for the block (C++ writes to fd 2; ``sys.stderr`` never sees it)."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a GUI launcher): nothing to filter
        yield
        return
    read_end, write_end = os.pipe()
    try:
        filter_process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _FILTER, NOISE.pattern],
                                          stdin=read_end, stdout=saved, stderr=saved)
    except (OSError, ValueError):  # no Python to start (an embedded interpreter): TensorFlow's lines show
        filter_process = None
    os.close(read_end)
    if filter_process is None:
        for fd in (write_end, saved):
            os.close(fd)
        yield
        return
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the filter sees the end of its input and exits once it has written the rest
        os.close(saved)
        try:
            filter_process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a process started by the import holds the pipe: stop filtering it
            filter_process.kill()
