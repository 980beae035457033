"""A quiet start: TensorFlow's C++ start-up lines are hidden unless asked for.

On a CPU machine ``import tensorflow`` prints about seven lines before a script's first one
(absl's "log messages before absl::InitializeLog()", ``oneDNN custom operations are on``,
``Could not find cuda drivers``, twice, as two libraries load) and the first op adds ``failed
call to cuInit``. ``TF_CPP_MIN_LOG_LEVEL`` hides only the later ones: the import-time lines are
written by the libraries' static initialisers, before TensorFlow reads its settings. So

* ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3 (``os.environ.setdefault``: a user's own value wins);
  ``TF_ENABLE_ONEDNN_OPTS`` is left as it is: only the log line goes;
* ``import tensorflow`` runs with file descriptor 2 sent to a temporary file; what it wrote is
  written back to stderr without the C++ log lines (a Python warning or a traceback still shows);
* Python's absl logger (``WARNING:absl:...``) is set to errors only once TensorFlow has loaded.

``--verbose`` on the command line or ``BABY_STEPS_VERBOSE=1`` keeps all of TensorFlow's lines.
``fn_framework/__init__.py`` calls :func:`quiet_start` first, so every script (each imports
``fn_framework`` before TensorFlow) and every notebook that imports the project starts quiet.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

VERBOSE_ENV = "BABY_STEPS_VERBOSE"
#: Set beside TF_CPP_MIN_LOG_LEVEL when we chose it, so that a verbose child process can take it back.
_OURS = "BABY_STEPS_TF_LOG_LEVEL"
QUIET_LEVEL = "3"  # 2 still lets "failed call to cuInit" (an ERROR line) through
#: The C++ log lines (glog style ``I0000 00:00:... file.cc:153] ...``, absl's pre-init notice) and the second
#: line of cpu_feature_guard's message.
NOISE = re.compile(r"^([IWE]\d{4} \d\d:\d\d:\S+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::InitializeLog"
                   r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags)")


def wants_verbose(argv: Optional[Sequence[str]] = None, environ: Optional[dict[str, str]] = None) -> bool:
    """``--verbose`` among the arguments (before ``--``) or ``BABY_STEPS_VERBOSE`` set to a true value."""
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    args = list(argv)[:list(argv).index("--")] if "--" in argv else list(argv)
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
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
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
        try:
            import absl.logging

            absl.logging.set_verbosity(absl.logging.ERROR)
        except ImportError:  # pragma: no cover - absl comes with TensorFlow
            pass


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Send fd 2 to a temporary file for the block, then write back what it got, less :data:`NOISE`.

    At the file-descriptor level, because the lines come from C++ (``sys.stderr`` never sees them).
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not NOISE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
