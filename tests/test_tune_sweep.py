"""The Ray Tune runner: a 2-trial sweep gives the sequential benchmark's per-seed results, locally and on a
two-node cluster whose worker has no clone; failed trials and bad search spaces are reported, not tracebacks."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_benchmarks import run_benchmark

pytest.importorskip("ray.tune", reason="Ray Tune is optional: pip install -r requirements-ray.txt")

ARGS = ["--agent", "policy_gradient", "--preset", "best", "--seeds", "1", "2", "--cap-steps", "3000",
        "--eval-every", "1000", "--eval-episodes", "2"]


def test_a_two_seed_sweep_matches_the_sequential_run(tmp_path):
    swept = run_benchmark("tune_sweep.py", "--task", "cartpole", *ARGS, "--cpus", "2", "--storage", str(tmp_path / "ray"))
    sequential = run_benchmark("cartpole_solve.py", *ARGS, "--log-dir", str(tmp_path / "seq"))

    def key(rows):
        return sorted((r["seed"], r["steps"], r["evals"], r["best_eval"]) for r in rows)

    assert len(swept["results"]) == 2 and key(swept["results"]) == key(sequential["results"])
    assert all(r["steps"] == 3000 and r["evals"] == 3 for r in swept["results"])
    assert swept["summary"][0]["runs"] == 2 and swept["wall_s"] > 0
    for row in swept["results"]:  # each trial's logs came back in its last report, unpacked beside the experiment
        assert row["logs"].startswith(str(tmp_path / "ray" / "logs"))
        assert list(Path(row["logs"]).glob(f"policy_gradient_*_{row['seed']}/*/monitor.csv"))


def test_search_spaces_are_read_from_the_command_line():
    from benchmarks.tune_sweep import parse_search

    space = parse_search(["train_freq=choice:2,4", "learning_rate=loguniform:1e-4:1e-3", "double=choice:true,false"])
    assert space["train_freq"].categories == [2, 4] and space["double"].categories == [True, False]
    assert (space["learning_rate"].lower, space["learning_rate"].upper) == (1e-4, 1e-3)
    with pytest.raises(SystemExit):
        parse_search(["gamma=normal:0:1"])


def test_each_drawn_setting_runs_with_every_seed():
    """Tune draws a grid's random fields per grid point: the settings are drawn once, then crossed with the seeds."""
    from ray.tune.search.variant_generator import generate_variants

    from benchmarks.tune_sweep import parse_search, trial_grid

    space = parse_search(["learning_rate=loguniform:1e-4:1e-2", "n_envs=choice:4,8,16"])
    grid = trial_grid(space, 3, [1, 2, 3, 4])
    trials = [config for _, config in generate_variants(grid)]
    assert len(trials) == 12
    settings = {json.dumps(t["sample"], sort_keys=True) for t in trials}
    assert len(settings) == 3  # three settings, not twelve
    for drawn in settings:
        assert sorted(t["seed"] for t in trials if json.dumps(t["sample"], sort_keys=True) == drawn) == [1, 2, 3, 4]
    assert all(type(t["sample"]["n_envs"]) is int and 1e-4 <= t["sample"]["learning_rate"] <= 1e-2 for t in trials)
    assert trial_grid(space, 3, [1]) == trial_grid(space, 3, [1])  # the same sweep draws the same settings


def test_failed_and_stopped_trials_are_reported_with_their_error():
    from types import SimpleNamespace

    from benchmarks.tune_sweep import gather

    ok = SimpleNamespace(error=None, metrics={"row": json.dumps({"seed": 1, "steps": 3000})}, config={"seed": 1})
    failed = SimpleNamespace(error=RuntimeError("Traceback ...\nValueError: the env died"), metrics={},
                             config={"seed": 2, "learning_rate": 0.5})
    stopped = SimpleNamespace(error=None, metrics={"mean_return": 9.0}, config={"seed": 3, "learning_rate": 0.1})
    rows, bad = gather([ok, failed, stopped], ["learning_rate"], "stopped by Ctrl-C", "")
    assert rows == [{"seed": 1, "steps": 3000}]
    assert bad == [{"trial": {"seed": 2, "learning_rate": 0.5}, "status": "failed", "error": "ValueError: the env died"},
                   {"trial": {"seed": 3, "learning_rate": 0.1}, "status": "stopped", "error": "stopped by Ctrl-C"}]
    # a trial killed before its first report: its Result has no config; Tune's trial list has it
    died = SimpleNamespace(error=RuntimeError("The actor died unexpectedly"), metrics={}, config=None)
    _, [bad] = gather([ok, died], ["learning_rate"], "", "", [{"seed": 1}, {"seed": 4, "learning_rate": 0.2}])
    assert bad["trial"] == {"seed": 4, "learning_rate": 0.2} and bad["error"] == "The actor died unexpectedly"
    drawn = SimpleNamespace(error=RuntimeError("x"), metrics={}, config={"seed": 5, "sample": {"learning_rate": 0.3}})
    _, [bad] = gather([drawn], ["learning_rate"], "", "")
    assert bad["trial"] == {"seed": 5, "learning_rate": 0.3}  # a drawn setting is listed as its field


def test_searched_fields_and_values_are_checked_before_ray_starts(tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", "--agent",
                             "policy_gradient", "--search", "learning_rate=choice:-1,0.01"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == ("error: policy_gradient: --search: learning_rate must be greater than 0, "
                                     "not -1.0")


def _trial_processes(driver: int) -> list[int]:
    """The pids of the trials (Ray's ``ray::ImplicitFunc`` workers) under the local Ray of the sweep ``driver``."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    def under(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == driver:
                return True
        return False
    trials = []
    for pid in parents:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::ImplicitFunc") and under(pid):
                trials.append(pid)
    return trials


def test_trials_whose_workers_die_go_on_from_their_checkpoints_to_the_same_rows(tmp_path):
    """SIGKILL to every trial's worker once each has reported a checkpoint: Tune starts them again
    (``FailureConfig``), each from its last checkpoint, and the sweep ends with the rows of runs never killed."""
    args = [*ARGS[:ARGS.index("--cap-steps")], "--cap-steps", "6000", "--eval-every", "1000", "--eval-episodes", "2"]
    sweep = subprocess.Popen([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", *args, "--cpus", "2",
                              "--storage", str(tmp_path / "ray")], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline, killed = time.time() + 180, []
    while not killed and time.time() < deadline and sweep.poll() is None:
        reported = {path.parent.name for path in (tmp_path / "ray").glob("sweep/*/checkpoint_000000")}
        trials = _trial_processes(sweep.pid)
        if len(reported) == 2 and trials:  # both trials are past their first evaluation's checkpoint
            for pid in trials:
                os.kill(pid, signal.SIGKILL)  # as the OOM killer or a lost node would
            killed = trials
        time.sleep(0.05)
    assert killed, "no trial reported a checkpoint while running"
    out, err = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, err[-3000:]
    # Ray's raylet may still say after the results that a worker died: the JSON line is the last of the sweep's own
    result = json.loads([line for line in out.splitlines() if line.startswith('{"results"')][-1])
    assert result["failed"] == [] and any(row["resumed"] for row in result["results"]), result
    sequential = run_benchmark("cartpole_solve.py", *args, "--log-dir", str(tmp_path / "seq"))

    def key(rows):
        return sorted((r["seed"], r["steps"], r["evals"], r["best_eval"], r["solved"]) for r in rows)

    assert key(result["results"]) == key(sequential["results"])


def test_an_interrupted_sweep_goes_on_with_restore_and_runs_only_what_was_left(tmp_path):
    """Ctrl-C to the driver once one trial has finished; ``--restore`` keeps that trial as it was (its results
    file untouched) and runs the others: every seed's row as in the sequential run."""
    args = [*ARGS[:ARGS.index("--seeds")], "--seeds", "1", "2", "3", "--cap-steps", "3000", "--eval-every", "1000",
            "--eval-episodes", "2"]
    command = [sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", *args, "--cpus", "1",
               "--storage", str(tmp_path / "ray")]
    sweep = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, finished = time.time() + 240, []
    while not finished and time.time() < deadline and sweep.poll() is None:
        finished = [p for p in (tmp_path / "ray").glob("sweep/*/result.json") if '"row"' in p.read_text()]
        time.sleep(0.1)
    assert finished, "no trial finished"
    sweep.send_signal(signal.SIGINT)
    out, err = sweep.communicate(timeout=180)
    assert sweep.returncode == 130 and "--restore" in err, err[-3000:]
    kept = {p: p.read_text() for p in finished}
    restored = subprocess.run([*command, "--restore"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr[-3000:]
    result = json.loads([line for line in restored.stdout.splitlines() if line.startswith('{"results"')][-1])
    assert all(p.read_text() == text for p, text in kept.items())  # a finished trial is not run again
    sequential = run_benchmark("cartpole_solve.py", *args, "--log-dir", str(tmp_path / "seq"))

    def key(rows):
        return sorted((r["seed"], r["steps"], r["evals"], r["best_eval"]) for r in rows)

    assert result["failed"] == [] and key(result["results"]) == key(sequential["results"])


def test_an_address_where_nothing_answers_is_one_line_within_seconds(tmp_path):
    port = _free_port()  # nothing listens there
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}", "nohost"):
        start = time.time()
        result = subprocess.run([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", "--agent", "ppo",
                                 "--address", address, "--storage", str(tmp_path)], cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode != 0 and result.stderr.startswith(f"error: --address {address}"), result.stderr
        assert result.stderr.count("\n") == 1 and time.time() - start < 60


def test_restore_needs_the_sweeps_storage(tmp_path):
    for flags, said in ((["--restore"], "--restore goes on with a sweep kept in --storage"),
                        (["--restore", "--storage", str(tmp_path)], "no sweep to go on with in")):
        result = subprocess.run([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", "--agent", "ppo",
                                 *flags], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode != 0 and result.stderr.startswith("error: ") and said in result.stderr, result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _why_the_checkout_cannot_be_hidden(unshare: list[str]) -> str:
    """Why this machine does not let a process hide a folder in its own mount namespace ('' when it does)."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run([*unshare, "sh", "-c", f"mount --make-rprivate / && mount -t tmpfs tmpfs {ROOT} && "
                            f"test ! -e {ROOT}/fn_framework"], capture_output=True, text=True, timeout=60)
    return "" if probe.returncode == 0 else f"{' '.join(unshare)} + mount: {' '.join(probe.stderr.split())}"


def test_a_sweep_runs_on_a_two_node_cluster_whose_worker_has_no_clone(tmp_path):
    """A head node, and a worker node in a mount namespace where the checkout is a tmpfs (only the venv shows).

    Skipped where the machine does not permit the namespace (a container without CAP_SYS_ADMIN, a kernel or
    AppArmor that refuses unprivileged user namespaces): that says nothing of Ray. Where it is permitted, a
    cluster that does not come up, or a sweep that does not run on it, fails the test.
    """
    unshare = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    why = _why_the_checkout_cannot_be_hidden(unshare)
    if why:
        pytest.skip(f"cannot hide the checkout from a second node here: {why}")
    ray = os.path.join(os.path.dirname(sys.executable), "ray")
    port, temp = _free_port(), tempfile.mkdtemp(prefix="rt_", dir="/tmp")
    common = ["--num-cpus", "1", "--disable-usage-stats", f"--temp-dir={temp}", "--node-ip-address=127.0.0.1"]
    venv = sys.prefix if sys.prefix.startswith(str(ROOT) + os.sep) else ""
    hide = "; ".join([
        "set -e", "mount --make-rprivate /",
        *([f"mkdir -p {temp}/venv", f"mount --bind {venv} {temp}/venv"] if venv else []),
        f"mount -t tmpfs tmpfs {ROOT}",
        *([f"mkdir -p {venv}", f"mount --bind {temp}/venv {venv}"] if venv else []),
        f"mount -t tmpfs tmpfs {tmp_path}",  # nor the driver's storage: nothing is shared but Ray itself
        f"test ! -e {ROOT}/fn_framework", f"test ! -e {tmp_path}/head_only",
        f"exec {ray} start --address=127.0.0.1:{port} {' '.join(common)} --block",
    ])
    (tmp_path / "head_only").touch()
    env = dict(os.environ, RAY_ADDRESS="", RAY_AUTH_MODE="disabled")  # a private test cluster: no token
    nodes: list[subprocess.Popen] = []

    def wait_for(count: int) -> None:
        deadline, status = time.time() + 90, ""
        while time.time() < deadline:
            status = subprocess.run([ray, "status", f"--address=127.0.0.1:{port}"], capture_output=True, text=True,
                                    timeout=60, env=env).stdout
            if len(re.findall(r"^\s*1 node_", status, re.M)) >= count:
                return
            for node in nodes:
                assert node.poll() is None, node.stdout.read()[-3000:]
            time.sleep(2)
        raise AssertionError(f"{count} nodes never joined: {status}")

    try:  # each node in its own process group, stopped by it: other Ray runs on this machine are left alone
        nodes.append(subprocess.Popen([ray, "start", "--head", f"--port={port}", "--include-dashboard=false",
                                       *common, "--block"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, start_new_session=True, env=env))
        wait_for(1)
        nodes.append(subprocess.Popen([*unshare, "bash", "-c", hide], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env))
        wait_for(2)
        swept = run_benchmark("tune_sweep.py", "--task", "cartpole", *ARGS, "--address", f"127.0.0.1:{port}",
                              "--storage", str(tmp_path / "storage"), env=env)
    finally:
        for node in reversed(nodes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGTERM)
            try:
                node.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
    rows = swept["results"]
    assert sorted(r["seed"] for r in rows) == [1, 2] and all(r["steps"] == 3000 and r["evals"] == 3 for r in rows)
    assert len({r["node"] for r in rows}) == 2, json.dumps(swept)[-3000:]  # one trial on each node
    assert sorted(r["checkout_seen"] for r in rows) == [False, True]  # the worker's trial ran without a clone
    assert all(not r["code"].startswith(str(ROOT)) for r in rows)  # both ran the job's copy of the code
    assert swept["failed"] == []
    for row in rows:  # the worker's logs too came back to the driver's machine
        assert list(Path(row["logs"]).glob("*/*/monitor.csv")) and row["logs"].startswith(str(tmp_path / "storage"))


def test_ctrl_c_stops_the_sweep_and_prints_what_finished(tmp_path):
    sweep = subprocess.Popen([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", "--agent",
                              "value_function", "--seeds", "1", "2", "--cap-steps", "40000", "--cpus", "2",
                              "--storage", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob("sweep/*/result.json")):
        time.sleep(1)  # until the trials have reported (they run for about a minute)
    sweep.send_signal(signal.SIGINT)
    out, err = sweep.communicate(timeout=180)
    assert sweep.returncode == 130, err[-2000:]
    assert "Sweep interrupted: the trials above finished; the rest were stopped (the same command with --restore" in err
    assert "Traceback" not in err
    result = json.loads(out.strip().splitlines()[-1])
    assert {f["status"] for f in result["failed"]} == {"stopped"} and len(result["failed"]) + len(result["results"]) == 2


@pytest.mark.parametrize("flags, said", [
    (["--agent", "nosuch"], "--agent 'nosuch' is not one of"),
    (["--agent", "ppo", "--preset", "nosuch"], "no preset 'nosuch'"),
    (["--agent", "ppo", "--seeds", "-1"], "--seeds must be between 0 and 2**32 - 1, got -1"),
    (["--agent", "ppo", "--samples", "0"], "--samples must be 1 or more, got 0"),
    (["--agent", "ppo", "--cpus", "-1"], "--cpus must be 0 (all of them) or more, got -1"),
    (["--agent", "ppo", "--search", "learning_rate=loguniform:0:1e-3"], "loguniform needs a lower bound above 0"),
    (["--agent", "ppo", "--search", "n_epochs=randint:3:3"], "the lower bound must be below the upper one"),
    (["--agent", "ppo", "--seeds", "1", "1005", "--search", "n_epochs=choice:5,10"],
     "--seeds 1005 is a reporting seed: a sweep that tunes"),
])
def test_the_sweeps_front_door_refuses_in_one_line_before_ray_starts(flags, said, tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", *flags,
                             "--storage", str(tmp_path / "sweep")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and said in result.stderr, result.stderr[-2000:]
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: ")  # one line, no traceback


def test_a_storage_that_cannot_be_made_is_one_line(tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("a file where the storage folder's parent should be")
    result = subprocess.run([sys.executable, "benchmarks/tune_sweep.py", "--task", "cartpole", "--agent", "ppo",
                             "--storage", str(blocked / "sweep")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stderr[-2000:]
    assert result.stderr.startswith("error: --storage") and "cannot create it (Not a directory)" in result.stderr
