"""The book's function-approximation framework (FN/fn_framework.py): Experience, FNAgent, Trainer, Observer, Logger.

Two layers: the book's four concepts here (``agent``, ``trainer``, ``observer``, ``logger``,
``experience``; ``vector`` is the Gymnasium vector env the Trainer's loop steps), and the run
machinery behind them in ``fn_framework.run`` (command line and settings, presets, run folders,
checkpoints, signals, callbacks, recording, model diagrams). Importing it changes nothing global.
"""
from fn_framework.agent import FNAgent, check_model_fits, load_keras_model
from fn_framework.experience import Experience
from fn_framework.logger import Logger
from fn_framework.observer import Observer
from fn_framework.run.errors import UserError
from fn_framework.trainer import Trainer

__all__ = [
    "Experience", "FNAgent", "Trainer", "Observer", "Logger", "UserError", "check_model_fits", "load_keras_model",
]
