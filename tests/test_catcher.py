"""Catcher-v0 must be the real PLE game: golden traces recorded from PLE replay bit for bit, plus API checks."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import envs  # noqa: F401  (registers Catcher-v0)
from envs.catcher import CatcherEnv

DATA = Path(__file__).parent / "data" / "catcher"
TRACES = sorted(DATA.glob("*.npz"))
HAS_PYGAME = importlib.util.find_spec("pygame") is not None
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # check_env opens a "human" env; keep it off the screen
STATE_KEYS = ("player_x", "player_vel", "fruit_x", "fruit_y", "lives", "score")
MAX_STEPS = 10000


def _sha(obs: np.ndarray) -> bytes:
    return hashlib.sha256(np.ascontiguousarray(obs, dtype=np.uint8).tobytes()).digest()


def _check_row(z: dict, row: int, obs: np.ndarray, info: dict, frames: dict[int, int]) -> None:
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8, row
    if z["obs_defined"][row]:
        assert _sha(obs) == z["obs_sha256"][row].tobytes(), f"observation differs at row {row}"
        if row in frames:
            np.testing.assert_array_equal(obs, z["obs"][frames[row]], err_msg=f"row {row}")
    for key in STATE_KEYS:
        assert info[key] == z[key][row], f"{key} at row {row}: {info[key]!r} != {z[key][row]!r}"


def test_traces_present() -> None:
    assert len(TRACES) >= 10 and (DATA / "index.json").exists()


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_golden_trace(path: Path) -> None:
    """Replay through gymnasium.make so the TimeLimit wrapper is exercised too."""
    z = dict(np.load(path))
    frames = {int(r): j for j, r in enumerate(z["obs_index"])}
    seed = int(z["seed"])
    env = gymnasium.make("Catcher-v0")
    obs, info = env.reset(seed=seed) if seed >= 0 else env.reset()
    _check_row(z, 0, obs, info, frames)
    steps = 0  # steps since the last reset, as TimeLimit counts them
    for t, a in enumerate(z["actions"].tolist()):
        if a == -1:
            obs, info = env.reset()
            reward, terminated, truncated, steps = 0.0, False, False, 0
        else:
            obs, reward, terminated, truncated, info = env.step(a)
            steps += 1
        assert reward == z["rewards"][t] and isinstance(reward, float), t
        assert terminated == z["terminals"][t], t
        assert truncated == (steps == MAX_STEPS), t
        _check_row(z, t + 1, obs, info, frames)
    env.close()


def test_ten_thousand_step_trace_truncates_on_last_step() -> None:
    z = dict(np.load(DATA / "s09_chase10000_seed5.npz"))
    env = gymnasium.make("Catcher-v0")
    env.reset(seed=int(z["seed"]))
    flags = [env.step(a)[3] for a in z["actions"].tolist()]
    assert flags[-1] and not any(flags[:-1]) and len(flags) == MAX_STEPS


def test_check_env_passes_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(CatcherEnv(), skip_render_check=True)  # a bare env has no spec to try other render modes with
        check_env(gymnasium.make("Catcher-v0").unwrapped, skip_render_check=True)
        # The render check also makes a "human" env, which needs the optional pygame.
        check_env(gymnasium.make("Catcher-v0", render_mode="rgb_array").unwrapped, skip_render_check=not HAS_PYGAME)


def test_make_and_spaces() -> None:
    env = gymnasium.make("Catcher-v0")
    assert isinstance(env.unwrapped, CatcherEnv) and env.spec.max_episode_steps == MAX_STEPS
    assert env.observation_space == gymnasium.spaces.Box(0, 255, (64, 64, 3), np.uint8)
    assert env.action_space == gymnasium.spaces.Discrete(3)
    assert CatcherEnv(width=96, height=80).observation_space.shape == (80, 96, 3)
    _, info = env.reset(seed=0)
    assert set(STATE_KEYS) <= set(info)


@pytest.mark.parametrize("bad", [3, -1, 1.5, 1.0, "1", None, np.array([1])])
def test_invalid_action_raises(bad: object) -> None:
    env = CatcherEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"0 \(left\), 1 \(right\) and 2 \(no-op\)"):
        env.step(bad)


@pytest.mark.parametrize("good", [np.int64(1), np.uint8(2), np.array(0), True])
def test_numpy_actions_accepted(good: object) -> None:
    ref, env = CatcherEnv(), CatcherEnv()
    ref.reset(seed=3)
    env.reset(seed=3)
    a, b = ref.step(int(good)), env.step(good)
    assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]


def test_step_before_reset_raises() -> None:
    with pytest.raises(gymnasium.error.ResetNeeded):
        CatcherEnv().step(2)
    with pytest.raises(gymnasium.error.ResetNeeded):
        gymnasium.make("Catcher-v0").step(2)


def _fruits(env: gymnasium.Env, n: int, seed: int | None = None) -> list[tuple[int, int]]:
    """Fruit spawns over n steps of always-left play (which misses nearly everything)."""
    _, info = env.reset(seed=seed)
    seen = [(info["fruit_x"], info["fruit_y"])]
    while len(seen) < n:
        prev_y = info["fruit_y"]
        _, _, terminated, _, info = env.step(0)
        if terminated:
            _, info = env.reset()
        if info["fruit_y"] < prev_y:  # fruit only ever falls, so a jump up is a new spawn
            seen.append((info["fruit_x"], info["fruit_y"]))
    return seen


def test_unseeded_fresh_envs_share_fruit_sequence() -> None:
    a, b = _fruits(CatcherEnv(), 50), _fruits(gymnasium.make("Catcher-v0"), 50)
    assert a == b
    assert a[0] == (12, -8)  # PLE's RandomState(24) after its 4 construction-time draws


def test_reset_with_seed_is_reproducible_and_reset_does_not_reseed() -> None:
    env = CatcherEnv()
    first = _fruits(env, 20, seed=42)
    assert _fruits(CatcherEnv(), 20, seed=42) == first
    assert _fruits(env, 20, seed=42) == first  # re-seeding the same env restarts the stream
    assert _fruits(env, 20) != first  # a plain reset continues the stream
    assert env.np_random is not None


@pytest.mark.skipif(not HAS_PYGAME, reason="human rendering needs pygame")
def test_human_render_runs() -> None:
    env = CatcherEnv(render_mode="human")
    env.reset(seed=0)
    assert env.step(1)[1] == 0.0 and env.render() is None
    env.close()


def test_render_rgb_array_equals_observation() -> None:
    env = gymnasium.make("Catcher-v0", render_mode="rgb_array")
    env.reset(seed=1)
    for a in (0, 1, 2, 1):
        obs = env.step(a)[0]
        assert np.array_equal(env.render(), obs)


def test_observation_not_mutated_by_later_steps() -> None:
    env = CatcherEnv()
    obs0, _ = env.reset(seed=2)
    obs1 = env.step(1)[0]
    kept0, kept1 = obs0.copy(), obs1.copy()
    for _ in range(30):
        env.step(0)
    assert np.array_equal(obs0, kept0) and np.array_equal(obs1, kept1)


def test_copies_continue_identically() -> None:
    for clone in (copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))):
        env = CatcherEnv()
        env.reset(seed=9)
        env.step(1)
        twin = clone(env)
        for a in (0, 0, 2, 1):
            x, y = env.step(a), twin.step(a)
            assert np.array_equal(x[0], y[0]) and x[1:] == y[1:]


def test_pygame_only_for_human_mode() -> None:
    root = Path(__file__).resolve().parents[1]
    code = ("import sys, gymnasium, envs; e = gymnasium.make('Catcher-v0', render_mode='rgb_array'); e.reset(); "
            "e.step(0); e.render(); assert 'pygame' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
    blocked = "import sys, runpy; sys.modules['pygame'] = None; runpy.run_module('envs.catcher', run_name='__main__')"
    out = subprocess.run([sys.executable, "-c", blocked], cwd=root, capture_output=True, text=True)
    assert out.returncode == 1 and "pip install pygame" in out.stdout


def test_quirks_and_clean_options() -> None:
    """Default: stale reset frame and catches left of the drawn paddle; the options give the clean behaviour."""
    env = CatcherEnv()
    assert not env.reset(seed=0)[0].any()  # black first reset frame
    last = env.step(1)[0]
    assert np.array_equal(env.reset()[0], last)  # later resets return the previous frame
    clean = CatcherEnv(fresh_reset_frame=True)
    obs, info = clean.reset(seed=0)
    assert obs[58:61, info["player_x"]:info["player_x"] + 13].all()
    # Fruit drawn entirely left of the paddle (fruit_x = player_x - 7) is caught only by the PLE rule.
    for catch_as_drawn, expected in ((False, 1.0), (True, 0.0)):
        e = CatcherEnv(catch_as_drawn=catch_as_drawn)
        e.reset(seed=0)
        e.player_x, e.fruit_x, e.fruit_y = 30, 23, 58
        assert e.step(2)[1] == expected
