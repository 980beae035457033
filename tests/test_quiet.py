"""A quiet start: a script shows only the project's lines unless asked for TensorFlow's (--verbose)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from fn_framework.run import quiet
from fn_framework.run.quiet import NOISE, import_tensorflow, wants_verbose
from tests.conftest import ROOT

#: What TensorFlow prints on a CPU machine when it loads (and at its first op), one pattern per line.
TF_LINES = re.compile(r"oneDNN custom operations|Could not find cuda drivers|failed call to cuInit|"
                      r"absl::InitializeLog|cpu_feature_guard|rebuild TensorFlow")


def test_a_training_run_prints_no_tensorflow_noise_unless_verbose(script, tmp_path):
    quiet_run = script("policy_gradient_agent.py", "--episodes", "2", "--seed", "1", "--log-dir", str(tmp_path / "q"))
    assert quiet_run.returncode == 0, quiet_run.stderr[-2000:]
    assert quiet_run.stderr == ""
    verbose = script("policy_gradient_agent.py", "--episodes", "2", "--seed", "1", "--verbose",
                     "--log-dir", str(tmp_path / "v"))
    assert verbose.returncode == 0
    shown = set(TF_LINES.findall(verbose.stderr))  # what this TensorFlow prints: the lines the quiet run hid
    assert {"oneDNN custom operations", "Could not find cuda drivers"} <= shown, verbose.stderr  # at import
    assert quiet_run.stdout.splitlines()[-1] == verbose.stdout.splitlines()[-1].replace("/v", "/q")


def test_help_loads_no_tensorflow_and_prints_nothing_on_stderr(script):
    result = script("dqn_agent.py", "--help")
    assert result.returncode == 0 and result.stderr == ""
    assert "--verbose" in result.stdout and "--plot-model" in result.stdout


def fake_tensorflow(tmp_path, body: str) -> dict[str, str]:
    """A ``tensorflow`` package that writes C++-style lines to fd 2 and then ``body``: the env to import it."""
    package = tmp_path / "tensorflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "import os, sys\n"
        "os.write(2, b'I0000 00:00:1796509852.765339   27198 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        + body)
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))


def import_it(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from fn_framework.run.quiet import import_tensorflow; import_tensorflow(); print('imported')", *argv],
                          capture_output=True, text=True, env=env, timeout=60)


def test_what_is_not_noise_still_shows_a_traceback_a_warning_and_a_fatal_line(tmp_path):
    env = fake_tensorflow(tmp_path / "raise", "import warnings\nwarnings.warn('numpy too new')\n"
                                              "raise ImportError('protobuf too old')\n")
    broken = import_it(env)
    assert broken.returncode == 1 and "oneDNN" not in broken.stderr and "absl" not in broken.stderr
    assert "UserWarning: numpy too new" in broken.stderr
    assert broken.stderr.rstrip().endswith("ImportError: protobuf too old")
    # A fatal C++ error kills the process in the import: the filter process still writes its line.
    env = fake_tensorflow(tmp_path / "abort", "os.write(2, b'F0000 00:00:1.3   1 cpu_feature_guard.cc:1] "
                                              "compiled to use AVX, not on this machine\\n')\nos.abort()\n")
    fatal = import_it(env)
    assert fatal.returncode != 0 and "oneDNN" not in fatal.stderr
    assert "cpu_feature_guard.cc:1] compiled to use AVX, not on this machine" in fatal.stderr
    loud = import_it(dict(env, BABY_STEPS_VERBOSE="1"))
    assert "oneDNN custom operations are on" in loud.stderr


def test_the_import_filter_passes_fd_2_on_in_order(tmp_path):
    env = fake_tensorflow(tmp_path, "print('python line', file=sys.stderr, flush=True)\n"
                                    "os.write(2, b'E0000 00:00:1.2   1 cuda_platform.cc:52] failed call to cuInit\\n')\n"
                                    "os.write(2, b'a C++ line of its own\\n')\n")
    result = import_it(env)
    assert result.returncode == 0 and result.stdout == "imported\n"
    assert result.stderr == "python line\na C++ line of its own\n"
    assert import_it(env, "--verbose").stderr.count("\n") == 5  # sys.argv's --verbose: every line


def test_verbose_takes_back_only_the_log_level_a_quiet_parent_chose(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv(quiet._OURS, "3")  # as a quiet pytest process hands it to a script
    monkeypatch.setenv("BABY_STEPS_VERBOSE", "1")
    import_tensorflow([])
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ and quiet._OURS not in os.environ
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")  # the user's own
    import_tensorflow(["--verbose"])
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


def test_importing_the_framework_changes_nothing_global():
    code = ("import os, sys; import fn_framework, fn_framework.run.cli, agents.dqn; "
            "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'), [type(f).__module__ for f in sys.meta_path])")
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", quiet._OURS)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    level, finders = result.stdout.split(" ", 1)
    assert level == "None" and "fn_framework" not in finders, result.stdout
    assert "oneDNN custom operations" in result.stderr  # TensorFlow prints itself as it does


def test_only_tensorflows_log_lines_are_filtered():
    assert NOISE.match("I0000 00:00:1796509852.765339   27198 port.cc:153] oneDNN custom operations are on.")
    assert NOISE.match("E0000 00:00:1796509854.308125   21398 cuda_platform.cc:52] failed call to cuInit: ...")
    assert not NOISE.match("F0000 00:00:1796509854.308125   21398 cpu_feature_guard.cc:52] fatal")
    assert not NOISE.match("Traceback (most recent call last):")
    assert not NOISE.match("error: argument --gamma: must be between 0 and 1, got 2 (see --help)")
    assert wants_verbose(["--verbose"], {}) and wants_verbose([], {"BABY_STEPS_VERBOSE": "1"})
    assert not wants_verbose(["--", "--verbose"], {}) and not wants_verbose([], {"BABY_STEPS_VERBOSE": "0"})
