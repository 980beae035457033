"""The replay memory of the project: the book's ``deque`` of Experiences, stored compactly.

The book kept ``deque(maxlen=50000)`` of Experiences whose ``s`` and ``n_s`` were float64
``(80, 80, 4)`` stacks (one step's ``n_s`` is the next one's ``s``): every frame four
times over, about 10 GB at 50 000 steps. Here each frame is stored once:

* A ring of *frames*. With ``frame_count > 1`` a frame is one channel of the stacked
  state (the observer puts the oldest frame first, the newest last); with
  ``frame_count == 1`` a frame is the whole state (CartPole's small float vector).
* Per transition, the ids of the frames that make ``s`` and ``n_s``. Inside an episode
  ``s`` is the previous ``n_s`` and ``n_s`` is ``s`` shifted by one frame, so each step
  writes one new frame. A state that starts an episode (the observer's reset fill:
  the first frame repeated) writes each distinct consecutive channel once.
* Several env copies (a vector env's) append their transitions interleaved, copy 0, 1, ...,
  n - 1, 0, ... (``copies``): each transition continues its own copy's previous one.
* Frames are stored as they come: the observers' ``uint8`` image frames as ``uint8`` (the
  network divides by 255), float states (CartPole's and Pendulum's vectors) as float32.
  Samples rebuild stacks in the observer's layout, channels-last ``(h, w, k)``: from the
  observer to the network there is one layout.
* Actions as they come: action ids (int64) or action vectors (float32, a Box action:
  the continuous actor-critic), allocated with the first transition.

Nothing is assumed without being checked: a state that does not continue the previous
transition, or an ``n_s`` that is not ``s`` shifted, is stored in full, so the stacks
read back are always exactly the ones appended. The frame ring holds a few more frames
than transitions (episode starts add frames); should short episodes use them up, the
oldest transitions are dropped early, so ``len`` may stay a little below ``capacity``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from fn_framework import Experience


class ReplayMemory:
    """The last ``capacity`` transitions; ``append`` like a deque, ``sample`` a batch of arrays.

    Args:
        capacity: transitions kept (the book's ``buffer_size``).
        frame_count: frames stacked in the last axis of a state (4 on Catcher, 1 otherwise).
        frame_slack: extra frames in the ring, as a fraction of ``capacity``, for the
            frames that episode starts add (1/16 keeps ``capacity`` transitions as long
            as episodes average 16 steps or more).
        copies: env copies whose transitions come interleaved, one of each in turn (1: the book's one env).
    """

    def __init__(self, capacity: int, frame_count: int = 1, frame_slack: float = 1 / 16, copies: int = 1) -> None:
        self.capacity = int(capacity)
        self.frame_count = int(frame_count)
        self.copies = int(copies)
        # A copy's state reaches back frame_count of its own steps: copies x that many appends.
        margin = (2 * self.frame_count + 2) * self.copies
        self.frame_capacity = self.capacity + int(self.capacity * frame_slack) + margin
        k = self.frame_count
        self._s_ids = np.zeros((self.capacity, k), np.int64)  # global frame ids (slot = id % frame_capacity)
        self._n_ids = np.zeros((self.capacity, k), np.int64)
        self._a: Optional[np.ndarray] = None  # action ids or vectors: allocated on the first append
        self._r = np.zeros(self.capacity, np.float32)
        self._d = np.zeros(self.capacity, np.bool_)
        self._frames: Optional[np.ndarray] = None  # allocated on the first append
        self._written = 0  # transitions ever appended
        self._start = 0  # the oldest live transition
        self._frames_written = 0
        self._last_n_s: list[Any] = [None] * self.copies  # each copy's last n_s and its frame ids
        self._last_n_ids: list[Optional[np.ndarray]] = [None] * self.copies
        self._batch: Optional[tuple[np.ndarray, ...]] = None  # sample()'s reused state arrays

    # deque-like interface ------------------------------------------------------
    def __len__(self) -> int:
        return self._written - self._start

    def __getitem__(self, index: int) -> Experience:
        """The ``index``-th oldest transition (negative counts from the newest)."""
        n = len(self)
        if not -n <= index < n:
            raise IndexError("replay memory index out of range")
        s, a, r, n_s, d = self._gather(np.array([self._start + index % n]))
        action = int(a[0]) if a.ndim == 1 and a.dtype.kind == "i" else a[0]
        return Experience(s[0], action, float(r[0]), n_s[0], bool(d[0]))

    def append(self, e: Experience) -> None:
        """Store one transition; its frames are written once (see the module docstring)."""
        if self._frames is None:
            self._allocate(np.asarray(e.s), np.asarray(e.a))
        copy = self._written % self.copies
        s_ids = self._last_n_ids[copy] if self._continues(e.s, copy) else self._put_stack(e.s)
        n_ids = self._shifted(s_ids, e.s, e.n_s)
        slot = self._written % self.capacity
        self._s_ids[slot] = s_ids
        self._n_ids[slot] = n_ids
        self._a[slot], self._r[slot], self._d[slot] = e.a, e.r, e.d
        self._written += 1
        self._last_n_s[copy], self._last_n_ids[copy] = e.n_s, n_ids
        # Drop transitions beyond capacity, and any whose oldest frame was overwritten.
        self._start = max(self._start, self._written - self.capacity)
        oldest_frame = self._frames_written - self.frame_capacity
        while self._start < self._written and self._s_ids[self._start % self.capacity, 0] < oldest_frame:
            self._start += 1

    def sample(self, batch_size: int) -> Experience:
        """``batch_size`` distinct transitions at random, as one Experience of arrays.

        Like the book's ``random.sample``: no transition twice in a batch (drawn with
        ``np.random``, so ``--seed`` fixes it). The state arrays are reused by the next
        ``sample`` (copy them to keep them): a fresh array of frame stacks per batch costs
        page faults on every new page, more than the sampling itself. Image stacks come back
        as the stored ``uint8`` frames in the observer's layout, channels-last
        ``(batch, h, w, k)`` and C-contiguous: the network's input as it is.
        """
        index = self._draw(batch_size, 1)[0]
        if self._batch is None or len(self._batch[0]) != batch_size:
            self._batch = (self._empty_states(batch_size), self._empty_states(batch_size))
        return Experience(*self._gather(self._start + index, self._batch))

    def sample_batches(self, batch_size: int, count: int) -> Experience:
        """``count`` batches of ``sample``, stacked: arrays of shape ``(count, batch_size, ...)``.

        For several gradient steps in one call (``DeepQNetworkTrainer(gradient_steps=...)``);
        each batch has distinct transitions, as ``sample`` gives; all are drawn and gathered at once.
        Image stacks are channels-last, ``(count, batch_size, h, w, k)``, as ``sample``'s.
        """
        index = self._draw(batch_size, count).reshape(-1)
        return Experience(*(x.reshape(count, batch_size, *x.shape[1:]) for x in self._gather(self._start + index)))

    def _draw(self, batch_size: int, count: int) -> np.ndarray:
        """``count`` rows of ``batch_size`` distinct indices into the memory, drawn with ``np.random``.

        One ``randint`` block for every row. A row that repeats an index (rare with a large
        memory) is drawn again: one row (``sample``) with ``choice`` without replacement, the
        random stream the READMEs' seeded figures were measured with; stacked rows redraw only
        the repeated places (``choice`` shuffles the whole memory, a cost that grows with
        the memory), and take ``choice`` only from a memory under four batches.
        """
        n = len(self)
        if batch_size > n:
            raise ValueError(f"cannot sample {batch_size} transitions from {n}")
        if count > 1 and 4 * batch_size > n:  # a small memory: shuffling it is cheaper than many redraws
            return np.stack([np.random.choice(n, size=batch_size, replace=False) for _ in range(count)])
        rows = np.random.randint(0, n, size=(count, batch_size))
        ordered = np.sort(rows, axis=1)
        for i in np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1)):
            if count == 1:
                rows[i] = np.random.choice(n, size=batch_size, replace=False)
                continue
            row = np.unique(rows[i])
            while len(row) < batch_size:
                row = np.unique(np.concatenate([row, np.random.randint(0, n, size=batch_size - len(row))]))
            rows[i] = row
        return rows

    @property
    def nbytes(self) -> int:
        """Bytes held by the memory's arrays (frames allocated for the whole ring)."""
        arrays = [self._s_ids, self._n_ids, self._r, self._d]
        if self._frames is not None:
            arrays += [self._frames, self._a]
        return int(sum(x.nbytes for x in arrays))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle (checkpoints) only the frame slots written so far, not the empty ring."""
        state = {**self.__dict__, "_batch": None}
        if self._frames is not None:  # a view: joblib writes it without a copy
            state["_frames"] = self._frames[: min(self._frames_written, self.frame_capacity)]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        frames = state["_frames"]
        if frames is not None:
            full = np.zeros((state["frame_capacity"], *frames.shape[1:]), frames.dtype)
            full[: len(frames)] = frames
            state["_frames"] = full
        self.__dict__.update(state)

    # Frames ---------------------------------------------------------------------
    def _allocate(self, state: np.ndarray, action: np.ndarray) -> None:
        frame = state[..., 0] if self.frame_count > 1 else state
        dtype = np.float32 if frame.dtype.kind == "f" else frame.dtype
        # np.zeros maps pages lazily: memory grows as the ring fills.
        self._frames = np.zeros((self.frame_capacity, *frame.shape), dtype)
        discrete = action.dtype.kind in "iub"
        self._a = np.zeros((self.capacity, *action.shape), np.int64 if discrete else np.float32)

    def _put(self, frame: np.ndarray) -> int:
        frame_id = self._frames_written
        self._frames[frame_id % self.frame_capacity] = frame
        self._frames_written += 1
        return frame_id

    def _put_stack(self, state: Any) -> np.ndarray:
        """Write a whole state; equal consecutive channels (the reset fill) share one frame."""
        state = np.asarray(state)
        if self.frame_count == 1:
            return np.array([self._put(state)], np.int64)
        ids = [self._put(state[..., 0])]
        for c in range(1, self.frame_count):
            same = np.array_equal(state[..., c], state[..., c - 1])
            ids.append(ids[-1] if same else self._put(state[..., c]))
        return np.array(ids, np.int64)

    def _continues(self, s: Any, copy: int) -> bool:
        """Is ``s`` the copy's previous ``n_s``? (The trainer passes the same object; copies are compared.)"""
        if self._last_n_ids[copy] is None:
            return False
        return s is self._last_n_s[copy] or np.array_equal(s, self._last_n_s[copy])

    def _shifted(self, s_ids: np.ndarray, s: Any, n_s: Any) -> np.ndarray:
        """``n_s``'s frame ids: ``s`` shifted by one new frame when it is, else stored in full."""
        n_s = np.asarray(n_s)
        if self.frame_count == 1:
            return np.array([self._put(n_s)], np.int64)
        if np.array_equal(n_s[..., :-1], np.asarray(s)[..., 1:]):
            return np.append(s_ids[1:], self._put(n_s[..., -1]))
        return self._put_stack(n_s)

    def _empty_states(self, batch_size: int) -> np.ndarray:
        shape = self._frames.shape[1:] + ((self.frame_count,) if self.frame_count > 1 else ())
        return np.empty((batch_size, *shape), self._frames.dtype)

    def _decode(self, ids: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Rebuild the states of a ``(batch, frame_count)`` array of frame ids (into ``out``).

        Stacked states come back C-contiguous and channels-last, ``(b, h, w, k)``: the
        observer's layout, which the network takes as it is. One gather per channel,
        written into its place in the stack: half the time of a transposing copy of the
        whole ``(b, k, h, w)`` gather.
        """
        slots = ids % self.frame_capacity
        if self.frame_count == 1:
            states = self._frames[slots[:, 0]]
            if out is None:
                return states
            out[...] = states
            return out
        if out is None:
            out = self._empty_states(len(slots))
        for c in range(self.frame_count):
            out[..., c] = self._frames[slots[:, c]]
        return out

    def _gather(self, index: np.ndarray, out: tuple[Any, ...] = (None, None)) -> tuple[np.ndarray, ...]:
        slots = index % self.capacity
        return (
            self._decode(self._s_ids[slots], out[0]),
            self._a[slots],
            self._r[slots],
            self._decode(self._n_ids[slots], out[1]),
            self._d[slots],
        )
