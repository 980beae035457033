"""A quiet start: a script shows only the project's lines unless asked for TensorFlow's (--verbose)."""
from __future__ import annotations

import re

from fn_framework.quiet import NOISE, wants_verbose

#: What TensorFlow prints on a CPU machine when it loads (and at its first op), one pattern per line.
TF_LINES = re.compile(r"oneDNN custom operations|Could not find cuda drivers|failed call to cuInit|"
                      r"absl::InitializeLog|cpu_feature_guard|rebuild TensorFlow")


def test_a_training_run_prints_no_tensorflow_noise_unless_verbose(script, tmp_path):
    quiet = script("policy_gradient_agent.py", "--episodes", "2", "--seed", "1", "--log-dir", str(tmp_path / "q"))
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert not TF_LINES.search(quiet.stderr), quiet.stderr
    assert quiet.stdout.startswith("Training had not begun") or "At episode" in quiet.stdout
    verbose = script("policy_gradient_agent.py", "--episodes", "2", "--seed", "1", "--verbose",
                     "--log-dir", str(tmp_path / "v"))
    assert verbose.returncode == 0
    assert TF_LINES.search(verbose.stderr), "this TensorFlow prints no start-up lines: the quiet test proves nothing"
    env = script("policy_gradient_agent.py", "--episodes", "2", "--log-dir", str(tmp_path / "e"),
                 env={"BABY_STEPS_VERBOSE": "1"})
    assert TF_LINES.search(env.stderr)
    assert quiet.stdout.splitlines()[-1] == verbose.stdout.splitlines()[-1].replace("/v", "/q")


def test_only_tensorflows_log_lines_are_filtered():
    assert NOISE.match("I0000 00:00:1796509852.765339   27198 port.cc:153] oneDNN custom operations are on.")
    assert NOISE.match("E0000 00:00:1796509854.308125   21398 cuda_platform.cc:52] failed call to cuInit: ...")
    assert not NOISE.match("Traceback (most recent call last):")
    assert not NOISE.match("error: argument --gamma: must be between 0 and 1, got 2 (see --help)")
    assert wants_verbose(["--verbose"], {}) and wants_verbose([], {"BABY_STEPS_VERBOSE": "1"})
    assert not wants_verbose(["--", "--verbose"], {}) and not wants_verbose([], {"BABY_STEPS_VERBOSE": "0"})
