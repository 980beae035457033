"""Train the book's value-function agent on CartPole, or play with the saved one.

    python scripts/value_function_agent.py            # train (220 episodes, CartPole-v0)
    python scripts/value_function_agent.py --play     # load the saved model and play
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fn_framework.cli import (  # noqa: E402
    finish_training,
    make_env,
    make_parser,
    require_file,
    resume_if_asked,
    run,
    seed_everything,
)

DEFAULT_ENV = "CartPole-v0"
MODEL_FILE = "value_function_agent.pkl"


def main(args: argparse.Namespace) -> int:
    from agents.observers import CartPoleObserver
    from agents.value_function import ValueFunctionAgent, ValueFunctionTrainer

    env = CartPoleObserver(make_env(args.env or DEFAULT_ENV, render=args.render, record=bool(args.record)))
    trainer = ValueFunctionTrainer(log_dir=args.log_dir)
    path = args.model or trainer.logger.path_of(MODEL_FILE)
    seed_everything(args.seed, env)

    if args.play:
        require_file(path, "python scripts/value_function_agent.py")
        agent = ValueFunctionAgent.load(env, path)
        agent.play(env, render=args.render, record=args.record)
        return 0

    resume_if_asked(trainer, args)
    trained = trainer.train(env, episode_count=args.episodes or 220, render=args.render)
    return finish_training(trainer, trained, path)


if __name__ == "__main__":
    run(main, make_parser("The book's value-function agent (scikit-learn MLP) on CartPole.", DEFAULT_ENV))
