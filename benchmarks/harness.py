"""What the learning benchmarks share: thread settings, the train clock, greedy evaluation, agent set-up.

The book's trainers run unchanged, with the scripts' configs (``agents.presets``). A ``Protocol`` counts
env steps and keeps a train clock; when an evaluation is due it pauses the clock, plays greedy
episodes on separate envs with the current agent (``GreedyEvaluator``) and, when the goal is met
or a cap is reached, says the run should stop. It is told of every vector step by one of the
trainer's callbacks (``protocol_callback``, ``fn_framework/run/callbacks.py``: the run's own lifecycle,
no second one) and, for the SB3 peers (``sb3_peer.py``), by an SB3 callback (``sb3_callback``),
so both sides are timed by one piece of code.
"""
from __future__ import annotations

import os
import tempfile
import time
from typing import Any, Callable, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def configure_threads(n: int, torch_too: bool = False, inter: int = 1) -> dict[str, int]:
    """Pin BLAS, TensorFlow's intra-op pool and (``torch_too``, if installed) torch to ``n`` threads.

    TensorFlow's inter-op pool gets ``inter`` (default 1): with as many threads in each pool
    as there are cores, the two pools fight over the cores and a Catcher gradient step is
    slower than with 1 inter-op thread (``benchmarks/dqn_step.py --inter 2``; figures in
    benchmarks/README.md). Returns the settings, to be printed with the figures.

    Call before anything runs a TF op: TF fixes its thread pools at its first op.
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    from fn_framework.run.quiet import import_tensorflow

    tf = import_tensorflow()
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    settings = {"tf_intra_op": n, "tf_inter_op": inter, "blas": n}
    if not torch_too:
        return settings
    try:
        import torch
    except ImportError:
        return settings
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(inter)
    except RuntimeError:  # already set in this process
        pass
    settings.update(torch=torch.get_num_threads(), torch_interop=torch.get_num_interop_threads())
    return settings


class Protocol:
    """Env-step counter, train clock (evaluations excluded), evaluation schedule and caps.

    Args:
        evaluate: plays the greedy evaluation; returns the mean return.
        eval_every_steps: evaluate every this many env steps (0: never by steps).
        eval_every_s: evaluate every this many train seconds (0: never by time).
        goal: stop with ``solved`` at the first evaluation whose mean is ``>= goal``.
        cap_steps, cap_seconds: stop with ``cap`` (after a last evaluation if ``final_eval``).

    ``stop_reason`` is why the run should stop (``solved``, ``cap``; "" while it goes on).
    """

    def __init__(
        self,
        evaluate: Callable[[], float],
        eval_every_steps: int = 0,
        eval_every_s: float = 0.0,
        goal: Optional[float] = None,
        cap_steps: int = 0,
        cap_seconds: float = 0.0,
        final_eval: bool = False,
        on_eval: Optional[Callable[[dict[str, float]], None]] = None,
    ) -> None:
        self.evaluate = evaluate
        self.eval_every_steps = eval_every_steps
        self.eval_every_s = eval_every_s
        self.goal = goal
        self.cap_steps = cap_steps
        self.cap_seconds = cap_seconds
        self.final_eval = final_eval
        self.on_eval = on_eval  # told every evaluation's point (a Ray Tune trial reports it)
        self.steps = 0
        self.curve: list[dict[str, float]] = []  # one point per evaluation
        self.solved_at: Optional[tuple[int, float]] = None
        self.stop_reason = ""
        self._start = time.perf_counter()
        self._eval_s = 0.0
        self._next_eval_s = 0.0 if eval_every_s > 0 else float("inf")

    def start(self) -> None:
        self._start, self._eval_s = time.perf_counter(), 0.0

    def state(self) -> dict[str, Any]:
        """What a resumed run needs: the counters, the curve, the train clock so far, the next evaluation."""
        return {"steps": self.steps, "curve": list(self.curve), "solved_at": self.solved_at,
                "stop_reason": self.stop_reason, "train_s": self.train_s, "next_eval_s": self._next_eval_s}

    def restore(self, state: dict[str, Any]) -> None:
        """Go on from ``state`` (call after ``start``): the train clock continues from its seconds."""
        self.steps, self.curve, self.solved_at = state["steps"], list(state["curve"]), state["solved_at"]
        self.stop_reason, self._next_eval_s = state["stop_reason"], state["next_eval_s"]
        self._start, self._eval_s = time.perf_counter() - state["train_s"], 0.0

    @property
    def train_s(self) -> float:
        return time.perf_counter() - self._start - self._eval_s

    def tick(self, n: int = 1) -> str:
        """Count ``n`` env steps (one vector step); evaluate when due; return ``stop_reason``."""
        if self.stop_reason:
            return self.stop_reason
        every, self.steps = self.eval_every_steps, self.steps + n
        train_s = self.train_s
        due = (every > 0 and self.steps // every > (self.steps - n) // every) or train_s >= self._next_eval_s
        capped = (self.cap_steps > 0 and self.steps >= self.cap_steps) or (
            self.cap_seconds > 0 and train_s >= self.cap_seconds
        )
        if due or (capped and self.final_eval):
            self.run_evaluation()
        if capped and not self.stop_reason:
            self.stop_reason = "cap"
        return self.stop_reason

    def run_evaluation(self) -> float:
        begin = time.perf_counter()
        train_s = begin - self._start - self._eval_s
        mean = float(self.evaluate())
        self._eval_s += time.perf_counter() - begin
        self.curve.append({"wall_s": round(train_s, 3), "env_steps": self.steps, "mean_return": round(mean, 3)})
        if self.on_eval is not None:
            self.on_eval(self.curve[-1])
        while self._next_eval_s <= train_s:
            self._next_eval_s += self.eval_every_s
        if self.goal is not None and mean >= self.goal and self.solved_at is None:
            self.solved_at = (self.steps, train_s)
            self.stop_reason = "solved"
        return mean


def protocol_callback(protocol: Protocol) -> Any:
    """The trainer's callback that tells ``protocol`` of every vector step (``n_copies`` env steps) and stops the run.

    Made here, not imported at the top: importing ``fn_framework`` starts TensorFlow, after ``configure_threads``.
    """
    from fn_framework.run.callbacks import Callback

    class ProtocolCallback(Callback):
        def on_step(self, trainer: Any, step: Any) -> None:
            reason = protocol.tick(trainer.n_copies)
            if reason:
                trainer.stop(reason)

    return ProtocolCallback()


def sb3_callback(protocol: Protocol) -> Any:
    """The same for an SB3 model's ``learn``: one tick per vector step of its ``n_envs`` copies (False stops it)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class _SB3ProtocolCallback(BaseCallback):
        def _on_step(self) -> bool:
            return not protocol.tick(self.model.n_envs)

    return _SB3ProtocolCallback()


class GreedyEvaluator:
    """Play ``episodes`` episodes at once, one per env, acting by ``act(list of observations)`` (``rollout``).

    The envs are seeded once (``seed``, ``seed + 1``, ...) and keep their RNG streams
    between evaluations, so every evaluation sees new episodes.
    """

    def __init__(self, make_env: Callable[[], Any], episodes: int, seed: int) -> None:
        self.envs = [make_env() for _ in range(episodes)]
        self.seed: Optional[int] = seed

    def __call__(self, act: Callable[[list[Any]], Sequence[Any]]) -> float:
        import numpy as np

        from fn_framework.agent import rollout

        seeds = None if self.seed is None else [self.seed + i for i in range(len(self.envs))]
        self.seed = None
        return float(np.mean(rollout(self.envs, act, seeds)))


def make_trainer(config: Any, log_dir: str) -> Any:
    """The trainer of ``config``, logging and saving under ``log_dir``."""
    from fn_framework.run.registry import trainer_class

    return trainer_class(config)(config, log_dir=log_dir)


def greedy_act(trainer: Any) -> Callable[[list[Any]], Any]:
    """The greedy actions of the trainer's current agent for a list of observations (one forward pass)."""
    return lambda obs: trainer.agent.greedy_actions(obs)


BENCH_STATE = "benchmark.pkl"  # beside the trainer's checkpoint: the protocol's and the evaluator's state


def run_trainer(trainer: Any, env: Any, protocol: Protocol, evaluator: Optional["GreedyEvaluator"] = None,
                resume: Optional[str] = None, on_checkpoint: Optional[Callable[[str], None]] = None) -> str:
    """``trainer.train`` on ``env`` under ``protocol``; return why it stopped.

    ``solved``/``cap`` (the protocol), ``interrupted`` (Ctrl-C: the trainer stops cleanly),
    ``diverged``, or ``episodes`` (the trainer's own episode count ran out first).

    ``on_checkpoint(folder)``: after every evaluation the trainer checkpoints at the end of that step,
    with the protocol's and ``evaluator``'s state beside it (a sweep's trial reports it to Ray Tune).
    ``resume``: such a folder; the run goes on from it exactly (the same weights, steps and evaluations).
    """
    import io
    import shutil
    from contextlib import redirect_stdout

    import joblib

    from fn_framework.run.checkpoint import FOLDER, load_checkpoint
    from fn_framework.run.callbacks import Callback

    trainer.callbacks = [*trainer.callbacks, protocol_callback(protocol)]
    protocol.start()
    if resume is not None:
        folder = trainer.logger.path_of(FOLDER)
        shutil.copytree(resume, folder, dirs_exist_ok=True)
        saved = joblib.load(os.path.join(folder, BENCH_STATE))
        protocol.restore(saved["protocol"])
        if evaluator is not None:
            evaluator.envs, evaluator.seed = saved["evaluator_envs"], saved["evaluator_seed"]
        trainer.resume_state = load_checkpoint(folder)
    if on_checkpoint is not None:
        evaluated = protocol.on_eval

        def after_evaluation(point: dict[str, float]) -> None:
            trainer.checkpoint_requested = True
            if evaluated is not None:
                evaluated(point)

        protocol.on_eval = after_evaluation

        class Handover(Callback):
            def on_checkpoint(self, trainer: Any, folder: str) -> None:
                joblib.dump({"protocol": protocol.state(), "evaluator_envs": getattr(evaluator, "envs", None),
                             "evaluator_seed": getattr(evaluator, "seed", None)}, os.path.join(folder, BENCH_STATE))
                on_checkpoint(folder)

        trainer.callbacks = [*trainer.callbacks, Handover()]
    with redirect_stdout(io.StringIO()):  # the book's "Done initialization" lines
        trainer.train(env)
    return trainer.stop_reason or "episodes"


def log_root(path: str = "") -> str:
    """Where runs write the trainers' logs and models: ``path`` or a fresh folder under /tmp."""
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return tempfile.mkdtemp(prefix="bench_")


def seed_all(seed: int, env: Any) -> None:
    """The scripts' ``--seed``: Python, NumPy, TensorFlow (deterministic ops) and the env."""
    import keras

    from fn_framework.run.cli import seed_everything

    keras.backend.clear_session()
    seed_everything(seed, env)


def median(values: Sequence[float]) -> Optional[float]:
    import statistics

    return statistics.median(values) if values else None
