"""Which config a benchmark run uses, and the command-line settings the benchmarks share (``--set``, caps, seeds).

A benchmark runs the scripts' presets (``agents.presets``) with a few changes for measuring
(``bench_config``); ``--set`` and a sweep's samples change fields on top, checked as the
scripts check their flags: a value no run can use is one ``error:`` line before any run starts.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence


UNLIMITED_EPISODES = 10**9


def bench_config(
    agent: str, task: str, preset_name: str, overrides: Optional[dict[str, Any]] = None, source: str = "--set"
) -> tuple[str, str, Any]:
    """``(run name, resolved preset name, config)`` of ``agent`` on ``task`` from the shared preset table.

    CartPole runs the book's test modes (``dqn_test``, ``a2c_test``) where an agent has one.
    The benchmark's cap stops a run, so the episode count becomes unlimited unless it shapes
    a schedule (DQN's epsilon); no model file is kept while it runs (``keep_best`` off: the
    protocol evaluates the current model) and the trainer's own evaluations are off. ``overrides``
    (config fields) come last: a sweep's sampled settings.
    """
    import dataclasses

    from agents.presets import TABLE, get
    from fn_framework.run.config import apply_overrides

    run_name = f"{agent}_test" if task == "cartpole" and f"{agent}_test" in TABLE else agent
    name, config = get(run_name, preset_name)
    episodes = config.episodes if config.episodes_schedule() else UNLIMITED_EPISODES
    config = dataclasses.replace(config, episodes=episodes, keep_best=False, eval_every=0)
    return run_name, name, apply_overrides(config, overrides or {}, source)  # --set, or a sweep's sample


def check_settings(agents: Sequence[str], task: str, presets: Sequence[str], overrides: dict[str, Any],
                   source: str = "--set") -> None:
    """Refuse, before any run starts, a preset or ``--set`` no run can use: one ``error:`` line."""
    from fn_framework.run.errors import UserError

    for agent in agents:
        for preset in presets:
            try:
                bench_config(agent, task, preset, overrides, source)
            except UserError as error:
                raise SystemExit(f"error: {agent}: {error}") from None


def add_solve_flags(parser: Any, cap_steps: int, cap_seconds: float) -> None:
    """The flags the solve benchmarks share (seeds, caps, evaluation, threads, logs); each adds its own."""
    parser.add_argument("--seeds", "--seed", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--cap-steps", type=int, default=cap_steps, help=f"env steps per run (default {cap_steps})")
    parser.add_argument("--cap-seconds", type=float, default=cap_seconds,
                        help=f"train seconds per run (default {cap_seconds:g})")
    parser.add_argument("--eval-every", type=int, default=2000, help="env steps between evaluations (2000)")
    parser.add_argument("--eval-episodes", type=int, default=10, help="greedy episodes per evaluation (10)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for TF intra-op, BLAS and torch (default 1: the nets are tiny; TF inter-op: 1)")
    parser.add_argument("--log-dir", default="", help="trainers' logs and models (default: a new /tmp folder)")
    add_set_flag(parser)


def add_set_flag(parser: Any) -> None:
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="change config fields of the preset, e.g. --set learning_rate=1e-3 n_envs=8")


def parse_value(text: str) -> Any:
    """``"4"`` -> 4, ``"1e-3"`` -> 0.001, ``"true"`` -> True, else the text (command-line settings)."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["field=value", ...]`` (``--set``) -> config overrides."""
    overrides = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise SystemExit(f"error: --set takes field=value, not {item!r}")
        overrides[field.replace("-", "_")] = parse_value(value)
    return overrides
