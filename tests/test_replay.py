"""DQN's compact replay memory: each frame stored once as uint8, stacks rebuilt exactly, batches sampled."""
from __future__ import annotations

import pickle

import keras
import numpy as np

from agents.dqn import DeepQNetworkAgent
from agents.replay import ReplayMemory
from fn_framework import Experience


def _stack(frames: list[np.ndarray]) -> np.ndarray:
    return np.stack(frames, axis=-1)  # uint8, as CatcherObserver stacks them


def _episodes(lengths: list[int], k: int = 4, size: int = 6) -> list[Experience]:
    """Transitions as CatcherObserver makes them: reset fill, newest frame last."""
    rng = np.random.default_rng(1)
    out = []
    for length in lengths:
        frames = [rng.integers(0, 256, (size, size), dtype=np.uint8)] * k
        s = _stack(frames)
        for t in range(length):
            frames = frames[1:] + [rng.integers(0, 256, (size, size), dtype=np.uint8)]
            n_s = _stack(frames)
            out.append(Experience(s, t % 3, float(t), n_s, t == length - 1))
            s = n_s
    return out


def _assert_same(memory: ReplayMemory, expected: list[Experience]) -> None:
    assert len(memory) == len(expected)
    for i, e in enumerate(expected):
        got = memory[i]
        assert got.s.dtype == np.asarray(e.s).dtype
        np.testing.assert_array_equal(got.s, e.s)
        np.testing.assert_array_equal(got.n_s, e.n_s)
        assert (got.a, got.r, got.d) == (e.a, e.r, e.d)


def test_replay_stores_each_frame_once_as_uint8_and_rebuilds_stacks() -> None:
    transitions = _episodes([2, 5, 1, 7])  # short episodes: boundaries inside every stack
    memory = ReplayMemory(100, frame_count=4)
    for e in transitions:
        memory.append(e)
    assert memory._frames.dtype == np.uint8
    assert memory._frames_written == len(transitions) + 4  # one per step + one per reset fill
    _assert_same(memory, transitions)
    # frames + 2 x 4 int64 ids + action (int64) + reward (float32) + done per transition
    assert memory.nbytes == memory.frame_capacity * 36 + 100 * (8 * 4 * 2 + 8 + 4 + 1)


def test_samples_are_the_stored_frames_and_the_network_alone_divides_by_255() -> None:
    transitions = _episodes([9, 12, 15], size=8)
    memory = ReplayMemory(100, frame_count=4)
    for e in transitions:
        memory.append(e)
    batch = memory.sample(8)
    assert batch.s.dtype == np.uint8 and batch.s.shape == (8, 8, 8, 4)

    keras.utils.set_random_seed(0)
    agent = DeepQNetworkAgent(0.0, [0, 1, 2])
    agent.initialize(transitions, keras.optimizers.Adam(learning_rate=1e-3, clipvalue=1.0))
    rescaling, *rest = agent.model.layers
    assert isinstance(rescaling, keras.layers.Rescaling) and agent.model.inputs[0].dtype == "uint8"
    float_twin = keras.Sequential([keras.Input((8, 8, 4)), *rest])  # the same layers, fed the book's k / 255
    frames = batch.s
    np.testing.assert_allclose(agent.estimate_batch(list(frames)),
                               float_twin(frames.astype(np.float32) / np.float32(255.0)).numpy(), rtol=1e-5, atol=1e-6)
    loss = agent.update(batch, 0.99)  # the compiled step takes the frames as stored
    assert np.isfinite(loss) and loss > 0


def test_sampled_stacks_are_contiguous_channels_last_uint8_as_appended() -> None:
    """One layout from the observer to the network: batches are (b, h, w, k) uint8, C-contiguous."""
    transitions = [Experience(e.s, e.a, float(i), e.n_s, e.d) for i, e in enumerate(_episodes([9, 3, 12], size=8))]
    memory = ReplayMemory(100, frame_count=4)
    for e in transitions:
        memory.append(e)
    np.random.seed(0)
    for batch, lead in ((memory.sample(16), (16,)), (memory.sample_batches(16, 3), (3, 16))):
        for states in (batch.s, batch.n_s):
            assert states.shape == (*lead, 8, 8, 4) and states.dtype == np.uint8
            assert states.flags.c_contiguous
        s, n_s = batch.s.reshape(-1, 8, 8, 4), batch.n_s.reshape(-1, 8, 8, 4)
        for row, i in enumerate(batch.r.reshape(-1).astype(int)):
            np.testing.assert_array_equal(s[row], transitions[i].s)
            np.testing.assert_array_equal(n_s[row], transitions[i].n_s)


def test_replay_keeps_the_last_capacity_transitions() -> None:
    transitions = _episodes([30, 25, 40])
    memory = ReplayMemory(32, frame_count=4)
    for e in transitions:
        memory.append(e)
    _assert_same(memory, transitions[-32:])
    batch = memory.sample(32)  # distinct transitions, like random.sample
    assert batch.s.shape == (32, 6, 6, 4) and batch.s.dtype == np.uint8
    assert len({float(r) + 100 * bool(d) for r, d in zip(batch.r, batch.d)}) >= 1
    assert len(np.unique(batch.s.reshape(32, -1), axis=0)) == 32


def test_replay_of_copied_or_unshifted_states_is_still_exact() -> None:
    transitions = _episodes([6])
    odd = Experience(transitions[0].s.copy(), 1, 0.0, transitions[3].s, False)  # n_s is not s shifted
    memory = ReplayMemory(10, frame_count=4)
    for e in [*transitions[:2], odd, Experience(transitions[3].s.copy(), 2, 1.0, transitions[3].n_s, True)]:
        memory.append(e)
    _assert_same(memory, [*transitions[:2], odd, Experience(transitions[3].s, 2, 1.0, transitions[3].n_s, True)])


def test_replay_pickles_only_the_written_frames() -> None:
    transitions = _episodes([5, 3])
    memory = ReplayMemory(1000, frame_count=4)
    for e in transitions:
        memory.append(e)
    data = pickle.dumps(memory)
    assert len(data) < memory.nbytes - memory._frames.nbytes + 5000  # only 10 of the ring's frames
    _assert_same(pickle.loads(data), transitions)


def test_replay_of_cartpole_vectors() -> None:
    rng = np.random.default_rng(2)
    states = rng.normal(size=(6, 1, 4)).astype(np.float32)
    transitions = [Experience(states[i], i % 2, 1.0, states[i + 1], i == 4) for i in range(5)]
    memory = ReplayMemory(50)
    for e in transitions:
        memory.append(e)
    assert memory._frames.dtype == np.float32 and memory._frames.shape[1:] == (1, 4)
    _assert_same(memory, transitions)
    assert memory.sample(5).s.shape == (5, 1, 4)


def test_replay_stores_states_in_their_own_kind() -> None:
    """Float vectors (even ones that look like k/255 values) as float32; uint8 images as uint8."""
    states = np.array([[0.0, 0.0, 1.0, 0.0], [0.1, 0.5, 0.25, 0.3], [0.7, 0.123, 0.0, 1.0]], np.float32)
    transitions = [Experience(states[i], i, 1.0, states[i + 1], i == 1) for i in range(2)]
    memory = ReplayMemory(10)
    for e in transitions:
        memory.append(e)
    assert memory._frames.dtype == np.float32
    _assert_same(memory, transitions)
    single = ReplayMemory(10)  # one (h, w, 1) image per state
    frame = np.arange(36, dtype=np.uint8).reshape(6, 6, 1)
    single.append(Experience(frame, 1, 0.0, frame[::-1].copy(), False))
    assert single._frames.dtype == np.uint8
    np.testing.assert_array_equal(single[0].n_s, frame[::-1])


def test_sample_batches_stacks_distinct_batches() -> None:
    states = np.arange(40, dtype=np.float32).reshape(10, 1, 4)
    memory = ReplayMemory(50)
    for i in range(9):
        memory.append(Experience(states[i], i % 2, float(i), states[i + 1], False))
    np.random.seed(0)
    batch = memory.sample_batches(8, 5)
    assert batch.s.shape == (5, 8, 1, 4) and batch.a.shape == batch.r.shape == (5, 8)
    for row in range(5):
        ids = batch.r[row].astype(int)
        assert len(set(ids)) == 8  # no transition twice within a batch
        np.testing.assert_array_equal(batch.s[row], states[ids])  # each row its own copy
        np.testing.assert_array_equal(batch.n_s[row], states[ids + 1])


def test_sample_batches_of_frame_stacks_are_the_stored_states() -> None:
    frames = np.arange(12 * 9, dtype=np.uint8).reshape(12, 3, 3)
    stack = lambda t: np.stack(frames[t:t + 4], axis=-1)  # noqa: E731 (h, w, 4), the observer's layout
    memory = ReplayMemory(20, frame_count=4)
    for t in range(8):
        memory.append(Experience(stack(t), t % 3, float(t), stack(t + 1), t == 7))
    np.random.seed(1)
    batch = memory.sample_batches(5, 3)
    assert batch.s.shape == batch.n_s.shape == (3, 5, 3, 3, 4) and batch.s.dtype == np.uint8
    for row in range(3):
        for j, t in enumerate(batch.r[row].astype(int)):
            np.testing.assert_array_equal(batch.s[row, j], stack(t))
            np.testing.assert_array_equal(batch.n_s[row, j], stack(t + 1))
            assert batch.a[row, j] == t % 3 and batch.d[row, j] == (t == 7)


def test_batches_from_a_memory_where_draws_repeat_have_distinct_transitions() -> None:
    states = np.arange(301 * 4, dtype=np.float32).reshape(301, 1, 4)
    memory = ReplayMemory(400)
    for i in range(300):
        memory.append(Experience(states[i], 0, float(i), states[i + 1], False))
    np.random.seed(3)
    batch = memory.sample_batches(64, 50)  # 64 of 300: most rows of one randint draw repeat an index
    rows = batch.r.astype(int)
    assert all(len(set(row)) == 64 for row in rows)
    np.testing.assert_array_equal(batch.s[:, :, 0, 0], states[rows][:, :, 0, 0])
    assert len(np.unique(rows)) == 300  # every transition can be drawn


def test_interleaved_env_copies_each_continue_their_own_stack() -> None:
    copies = [_episodes([6, 4], size=5), _episodes([3, 7], size=5), _episodes([10], size=5)]
    for c, transitions in enumerate(copies):  # distinct frames per copy
        copies[c] = [Experience(e.s + c, e.a, e.r, e.n_s + c, e.d) for e in transitions]
    interleaved = [e for step in zip(*copies) for e in step]  # the loop's order: copy 0, 1, 2, 0, ...
    memory = ReplayMemory(100, frame_count=4, copies=3)
    for e in interleaved:
        memory.append(e)
    _assert_same(memory, interleaved)
    # One frame per step and one per reset fill, as for one env: no copy's stack is stored in full again.
    starts = sum(1 for transitions in copies for e in transitions[: len(interleaved) // 3] if e.r == 0.0)
    assert memory._frames_written == len(interleaved) + starts
