"""PLE's Catcher as a fast Gymnasium env, identical step for step to gym_ple's ``Catcher-v0`` on pygame 2.

PLE cannot be installed any more, so the book's game is rebuilt here from the behavioural spec
(shared/catcher/CATCHER_SPEC.md) and checked against traces recorded from the real game. Names follow PLE.
"""

from __future__ import annotations

import operator
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

LEFT, RIGHT, NOOP = 0, 1, 2  # PLE's action set: its dict order ("left", "right"), then its appended no-op
_ACTION_HELP = "valid Catcher actions are 0 (left), 1 (right) and 2 (no-op)"
_DT = 1000.0 / 30  # PLE with force_fps=True advances a fixed 1000/fps ms per step, never wall-clock time
_PADDLE_RGB, _FRUIT_RGB = (255, 255, 255), (255, 120, 120)


def _percent_round_int(size: int, percent: float) -> int:
    """PLE's sprite sizes: numpy's round of a fraction of the screen size."""
    return int(np.round(percent * size))


def _pg_int(v: float) -> int:
    """pygame 2 stores Rect coordinates rounded half away from zero (25.5 -> 26); Python's round() would differ."""
    if v >= 0:
        f = int(v)
        return f + 1 if v - f >= 0.5 else f
    f = int(-v)
    return -(f + 1) if -v - f >= 0.5 else -f


class CatcherEnv(gymnasium.Env[np.ndarray, int]):
    """Catch falling fruit with a paddle; +1 per catch, -1 per miss, a further -5 when the last life is lost.

    The state is PLE's: integer sprite centres ``player_x``, ``fruit_x``, ``fruit_y`` and a float ``player_vel``.
    Two quirks of the real game are kept by default so that traces and trained agents carry over:

    * ``fresh_reset_frame=False``: ``reset`` returns the screen as it is (black after construction, otherwise
      the previous episode's last frame), because PLE's reset does not redraw. ``True`` draws the new state.
    * ``catch_as_drawn=False``: PLE blits each sprite with its rect *centre* as top-left corner but collides
      the true rects, so fruit drawn just left of the paddle is caught and fruit over its right end is not.
      ``True`` collides the drawn boxes instead (what a person sees).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 30}  # PLE(game, fps=30)

    def __init__(
        self,
        width: int = 64,
        height: int = 64,
        init_lives: int = 3,
        render_mode: str | None = None,
        fresh_reset_frame: bool = False,
        catch_as_drawn: bool = False,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.width, self.height, self.init_lives = int(width), int(height), int(init_lives)
        self.render_mode = render_mode
        self.fresh_reset_frame = fresh_reset_frame
        self.catch_as_drawn = catch_as_drawn
        self.observation_space = spaces.Box(0, 255, (self.height, self.width, 3), np.uint8)
        self.action_space = spaces.Discrete(3)

        # PLE's size rules (fruit from the height, paddle width and speed from the width).
        self.fruit_size = fs = _percent_round_int(self.height, 0.06)
        self.paddle_width = pw = _percent_round_int(self.width, 0.2)
        self.paddle_height = ph = _percent_round_int(self.height, 0.04)
        self.player_speed = 0.021 * self.width
        self.fruit_fall = 0.00095 * self.height * _DT  # product first, then added to fruit_y (bit-exact)
        self.paddle_y = self.height - ph - 3  # constant centre y of the paddle
        self._spawn_x = range(fs * 2, self.width - fs * 2, fs)
        self._spawn_y = range(fs, self.height // 2, fs)
        self._dx = (-self.player_speed, self.player_speed, 0.0)  # same doubles as PLE's 0.0 -/+ speed

        # Catch test as bounds on the integer centres, derived from pygame's strict colliderect.
        po, pt, fo = (0, self.paddle_y, 0) if catch_as_drawn else (-(pw // 2), self.paddle_y - ph // 2, -(fs // 2))
        self._catch_dx = (fo - po - pw + 1, fo + fs - po - 1)  # fruit_x + lo <= player_x <= fruit_x + hi
        self._catch_y = (pt - fo - fs + 1, pt + ph - fo - 1)  # lo <= fruit_y <= hi

        # One persistent screen, as in PLE, updated in place through a flat byte view: a memoryview slice copy
        # is a plain memcpy, without the per-call overhead of a NumPy slice. Sprites are pre-rendered as bytes.
        self._frame = np.zeros((self.height, self.width, 3), np.uint8)
        self._stride = 3 * self.width
        band = np.zeros((self.width - pw + 1, ph, self.width, 3), np.uint8)  # paddle rows for every player_x
        for x in range(len(band)):
            band[x, :, x:x + pw] = _PADDLE_RGB
        self._bands = [b.tobytes() for b in band]
        self._band_start = self.paddle_y * self._stride
        self._fruit_row = bytes(_FRUIT_RGB * fs)
        self._blank = [bytes(k * self._stride) for k in range(fs + 1)]
        self._fruit_rows = (0, 0)  # screen rows [r0, r1) that the drawn fruit occupies
        self._mv = memoryview(self._frame).cast("B")

        # Unseeded game: PLE's RandomState(24) after the 4 draws of its two construction-time init() calls.
        self._rng = np.random.RandomState(24)
        self._spawn_fruit()
        self._spawn_fruit()
        self._needs_reset = True
        self.player_x, self.player_vel, self.fruit_x, self.fruit_y = 0, 0.0, 0, 0
        self.lives, self.score = self.init_lives, 0.0
        self._window: Any = None
        self._clock: Any = None

    def _spawn_fruit(self) -> None:
        """PLE's Fruit.reset: two ``choice`` draws (x, then depth); ``randint(0, n)`` is the same draw, faster."""
        sx, sy = self._spawn_x, self._spawn_y
        self.fruit_x = sx.start + sx.step * int(self._rng.randint(0, len(sx)))
        self.fruit_y = -(sy.start + sy.step * int(self._rng.randint(0, len(sy))))

    def _info(self) -> dict[str, Any]:
        return {"player_x": self.player_x, "player_vel": self.player_vel, "fruit_x": self.fruit_x,
                "fruit_y": self.fruit_y, "lives": self.lives, "score": self.score}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """PLE's game.init(). A seed acts like gym_ple's ``seed(s)`` then ``reset()``; no seed continues the stream."""
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.RandomState(seed)  # gym_ple installs a fresh RandomState; used from this reset on
        self.score, self.lives = 0.0, self.init_lives
        self.player_vel = 0.0
        self.player_x = _pg_int(self.width / 2 - self.paddle_width / 2)  # 26 for the default game
        self._spawn_fruit()
        self._needs_reset = False
        if self.fresh_reset_frame:
            self._draw()
        if self.render_mode == "human":
            self.render()
        return self._frame.copy(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """One PLE game step of 1000/30 ms; the observation is a copy, so later steps never change it."""
        if self._needs_reset:
            raise gymnasium.error.ResetNeeded("Cannot call env.step() before calling env.reset()")
        if action.__class__ is not int or not 0 <= action <= 2:
            action = self._check_action(action)
        if self.lives == 0:  # PLE after game over: nothing moves, nothing is drawn, no reward
            return self._frame.copy(), 0.0, True, False, self._info()
        score0 = self.score
        px, fy = self.player_x, self.fruit_y
        # Miss, then catch (with the paddle from the start of the step and the fruit as it is now).
        if fy >= self.height:
            self.score -= 1.0
            self.lives -= 1
            self._spawn_fruit()
            fy = self.fruit_y
        lo, hi = self._catch_y
        if lo <= fy <= hi:
            fx = self.fruit_x
            clo, chi = self._catch_dx
            if fx + clo <= px <= fx + chi:
                self.score += 1.0
                self._spawn_fruit()
        # Paddle: velocity impulse with damping, walls tested on the centre as if it were the left edge.
        vel = (self.player_vel + self._dx[action]) * 0.9
        nx = px + vel
        if nx <= 0:
            vel, nx = 0.0, 0
        if nx + self.paddle_width >= self.width:
            vel, nx = 0.0, self.width - self.paddle_width
        self.player_vel = vel
        self.player_x = _pg_int(nx)
        self.fruit_y = _pg_int(self.fruit_y + self.fruit_fall)  # also moves a fruit spawned in this step
        if self.lives == 0:
            self.score -= 5.0
        self._draw()
        if self.render_mode == "human":
            self.render()
        return self._frame.copy(), self.score - score0, self.lives == 0, False, self._info()

    def _check_action(self, action: Any) -> int:
        """Slow path for non-int actions: numpy integers and 0-d integer arrays are fine, anything else is not."""
        try:
            a = operator.index(action)
        except TypeError:
            raise ValueError(f"invalid action {action!r}: {_ACTION_HELP}") from None
        if not 0 <= a <= 2:
            raise ValueError(f"invalid action {action!r}: {_ACTION_HELP}")
        return a

    def _draw(self) -> None:
        """Update the persistent screen like PLE's clear + blit, touching only the rows that can change.

        PLE blits each sprite at its rect centre, so the paddle covers columns px..px+w-1 of its rows and the
        fruit starts at (fruit_x, fruit_y); the fruit is drawn last and covers the paddle where they overlap.
        """
        mv, stride = self._mv, self._stride
        r0, r1 = self._fruit_rows
        if r0 < r1:
            mv[r0 * stride:r1 * stride] = self._blank[r1 - r0]  # only sprites are ever drawn, so blank whole rows
        band = self._bands[self.player_x]
        mv[self._band_start:self._band_start + len(band)] = band  # rewrites the paddle rows, old paddle included
        fy, row = self.fruit_y, self._fruit_row
        r0 = fy if fy > 0 else 0  # clip to the screen: the fruit starts above it and leaves below it
        r1 = min(fy + self.fruit_size, self.height)
        c = 3 * self.fruit_x
        for o in range(r0 * stride + c, r1 * stride + c, stride):
            mv[o:o + len(row)] = row
        self._fruit_rows = (r0, r1 if r1 > r0 else r0)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle/deepcopy support: memoryviews and pygame windows cannot be copied, so rebuild or drop them."""
        state = self.__dict__.copy()
        del state["_mv"]
        state["_window"] = state["_clock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._mv = memoryview(self._frame).cast("B")

    def render(self) -> np.ndarray | None:
        """rgb_array: the current frame; human: the frame enlarged in a pygame window (pygame imported only here)."""
        if self.render_mode == "rgb_array":
            return self._frame.copy()
        if self.render_mode != "human":
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        import pygame

        scale = max(1, 512 // max(self.width, self.height))
        if self._window is None:
            pygame.display.init()  # display only: pygame.init() would also open audio
            pygame.display.set_caption("Catcher")
            self._window = pygame.display.set_mode((self.width * scale, self.height * scale))
            self._clock = pygame.time.Clock()
        surface = pygame.surfarray.make_surface(self._frame.transpose(1, 0, 2))  # pygame wants [x, y]
        self._window.blit(pygame.transform.scale(surface, self._window.get_size()), (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self._clock.tick(self.metadata["render_fps"])
        return None

    def close(self) -> None:
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None


def play() -> None:
    """Play with the arrow keys (Esc quits); a lost game restarts."""
    try:
        import pygame
    except ImportError:
        print("Playing Catcher needs pygame; install it with: pip install pygame")
        raise SystemExit(1) from None
    env = CatcherEnv(render_mode="human", fresh_reset_frame=True)
    env.reset()
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                env.close()
                return
        keys = pygame.key.get_pressed()
        action = LEFT if keys[pygame.K_LEFT] else RIGHT if keys[pygame.K_RIGHT] else NOOP
        _, _, terminated, _, info = env.step(action)
        if terminated:
            print(f"game over, score {info['score']:+.0f}")
            env.reset()


if __name__ == "__main__":
    play()
