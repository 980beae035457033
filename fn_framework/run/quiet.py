"""A quiet start for the command-line entry points: TensorFlow's start-up lines hidden unless asked for.

On a CPU machine ``import tensorflow`` prints seven lines before a script's first one (absl's
"log messages before absl::InitializeLog()", ``oneDNN custom operations are on``, ``Could not
find cuda drivers``, twice, as two libraries load, and cpu_feature_guard's two) and the first op
adds ``failed call to cuInit``. TensorFlow's own setting, ``TF_CPP_MIN_LOG_LEVEL=3``, hides the
cpu_feature_guard and cuInit lines but not the others: absl writes them before logging is set up,
whatever the level. So an entry point calls :func:`import_tensorflow`, which

* sets ``TF_CPP_MIN_LOG_LEVEL`` to 3 unless the user set it (only a fatal error shows);
* runs ``import tensorflow`` with file descriptor 2 sent through a small filter process that
  drops the C++ log lines (``I0000 ...] text``) and passes everything else on as it comes: a
  Python warning, a traceback, and a fatal C++ error (``F0000 ...``) that aborts the process
  (a separate process still has the line when this one dies);
* sets Python's absl logger (``WARNING:absl:...``) to errors only.

``--verbose`` on the command line or ``BABY_STEPS_VERBOSE=1`` keeps all of TensorFlow's lines.
Importing ``fn_framework`` changes nothing: a notebook or a program that imports the framework
sees TensorFlow as TensorFlow prints itself.
"""
from __future__ import annotations

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


def import_tensorflow(argv: Optional[Sequence[str]] = None) -> Any:
    """``import tensorflow`` for a command-line entry point, its start-up lines hidden unless verbose.

    Nothing happens on importing the framework: each entry point (``fn_framework.run.cli``, the
    nn_tutorial scripts, the notebook renderer) calls this before anything loads TensorFlow.
    """
    if wants_verbose(argv):
        if os.environ.get(_OURS) is not None and os.environ.get("TF_CPP_MIN_LOG_LEVEL") == os.environ[_OURS]:
            del os.environ["TF_CPP_MIN_LOG_LEVEL"]  # a quiet parent's choice, not the user's
        os.environ.pop(_OURS, None)
        import tensorflow

        return tensorflow
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:  # TensorFlow's own setting; a user's value wins
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = os.environ[_OURS] = QUIET_LEVEL
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with filtered_stderr():  # what TF_CPP_MIN_LOG_LEVEL cannot hide: absl's lines before its logging is set up
        import tensorflow
    import absl.logging  # comes with TensorFlow

    absl.logging.set_verbosity(absl.logging.ERROR)
    return tensorflow


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
