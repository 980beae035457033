"""Train the book's DQN agent on Catcher (or its test mode on CartPole), or play with it.

    python scripts/dqn_agent.py                  # train on Catcher-v0 (1200 episodes, lr 1e-4)
    python scripts/dqn_agent.py --play           # play with the best saved model
    python scripts/dqn_agent.py --test           # the book's test mode: CartPole-v0, Dense net
    python scripts/dqn_agent.py --test --play

Models go to ``logs/dqn/``: ``dqn_agent.keras`` (``dqn_agent_test.keras`` in test mode)
is the best model, saved whenever an episode's reward beats the best so far (or ties it,
as CartPole's 200 cap does, with a better mean over the last 10 episodes), so it is on
disk while training runs; ``*_last.keras`` is the model at the end. ``--play`` loads the
best one, or ``--model PATH`` (``.keras`` or ``.h5``; the same flag sets where training
saves). With ``--play``, ``--episodes`` is the number of episodes played (default 5).

Training begins after ``min(200, episodes // 2)`` episodes of random play (the book's 200
warm-up episodes; fewer for short runs so that ``--episodes 5`` still trains).

Beyond the book: ``--double``, ``--huber``, and the parts of Stable-Baselines3's schedule,
for example 128 gradient steps in one compiled call every 256 env steps, the teacher synced
after each, epsilon decayed over 8000 env steps::

    python scripts/dqn_agent.py --test --huber --train-freq 256 --gradient-steps 128 \
        --teacher-update-steps 128 --exploration-steps 8000

(benchmarks/presets.py, preset ``zoo``, adds SB3's learning rate, batch size and epsilon
range; with them it solves CartPole-v1 in 0.28 times SB3 DQN's time, benchmarks/README.md.)
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fn_framework.cli import (  # noqa: E402
    finish_training,
    make_env,
    make_parser,
    positive_int,
    require_file,
    resume_if_asked,
    run,
    seed_everything,
)

DEFAULT_ENV = "Catcher-v0"
TEST_ENV = "CartPole-v0"
MODEL_FILE = "dqn_agent.keras"
TEST_MODEL_FILE = "dqn_agent_test.keras"
LOG_FOLDER = "dqn"  # DeepQNetworkTrainer's log folder, known here before TensorFlow loads


def main(args: argparse.Namespace) -> int:
    from fn_framework.logger import Logger

    # Checked before TensorFlow loads, whose start-up lines would bury the one-line error.
    default_file = TEST_MODEL_FILE if args.test else MODEL_FILE
    path = os.path.abspath(args.model) if args.model else Logger(args.log_dir, LOG_FOLDER).path_of(default_file)
    if args.play:
        require_file(path, "python scripts/dqn_agent.py" + (" --test" if args.test else ""))

    import numpy as np

    from agents.dqn import DeepQNetworkAgent, DeepQNetworkAgentTest, DeepQNetworkTrainer
    from agents.observers import CartPoleObserver, CatcherObserver

    raw_env = make_env(args.env or (TEST_ENV if args.test else DEFAULT_ENV), args.render, bool(args.record))
    if args.test:
        env: Any = CartPoleObserver(raw_env)
        agent_class: type[DeepQNetworkAgent] = DeepQNetworkAgentTest
    else:
        env = CatcherObserver(raw_env, 80, 80, 4)
        agent_class = DeepQNetworkAgent
    trainer = DeepQNetworkTrainer(
        learning_rate=1e-3 if args.test else 1e-4,
        log_dir=args.log_dir,
        file_name=path,
        train_freq=args.train_freq,
        double=args.double,
        huber=args.huber,
        book_net=args.book_net,
        gradient_steps=args.gradient_steps,
        teacher_update_steps=args.teacher_update_steps or 0,
        exploration_steps=args.exploration_steps or 0,
    )
    seed_everything(args.seed, env)

    if args.play:
        agent = agent_class.load(env, path)
        rewards = agent.play(env, episode_count=args.episodes or 5, render=args.render, record=args.record)
        print(f"Average reward over {len(rewards)} episodes: {np.mean(rewards):.1f}")
        return 0

    if args.test:
        print("Train on test mode")
    resume_if_asked(trainer, args)
    episodes = args.episodes or 1200
    agent = trainer.train(
        env, episode_count=episodes, initial_count=min(200, episodes // 2), test_mode=args.test, render=args.render
    )
    if trainer.best_saved:
        print(f"Best model (episode reward {trainer.max_reward:g}) in {path}")
    elif agent.initialized and not trainer.diverged:
        print(f"Model (training began in the last episode) in {path}")
    return finish_training(trainer, agent, trainer.last_model_path)


def make_dqn_parser() -> argparse.ArgumentParser:
    parser = make_parser("The book's DQN agent on Catcher (test mode: CartPole).", DEFAULT_ENV, test_mode=True)
    parser.add_argument("--train-freq", type=positive_int, default=1,
                        help="env steps per gradient step (default 1, the book's)")
    parser.add_argument("--double", action="store_true", help="Double DQN targets (beyond the book)")
    parser.add_argument("--huber", action="store_true", help="Huber loss instead of mse (beyond the book)")
    parser.add_argument("--gradient-steps", type=positive_int, default=1,
                        help="gradient steps per update, in one compiled call (default 1, the book's)")
    parser.add_argument("--teacher-update-steps", type=positive_int, default=None,
                        help="sync the teacher every N gradient steps (default: every 3 training episodes)")
    parser.add_argument("--exploration-steps", type=positive_int, default=None,
                        help="decay epsilon over N env steps (default: over the training episodes)")
    parser.add_argument("--book-net", action="store_true",
                        help="test mode: the book's relu output layer (default: linear output)")
    return parser


if __name__ == "__main__":
    run(main, make_dqn_parser())
