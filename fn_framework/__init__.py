"""The book's function-approximation framework: Experience, FNAgent, Trainer, Observer, Logger."""
import os

# TensorFlow's INFO/WARNING start-up chatter buries the book's progress lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from fn_framework.agent import FNAgent, check_model_fits, load_keras_model  # noqa: E402
from fn_framework.errors import UserError  # noqa: E402
from fn_framework.experience import Experience  # noqa: E402
from fn_framework.logger import Logger  # noqa: E402
from fn_framework.observer import Observer  # noqa: E402
from fn_framework.trainer import Trainer  # noqa: E402

__all__ = [
    "Experience", "FNAgent", "Trainer", "Observer", "Logger", "UserError", "check_model_fits", "load_keras_model",
]
